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

use super::stats::{median, present};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    Incidents,
    SloBreach,
}

/// Degradation starts and active days of every feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Degradations {
    pub source: LabelSource,
    /// Days after its start at which a degradation becomes known.
    pub known_after: usize,
    /// Per feature: start days (sorted) and whether a degradation is active on each day.
    pub starts: Vec<Vec<usize>>,
    pub active: Vec<Vec<bool>>,
}

impl Degradations {
    /// Finds the degradations: incidents when any are given, else the SLO rule.
    pub fn find(dataset: &Dataset, events: &[FeatureEvents], rule: &SloRule) -> Self {
        if events.iter().any(|e| !e.incidents.is_empty()) {
            Self::from_incidents(dataset, events)
        } else {
            Self::from_slo(dataset, rule)
        }
    }

    fn from_incidents(dataset: &Dataset, events: &[FeatureEvents]) -> Self {
        let days = dataset.days as i64;
        let mut starts = Vec::new();
        let mut active = Vec::new();
        for feature in events {
            let mut s: Vec<usize> = Vec::new();
            let mut a = vec![false; dataset.days];
            for incident in &feature.incidents {
                if (0..days).contains(&incident.start) {
                    s.push(incident.start as usize);
                }
                for day in incident.start.max(0)..=incident.end.min(days - 1) {
                    a[day as usize] = true;
                }
            }
            s.dedup();
            starts.push(s);
            active.push(a);
        }
        Degradations {
            source: LabelSource::Incidents,
            known_after: 0,
            starts,
            active,
        }
    }

    fn from_slo(dataset: &Dataset, rule: &SloRule) -> Self {
        let mut starts = Vec::new();
        let mut active = Vec::new();
        let confirm = rule.confirm_days.max(1);
        for series in &dataset.features {
            let breach: Vec<bool> = (0..dataset.days)
                .map(|t| slo_breach(series, t, rule))
                .collect();
            let mut s = Vec::new();
            let mut a = vec![false; dataset.days];
            let mut t = 0;
            while t < dataset.days {
                let run = breach[t..].iter().take_while(|b| **b).count();
                if run >= confirm {
                    s.push(t);
                    a[t..t + run].iter_mut().for_each(|d| *d = true);
                    t += run;
                } else {
                    t += run.max(1);
                }
            }
            starts.push(s);
            active.push(a);
        }
        Degradations {
            source: LabelSource::SloBreach,
            known_after: confirm - 1,
            starts,
            active,
        }
    }

    /// Whether a degradation of `feature` starts in days `(t, t + horizon]`.
    pub fn label(&self, feature: usize, t: usize, horizon: usize) -> bool {
        self.starts[feature]
            .iter()
            .any(|&s| s > t && s <= t + horizon)
    }

    /// The first day on which `label(feature, t, horizon)` is fully known.
    pub fn label_known_on(&self, t: usize, horizon: usize) -> usize {
        t + horizon + self.known_after
    }
}

/// Whether day `t` breaches the service level of `series`, against the previous days.
pub fn slo_breach(series: &crate::telemetry::FeatureSeries, t: usize, rule: &SloRule) -> bool {
    let t = t as i64;
    let from = t - rule.baseline_days as i64;
    let ratio_breach = |values: &[Option<f64>], ratio: f64, min_increase: f64| -> bool {
        let Some(today) = values[t as usize] else {
            return false;
        };
        let history = present(values, from, t - 1);
        if history.len() < rule.baseline_days / 2 {
            return false;
        }
        let base = median(&history).unwrap_or(today);
        today > ratio * base && today - base >= min_increase
    };
    ratio_breach(&series.latency_p95_ms, rule.latency_ratio, 0.0)
        || ratio_breach(
            &series.crash_rate,
            rule.crash_ratio,
            rule.crash_min_increase,
        )
        || ratio_breach(
            &series.error_rate,
            rule.error_ratio,
            rule.error_min_increase,
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::{FeatureSeries, Granularity};

    fn dataset(p95: Vec<f64>) -> Dataset {
        let n = p95.len();
        Dataset {
            start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            days: n,
            features: vec![FeatureSeries {
                name: "a".into(),
                sessions: vec![Some(100.0); n],
                latency_p95_ms: p95.into_iter().map(Some).collect(),
                latency_p50_ms: vec![None; n],
                crash_rate: vec![Some(0.001); n],
                error_rate: vec![None; n],
                feedback_score: vec![None; n],
                feedback_count: vec![None; n],
            }],
            granularity: Granularity::Days,
            had_cohorts: false,
            hourly: Vec::new(),
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
        let d = Degradations::find(&data, &events, &SloRule::default());
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
            &SloRule::default(),
        );
        assert_eq!(d.source, LabelSource::SloBreach);
        assert_eq!(d.starts[0], vec![45]);
        assert!(d.active[0][47] && !d.active[0][48] && !d.active[0][35]);
        assert_eq!(d.known_after, 1);
        assert_eq!(d.label_known_on(40, 7), 48);
    }
}
