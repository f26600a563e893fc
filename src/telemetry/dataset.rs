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
//!
//! [`DatasetBuilder`] takes the rows one at a time, so that a file need not be held as
//! records: `telemetry::read_telemetry` feeds it as it reads, and
//! [`Dataset::from_records`] from records already read. A day keeps its only row's values
//! (64 bytes), and an accumulator once a second row comes; the series are made, feature by
//! feature, when the last row is in.

use super::{Granularity, TelemetryRecord, Values, COHORT_DIMENSIONS};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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

impl Metric {
    /// The health metrics the cohort, release and drift analyses look at, in the order
    /// they are shown.
    pub const HEALTH: [Metric; 5] = [
        Metric::LatencyP95,
        Metric::CrashRate,
        Metric::ErrorRate,
        Metric::FeedbackScore,
        Metric::LatencyP50,
    ];

    /// The metric as people say it in a sentence.
    pub fn spoken(self) -> &'static str {
        match self {
            Metric::LatencyP95 => "p95 latency",
            Metric::LatencyP50 => "median latency",
            Metric::CrashRate => "crash rate",
            Metric::ErrorRate => "error rate",
            Metric::FeedbackScore => "feedback rating",
            Metric::Sessions => "sessions",
        }
    }

    /// Its column in telemetry.csv.
    pub fn column(self) -> &'static str {
        match self {
            Metric::LatencyP95 => "latency_p95_ms",
            Metric::LatencyP50 => "latency_p50_ms",
            Metric::CrashRate => "crash_rate",
            Metric::ErrorRate => "error_rate",
            Metric::FeedbackScore => "feedback_score",
            Metric::Sessions => "sessions",
        }
    }

    /// Whether a higher value is the worse one (feedback: lower is worse).
    pub fn higher_is_worse(self) -> bool {
        !matches!(self, Metric::FeedbackScore | Metric::Sessions)
    }

    /// A value in the metric's unit, to 3 significant digits: `248 ms`, `0.27%`, `4.12`.
    pub fn show(self, value: f64) -> String {
        match self {
            Metric::LatencyP95 | Metric::LatencyP50 => format!("{} ms", significant(value, 3)),
            Metric::CrashRate | Metric::ErrorRate => {
                format!("{}%", significant(value * 100.0, 3))
            }
            Metric::FeedbackScore => format!("{value:.2}"),
            Metric::Sessions => significant(value, 3),
        }
    }

    /// A change from `before` to `after` in words: `+18%` for latencies and sessions,
    /// `+0.12 points` for rates (percentage points), `-0.30` for the rating.
    pub fn show_change(self, before: f64, after: f64) -> String {
        match self {
            Metric::CrashRate | Metric::ErrorRate => {
                format!("{} points", signed_significant((after - before) * 100.0, 2))
            }
            Metric::FeedbackScore => format!("{:+.2}", after - before),
            _ => percent_change(before, after),
        }
    }
}

/// `after` against `before` in percent, `+18%`, or `n/a` from zero.
pub fn percent_change(before: f64, after: f64) -> String {
    if before.abs() < f64::MIN_POSITIVE {
        return "n/a".into();
    }
    let change = (after / before - 1.0) * 100.0;
    if change.abs() < 0.05 {
        "0%".into()
    } else if change.abs() >= 10.0 {
        format!("{change:+.0}%")
    } else {
        format!("{change:+.1}%")
    }
}

/// [`significant`] with a `+` before a positive value.
pub fn signed_significant(value: f64, digits: i32) -> String {
    let text = significant(value, digits);
    if value >= 1e-9 {
        format!("+{text}")
    } else {
        text
    }
}

/// `value` to `digits` significant digits, without a trailing `.0`.
pub fn significant(value: f64, digits: i32) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    // Zero, and what is left of a difference of equal figures, read as 0 (never -0).
    if value.abs() < 1e-9 {
        return "0".into();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if decimals == 0 && value.abs() >= 1e4 {
        // Thousands grouped as people read them.
        let n = value.round() as i64;
        let s = n.abs().to_string();
        let mut grouped = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if n < 0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    text
}

/// Daily series of one feature, aligned on the dataset's days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureSeries {
    pub name: String,
    pub sessions: Values,
    pub latency_p95_ms: Values,
    pub latency_p50_ms: Values,
    pub crash_rate: Values,
    pub error_rate: Values,
    pub feedback_score: Values,
    pub feedback_count: Values,
}

