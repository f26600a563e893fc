//! The feature-level daily series that the analysis works on.
//!
//! Cohort rows of one day and feature are combined as the contract says: weighted by
//! `sessions`, and `feedback_score` by `feedback_count` where given. When a period has a
//! feature-level total row (every cohort column empty) beside its cohort rows, the total
//! row is the feature's figure and the cohort rows are not added to it again. Each cohort
//! dimension's values are also kept as series of their own (`platform=ios` over every
//! version and region, say), so that a degradation in one cohort is not diluted by the
//! healthy ones: at most [`MAX_COHORTS`] per feature, those with the most sessions, each
//! with at least [`MIN_COHORT_SHARE`] of the feature's sessions. Hourly files are
//! combined into days the same way (a day's p95 becomes the sessions-weighted mean of its
//! hourly p95s, an approximation the README states); the hours themselves are kept as
//! well, per feature, for the hourly analysis (`analysis::hourly`). A day without rows is
//! a gap (None), never a zero.

use super::{Granularity, TelemetryRecord, COHORT_DIMENSIONS};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One metric of a feature's series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    Sessions,
    LatencyP95,
    LatencyP50,
    CrashRate,
    ErrorRate,
    FeedbackScore,
}

/// Daily series of one feature, aligned on the dataset's days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureSeries {
    pub name: String,
    pub sessions: Vec<Option<f64>>,
    pub latency_p95_ms: Vec<Option<f64>>,
    pub latency_p50_ms: Vec<Option<f64>>,
    pub crash_rate: Vec<Option<f64>>,
    pub error_rate: Vec<Option<f64>>,
    pub feedback_score: Vec<Option<f64>>,
    pub feedback_count: Vec<Option<f64>>,
}

impl FeatureSeries {
    pub fn metric(&self, metric: Metric) -> &[Option<f64>] {
        match metric {
            Metric::Sessions => &self.sessions,
            Metric::LatencyP95 => &self.latency_p95_ms,
            Metric::LatencyP50 => &self.latency_p50_ms,
            Metric::CrashRate => &self.crash_rate,
            Metric::ErrorRate => &self.error_rate,
            Metric::FeedbackScore => &self.feedback_score,
        }
    }
}

/// All features' daily series over one date range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dataset {
    pub start: NaiveDate,
    pub days: usize,
    /// Sorted by name.
    pub features: Vec<FeatureSeries>,
    pub granularity: Granularity,
    /// Whether the rows were cohorts that had to be combined.
    pub had_cohorts: bool,
    /// Per feature (same order as `features`): the series of its largest cohorts.
    #[serde(skip)]
    pub cohorts: Vec<Vec<CohortSeries>>,
    /// For hourly files, each feature's hours (same order as `features`); empty for daily
    /// files. Not serialised: it is input to the analysis, not a result.
    #[serde(skip)]
    pub hourly: Vec<HourlySeries>,
}

/// One value of one cohort dimension of a feature, over the other dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortSeries {
    /// The dimension's column name, as in [`COHORT_DIMENSIONS`].
    pub dimension: &'static str,
    pub value: String,
    /// The cohort's daily series (its `name` is the feature's).
    pub series: FeatureSeries,
}

impl CohortSeries {
    /// How people read it: `ios` for a platform, `region eu` otherwise.
    pub fn label(&self) -> String {
        if self.dimension == "platform" {
            self.value.clone()
        } else {
            format!("{} {}", self.dimension.replace('_', " "), self.value)
        }
    }
}

/// Most cohort series kept per feature.
pub const MAX_COHORTS: usize = 8;
/// Least share of a feature's sessions that a cohort needs to be analysed on its own.
pub const MIN_COHORT_SHARE: f64 = 0.05;

/// One feature's hourly health metrics, cohorts combined, in time order (hours without
/// rows are absent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HourlySeries {
    /// Start of each hour, in seconds since 1970 (UTC).
    pub times: Vec<i64>,
    pub latency_p95_ms: Vec<Option<f64>>,
    pub crash_rate: Vec<Option<f64>>,
    pub error_rate: Vec<Option<f64>>,
}

