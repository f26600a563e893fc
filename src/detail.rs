//! Everything the feature view shows about one feature: its metrics over time with
//! baseline band, anomalies and sustained changes (level or trend), its events, its risk over time, today's
//! signal contributions, its sentences and a recommended action.

use crate::analysis::changepoints::{changes, ChangeKind, Changepoint};
use crate::analysis::hourly::{daily_peaks, HourlyPeak, ANOMALOUS_HOUR};
use crate::analysis::signals::{transformed, untransform, MetricSignals, Signals};
use crate::analysis::FeatureEvents;
use crate::impact::Tier;
use crate::model::features::{INPUTS, N_INPUTS};
use crate::report::{Analysis, BacktestRow, Contribution, FeatureStatus};
use crate::telemetry::{EventKind, Metric};
use crate::why::{group_effects, GroupEffect, VISIBLE};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Anomaly threshold for the markers, in noise units (today against baseline).
pub const ANOMALY_Z: f64 = 3.5;

/// One metric's panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricPanel {
    pub metric: Metric,
    #[serde(deserialize_with = "crate::interned::text")]
    pub title: crate::interned::Text,
    #[serde(deserialize_with = "crate::interned::text")]
    pub unit: crate::interned::Text,
    pub values: Vec<Option<f64>>,
    /// A second line in the same panel (p50 under p95).
    #[serde(deserialize_with = "crate::interned::named_series")]
    pub secondary: Option<(crate::interned::Text, Vec<Option<f64>>)>,
    /// The expected range: baseline (with the weekly pattern) +- 2 noise units.
    pub band_low: Vec<Option<f64>>,
    pub band_high: Vec<Option<f64>>,
    /// Days whose value was more than `ANOMALY_Z` noise units from the baseline.
    pub anomalies: Vec<usize>,
    /// For hourly data: the days whose most anomalous hour scored at least
    /// `ANOMALOUS_HOUR`, with that hour (empty for daily data).
    pub anomalous_hours: Vec<HourlyPeak>,
    /// Sustained changes: (first day of the new level or trend, the change in words,
    /// starting "level" or "trend", naming the deploy it followed if any).
    pub changepoints: Vec<(usize, String)>,
}

/// A deploy or incident on the feature's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub kind: EventKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub title: String,
}

/// The feature view's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDetail {
    pub feature: String,
    pub status: FeatureStatus,
    pub dates: Vec<NaiveDate>,
    pub panels: Vec<MetricPanel>,
    pub risk: Vec<Option<f64>>,
    pub events: Vec<TimelineEvent>,
    /// Each signal's push on today's risk (technical detail, in log-odds).
    pub contributions: Vec<Contribution>,
    /// Why, in words: each group of signals' change and its effect on the risk, largest
    /// push first.
    pub why: Vec<GroupEffect>,
    pub sentence: String,
    pub action: String,
    /// The group of signals whose return to normal would lower today's risk most, in
    /// words.
    pub biggest_lever: Option<String>,
    /// For hourly data: the last day's most anomalous hour, in words.
    pub hourly_note: Option<String>,
    /// Where the latest change lives, by cohort (files with cohort columns).
    pub cohorts: Option<crate::cohorts::Breakdown>,
    /// The latest release (app version, or deploy) against the one before.
    pub release: Option<crate::cohorts::release::ReleaseComparison>,
    /// Each health metric's drift (those with enough days).
    pub drift: Vec<crate::analysis::drift::Drift>,
}