impl FeatureSeries {
    pub fn metric(&self, metric: Metric) -> &Values {
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
    /// Per feature (same order as `features`): each cohort dimension with two values or
    /// more, every value's days, for the cohort breakdown and the release comparison.
    #[serde(skip)]
    pub breakdown: Vec<Vec<CohortDimension>>,
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

/// One cohort dimension of a feature: its values, which together are the feature's
/// cohort rows (the last, [`OTHER_COHORT`], holds the rows of the values not kept and the
/// rows without a value in this dimension, when there are any).
#[derive(Debug, Clone, PartialEq)]
pub struct CohortDimension {
    /// The dimension's column name, as in [`COHORT_DIMENSIONS`].
    pub dimension: &'static str,
    pub values: Vec<CohortCells>,
}

/// One value of a cohort dimension, day by day from its first day with rows to its last.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortCells {
    pub value: String,
    /// The dataset's day of `days[0]`.
    pub first: usize,
    pub days: Vec<Option<CohortDay>>,
}

impl CohortCells {
    /// The value's figures on day `t` of the dataset, if it had rows that day.
    pub fn on(&self, t: usize) -> Option<&CohortDay> {
        self.days.get(t.checked_sub(self.first)?)?.as_ref()
    }

    /// The value's days with rows, as (day of the dataset, figures).
    pub fn iter(&self) -> impl Iterator<Item = (usize, &CohortDay)> + '_ {
        self.days
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((self.first + i, d.as_ref()?)))
    }
}

/// One cohort value's figures on one day, its rows combined as the feature's are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohortDay {
    pub sessions: f64,
    pub latency_p95_ms: Option<f64>,
    pub latency_p50_ms: Option<f64>,
    pub crash_rate: Option<f64>,
    pub error_rate: Option<f64>,
    pub feedback_score: Option<f64>,
    pub feedback_count: Option<f64>,
}

impl CohortDay {
    /// The day's value of `metric` (sessions for [`Metric::Sessions`]).
    pub fn metric(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::Sessions => Some(self.sessions),
            Metric::LatencyP95 => self.latency_p95_ms,
            Metric::LatencyP50 => self.latency_p50_ms,
            Metric::CrashRate => self.crash_rate,
            Metric::ErrorRate => self.error_rate,
            Metric::FeedbackScore => self.feedback_score,
        }
    }
}

/// The name of the value that gathers a dimension's remaining rows.
pub const OTHER_COHORT: &str = "other";
/// Most values of one dimension kept apart in the breakdown (the rest are
/// [`OTHER_COHORT`]): those with the most sessions in the last [`RECENT_DAYS_FOR_KEEPING`]
/// days, then over the whole file, so that new releases are kept.
pub const MAX_BREAKDOWN_VALUES: usize = 12;
const RECENT_DAYS_FOR_KEEPING: i64 = 28;

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
    pub latency_p95_ms: Values,
    pub crash_rate: Values,
    pub error_rate: Values,
}

impl HourlySeries {
    /// The hourly values of `metric`, for the metrics kept by the hour.
    pub fn metric(&self, metric: Metric) -> Option<&Values> {
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

    fn merge(&mut self, other: WeightedMean, sign: f64) {
        self.sum += sign * other.sum;
        self.weight += sign * other.weight;
    }
}

/// The figures of one telemetry row that the series combine, counts as the `f64`s they
/// are combined as.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RowFigures {
    pub sessions: f64,
    pub latency_p95_ms: f64,
    pub crash_rate: f64,
    pub latency_p50_ms: Option<f64>,
    pub error_rate: Option<f64>,
    pub feedback_score: Option<f64>,
    pub feedback_count: Option<f64>,
}

impl RowFigures {
    pub(super) fn of(r: &TelemetryRecord) -> Self {
        RowFigures {
            sessions: r.sessions as f64,
            latency_p95_ms: r.latency_p95_ms,
            crash_rate: r.crash_rate,
            latency_p50_ms: r.latency_p50_ms,
            error_rate: r.error_rate,
            feedback_score: r.feedback_score,
            feedback_count: r.feedback_count.map(|c| c as f64),
        }
    }
}

