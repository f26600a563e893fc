//! The degradation label, exactly as the contract defines it.
//!
//! A degradation is an incident for the feature in events.csv. Where the events give no
//! incident at all, it is a breach of the feature's service level, by this rule (every
//! threshold can be changed): on day `t`, p95 latency above `latency_ratio` x its median
//! over the previous `baseline_days`, or the crash rate above `crash_ratio` x its median
//! and at least `crash_min_increase` above it, or (when given) the error rate above
//! `error_ratio` x its median and at least `error_min_increase` above it. A breach that
//! lasts `confirm_days` days in a row starts a degradation on its first day; one-day blips
//! do not. A degradation stays active while the breach lasts, and the rule can only know
//! it `confirm_days - 1` days after its start.

use super::stats::{median_of_sorted, MovingSorted};
use super::FeatureEvents;
use crate::telemetry::Dataset;
use serde::{Deserialize, Serialize};

/// The service-level rule used when no incidents are given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SloRule {
    pub latency_ratio: f64,
    pub crash_ratio: f64,
    pub crash_min_increase: f64,
    pub error_ratio: f64,
    pub error_min_increase: f64,
    pub baseline_days: usize,
    pub confirm_days: usize,
}

impl Default for SloRule {
    fn default() -> Self {
        SloRule {
            latency_ratio: 1.5,
            crash_ratio: 2.0,
            crash_min_increase: 0.001,
            error_ratio: 2.0,
            error_min_increase: 0.005,
            baseline_days: 28,
            confirm_days: 2,
        }
    }
}

/// Where the labels came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// Incidents from the events, on every day of the data.
    Incidents,
    /// The service-level rule, on every day: the events give no incident.
    SloBreach,
    /// The service-level rule until the first incident, incidents from then on.
    SloUntilIncidents,
}

impl LabelSource {
    /// What a degradation is under this source, in words, for the model card.
    pub fn describe(self, rule: &SloRule) -> String {
        let slo = format!(
            "service-level breaches (p95 latency over {:.1}x its 28-day median, or crash rate over {:.1}x, for {} days in a row)",
            rule.latency_ratio, rule.crash_ratio, rule.confirm_days
        );
        match self {
            LabelSource::Incidents => "incidents from events.csv".to_string(),
            LabelSource::SloBreach => format!("{slo}, since the events give no incident"),
            LabelSource::SloUntilIncidents => {
                format!("{slo} until the first incident in the events, and incidents from then on")
            }
        }
    }
}

/// Degradation starts and active days of every feature.
///
/// **No look-ahead.** Whatever is said of day `t` depends only on the telemetry and the
/// events up to `t`. The label source is therefore chosen per day, not per file: the
/// incident log counts from the day of the first incident in the events (for any
/// feature, even one the telemetry lacks, and even before the data starts), and before
/// that day the service-level rule stands in. An incident added later in the file cannot
/// change what the earlier days were labelled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Degradations {
    pub source: LabelSource,
    /// The first day on which incidents are the labels (None: the events give none).
    pub incidents_from: Option<i64>,
    /// Days after its start at which a degradation becomes known.
    pub known_after: usize,
    /// Per feature: start days (sorted).
    pub starts: Vec<Vec<usize>>,
    /// Per feature and day: whether a degradation is known to be under way on that day,
    /// from what is known on that day (a breach counts from the day it is confirmed).
    pub active: Vec<Vec<bool>>,
    /// Per feature: its confirmed runs of service-level breaches, whatever the label
    /// source (what is happening now, for the feature's state), in day order.
    pub breaches: Vec<Vec<BreachRun>>,
}

/// A run of days breaching the service level that lasted at least `confirm_days`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreachRun {
    /// Its first day.
    pub start: usize,
    /// The day that confirmed it (`start + confirm_days - 1`).
    pub confirmed: usize,
    /// Which metrics breached on each of its days (bits: [`BREACH_LATENCY`],
    /// [`BREACH_CRASHES`], [`BREACH_ERRORS`]), from `start`.
    pub metrics: Vec<u8>,
}

/// p95 latency breached its service level.
pub const BREACH_LATENCY: u8 = 1;
/// The crash rate breached its service level.
pub const BREACH_CRASHES: u8 = 2;
/// The error rate breached its service level.
pub const BREACH_ERRORS: u8 = 4;