impl FeatureDetail {
    /// The feature view in plain text (for `feature-radar explain`): its standing, the
    /// sentence, the action, the biggest lever, the signals behind the risk, the sustained
    /// changes, the recent anomalies, the hourly note, and how early each of its past
    /// degradations was warned.
    pub fn to_text(&self, backtest: &[BacktestRow]) -> String {
        let s = &self.status;
        let mut out = format!(
            "{}: {} on {} (risk {:.0}% that a degradation starts within the horizon, impact {:.0} sessions, {:.0} sessions in 7 days)\nState: {}\n{}\nRecommended: {}\n",
            self.feature,
            s.tier.as_str(),
            s.date,
            s.risk * 100.0,
            s.impact,
            s.sessions_7d,
            match &s.under_way {
                Some(u) => u.text.clone(),
                None => s.state.label().to_string(),
            },
            self.sentence,
            self.action
        );
        if let Some(lever) = &self.biggest_lever {
            out.push_str(&format!("{lever}\n"));
        }
        let why: Vec<&GroupEffect> = self
            .why
            .iter()
            .filter(|e| e.log_odds.abs() >= VISIBLE)
            .collect();
        if !why.is_empty() {
            out.push_str("\nWhy:\n");
            for e in why {
                out.push_str(&format!("  {}\n", e.text));
            }
        }
        let pushes: Vec<&Contribution> = self
            .contributions
            .iter()
            .filter(|c| c.log_odds.abs() >= 0.05)
            .collect();
        if !pushes.is_empty() {
            out.push_str(
                "\nTechnical detail, each signal's push (log-odds against an average day):\n",
            );
            for c in pushes {
                out.push_str(&format!(
                    "  {:+.2}  {}{}\n",
                    c.log_odds,
                    c.signal,
                    c.description
                        .as_ref()
                        .map_or(String::new(), |d| format!(": {d}"))
                ));
            }
        }
        let date = |day: usize| self.dates[day];
        let mut changes: Vec<(usize, String)> = self
            .panels
            .iter()
            .flat_map(|p| {
                p.changepoints
                    .iter()
                    .map(move |(day, text)| (*day, format!("  {} {}: {text}", date(*day), p.title)))
            })
            .collect();
        crate::sorting::sort_by_key(&mut changes, |(day, _)| *day);
        out.push_str("\nSustained changes (level or trend):\n");
        if changes.is_empty() {
            out.push_str("  none\n");
        }
        for (_, line) in changes {
            out.push_str(&format!("{line}\n"));
        }
        let recent = self.dates.len().saturating_sub(14);
        let anomalies: Vec<String> = self
            .panels
            .iter()
            .filter_map(|p| {
                let days: Vec<String> = p
                    .anomalies
                    .iter()
                    .filter(|d| **d >= recent)
                    .map(|d| date(*d).to_string())
                    .collect();
                (!days.is_empty()).then(|| format!("  {}: {}", p.title, days.join(", ")))
            })
            .collect();
        out.push_str("\nAnomalous days in the last 14:\n");
        if anomalies.is_empty() {
            out.push_str("  none\n");
        }
        for line in anomalies {
            out.push_str(&format!("{line}\n"));
        }
        if let Some(note) = &self.hourly_note {
            out.push_str(&format!("\n{note}\n"));
        }
        if let Some(cohorts) = &self.cohorts {
            out.push_str("\nBy cohort (the last 7 days against the 28 before):\n");
            if cohorts.findings.is_empty() {
                out.push_str("  no metric changed by 10% or more, overall or in any cohort\n");
            }
            for f in &cohorts.findings {
                out.push_str(&format!("  {}\n", f.sentence));
            }
        }
        if let Some(release) = &self.release {
            out.push_str(&format!("\nLatest release: {}\n", release.sentence));
        }
        out.push_str(&format!(
            "\n{}\n",
            crate::analysis::drift::summary(&self.drift)
        ));
        let own: Vec<&BacktestRow> = backtest
            .iter()
            .filter(|b| b.feature == self.feature)
            .collect();
        if !own.is_empty() {
            out.push_str("\nPast degradations, and how early the tool warned:\n");
            for b in own {
                let lead = |first: Option<NaiveDate>, days: Option<usize>| match (first, days) {
                    (Some(d), Some(n)) => format!("from {d} ({n} days ahead)"),
                    _ => "not ahead".to_string(),
                };
                out.push_str(&format!(
                    "  {}{}: watch {}; investigate {}{}\n",
                    b.start,
                    b.title.as_ref().map_or(String::new(), |t| format!(" {t}")),
                    lead(b.first_watch, b.watch_lead_days),
                    lead(b.first_investigate, b.investigate_lead_days),
                    if b.model_existed {
                        ""
                    } else {
                        " (the model was still warming up)"
                    }
                ));
            }
        }
        out
    }
}

fn metric_signals(s: &Signals, metric: Metric) -> Option<MetricSignals> {
    match metric {
        Metric::LatencyP95 => s.latency_p95,
        Metric::CrashRate => s.crash_rate,
        Metric::ErrorRate => s.error_rate,
        Metric::FeedbackScore => s.feedback,
        Metric::Sessions => s.sessions,
        Metric::LatencyP50 => None,
    }
}