/// [`RowFigures`] in 7 numbers and a mask of which optional ones are given (a row kept while
/// its day has no other row, or while the file's granularity is not yet known).
#[derive(Debug, Clone, Copy)]
pub(super) struct PackedValues {
    numbers: [f64; 7],
}

impl PackedValues {
    /// The values and the 4-bit mask of their optional figures.
    pub(super) fn pack(v: &RowFigures) -> (Self, u8) {
        let optional = [
            v.latency_p50_ms,
            v.error_rate,
            v.feedback_score,
            v.feedback_count,
        ];
        let mut mask = 0;
        for (bit, value) in optional.iter().enumerate() {
            if value.is_some() {
                mask |= 1 << bit;
            }
        }
        let packed = PackedValues {
            numbers: [
                v.sessions,
                v.latency_p95_ms,
                v.crash_rate,
                optional[0].unwrap_or(0.0),
                optional[1].unwrap_or(0.0),
                optional[2].unwrap_or(0.0),
                optional[3].unwrap_or(0.0),
            ],
        };
        (packed, mask)
    }

    pub(super) fn unpack(&self, mask: u8) -> RowFigures {
        let n = &self.numbers;
        let given = |bit: u8| mask & (1 << bit) != 0;
        RowFigures {
            sessions: n[0],
            latency_p95_ms: n[1],
            crash_rate: n[2],
            latency_p50_ms: given(0).then_some(n[3]),
            error_rate: given(1).then_some(n[4]),
            feedback_score: given(2).then_some(n[5]),
            feedback_count: given(3).then_some(n[6]),
        }
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
    fn add(&mut self, r: &RowFigures) {
        // Rows with zero sessions still carry measurements; give them a small weight so
        // that a day whose rows all have zero sessions keeps its plain mean.
        let w = r.sessions.max(1e-9);
        self.rows += 1;
        self.sessions += r.sessions;
        self.p95.add(Some(r.latency_p95_ms), w);
        self.p50.add(r.latency_p50_ms, w);
        self.crash.add(Some(r.crash_rate), w);
        self.error.add(r.error_rate, w);
        let feedback_weight = r.feedback_count.unwrap_or(w);
        self.feedback.add(r.feedback_score, feedback_weight);
        if let Some(c) = r.feedback_count {
            *self.feedback_count.get_or_insert(0.0) += c;
        }
    }

    fn of(r: &RowFigures) -> Self {
        let mut day = DayAccumulator::default();
        day.add(r);
        day
    }

    /// Takes away the rows of `part`, which were added to `self` too (what remains is
    /// exact for counts and as exact as floating point for the means).
    fn remove(&mut self, part: &DayAccumulator) {
        self.rows -= part.rows;
        self.sessions -= part.sessions;
        for (mine, theirs) in [
            (&mut self.p95, part.p95),
            (&mut self.p50, part.p50),
            (&mut self.crash, part.crash),
            (&mut self.error, part.error),
            (&mut self.feedback, part.feedback),
        ] {
            mine.merge(theirs, -1.0);
            // What is left of a mean whose rows all went is rounding.
            if mine.weight <= 1e-9 * (1.0 + theirs.weight) {
                *mine = WeightedMean::default();
            }
        }
        if let (Some(mine), Some(theirs)) = (&mut self.feedback_count, part.feedback_count) {
            *mine -= theirs;
        }
    }

    fn cohort_day(&self) -> Option<CohortDay> {
        (self.rows > 0).then(|| CohortDay {
            sessions: self.sessions.max(0.0),
            latency_p95_ms: self.p95.get(),
            latency_p50_ms: self.p50.get(),
            crash_rate: self.crash.get(),
            error_rate: self.error.get(),
            feedback_score: self.feedback.get(),
            feedback_count: self.feedback_count.map(|c| c.max(0.0)),
        })
    }
}

/// One day of a [`Grid`], in 64 bytes: empty, the day's only row so far (its values and
/// line), or the index of the day's accumulator once a second row came.
#[derive(Clone, Copy)]
struct Slot {
    values: PackedValues,
    line: u32,
    /// 0: empty; 1 + mask: one row, with that mask of optional values; [`Slot::MANY`]:
    /// `line` is the index of the day's accumulator in [`Grid::many`].
    tag: u32,
}

impl Slot {
    const EMPTY: Slot = Slot {
        values: PackedValues { numbers: [0.0; 7] },
        line: 0,
        tag: 0,
    };
    const MANY: u32 = 1 << 8;
}

/// Days of a grid allocated together.
const CHUNK_DAYS: usize = 16;

/// One series' days while rows come, in any order and over a range not known in advance:
/// chunks of [`CHUNK_DAYS`] days allocated when a row first falls in them. A day with one
/// row keeps that row's values (most days of most files), a day with more an accumulator;
/// either way the day's figures are computed exactly as an accumulator fed the same rows
/// in the same order computes them.
#[derive(Default)]
struct Grid {
    /// The chunk number (day number / [`CHUNK_DAYS`]) of `chunks[0]`.
    first_chunk: i64,
    chunks: Vec<Option<Box<[Slot; CHUNK_DAYS]>>>,
    many: Vec<DayAccumulator>,
}

impl Grid {
    fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    fn slot(&self, day: i64) -> Option<&Slot> {
        let chunk = day.div_euclid(CHUNK_DAYS as i64) - self.first_chunk;
        let chunk = self.chunks.get(usize::try_from(chunk).ok()?)?.as_ref()?;
        Some(&chunk[day.rem_euclid(CHUNK_DAYS as i64) as usize])
    }

