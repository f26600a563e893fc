//! The threshold monitor, the baseline every team already has: alert when p95 latency
//! exceeds 1.5x its trailing 28-day median or the crash rate exceeds 2x its trailing
//! 28-day median. Its ranking score is the larger of the two ratios over their
//! thresholds (1 = at the threshold); an alert is a score above 1. On a day without a
//! baseline (fewer than 14 of the 28 days present, a missing metric) it has no score and
//! raises no alert.
//!
//! One implementation for the model card (`report/card.rs`, the page's engine and the
//! command line) and the benchmark (`benchmark::threshold_scores`).

use crate::analysis::signals::{monitor_of, sliding_ratio_to_median};
use crate::analysis::stats::MovingSorted;
use crate::telemetry::FeatureSeries;

/// Days of history the monitor's medians read.
pub const HISTORY_DAYS: usize = 28;

/// Each day's score of one feature's series (None: no baseline that day), computed in
/// one pass with the histories kept sorted as the day moves. Equal, day by day, to
/// [`crate::analysis::signals::monitor_ratio`].
pub fn monitor_scores(series: &FeatureSeries) -> Vec<Option<f64>> {
    let days = series.latency_p95_ms.len();
    let mut windows: [MovingSorted; 2] = Default::default();
    (0..days)
        .map(|t| {
            monitor_of(
                sliding_ratio_to_median(&series.latency_p95_ms, t, HISTORY_DAYS, &mut windows[0]),
                sliding_ratio_to_median(&series.crash_rate, t, HISTORY_DAYS, &mut windows[1]),
            )
        })
        .collect()
}

/// The score a day ranks by: its ratio, or 0 without a baseline (no alert).
pub fn ranking_score(score: Option<f64>) -> f64 {
    score.unwrap_or(0.0)
}

/// Whether the monitor alerts on a day with this score.
pub fn alerts(score: Option<f64>) -> bool {
    score.is_some_and(|v| v > 1.0)
}