impl BreachRun {
    /// The last day of the run.
    pub fn end(&self) -> usize {
        self.start + self.metrics.len() - 1
    }
}

impl Degradations {
    /// Finds the degradations. `incidents_from` is the day (on the dataset's index) of the
    /// earliest incident in the events, whatever feature it concerns; `events` holds each
    /// feature's incidents.
    pub fn find(
        dataset: &Dataset,
        events: &[FeatureEvents],
        incidents_from: Option<i64>,
        rule: &SloRule,
    ) -> Self {
        let days = dataset.days;
        let confirm = rule.confirm_days.max(1);
        // Days before the incident log starts use the service-level rule.
        let slo_until = incidents_from.map_or(days as i64, |d| d.clamp(0, days as i64)) as usize;
        // Each feature's degradations are its own: found on the machine's cores.
        let per_feature = crate::analysis::map_indices(dataset.features.len(), |f| {
            let series = &dataset.features[f];
            let mut s: Vec<usize> = Vec::new();
            let mut a = vec![false; days];
            let mut runs: Vec<BreachRun> = Vec::new();
            // A run of breaches starts a degradation on its first day once it has lasted
            // `confirm` days (while the service-level rule is the label source); the
            // degradation is known to be under way from the day that confirms it, while
            // the breach lasts. Runs are kept whatever the source: they say what is
            // happening now.
            let mut run = 0usize;
            let mut masks: Vec<u8> = Vec::new();
            let mut breaches = SloBreaches::default();
            for t in 0..days {
                let mask = breaches.on(series, t, rule);
                if mask != 0 {
                    run += 1;
                    masks.push(mask);
                } else {
                    run = 0;
                    masks.clear();
                }
                if run == confirm {
                    if t + 1 - confirm < slo_until {
                        s.push(t + 1 - confirm);
                    }
                    runs.push(BreachRun {
                        start: t + 1 - confirm,
                        confirmed: t,
                        metrics: masks.clone(),
                    });
                } else if run > confirm {
                    if let Some(last) = runs.last_mut() {
                        last.metrics.push(mask);
                    }
                }
                if run >= confirm && t + 1 - run < slo_until {
                    a[t] = true;
                }
            }
            if let Some(feature_events) = events.get(f) {
                for incident in &feature_events.incidents {
                    if (0..days as i64).contains(&incident.start) {
                        s.push(incident.start as usize);
                    }
                    let from = incident.start.max(0);
                    let to = incident.end.min(days as i64 - 1);
                    for day in from..=to {
                        a[day as usize] = true;
                    }
                }
            }
            s.sort_unstable();
            s.dedup();
            (s, a, runs)
        });
        let mut starts = Vec::with_capacity(per_feature.len());
        let mut active = Vec::with_capacity(per_feature.len());
        let mut breaches = Vec::with_capacity(per_feature.len());
        for (s, a, runs) in per_feature {
            starts.push(s);
            active.push(a);
            breaches.push(runs);
        }
        let source = match incidents_from {
            None => LabelSource::SloBreach,
            Some(d) if d <= 0 => LabelSource::Incidents,
            Some(_) => LabelSource::SloUntilIncidents,
        };
        Degradations {
            source,
            incidents_from,
            known_after: if source == LabelSource::Incidents {
                0
            } else {
                confirm - 1
            },
            starts,
            active,
            breaches,
        }
    }

    /// The breach of `feature`'s service level known to be under way on day `t`, if any:
    /// its run and the metrics breaching that day (from what is known on `t`).
    pub fn breach_on(&self, feature: usize, t: usize) -> Option<(&BreachRun, u8)> {
        let run = self
            .breaches
            .get(feature)?
            .iter()
            .rev()
            .find(|r| r.start <= t)?;
        (run.confirmed <= t && t <= run.end()).then(|| (run, run.metrics[t - run.start]))
    }

    /// Whether a degradation of `feature` starts in days `(t, t + horizon]`.
    pub fn label(&self, feature: usize, t: usize, horizon: usize) -> bool {
        self.starts[feature]
            .iter()
            .any(|&s| s > t && s <= t.saturating_add(horizon))
    }

    /// The first day on which `label(feature, t, horizon)` is fully known.
    pub fn label_known_on(&self, t: usize, horizon: usize) -> usize {
        t.saturating_add(horizon).saturating_add(self.known_after)
    }