    fn slot_mut(&mut self, day: i64) -> &mut Slot {
        let chunk = day.div_euclid(CHUNK_DAYS as i64);
        if self.chunks.is_empty() {
            self.first_chunk = chunk;
        } else if chunk < self.first_chunk {
            let before = (self.first_chunk - chunk) as usize;
            self.chunks.splice(0..0, std::iter::repeat_n(None, before));
            self.first_chunk = chunk;
        }
        let index = (chunk - self.first_chunk) as usize;
        if index >= self.chunks.len() {
            self.chunks.resize(index + 1, None);
        }
        let chunk = self.chunks[index].get_or_insert_with(|| Box::new([Slot::EMPTY; CHUNK_DAYS]));
        &mut chunk[day.rem_euclid(CHUNK_DAYS as i64) as usize]
    }

    fn add(&mut self, day: i64, values: &RowFigures, line: u32) {
        let next = self.many.len() as u32;
        let slot = self.slot_mut(day);
        match slot.tag {
            0 => {
                let (packed, mask) = PackedValues::pack(values);
                *slot = Slot {
                    values: packed,
                    line,
                    tag: 1 + u32::from(mask),
                };
            }
            tag if tag < Slot::MANY => {
                let mut day = DayAccumulator::of(&slot.values.unpack((tag - 1) as u8));
                day.add(values);
                slot.tag = Slot::MANY;
                slot.line = next;
                self.many.push(day);
            }
            _ => {
                let index = slot.line as usize;
                self.many[index].add(values);
            }
        }
    }

    /// The line of the day's row, when the day has exactly one.
    fn only_line(&self, day: i64) -> Option<u32> {
        self.slot(day)
            .filter(|s| s.tag > 0 && s.tag < Slot::MANY)
            .map(|s| s.line)
    }