/// A sustained change in words: "level +40%", or "trend +3.1%/day (was +0.0%/day)".
fn describe_change(metric: Metric, change: &Changepoint) -> String {
    match change.kind {
        ChangeKind::Level => describe_shift(metric, change.before, change.after),
        ChangeKind::Trend => {
            let per_day = |slope: f64| match metric {
                Metric::LatencyP95 | Metric::LatencyP50 | Metric::Sessions => {
                    format!("{:+.1}%/day", (slope.exp() - 1.0) * 100.0)
                }
                Metric::CrashRate | Metric::ErrorRate => format!(
                    "{:+.3} points/day",
                    (untransform(metric, change.at + slope) - untransform(metric, change.at))
                        * 100.0
                ),
                Metric::FeedbackScore => format!("{slope:+.3}/day"),
            };
            format!(
                "trend {} (was {})",
                per_day(change.after),
                per_day(change.before)
            )
        }
    }
}

fn describe_shift(metric: Metric, before: f64, after: f64) -> String {
    match metric {
        Metric::LatencyP95 | Metric::LatencyP50 | Metric::Sessions => {
            format!("level {:+.0}%", ((after - before).exp() - 1.0) * 100.0)
        }
        Metric::CrashRate | Metric::ErrorRate => format!(
            "level {:.2}% -> {:.2}%",
            untransform(metric, before) * 100.0,
            untransform(metric, after) * 100.0
        ),
        Metric::FeedbackScore => format!("level {before:.2} -> {after:.2}"),
    }
}

/// Days before a change within which a deploy is named as its likely cause: the change
/// starts on the deploy's day or within the two days after it.
pub const DEPLOY_WINDOW_DAYS: i64 = 2;

/// The deploy that a change starting on `day` most likely followed: the latest deploy
/// of the feature (or of every feature) at most `DEPLOY_WINDOW_DAYS` days before it.
pub fn attribute_to_deploy(events: &FeatureEvents, day: usize) -> Option<&str> {
    let day = day as i64;
    events
        .deploys
        .iter()
        .rev()
        .find(|(d, _)| *d <= day && day - *d <= DEPLOY_WINDOW_DAYS)
        .map(|(_, title)| title.as_ref())
}

/// A sustained change that the charts tie to a deploy (it began on the deploy's day or
/// within [`DEPLOY_WINDOW_DAYS`] after it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployChange {
    pub day: usize,
    pub date: NaiveDate,
    /// The metric, as people say it: "p95 latency".
    pub metric: String,
    /// The change in words: "trend +3.1%/day (was +0.0%/day)".
    pub change: String,
    pub deploy: String,
}

