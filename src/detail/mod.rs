//! Everything the feature view shows about one feature: its metrics over time with
//! baseline band, anomalies and sustained changes (level or trend), its events, its risk over time, today's
//! signal contributions, its sentences and a recommended action.
//!
//! The types are here; `build.rs` makes a feature's view from an analysis, and `text.rs`
//! words it: the sustained changes, the recommended action and the text of
//! `feature-radar explain`.

mod build;
mod text;

pub use build::{attribute_to_deploy, DEPLOY_WINDOW_DAYS};
pub use text::recommended_action;

use crate::analysis::hourly::HourlyPeak;
use crate::report::{Contribution, FeatureStatus};
use crate::telemetry::{EventKind, Metric};
use crate::why::GroupEffect;
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

#[cfg(test)]
mod fixtures {
    //! Feature views that the tests of `build.rs` and `text.rs` both read.

    use super::*;

    /// The feature view of one feature whose p95 latency is `p95(day)` over 90 days,
    /// with one deploy (titled `title`) on `deploy` at 14:00.
    pub(super) fn detail_with_deploy(
        p95: impl Fn(usize) -> f64,
        deploy: u64,
        title: &str,
    ) -> FeatureDetail {
        use crate::report::prepare;
        use crate::telemetry::{Dataset, EventKind, EventRecord, FeatureSeries, Granularity};
        let days = 90;
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let dataset = Dataset {
            start,
            days,
            features: vec![FeatureSeries {
                name: "checkout".into(),
                sessions: vec![Some(1000.0); days].into(),
                latency_p95_ms: (0..days).map(|i| Some(p95(i))).collect(),
                latency_p50_ms: vec![None; days].into(),
                crash_rate: vec![Some(0.001); days].into(),
                error_rate: vec![None; days].into(),
                feedback_score: vec![None; days].into(),
                feedback_count: vec![None; days].into(),
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

    pub(super) fn wiggle(i: usize) -> f64 {
        1.0 + ((i as f64) * 2.4).sin() * 0.02
    }
}