impl HourlySeries {
    /// The hourly values of `metric`, for the metrics kept by the hour.
    pub fn metric(&self, metric: Metric) -> Option<&[Option<f64>]> {
        match metric {
            Metric::LatencyP95 => Some(&self.latency_p95_ms),
            Metric::CrashRate => Some(&self.crash_rate),
            Metric::ErrorRate => Some(&self.error_rate),
            _ => None,
        }
    }
}

#[derive(Default, Clone, Copy)]
struct WeightedMean {
    sum: f64,
    weight: f64,
}

impl WeightedMean {
    fn add(&mut self, value: Option<f64>, weight: f64) {
        if let Some(v) = value {
            self.sum += v * weight;
            self.weight += weight;
        }
    }

    fn get(self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.sum / self.weight)
    }
}

#[derive(Default, Clone, Copy)]
struct DayAccumulator {
    rows: usize,
    sessions: f64,
    p95: WeightedMean,
    p50: WeightedMean,
    crash: WeightedMean,
    error: WeightedMean,
    feedback: WeightedMean,
    feedback_count: Option<f64>,
}

impl DayAccumulator {
    fn add(&mut self, r: &TelemetryRecord) {
        // Rows with zero sessions still carry measurements; give them a small weight so
        // that a day whose rows all have zero sessions keeps its plain mean.
        let w = (r.sessions as f64).max(1e-9);
        self.rows += 1;
        self.sessions += r.sessions as f64;
        self.p95.add(Some(r.latency_p95_ms), w);
        self.p50.add(r.latency_p50_ms, w);
        self.crash.add(Some(r.crash_rate), w);
        self.error.add(r.error_rate, w);
        let feedback_weight = r.feedback_count.map_or(w, |c| c as f64);
        self.feedback.add(r.feedback_score, feedback_weight);
        if let Some(c) = r.feedback_count {
            *self.feedback_count.get_or_insert(0.0) += c as f64;
        }
    }
}

/// The daily series of accumulated days.
fn series_of(name: &str, accs: &[DayAccumulator]) -> FeatureSeries {
    let present = |a: &DayAccumulator| a.rows > 0;
    FeatureSeries {
        name: name.to_string(),
        sessions: accs
            .iter()
            .map(|a| present(a).then_some(a.sessions))
            .collect(),
        latency_p95_ms: accs.iter().map(|a| a.p95.get()).collect(),
        latency_p50_ms: accs.iter().map(|a| a.p50.get()).collect(),
        crash_rate: accs.iter().map(|a| a.crash.get()).collect(),
        error_rate: accs.iter().map(|a| a.error.get()).collect(),
        feedback_score: accs.iter().map(|a| a.feedback.get()).collect(),
        feedback_count: accs.iter().map(|a| a.feedback_count).collect(),
    }
}

/// Accumulators of one feature: the feature's days from its cohort rows, from its total
/// rows, and each cohort value's days.
struct FeatureAccumulator {
    cohort_rows: Vec<DayAccumulator>,
    total_rows: Vec<DayAccumulator>,
    cohorts: BTreeMap<(usize, String), Vec<DayAccumulator>>,
}