    /// The day's figures so far.
    fn day(&self, day: i64) -> DayAccumulator {
        match self.slot(day) {
            None => DayAccumulator::default(),
            Some(s) if s.tag == 0 => DayAccumulator::default(),
            Some(s) if s.tag < Slot::MANY => {
                DayAccumulator::of(&s.values.unpack((s.tag - 1) as u8))
            }
            Some(s) => self.many[s.line as usize],
        }
    }
}

/// The daily series of `days` days from day number `first`, each day's figures from
/// `day_of`.
fn series_of(
    name: &str,
    first: i64,
    days: usize,
    day_of: impl Fn(i64) -> DayAccumulator,
) -> FeatureSeries {
    let column = || Values::with_capacity(days);
    let mut series = FeatureSeries {
        name: name.to_string(),
        sessions: column(),
        latency_p95_ms: column(),
        latency_p50_ms: column(),
        crash_rate: column(),
        error_rate: column(),
        feedback_score: column(),
        feedback_count: column(),
    };
    for t in 0..days as i64 {
        let a = day_of(first + t);
        series.sessions.push((a.rows > 0).then_some(a.sessions));
        series.latency_p95_ms.push(a.p95.get());
        series.latency_p50_ms.push(a.p50.get());
        series.crash_rate.push(a.crash.get());
        series.error_rate.push(a.error.get());
        series.feedback_score.push(a.feedback.get());
        series.feedback_count.push(a.feedback_count);
    }
    series
}

/// One feature's rows so far: its days from its total rows and from its cohort rows,
/// each cohort value's days, and (hourly files) its hours.
#[derive(Default)]
struct FeatureAccumulator {
    total_rows: Grid,
    cohort_rows: Grid,
    /// Per cohort dimension, by value.
    cohorts: [BTreeMap<Box<str>, Grid>; COHORT_DIMENSIONS.len()],
    hours: BTreeMap<i64, [WeightedMean; 3]>,
}

impl FeatureAccumulator {
    fn is_empty(&self) -> bool {
        self.total_rows.is_empty() && self.cohort_rows.is_empty()
    }
}

/// A row's cohort for [`DatasetBuilder::add`]: its value in each of [`COHORT_DIMENSIONS`],
/// or `None` when the file has no cohort columns.
pub(super) type CohortValues<'a> = Option<[Option<&'a str>; COHORT_DIMENSIONS.len()]>;

/// Builds a [`Dataset`] from rows given one at a time, in file order, without keeping
/// them: each row goes into its feature's days (and, for hourly files, hours) as it
/// comes. Features are numbered by the caller; days are day numbers
/// (`NaiveDate::num_days_from_ce`), so the dataset's range need not be known until
/// [`DatasetBuilder::finish`].
#[derive(Default)]
pub(super) struct DatasetBuilder {
    features: Vec<FeatureAccumulator>,
}

impl DatasetBuilder {
    /// Adds one row of feature number `feature` on `day` (and, in an hourly file, in the
    /// hour starting at `hour`, seconds since 1970).
    pub(super) fn add(
        &mut self,
        feature: usize,
        cohort: CohortValues<'_>,
        day: i64,
        hour: Option<i64>,
        values: &RowFigures,
        line: u32,
    ) {
        if self.features.len() <= feature {
            self.features
                .resize_with(feature + 1, FeatureAccumulator::default);
        }
        let acc = &mut self.features[feature];
        match cohort {
            Some(values_of) if values_of.iter().any(Option::is_some) => {
                acc.cohort_rows.add(day, values, line);
                for (dimension, value) in values_of.iter().enumerate() {
                    if let Some(value) = value {
                        let grids = &mut acc.cohorts[dimension];
                        if !grids.contains_key(*value) {
                            grids.insert((*value).into(), Grid::default());
                        }
                        grids
                            .get_mut(*value)
                            .expect("just inserted")
                            .add(day, values, line);
                    }
                }
            }
            _ => acc.total_rows.add(day, values, line),
        }
        if let Some(time) = hour {
            let hour = acc.hours.entry(time).or_default();
            let w = values.sessions.max(1e-9);
            hour[0].add(Some(values.latency_p95_ms), w);
            hour[1].add(Some(values.crash_rate), w);
            hour[2].add(values.error_rate, w);
        }
    }

    /// The line of feature `feature`'s total row on `day`, when it has exactly one.
    pub(super) fn total_row_line(&self, feature: usize, day: i64) -> Option<u32> {
        self.features.get(feature)?.total_rows.only_line(day)
    }