/// What to do about a feature, from its state first (a degradation under way is worked
/// now, not warned about), then its tier, its strongest group of signals and the deploys:
/// a deploy that the charts tie to a metric's current level or trend is named, so the
/// advice never says there was none while a chart says otherwise. `tied` are the metrics'
/// latest changes that the charts tie to a deploy, oldest first; `began_after`, the
/// deploy a degradation under way began on or after (its title and the days between).
pub fn recommended_action(
    status: &FeatureStatus,
    signals: &Signals,
    why: &[GroupEffect],
    tied: &[DeployChange],
    began_after: Option<(&str, i64)>,
) -> String {
    let top = why
        .iter()
        .filter(|e| e.log_odds >= VISIBLE)
        .max_by(|a, b| a.log_odds.total_cmp(&b.log_odds))
        .map(|e| e.change.clone());
    let recent = match (signals.days_since_deploy, signals.last_deploy.as_deref()) {
        (Some(days), Some(title)) if (0..=7).contains(&days) => Some(format!(
            "{title}, deployed {days} day{} ago",
            if days == 1 { "" } else { "s" }
        )),
        _ => None,
    };
    let deploys = match (began_after, tied.last(), &recent) {
        (Some((title, 0)), _, _) => format!(
            "It began on the day of deploy {title}: check that deploy first, and be ready to roll it back. "
        ),
        (Some((title, days)), _, _) => format!(
            "It began {} after deploy {title}: check that deploy first, and be ready to roll it back. ",
            crate::insights::counted(days as usize, "day", "days")
        ),
        (None, Some(last), _) => {
            // Every metric whose current level or trend began after that deploy.
            let same: Vec<&DeployChange> =
                tied.iter().filter(|c| c.deploy == last.deploy).collect();
            let mut metrics: Vec<&str> = same.iter().map(|c| c.metric.as_str()).collect();
            metrics.dedup();
            let began = same.iter().map(|c| c.date).min().unwrap_or(last.date);
            format!(
                "The charts tie the change in {} that began on {began} to deploy {}, and it has lasted since: check that deploy first, and be ready to roll it back. ",
                metrics.join(" and "),
                last.deploy
            )
        }
        (None, None, Some(d)) => {
            format!("Check whether it began with {d}, and be ready to roll it back. ")
        }
        (None, None, None) => "No deploy in the last week, and the charts tie none to the metrics' current levels and trends: look at dependencies, traffic mix and configuration changes. ".to_string(),
    };
    if let Some(u) = &status.under_way {
        let mut text = String::from("Act now, it is under way: ");
        match &u.incident {
            Some(title) => text.push_str(&format!(
                "work the open incident \"{title}\" (since {}). ",
                u.since
            )),
            None => text.push_str(&format!(
                "{} past its service level since {}, with no incident logged: open one. ",
                u.breaching.join(" and "),
                u.since
            )),
        }
        if let Some(t) = &top {
            text.push_str(&format!("The clearest sign: {t}. "));
        }
        text.push_str(&deploys);
        text.push_str("Keep support and the affected users informed until it ends.");
        return text;
    }
    match status.tier {
        Tier::Investigate => {
            let mut text = String::from("Investigate now: ");
            match &top {
                Some(t) => text.push_str(&format!("start with the strongest signal ({t}). ")),
                None => text.push_str("look at the metrics below for the first sign of change. "),
            }
            text.push_str(&deploys);
            text.push_str("Tell the owning team before users feel it.");
            text
        }
        Tier::Watch => {
            let mut text = String::from("Watch: re-check tomorrow");
            if let Some(t) = &top {
                text.push_str(&format!(", with an eye on {t}"));
            }
            text.push_str("; review the next deploy of this feature closely.");
            text
        }
        Tier::Monitor => "Monitor: nothing stands out; it stays on the daily scan.".to_string(),
    }
}