impl Dataset {
    /// Builds the daily series from validated records (any order).
    pub fn from_records(records: &[TelemetryRecord], granularity: Granularity) -> Option<Self> {
        let start = records.iter().map(|r| r.period_start.date()).min()?;
        let end = records.iter().map(|r| r.period_start.date()).max()?;
        let days = (end - start).num_days() as usize + 1;
        let mut per_feature: BTreeMap<&str, FeatureAccumulator> = BTreeMap::new();
        for r in records {
            let day = (r.period_start.date() - start).num_days() as usize;
            let acc = per_feature
                .entry(r.feature.as_str())
                .or_insert_with(|| FeatureAccumulator {
                    cohort_rows: Vec::new(),
                    total_rows: Vec::new(),
                    cohorts: BTreeMap::new(),
                });
            // Each kind of row's days are allocated when the feature first has one (most
            // files have only one kind).
            let days_of = |rows: &mut Vec<DayAccumulator>| {
                if rows.is_empty() {
                    *rows = vec![DayAccumulator::default(); days];
                }
            };
            match &r.cohort {
                Some(cohort) if !cohort.is_total() => {
                    days_of(&mut acc.cohort_rows);
                    acc.cohort_rows[day].add(r);
                    for dimension in 0..COHORT_DIMENSIONS.len() {
                        if let Some(value) = cohort.value(dimension) {
                            acc.cohorts
                                .entry((dimension, value.to_string()))
                                .or_insert_with(|| vec![DayAccumulator::default(); days])[day]
                                .add(r);
                        }
                    }
                }
                _ => {
                    days_of(&mut acc.total_rows);
                    acc.total_rows[day].add(r)
                }
            }
        }
        let had_cohorts = records.iter().any(|r| r.cohort.is_some());
        let hourly = if granularity == Granularity::Hours {
            hourly_series(records, per_feature.keys().copied())
        } else {
            Vec::new()
        };
        let mut features = Vec::with_capacity(per_feature.len());
        let mut cohorts = Vec::with_capacity(per_feature.len());
        for (name, acc) in per_feature {
            // A day's total row, when given, is the feature's figure for that day.
            let none = DayAccumulator::default();
            let days_of_feature: Vec<DayAccumulator> = (0..days)
                .map(|t| {
                    let total = acc.total_rows.get(t).unwrap_or(&none);
                    let parts = acc.cohort_rows.get(t).unwrap_or(&none);
                    if total.rows > 0 {
                        *total
                    } else {
                        *parts
                    }
                })
                .collect();
            let feature_sessions: f64 = acc.cohort_rows.iter().map(|a| a.sessions).sum();
            let mut kept: Vec<(f64, CohortSeries)> = acc
                .cohorts
                .iter()
                .map(|((dimension, value), accs)| {
                    let sessions: f64 = accs.iter().map(|a| a.sessions).sum();
                    (
                        sessions,
                        CohortSeries {
                            dimension: COHORT_DIMENSIONS[*dimension],
                            value: value.clone(),
                            series: series_of(name, accs),
                        },
                    )
                })
                // A value that is the whole feature says nothing the feature does not.
                .filter(|(sessions, _)| {
                    *sessions >= MIN_COHORT_SHARE * feature_sessions
                        && *sessions < 0.999 * feature_sessions
                })
                .collect();
            kept.sort_by(|a, b| b.0.total_cmp(&a.0));
            kept.truncate(MAX_COHORTS);
            cohorts.push(kept.into_iter().map(|(_, c)| c).collect());
            features.push(series_of(name, &days_of_feature));
        }
        Some(Dataset {
            start,
            days,
            features,
            granularity,
            had_cohorts,
            cohorts,
            hourly,
        })
    }

    pub fn date(&self, day: usize) -> NaiveDate {
        self.start + chrono::Days::new(day as u64)
    }

    pub fn end(&self) -> NaiveDate {
        self.date(self.days - 1)
    }

    /// The day index of `date`, if it falls in the dataset's range.
    pub fn day_of(&self, date: NaiveDate) -> Option<usize> {
        let offset = (date - self.start).num_days();
        (0..self.days as i64)
            .contains(&offset)
            .then_some(offset as usize)
    }

    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features
            .binary_search_by(|f| f.name.as_str().cmp(name))
            .ok()
    }
}