    /// The dataset of the `days` days from day number `first`, with the features that have
    /// rows, named by `name_of` (features numbered as given to [`Self::add`]). Each
    /// feature's rows are freed as its series are made.
    pub(super) fn finish<'a>(
        self,
        name_of: impl Fn(usize) -> &'a str,
        first: i64,
        days: usize,
        granularity: Granularity,
        had_cohorts: bool,
    ) -> Dataset {
        let mut order: Vec<usize> = (0..self.features.len())
            .filter(|&f| !self.features[f].is_empty())
            .collect();
        crate::sorting::sort_by(&mut order, |&a, &b| name_of(a).cmp(name_of(b)));
        let mut accumulators: Vec<Option<FeatureAccumulator>> =
            self.features.into_iter().map(Some).collect();
        let mut features = Vec::with_capacity(order.len());
        let mut cohorts = Vec::with_capacity(order.len());
        let mut breakdown = Vec::with_capacity(order.len());
        let mut hourly = Vec::new();
        for f in order {
            let acc = accumulators[f].take().expect("each feature once");
            let name = name_of(f);
            // A day's total row, when given, is the feature's figure for that day.
            features.push(series_of(name, first, days, |d| {
                let total = acc.total_rows.day(d);
                if total.rows > 0 {
                    total
                } else {
                    acc.cohort_rows.day(d)
                }
            }));
            let sessions_of = |grid: &Grid| -> f64 {
                let counted = if grid.is_empty() { 0 } else { days as i64 };
                (first..first + counted).map(|d| grid.day(d).sessions).sum()
            };
            let feature_sessions = sessions_of(&acc.cohort_rows);
            let mut kept: Vec<(f64, CohortSeries)> = Vec::new();
            for (dimension, grids) in acc.cohorts.iter().enumerate() {
                for (value, grid) in grids {
                    let sessions = sessions_of(grid);
                    // A value that is the whole feature says nothing the feature does not.
                    if sessions >= MIN_COHORT_SHARE * feature_sessions
                        && sessions < 0.999 * feature_sessions
                    {
                        kept.push((
                            sessions,
                            CohortSeries {
                                dimension: COHORT_DIMENSIONS[dimension],
                                value: value.to_string(),
                                series: series_of(name, first, days, |d| grid.day(d)),
                            },
                        ));
                    }
                }
            }
            crate::sorting::sort_by(&mut kept, |a, b| b.0.total_cmp(&a.0));
            kept.truncate(MAX_COHORTS);
            cohorts.push(kept.into_iter().map(|(_, c)| c).collect());
            breakdown.push(breakdown_of(&acc, first, days));
            if granularity == Granularity::Hours {
                let mut series = HourlySeries::default();
                for (time, acc) in &acc.hours {
                    series.times.push(*time);
                    series.latency_p95_ms.push(acc[0].get());
                    series.crash_rate.push(acc[1].get());
                    series.error_rate.push(acc[2].get());
                }
                hourly.push(series);
            }
        }
        Dataset {
            start: day_date(first),
            days,
            features,
            granularity,
            had_cohorts,
            cohorts,
            breakdown,
            hourly,
        }
    }
}

/// One feature's cohort dimensions with two values or more: each value's days, the
/// [`MAX_BREAKDOWN_VALUES`] with the most recent sessions apart and the rest of the
/// feature's cohort rows as [`OTHER_COHORT`].
fn breakdown_of(acc: &FeatureAccumulator, first: i64, days: usize) -> Vec<CohortDimension> {
    let last = first + days as i64;
    let sessions = |grid: &Grid, from: i64| -> f64 {
        if grid.is_empty() {
            return 0.0;
        }
        (from..last).map(|d| grid.day(d).sessions).sum()
    };
    let mut dimensions = Vec::new();
    for (dimension, grids) in acc.cohorts.iter().enumerate() {
        if grids.is_empty() {
            continue;
        }
        let mut ranked: Vec<(f64, f64, &str, &Grid)> = grids
            .iter()
            .map(|(value, grid)| {
                (
                    sessions(grid, (last - RECENT_DAYS_FOR_KEEPING).max(first)),
                    sessions(grid, first),
                    &**value,
                    grid,
                )
            })
            .collect();
        crate::sorting::sort_by(&mut ranked, |a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then(a.2.cmp(b.2))
        });
        ranked.truncate(MAX_BREAKDOWN_VALUES);
        let mut values: Vec<CohortCells> = ranked
            .iter()
            .filter_map(|(_, _, value, grid)| cells_of(value, first, days, |d| grid.day(d)))
            .collect();
        let other = cells_of(OTHER_COHORT, first, days, |d| {
            let mut rest = acc.cohort_rows.day(d);
            for (_, _, _, grid) in &ranked {
                rest.remove(&grid.day(d));
            }
            rest
        });
        values.extend(other);
        if values.len() >= 2 {
            dimensions.push(CohortDimension {
                dimension: COHORT_DIMENSIONS[dimension],
                values,
            });
        }
    }
    dimensions
}