impl Analysis {
    /// The feature view of feature `f`, whose ranking entry is `status`.
    pub fn feature_detail(&self, f: usize, status: &FeatureStatus) -> FeatureDetail {
        let series = &self.dataset.features[f];
        let days = self.dataset.days;
        let signals = self.feature_signals(f);
        let specs: [(Metric, &str, &str); 5] = [
            (Metric::LatencyP95, "Latency p95", "ms"),
            (Metric::CrashRate, "Crash rate", "%"),
            (Metric::ErrorRate, "Error rate", "%"),
            (Metric::FeedbackScore, "Feedback score", "of 5"),
            (Metric::Sessions, "Sessions", "per day"),
        ];
        let percent = |m: Metric, v: f64| match m {
            Metric::CrashRate | Metric::ErrorRate => v * 100.0,
            _ => v,
        };
        let mut panels = Vec::new();
        let last = self.dataset.day_of(status.date).unwrap_or(days - 1);
        let mut hourly_worst: Option<(Metric, &str, &str, HourlyPeak)> = None;
        let mut tied: Vec<DeployChange> = Vec::new();
        for (metric, title, unit) in specs {
            let values: Vec<Option<f64>> = series
                .metric(metric)
                .iter()
                .map(|v| v.map(|v| percent(metric, v)))
                .collect();
            if values.iter().all(Option::is_none) {
                continue;
            }
            let band = |sign: f64| -> Vec<Option<f64>> {
                (0..days)
                    .map(|t| {
                        metric_signals(&signals[t], metric).map(|m| {
                            percent(
                                metric,
                                untransform(
                                    metric,
                                    m.baseline + m.seasonal_offset + sign * 2.0 * m.scale,
                                ),
                            )
                        })
                    })
                    .collect()
            };
            let anomalies = (0..days)
                .filter(|t| {
                    series.metric(metric)[*t].is_some()
                        && metric_signals(&signals[*t], metric)
                            .is_some_and(|m| m.z_today.abs() > ANOMALY_Z)
                })
                .collect();
            let (scaled, _) = transformed(series, metric);
            let deploys = &self.feature_events[f];
            let found = changes(&scaled);
            let latest = found.iter().map(|c| c.day).max();
            let changepoints = found
                .into_iter()
                .map(|c| {
                    let mut text = describe_change(metric, &c);
                    let deploy = attribute_to_deploy(deploys, c.day);
                    // The metric's current level or trend began after this deploy.
                    if let Some(title) = deploy.filter(|_| Some(c.day) == latest) {
                        tied.push(DeployChange {
                            day: c.day,
                            date: self.dataset.date(c.day),
                            metric: metric.spoken().to_string(),
                            change: text.clone(),
                            deploy: title.to_string(),
                        });
                    }
                    if let Some(title) = deploy {
                        text.push_str(&format!(" after deploy {title}"));
                    }
                    (c.day, text)
                })
                .collect();
            let peaks = self
                .dataset
                .hourly
                .get(f)
                .map(|hours| daily_peaks(hours, metric, self.dataset.start, days))
                .unwrap_or_default();
            if let Some(peak) = peaks.get(last).copied().flatten() {
                if hourly_worst.is_none_or(|(_, _, _, p): (Metric, &str, &str, HourlyPeak)| {
                    peak.score > p.score
                }) {
                    hourly_worst = Some((metric, title, unit, peak));
                }
            }
            let anomalous_hours = peaks
                .into_iter()
                .flatten()
                .filter(|p| p.score >= ANOMALOUS_HOUR)
                .map(|p| HourlyPeak {
                    value: percent(metric, p.value),
                    ..p
                })
                .collect();
            panels.push(MetricPanel {
                metric,
                title,
                unit,
                values,
                secondary: (metric == Metric::LatencyP95
                    && series.latency_p50_ms.iter().any(Option::is_some))
                .then(|| ("Latency p50", series.latency_p50_ms.clone())),
                band_low: band(-1.0),
                band_high: band(1.0),
                anomalies,
                anomalous_hours,
                changepoints,
            });
        }
        // The timeline comes from the events already split by feature (a `*` event is in
        // every feature's list), limited to the dataset's days.
        let in_range = |day: i64| (0..days as i64).contains(&day);
        let date = |day: i64| self.dataset.date(day.clamp(0, days as i64 - 1) as usize);
        let own = &self.feature_events[f];
        let mut events: Vec<TimelineEvent> = own
            .deploys
            .iter()
            .filter(|(day, _)| in_range(*day))
            .map(|(day, title)| TimelineEvent {
                kind: EventKind::Deploy,
                start: date(*day),
                end: date(*day),
                title: title.to_string(),
            })
            .chain(
                own.incidents
                    .iter()
                    .filter(|i| in_range(i.start))
                    .map(|i| TimelineEvent {
                        kind: EventKind::Incident,
                        start: date(i.start),
                        end: date(i.end),
                        title: i.title.clone(),
                    }),
            )
            .collect();
        crate::sorting::sort_by_key(&mut events, |e| e.start);
        crate::sorting::sort_by_key(&mut tied, |c| c.day);
        // Why, by group of signals, from the signals the model read that day.
        let mut per_input = [0.0; N_INPUTS];
        for c in &status.contributions {
            if let Some(j) = INPUTS.iter().position(|i| i.id() == &*c.signal) {
                per_input[j] = c.log_odds;
            }
        }
        let model_signals = self.model_signals(f, last);
        let why = group_effects(&per_input, &model_signals);
        let cohort = self.model_cohort(f, last);
        let why: Vec<GroupEffect> = why
            .into_iter()
            .map(|mut e| {
                if let Some(c) = &cohort {
                    e.change = format!("{c} only: {}", e.change);
                    e.text = format!("{c} only: {}", e.text);
                }
                e
            })
            .collect();
        let began_after = status.under_way.as_ref().and_then(|u| {
            let since = (u.since - self.dataset.start).num_days();
            let day = usize::try_from(since).ok()?;
            let title = attribute_to_deploy(own, day)?;
            let deployed = own
                .deploys
                .iter()
                .rev()
                .find(|(d, t)| *d <= since && &**t == title)?
                .0;
            Some((title, since - deployed))
        });
        let action = recommended_action(status, &signals[last], &why, &tied, began_after);
        FeatureDetail {
            feature: series.name.clone(),
            status: status.clone(),
            dates: (0..days).map(|t| self.dataset.date(t)).collect(),
            panels,
            risk: (0..days)
                .map(|t| series.sessions[t].map(|_| self.run.risks[f][t]))
                .collect(),
            events,
            contributions: status.contributions.clone(),
            sentence: crate::insights::status_sentence(status, &signals[last], self.model.horizon),
            biggest_lever: crate::why::biggest_lever(&why, status.risk),
            why,
            action,
            hourly_note: hourly_worst.map(|(metric, title, unit, p)| {
                let value = match metric {
                    Metric::CrashRate | Metric::ErrorRate => p.value * 100.0,
                    _ => p.value,
                };
                format!(
                    "Hour by hour: on {} the most anomalous hour was {} at {:02}:00 UTC ({value:.2} {unit}, anomaly score {:.2}{}).",
                    self.dataset.date(last),
                    title.to_lowercase(),
                    p.hour,
                    p.score,
                    if p.score >= ANOMALOUS_HOUR {
                        ", against the usual for that hour and weekday"
                    } else {
                        "; nothing unusual for that hour and weekday"
                    }
                )
            }),
            cohorts: crate::cohorts::breakdown(&self.dataset, f, last),
            release: crate::cohorts::release::compare_release(&self.dataset, own, f, None, last),
            drift: Metric::HEALTH
                .iter()
                .filter_map(|&m| crate::analysis::drift::drift(m, series.metric(m), last))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Contribution;

    fn status(tier: Tier) -> FeatureStatus {
        FeatureStatus {
            feature: "checkout".into(),
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            tier,
            previous_tier: None,
            risk: 0.5,
            risk_7d_ago: None,
            impact: 1.0,
            sessions_7d: 2.0,
            usage_share: 0.1,
            state: crate::state::State::of(false, tier),
            under_way: None,
            reasons: vec![],
            contributions: vec![Contribution {
                signal: "latency_trend_7d",
                log_odds: 1.2,
                description: Some("p95 latency trending +4%/day over 7 days".into()),
            }],
            latency_p95_28d: vec![],
        }
    }

    fn signals(days_since_deploy: Option<i64>) -> Signals {
        Signals {
            latency_p95: None,
            crash_rate: None,
            error_rate: None,
            feedback: None,
            sessions: None,
            divergence: 0.0,
            days_since_deploy,
            last_deploy: days_since_deploy.map(|_| "v4.2.0".into()),
            sessions_7d: 2.0,
            usage_share: 0.1,
            monitor_ratio: 0.0,
        }
    }

    #[test]
    fn a_change_is_attributed_to_a_deploy_within_the_window_only() {
        let events = FeatureEvents {
            deploys: vec![(10, "v1".into()), (20, "v2".into())],
            incidents: vec![],
        };
        assert_eq!(attribute_to_deploy(&events, 10), Some("v1"));
        assert_eq!(attribute_to_deploy(&events, 12), Some("v1"));
        assert_eq!(attribute_to_deploy(&events, 13), None);
        assert_eq!(attribute_to_deploy(&events, 9), None);
        assert_eq!(attribute_to_deploy(&events, 21), Some("v2"));
    }

    /// The feature view of one feature whose p95 latency is `p95(day)` over 90 days,
    /// with one deploy (titled `title`) on `deploy` at 14:00.
    fn detail_with_deploy(p95: impl Fn(usize) -> f64, deploy: u64, title: &str) -> FeatureDetail {
        use crate::report::prepare;
        use crate::telemetry::{Dataset, EventKind, EventRecord, FeatureSeries, Granularity};
        let days = 90;
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let dataset = Dataset {
            start,
            days,
            features: vec![FeatureSeries {
                name: "checkout".into(),
                sessions: vec![Some(1000.0); days],
                latency_p95_ms: (0..days).map(|i| Some(p95(i))).collect(),
                latency_p50_ms: vec![None; days],
                crash_rate: vec![Some(0.001); days],
                error_rate: vec![None; days],
                feedback_score: vec![None; days],
                feedback_count: vec![None; days],
            }],
            granularity: Granularity::Days,
            had_cohorts: false,
            cohorts: Vec::new(),
            breakdown: Vec::new(),
            hourly: Vec::new(),
        };
        let timestamp = (start + chrono::Days::new(deploy))
            .and_hms_opt(14, 0, 0)
            .unwrap();
        let events = vec![EventRecord {
            timestamp,
            day: timestamp.date(),
            feature: "checkout".into(),
            kind: EventKind::Deploy,
            title: title.into(),
            severity: None,
            end: None,
            line: 2,
        }];
        let config = crate::Config::default();
        let analysis = prepare(&dataset, &events, &config.model, &config.slo);
        let report = analysis.report(&config.tiers, &config.impact);
        analysis.feature_detail(0, &report.ranking[0])
    }

    fn wiggle(i: usize) -> f64 {
        1.0 + ((i as f64) * 2.4).sin() * 0.02
    }

    #[test]
    fn a_deploy_linked_regression_names_its_deploy() {
        // Flat latency for 60 days, then 40% higher from day 60, a day after a deploy.
        let step = |i: usize| 200.0 * if i >= 60 { 1.4 } else { 1.0 } * wiggle(i);
        let detail = detail_with_deploy(step, 59, "v4.2.0");
        let latency = &detail.panels[0];
        assert_eq!(latency.changepoints.len(), 1, "{:?}", latency.changepoints);
        assert_eq!(latency.changepoints[0].0, 60);
        assert_eq!(latency.changepoints[0].1, "level +40% after deploy v4.2.0");
    }

    #[test]
    fn a_creep_that_starts_after_a_deploy_is_a_trend_change_naming_it() {
        // Flat latency, then 3% more every day from day 55, the day of a deploy.
        let creep = |i: usize| 200.0 * 1.03f64.powf(i.saturating_sub(55) as f64) * wiggle(i);
        let detail = detail_with_deploy(creep, 55, "v5.0.1");
        let latency = &detail.panels[0];
        assert_eq!(latency.changepoints.len(), 1, "{:?}", latency.changepoints);
        let (day, text) = &latency.changepoints[0];
        assert!((54..=57).contains(day), "{day}");
        assert!(
            text.starts_with("trend +3.") && text.ends_with("after deploy v5.0.1"),
            "{text}"
        );
    }

    #[test]
    fn hourly_data_marks_the_hour_that_broke_its_pattern() {
        use crate::report::prepare;
        use crate::telemetry::{parse_telemetry, Dataset};
        // Five weeks of hours: p95 peaks every afternoon; on the last day 04:00 is as slow
        // as an afternoon, which the daily mean barely shows.
        let days = 35;
        let mut text = String::from("date,feature,sessions,latency_p95_ms,crash_rate\n");
        for h in 0..days * 24 {
            let hour = (h % 24) as f64;
            let mut p95 = 300.0 + 200.0 * (-((hour - 15.0) / 3.0).powi(2)).exp();
            p95 *= 1.0 + 0.02 * ((h as f64) * 2.7).sin();
            if h == (days - 1) * 24 + 4 {
                p95 = 500.0;
            }
            let day =
                NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(h as u64 / 24);
            text.push_str(&format!(
                "{day}T{:02}:00:00Z,search,100,{p95:.1},0.001\n",
                h % 24
            ));
        }
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        let dataset = Dataset::from_records(&parsed.records, parsed.granularity).unwrap();
        let config = crate::Config::default();
        let analysis = prepare(&dataset, &[], &config.model, &config.slo);
        let report = analysis.report(&config.tiers, &config.impact);
        let detail = analysis.feature_detail(0, &report.ranking[0]);
        let latency = &detail.panels[0];
        let marked: Vec<(usize, u32)> = latency
            .anomalous_hours
            .iter()
            .filter(|p| p.day >= 7)
            .map(|p| (p.day, p.hour))
            .collect();
        assert_eq!(marked, vec![(days - 1, 4)]);
        let note = detail.hourly_note.unwrap();
        assert!(
            note.contains("latency p95 at 04:00 UTC (500.00 ms"),
            "{note}"
        );
        assert!(note.contains("against the usual"), "{note}");
    }

    fn latency_up(log_odds: f64) -> Vec<GroupEffect> {
        vec![GroupEffect {
            group: crate::why::Group::Latency,
            change: "p95 latency up 40% on its 4-week level".into(),
            direction: crate::why::Direction::Worse,
            log_odds,
            text: "p95 latency up 40% on its 4-week level: raises the risk".into(),
        }]
    }

    #[test]
    fn the_biggest_lever_removes_the_strongest_push() {
        use crate::why::biggest_lever;
        // Without a log-odds push of 1.2, even odds become 1:e^1.2, about 23%.
        assert_eq!(
            biggest_lever(&latency_up(1.2), 0.5).unwrap(),
            "What would lower the risk most: p95 latency back to its usual level (p95 latency up 40% on its 4-week level), risk 50% -> 23%."
        );
        // Near certainty, one push of 1.2 changes nothing a person would see.
        assert_eq!(
            biggest_lever(&latency_up(1.2), 0.9995).unwrap(),
            "No single group of signals carries this risk: with p95 latency back to its usual level it would still be 100%; several point the same way."
        );
        assert_eq!(biggest_lever(&latency_up(-0.3), 0.5), None);
    }

    #[test]
    fn the_text_view_names_standing_signals_changes_and_past_warnings() {
        let creep = |i: usize| 200.0 * 1.03f64.powf(i.saturating_sub(55) as f64) * wiggle(i);
        let detail = detail_with_deploy(creep, 55, "v5.0.1");
        let backtest = vec![crate::report::BacktestRow {
            feature: "checkout".into(),
            start: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            title: Some("checkout slow".into()),
            model_existed: true,
            evaluable: true,
            first_watch: NaiveDate::from_ymd_opt(2026, 3, 16),
            first_investigate: NaiveDate::from_ymd_opt(2026, 3, 18),
            watch_lead_days: Some(4),
            investigate_lead_days: Some(2),
            risk_day_before: Some(0.6),
        }];
        let text = detail.to_text(&backtest);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("checkout: "), "{text}");
        assert!(lines[0].contains(" on 2026-03-31 (risk "), "{text}");
        assert!(text.contains("Recommended: "), "{text}");
        assert!(text.contains("Latency p95: trend +3."), "{text}");
        assert!(text.contains("after deploy v5.0.1"), "{text}");
        assert!(
            text.contains("2026-03-20 checkout slow: watch from 2026-03-16 (4 days ahead); investigate from 2026-03-18 (2 days ahead)"),
            "{text}"
        );
    }

    #[test]
    fn the_recommended_action_fits_the_tier_and_names_the_evidence() {
        let why = latency_up(1.2);
        let investigate = recommended_action(
            &status(Tier::Investigate),
            &signals(Some(2)),
            &why,
            &[],
            None,
        );
        assert_eq!(
            investigate,
            "Investigate now: start with the strongest signal (p95 latency up 40% on its 4-week level). Check whether it began with v4.2.0, deployed 2 days ago, and be ready to roll it back. Tell the owning team before users feel it."
        );
        let no_deploy =
            recommended_action(&status(Tier::Investigate), &signals(None), &why, &[], None);
        assert!(no_deploy.contains("No deploy in the last week"));
        let watch = recommended_action(&status(Tier::Watch), &signals(None), &why, &[], None);
        assert!(watch.starts_with("Watch: re-check tomorrow, with an eye on p95 latency"));
        let monitor = recommended_action(&status(Tier::Monitor), &signals(None), &why, &[], None);
        assert!(monitor.starts_with("Monitor:"));
    }

    #[test]
    fn a_change_the_charts_tie_to_a_deploy_is_named_never_denied() {
        let tied = [DeployChange {
            day: 30,
            date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            metric: "p95 latency".into(),
            change: "trend +3.1%/day (was +0.0%/day)".into(),
            deploy: "v5.0.1".into(),
        }];
        let text = recommended_action(
            &status(Tier::Investigate),
            &signals(None),
            &latency_up(1.2),
            &tied,
            None,
        );
        assert!(!text.contains("No deploy"), "{text}");
        assert!(
            text.contains("The charts tie the change in p95 latency that began on 2026-01-31 to deploy v5.0.1, and it has lasted since"),
            "{text}"
        );
    }
}