/// Each feature's hours, cohorts combined weighted by sessions, for `names` in order.
fn hourly_series<'a>(
    records: &[TelemetryRecord],
    names: impl Iterator<Item = &'a str>,
) -> Vec<HourlySeries> {
    let mut hours: BTreeMap<(&str, i64), [WeightedMean; 3]> = BTreeMap::new();
    for r in records {
        let time = r.period_start.and_utc().timestamp();
        let acc = hours.entry((r.feature.as_str(), time)).or_default();
        let w = (r.sessions as f64).max(1e-9);
        acc[0].add(Some(r.latency_p95_ms), w);
        acc[1].add(Some(r.crash_rate), w);
        acc[2].add(r.error_rate, w);
    }
    names
        .map(|name| {
            let mut series = HourlySeries::default();
            for ((_, time), acc) in hours.range((name, i64::MIN)..=(name, i64::MAX)) {
                series.times.push(*time);
                series.latency_p95_ms.push(acc[0].get());
                series.crash_rate.push(acc[1].get());
                series.error_rate.push(acc[2].get());
            }
            series
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::parse_telemetry;

    #[test]
    fn cohorts_combine_weighted_by_sessions_and_gaps_stay_gaps() {
        let text = "date,feature,sessions,latency_p95_ms,crash_rate,feedback_score,feedback_count,platform\n\
            2026-01-01,a,100,100,0.01,4.0,10,ios\n\
            2026-01-01,a,300,200,0.03,5.0,30,android\n\
            2026-01-03,a,50,80,0.0,,,ios\n\
            2026-01-02,b,10,10,0.0,,,ios\n";
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        let data = Dataset::from_records(&parsed.records, parsed.granularity).unwrap();
        assert_eq!(data.days, 3);
        assert!(data.had_cohorts);
        let a = &data.features[data.feature_index("a").unwrap()];
        assert_eq!(a.sessions, vec![Some(400.0), None, Some(50.0)]);
        assert_eq!(a.latency_p95_ms[0], Some(175.0));
        assert!((a.crash_rate[0].unwrap() - 0.025).abs() < 1e-12);
        assert_eq!(a.feedback_score[0], Some(4.75));
        assert_eq!(a.feedback_count[0], Some(40.0));
        assert_eq!(a.feedback_score[2], None);
        assert_eq!(data.date(2).to_string(), "2026-01-03");
        // Each platform is also a series of its own.
        let ios = &data.cohorts[data.feature_index("a").unwrap()][1];
        assert_eq!((ios.dimension, ios.value.as_str()), ("platform", "ios"));
        assert_eq!(ios.series.sessions, vec![Some(100.0), None, Some(50.0)]);
    }

    #[test]
    fn a_total_row_beside_cohort_rows_is_not_counted_twice() {
        let text = "date,feature,sessions,latency_p95_ms,crash_rate,platform,region\n\
            2026-01-01,a,100,100,0.01,ios,eu\n\
            2026-01-01,a,300,200,0.03,android,\n\
            2026-01-01,a,400,180,0.02,,\n\
            2026-01-02,a,100,100,0.01,ios,eu\n\
            2026-01-02,a,300,200,0.03,android,us\n";
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        let data = Dataset::from_records(&parsed.records, parsed.granularity).unwrap();
        let a = &data.features[0];
        assert_eq!(a.sessions, vec![Some(400.0), Some(400.0)]);
        assert_eq!(
            a.latency_p95_ms[0],
            Some(180.0),
            "the total row is the figure"
        );
        assert_eq!(
            a.latency_p95_ms[1],
            Some(175.0),
            "without one, cohorts combine"
        );
        let labels: Vec<String> = data.cohorts[0].iter().map(CohortSeries::label).collect();
        assert_eq!(labels, ["android", "region us", "ios", "region eu"]);
    }

    #[test]
    fn hours_combine_into_days() {
        let text = "date,feature,sessions,latency_p95_ms,crash_rate\n\
            2026-01-01T00:00:00Z,a,10,100,0\n\
            2026-01-01T01:00:00Z,a,30,300,0\n";
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        let data = Dataset::from_records(&parsed.records, parsed.granularity).unwrap();
        assert_eq!(data.days, 1);
        assert_eq!(data.granularity, Granularity::Hours);
        assert_eq!(data.features[0].latency_p95_ms[0], Some(250.0));
        assert_eq!(data.features[0].sessions[0], Some(40.0));
        // The hours stay available, in order.
        let hours = &data.hourly[0];
        assert_eq!(hours.times.len(), 2);
        assert_eq!(hours.times[1] - hours.times[0], 3600);
        assert_eq!(hours.latency_p95_ms, vec![Some(100.0), Some(300.0)]);
        assert_eq!(hours.error_rate, vec![None, None]);
    }
}