/// A value's days with rows, from the first to the last (None if it has none).
fn cells_of(
    value: &str,
    first: i64,
    days: usize,
    day_of: impl Fn(i64) -> DayAccumulator,
) -> Option<CohortCells> {
    let all: Vec<Option<CohortDay>> = (0..days as i64)
        .map(|t| day_of(first + t).cohort_day())
        .collect();
    let start = all.iter().position(Option::is_some)?;
    let end = all.iter().rposition(Option::is_some)? + 1;
    Some(CohortCells {
        value: value.to_string(),
        first: start,
        days: all[start..end].to_vec(),
    })
}

/// [`Dataset::from_records`] a record at a time, so that records made one by one (the
/// generator's) need not all be held: the series are made when the last is in.
pub struct RecordRows {
    granularity: Granularity,
    numbers: HashMap<String, usize>,
    names: Vec<String>,
    builder: DatasetBuilder,
    /// The first and the last day seen, as day numbers.
    span: Option<(i64, i64)>,
    had_cohorts: bool,
}

impl RecordRows {
    pub fn new(granularity: Granularity) -> Self {
        RecordRows {
            granularity,
            numbers: HashMap::new(),
            names: Vec::new(),
            builder: DatasetBuilder::default(),
            span: None,
            had_cohorts: false,
        }
    }

    /// Adds one validated record.
    pub fn add(&mut self, r: &TelemetryRecord) {
        let feature = match self.numbers.get(r.feature.as_str()) {
            Some(f) => *f,
            None => {
                self.names.push(r.feature.clone());
                self.numbers.insert(r.feature.clone(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        let cohort = r
            .cohort
            .as_ref()
            .map(|c| std::array::from_fn(|dimension| c.value(dimension)));
        self.had_cohorts |= r.cohort.is_some();
        let hour =
            (self.granularity == Granularity::Hours).then(|| r.period_start.and_utc().timestamp());
        let line = u32::try_from(r.line).unwrap_or(u32::MAX);
        let day = day_number(r.period_start.date());
        self.span = Some(match self.span {
            Some((first, last)) => (first.min(day), last.max(day)),
            None => (day, day),
        });
        self.builder
            .add(feature, cohort, day, hour, &RowFigures::of(r), line);
    }

    /// The dataset of the records added; None when there were none.
    pub fn finish(self) -> Option<Dataset> {
        let (first, last) = self.span?;
        let names = self.names;
        Some(self.builder.finish(
            |f| names[f].as_str(),
            first,
            (last - first) as usize + 1,
            self.granularity,
            self.had_cohorts,
        ))
    }
}

/// The date of a day number (`NaiveDate::num_days_from_ce`).
pub(super) fn day_date(day: i64) -> NaiveDate {
    i32::try_from(day)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .expect("a day number made from a date")
}

/// The day number of a date.
pub(super) fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

impl Dataset {
    /// Builds the daily series from validated records (any order).
    pub fn from_records(records: &[TelemetryRecord], granularity: Granularity) -> Option<Self> {
        let mut rows = RecordRows::new(granularity);
        for r in records {
            rows.add(r);
        }
        rows.finish()
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
        assert_eq!(a.latency_p95_ms.at(0), Some(175.0));
        assert!((a.crash_rate.at(0).unwrap() - 0.025).abs() < 1e-12);
        assert_eq!(a.feedback_score.at(0), Some(4.75));
        assert_eq!(a.feedback_count.at(0), Some(40.0));
        assert_eq!(a.feedback_score.at(2), None);
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
            a.latency_p95_ms.at(0),
            Some(180.0),
            "the total row is the figure"
        );
        assert_eq!(
            a.latency_p95_ms.at(1),
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
        assert_eq!(data.features[0].latency_p95_ms.at(0), Some(250.0));
        assert_eq!(data.features[0].sessions.at(0), Some(40.0));
        // The hours stay available, in order.
        let hours = &data.hourly[0];
        assert_eq!(hours.times.len(), 2);
        assert_eq!(hours.times[1] - hours.times[0], 3600);
        assert_eq!(hours.latency_p95_ms, vec![Some(100.0), Some(300.0)]);
        assert_eq!(hours.error_rate, vec![None, None]);
    }
}
