//! The hourly analysis of hourly uploads: each health metric's hours scored online by the
//! same detector as `feature-radar detect` (its daily and weekly baselines recognise the
//! time of day and the weekday), summed up per day as that day's most anomalous hour.
//!
//! The daily analysis and the risk model work on days; this shows what the days hide: an
//! hour-long spike at the busiest time, or a night that was not quiet.

use super::detect::OnlineDetector;
use crate::telemetry::{HourlySeries, Metric};
use chrono::{DateTime, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

/// A day's most anomalous hour of one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HourlyPeak {
    /// Day index in the dataset.
    pub day: usize,
    /// Hour of day (UTC), 0 to 23.
    pub hour: u32,
    /// The detector's anomaly score in [0, 1].
    pub score: f64,
    /// The metric's value in that hour.
    pub value: f64,
}

/// Score at which an hour is marked as anomalous in the feature view.
pub const ANOMALOUS_HOUR: f64 = 0.8;

/// For each of the dataset's `days` from `start`, the hour of `metric` with the highest
/// anomaly score (None for a day without hours, or a metric not kept by the hour).
pub fn daily_peaks(
    hours: &HourlySeries,
    metric: Metric,
    start: NaiveDate,
    days: usize,
) -> Vec<Option<HourlyPeak>> {
    let mut peaks: Vec<Option<HourlyPeak>> = vec![None; days];
    let Some(values) = hours.metric(metric) else {
        return peaks;
    };
    let origin = start.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let mut detector = OnlineDetector::new();
    for (&time, value) in hours.times.iter().zip(values) {
        let score = detector.score_at(Some(time), value);
        let (Some(value), Some(at)) = (value, DateTime::from_timestamp(time, 0)) else {
            continue;
        };
        let day = (at - origin).num_days();
        if !(0..days as i64).contains(&day) {
            continue;
        }
        let peak = &mut peaks[day as usize];
        if peak.is_none_or(|p| score > p.score) {
            *peak = Some(HourlyPeak {
                day: day as usize,
                hour: at.hour(),
                score,
                value,
            });
        }
    }
    peaks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four weeks of hourly p95: slow at the daily peak (14:00), fast at night, with a
    /// little noise; one bad hour at 03:00 on day 25 that is ordinary for 14:00.
    fn hours() -> HourlySeries {
        let mut series = HourlySeries::default();
        for h in 0..28 * 24 {
            let hour = (h % 24) as f64;
            let shape = 300.0 + 200.0 * (-((hour - 14.0) / 3.0).powi(2)).exp();
            let wiggle = 1.0 + 0.02 * ((h as f64) * 2.7).sin();
            let bad = h == 25 * 24 + 3;
            series.times.push(1_767_225_600 + h * 3600); // from 2026-01-01
            series
                .latency_p95_ms
                .push(Some(if bad { 500.0 } else { shape * wiggle }));
            series.crash_rate.push(Some(0.001));
            series.error_rate.push(None);
        }
        series
    }

    #[test]
    fn the_daily_peak_is_not_anomalous_but_a_slow_night_hour_is() {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let peaks = daily_peaks(&hours(), Metric::LatencyP95, start, 28);
        let day25 = peaks[25].unwrap();
        assert_eq!((day25.day, day25.hour, day25.value), (25, 3, 500.0));
        assert!(day25.score >= ANOMALOUS_HOUR, "{day25:?}");
        // After a week of learning, no other day has an anomalous hour.
        for peak in peaks[7..].iter().flatten().filter(|p| p.day != 25) {
            assert!(peak.score < ANOMALOUS_HOUR, "{peak:?}");
        }
        // Metrics not kept by the hour give nothing.
        let none = daily_peaks(&hours(), Metric::Sessions, start, 28);
        assert!(none.iter().all(Option::is_none));
    }
}