    /// All degradation starts.
    pub fn count(&self) -> usize {
        self.starts.iter().map(Vec::len).sum()
    }
}

/// Whether day `t` breaches the service level of `series`, against the previous days,
/// for days asked for in order: each metric's history is kept sorted from one day to the
/// next.
#[derive(Debug, Default)]
struct SloBreaches {
    /// p95 latency's, the crash rate's and the error rate's histories.
    windows: [MovingSorted; 3],
}

impl SloBreaches {
    /// Which metrics breach on day `t` (bits as in [`BreachRun::metrics`]; 0: none).
    fn on(&mut self, series: &crate::telemetry::FeatureSeries, t: usize, rule: &SloRule) -> u8 {
        let days = rule.baseline_days;
        let checks = [
            (&series.latency_p95_ms, rule.latency_ratio, 0.0),
            (
                &series.crash_rate,
                rule.crash_ratio,
                rule.crash_min_increase,
            ),
            (
                &series.error_rate,
                rule.error_ratio,
                rule.error_min_increase,
            ),
        ];
        let bits = [BREACH_LATENCY, BREACH_CRASHES, BREACH_ERRORS];
        checks
            .into_iter()
            .zip(&mut self.windows)
            .zip(bits)
            .map(|(((values, ratio, min_increase), window), bit)| {
                let Some(today) = values.at(t) else {
                    return 0;
                };
                let from = t.saturating_sub(days) as i64;
                let history = window.sorted(from, t as i64 - 1, |s| values.at(s as usize));
                if history.len() < days / 2 {
                    return 0;
                }
                let base = if history.is_empty() {
                    today
                } else {
                    median_of_sorted(history)
                };
                if today > ratio * base && today - base >= min_increase {
                    bit
                } else {
                    0
                }
            })
            .fold(0, |mask, bit| mask | bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::{FeatureSeries, Granularity, Values};

    fn dataset(p95: Vec<f64>) -> Dataset {
        let n = p95.len();
        Dataset {
            start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            days: n,
            features: vec![FeatureSeries {
                name: "a".into(),
                sessions: vec![Some(100.0); n].into(),
                latency_p95_ms: p95.into_iter().map(Some).collect(),
                latency_p50_ms: vec![None; n].into(),
                crash_rate: vec![Some(0.001); n].into(),
                error_rate: vec![None; n].into(),
                feedback_score: vec![None; n].into(),
                feedback_count: vec![None; n].into(),
            }],
            granularity: Granularity::Days,
            had_cohorts: false,
            cohorts: Vec::new(),
            breakdown: Vec::new(),
            hourly: Vec::new(),
        }
    }

    #[test]
    fn breaches_found_day_by_day_equal_those_from_each_day_s_own_median() {
        // Each day against the median of its own history, found by selection.
        fn direct(values: &Values, t: usize, days: usize, ratio: f64, min: f64) -> bool {
            let Some(today) = values.at(t) else {
                return false;
            };
            let mut history: Vec<f64> = values.slots(t.saturating_sub(days)..t).flatten().collect();
            if history.len() < days / 2 {
                return false;
            }
            let base = crate::analysis::stats::median_in_place(&mut history).unwrap_or(today);
            today > ratio * base && today - base >= min
        }
        let mut state = 11u64;
        let mut draw = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        for baseline_days in [0, 1, 2, 7, 28, 70] {
            let rule = SloRule {
                baseline_days,
                ..SloRule::default()
            };
            let mut data = dataset(vec![100.0; 200]);
            let series = &mut data.features[0];
            for t in 0..200 {
                // Gaps, ties, steps and spikes, in every metric.
                let (a, b, c) = (draw(), draw(), draw());
                series.latency_p95_ms.set(
                    t,
                    (a > 0.15).then(|| (100.0 + 80.0 * (b * 4.0).floor()) * (1.0 + c)),
                );
                series
                    .crash_rate
                    .set(t, (b > 0.2).then(|| 0.001 + 0.004 * (a * 3.0).floor() * c));
                series
                    .error_rate
                    .set(t, (c > 0.5).then(|| 0.01 * (1.0 + (a * 3.0).floor())));
            }
            let series = &data.features[0];
            let mut breaches = SloBreaches::default();
            let mut found = 0;
            for t in 0..200 {
                let expected = direct(
                    &series.latency_p95_ms,
                    t,
                    baseline_days,
                    rule.latency_ratio,
                    0.0,
                ) || direct(
                    &series.crash_rate,
                    t,
                    baseline_days,
                    rule.crash_ratio,
                    rule.crash_min_increase,
                ) || direct(
                    &series.error_rate,
                    t,
                    baseline_days,
                    rule.error_ratio,
                    rule.error_min_increase,
                );
                assert_eq!(
                    breaches.on(series, t, &rule) != 0,
                    expected,
                    "day {t}, {baseline_days} days"
                );
                found += usize::from(expected);
            }
            // No history: each day is its own base, and never breaches it.
            let expected = if baseline_days == 0 { 0..1 } else { 6..195 };
            assert!(
                expected.contains(&found),
                "{baseline_days} days: {found} breaches"
            );
        }
    }

    #[test]
    fn incidents_are_the_degradations_when_given() {
        let data = dataset(vec![100.0; 40]);
        let events = vec![FeatureEvents {
            deploys: vec![],
            incidents: vec![super::super::Incident {
                start: 20,
                end: 22,
                title: "500s".into(),
                severity: Some(2),
            }],
        }];
        let d = Degradations::find(&data, &events, Some(0), &SloRule::default());
        assert_eq!(d.source, LabelSource::Incidents);
        assert_eq!(d.starts[0], vec![20]);
        assert!(d.active[0][20] && d.active[0][22] && !d.active[0][23]);
        assert!(d.label(0, 13, 7), "day 13 + 7 reaches day 20");
        assert!(!d.label(0, 12, 7));
        assert!(
            !d.label(0, 20, 7),
            "a degradation starting today is not in (t, t+h]"
        );
        assert_eq!(d.label_known_on(13, 7), 20);
    }

    #[test]
    fn slo_rule_needs_two_breach_days_and_ignores_blips() {
        let mut p95 = vec![100.0; 60];
        p95[35] = 400.0; // a one-day blip
        p95[45] = 160.0; // a sustained breach from day 45
        p95[46] = 170.0;
        p95[47] = 180.0;
        let d = Degradations::find(
            &dataset(p95),
            &[FeatureEvents::default()],
            None,
            &SloRule::default(),
        );
        assert_eq!(d.source, LabelSource::SloBreach);
        assert_eq!(d.starts[0], vec![45]);
        // Day 45 alone does not say a degradation is under way: only day 46 confirms it.
        assert!(!d.active[0][45] && d.active[0][46] && d.active[0][47]);
        assert!(!d.active[0][48] && !d.active[0][35]);
        assert_eq!(d.known_after, 1);
        assert_eq!(d.label_known_on(40, 7), 48);
    }

    #[test]
    fn the_rule_stands_in_until_the_first_incident_and_never_looks_ahead() {
        let mut p95 = vec![100.0; 80];
        for t in [40, 41, 60, 61] {
            p95[t] = 200.0;
        }
        let data = dataset(p95);
        let incident = |start: i64| FeatureEvents {
            deploys: vec![],
            incidents: vec![super::super::Incident {
                start,
                end: start,
                title: "x".into(),
                severity: None,
            }],
        };
        let rule = SloRule::default();
        // The incident log starts on day 50: the breach of day 40 is a degradation, the
        // breach of day 60 is not (incidents are the labels by then).
        let d = Degradations::find(&data, &[incident(70)], Some(50), &rule);
        assert_eq!(d.source, LabelSource::SloUntilIncidents);
        assert_eq!(d.starts[0], vec![40, 70]);
        assert!(d.active[0][41] && !d.active[0][61]);
        // An incident logged before the data: incidents only, from the first day.
        let d = Degradations::find(&data, &[FeatureEvents::default()], Some(-400), &rule);
        assert_eq!(d.source, LabelSource::Incidents);
        assert_eq!(d.count(), 0);
        // Whatever the future holds, the days before it are labelled the same.
        let early = Degradations::find(&data, &[FeatureEvents::default()], None, &rule);
        assert_eq!(early.starts[0], vec![40, 60]);
        let later = Degradations::find(&data, &[incident(75)], Some(75), &rule);
        assert_eq!(later.starts[0], vec![40, 60, 75]);
        assert_eq!(early.active[0][..75], later.active[0][..75]);
    }
}
