//! Derived signals per feature and day: the evidence the risk model and the sentences use.
//!
//! Every signal for day `t` reads only days `<= t` (no look-ahead). For each metric:
//! a weekly profile (median offset of each weekday from its trailing week, over the last
//! eight weeks) is removed, so that weekends are not anomalies; a robust baseline
//! (median and MAD of the 29 days from `t-35` to `t-7`) is taken, ending a week before `t`
//! so that a slow creep does not hide in its own baseline; and today's level (mean of the
//! last three days), its z-score, and Theil-Sen slopes over 4, 7 and 14 days are measured
//! against it. Latency and sessions are analysed on a log scale (changes are relative);
//! crash and error rates as `ln(1 + 1000 x rate)` (relative, but calm near zero);
//! feedback in rating points.

use super::stats::{
    clipped, median, median_and_mad_of_sorted, median_in_place, median_of_sorted, theil_sen,
    MovingSorted, SlidingSorted, MAD_TO_SIGMA,
};
use super::FeatureEvents;
use crate::telemetry::{FeatureSeries, Metric, Values};
use serde::Serialize;

/// Days in the baseline window, and how far before `t` it ends.
pub const BASELINE_DAYS: i64 = 29;
pub const BASELINE_GAP: i64 = 7;
/// Present days the baseline needs before a metric's signals are computed.
pub const BASELINE_MIN_PRESENT: usize = 10;
const PROFILE_DAYS: i64 = 56;

/// Signals of one metric for one feature and day, on the metric's analysis scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MetricSignals {
    /// Median of the deseasonalised baseline window.
    pub baseline: f64,
    /// Robust noise scale (MAD x 1.4826, floored).
    pub scale: f64,
    /// Mean of the last three deseasonalised days.
    pub level: f64,
    /// (level - baseline) / scale.
    pub z: f64,
    /// Today's own z-score.
    pub z_today: f64,
    /// Theil-Sen slopes per day over the last 4, 7 and 14 days.
    pub slope_4d: f64,
    pub slope_7d: f64,
    pub slope_14d: f64,
    /// Share of the last five days more than 2 scales above the baseline.
    pub persistence: f64,
    /// The last two days against the week before them (days t-9 to t-3), in scales:
    /// high while a level is still climbing, back near 0 once a step has settled.
    pub recent_rise: f64,
    /// The rise over the last week (the last 2 days against days t-7 and t-6) less its
    /// largest one-day jump, in scales: a steady build-up climbs day after day, while a
    /// one-off step (a deploy that moved the level for good) is all in one jump.
    pub climb: f64,
    /// The weekly profile's offset for day `t`: the baseline of day `t` itself is
    /// `baseline + seasonal_offset`.
    pub seasonal_offset: f64,
}

/// All signals of one feature on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signals {
    pub latency_p95: Option<MetricSignals>,
    pub crash_rate: Option<MetricSignals>,
    pub error_rate: Option<MetricSignals>,
    pub feedback: Option<MetricSignals>,
    pub sessions: Option<MetricSignals>,
    /// Latency or crash rate rising while feedback falls: the geometric mean of the
    /// rise's and the fall's z-scores (0 when either is absent).
    pub divergence: f64,
    pub days_since_deploy: Option<i64>,
    pub last_deploy: Option<std::sync::Arc<str>>,
    /// Sessions over the last seven days (present days only).
    pub sessions_7d: f64,
    /// This feature's share of all features' sessions over the last seven days.
    pub usage_share: f64,
    /// What a typical threshold monitor watches: the larger of p95 latency over 1.5x and
    /// the crash rate over 2x their trailing 28-day medians (1 = at the threshold).
    pub monitor_ratio: f64,
}

/// The scale each metric is analysed on, and the smallest noise scale it may have.
fn transform(metric: Metric) -> (fn(f64) -> f64, f64) {
    match metric {
        Metric::LatencyP95 | Metric::LatencyP50 | Metric::Sessions => {
            (|v: f64| v.max(1e-3).ln(), 0.02)
        }
        Metric::CrashRate | Metric::ErrorRate => (|v: f64| (1000.0 * v).ln_1p(), 0.05),
        Metric::FeedbackScore => (|v: f64| v, 0.03),
    }
}

/// Converts a change on the analysis scale back into words' units: a relative change for
/// latency and sessions (0.38 = +38%), a ratio of rates for crashes and errors, points
/// for feedback.
pub fn relative_change(log_delta: f64) -> f64 {
    log_delta.exp() - 1.0
}

/// A value on `metric`'s analysis scale, back in the metric's own units.
pub fn untransform(metric: Metric, value: f64) -> f64 {
    match metric {
        Metric::LatencyP95 | Metric::LatencyP50 | Metric::Sessions => value.exp(),
        Metric::CrashRate | Metric::ErrorRate => rate_at(value),
        Metric::FeedbackScore => value,
    }
}

/// Rate at a level of the crash/error scale.
pub fn rate_at(level: f64) -> f64 {
    level.exp_m1() / 1000.0
}

/// The deviation of each day from the mean of the present days of its trailing week
/// (days `s-6..=s`, summed in order), where the day is present, the week has at least
/// four present days and `s >= 6`. It depends on the series alone, not on the day being
/// analysed, so it is computed once per series instead of once per day and weekday.
fn weekly_deviation(x: &[Option<f64>], s: usize) -> Option<f64> {
    let v = x[s]?;
    if s < 6 {
        return None;
    }
    let (mut sum, mut n) = (0.0, 0usize);
    for w in x[s - 6..=s].iter().flatten() {
        sum += w;
        n += 1;
    }
    (n >= 4).then(|| v - sum / n as f64)
}

/// Each weekday's typical offset from its trailing week, over the last eight weeks: the
/// median of that weekday's deviations (see [`weekly_deviation`]), centred. A weekday's
/// median depends only on which of its days are in the window, and one day moves the
/// window by one weekday's day, so each weekday's median is kept and recomputed only
/// when its days change: reading days in order costs one median of eight values per day.
#[derive(Clone)]
struct WeeklyProfile {
    /// Per weekday: the first and last day of the window that were read, the median
    /// and the count of present deviations.
    cached: [Option<(i64, i64, f64, usize)>; 7],
}

impl WeeklyProfile {
    fn new() -> Self {
        WeeklyProfile { cached: [None; 7] }
    }

    fn offsets(&mut self, dev: &[Option<f64>], t: i64) -> [f64; 7] {
        const PER_WEEKDAY: usize = PROFILE_DAYS as usize / 7;
        let lo = (t - PROFILE_DAYS + 1).max(6);
        let mut medians = [0.0; 7];
        let mut counts = [0usize; 7];
        for k in 0..7i64 {
            // The first day >= lo and the last day <= t of weekday k.
            let first = lo + (k - lo % 7).rem_euclid(7);
            let last = t - (t % 7 - k).rem_euclid(7);
            let key = (first, last);
            let (median, count) = match self.cached[k as usize] {
                Some((a, b, m, n)) if (a, b) == key => (m, n),
                _ => {
                    let mut values = [0.0; PER_WEEKDAY];
                    let mut n = 0;
                    let mut s = first;
                    while s <= last {
                        if let Some(v) = dev[s as usize] {
                            values[n] = v;
                            n += 1;
                        }
                        s += 7;
                    }
                    let m = median_in_place(&mut values[..n]).unwrap_or(0.0);
                    self.cached[k as usize] = Some((first, last, m, n));
                    (m, n)
                }
            };
            medians[k as usize] = median;
            counts[k as usize] = count;
        }
        let mut offsets = [0.0; 7];
        if counts.iter().all(|&n| n >= 3) {
            offsets = medians;
            let centre = offsets.iter().sum::<f64>() / 7.0;
            offsets.iter_mut().for_each(|o| *o -= centre);
        }
        offsets
    }
}

/// Days read by one day's metric signals: the baseline window, its gap and the day.
const WINDOW: usize = (BASELINE_GAP + BASELINE_DAYS) as usize;

/// The present values of `d[from..=to]` (clipped to `d`), in order, copied into `buf`.
fn gather(d: &[Option<f64>], from: i64, to: i64, buf: &mut [f64; WINDOW]) -> usize {
    let mut n = 0;
    for v in clipped(d, from, to).iter().flatten() {
        buf[n] = *v;
        n += 1;
    }
    n
}

/// Mean of the present values of `d[from..=to]` (clipped to `d`), summed in order as
/// [`super::stats::mean`] sums them (from -0.0, the standard library's sum), without
/// copying them out.
fn mean_of(d: &[Option<f64>], from: i64, to: i64) -> Option<f64> {
    let (mut sum, mut n) = (-0.0, 0usize);
    for v in clipped(d, from, to).iter().flatten() {
        sum += v;
        n += 1;
    }
    (n > 0).then(|| sum / n as f64)
}

/// Signals of one metric at day `t`, from the transformed series `x`, its weekly
/// deviations `dev`, the weekday medians read so far and the baseline window as sorted
/// for the day before.
fn metric_signals(
    x: &[Option<f64>],
    dev: &[Option<f64>],
    profile: &mut WeeklyProfile,
    baseline_window: &mut SlidingSorted,
    t: usize,
    scale_floor: f64,
    need: Need,
) -> Option<MetricSignals> {
    let t = t as i64;
    let offsets = profile.offsets(dev, t);
    // Every read below is of days `from..=t` (days before `from` count as gaps), so the
    // deseasonalised series `d` holds just those, indexed from `from`: day `s` is
    // `d[s - from]`. Slopes are per index step, so the shift changes nothing.
    let from = (t - BASELINE_GAP - BASELINE_DAYS + 1).max(0);
    let mut days = [None; WINDOW];
    let mut weekday = (from % 7) as usize;
    for (slot, v) in days.iter_mut().zip(&x[from as usize..=t as usize]) {
        *slot = v.map(|v| v - offsets[weekday]);
        weekday = if weekday == 6 { 0 } else { weekday + 1 };
    }
    let d = &days[..(t - from + 1) as usize];
    let seasonal_offset = offsets[(t % 7) as usize];
    // The baseline window, days `from..=t - BASELINE_GAP`, deseasonalised as `d` is.
    let window = baseline_window.sorted(from, t - BASELINE_GAP, |s| d[(s - from) as usize]);
    if window.len() < BASELINE_MIN_PRESENT {
        return None;
    }
    let (baseline, mad) = median_and_mad_of_sorted(window)?;
    let t = t - from;
    let scale = (mad * MAD_TO_SIGMA).max(scale_floor);
    let level = mean_of(d, t - 2, t)?;
    let z_today = d[t as usize].map_or(0.0, |v| (v - baseline) / scale);
    let (short, trend, long) = match need {
        Need::All => (true, true, true),
        Need::Latency => (true, true, false),
        Need::Crash => (false, true, false),
        Need::Level => (false, false, false),
    };
    let persistence = if short {
        let mut last5 = [0.0; WINDOW];
        let n5 = gather(d, t - 4, t, &mut last5);
        last5[..n5]
            .iter()
            .filter(|v| (**v - baseline) / scale > 2.0)
            .count() as f64
            / 5.0
    } else {
        0.0
    };
    let recent_rise = if trend {
        let mut before = [0.0; WINDOW];
        let nb = gather(d, t - 9, t - 3, &mut before);
        match (mean_of(d, t - 1, t), median_in_place(&mut before[..nb])) {
            (Some(now), Some(before)) => (now - before) / scale,
            _ => 0.0,
        }
    } else {
        0.0
    };
    let slope = |on: bool, days: i64, min_points: usize| {
        if on {
            theil_sen(d, t - days + 1, t, min_points).unwrap_or(0.0)
        } else {
            0.0
        }
    };
    Some(MetricSignals {
        baseline,
        scale,
        level,
        z: (level - baseline) / scale,
        z_today,
        slope_4d: slope(short, 4, 3),
        slope_7d: slope(trend, 7, 4),
        slope_14d: slope(long, 14, 7),
        persistence,
        recent_rise,
        climb: if short { climb(d, t, scale) } else { 0.0 },
        seasonal_offset,
    })
}

/// Which of a metric's signals to compute: all of them, or only those the model's inputs
/// and the reasons' phrases read (see [`SignalSource::lean_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    All,
    /// All but the 14-day slope.
    Latency,
    /// The level, the 7-day slope and the recent rise.
    Crash,
    /// Baseline, scale, level and the two z-scores.
    Level,
}

/// See [`MetricSignals::climb`]; `d` is deseasonalised, `scale` its noise.
fn climb(d: &[Option<f64>], t: i64, scale: f64) -> f64 {
    let (Some(now), Some(then)) = (mean_of(d, t - 1, t), mean_of(d, t - 7, t - 6)) else {
        return 0.0;
    };
    let biggest_jump = (t - 6..=t)
        .filter(|s| *s >= 1)
        .filter_map(|s| Some(d[s as usize]? - d[s as usize - 1]?))
        .fold(0.0, f64::max);
    (now - then - biggest_jump) / scale
}

/// A metric's series on its analysis scale.
pub fn transformed(series: &FeatureSeries, metric: Metric) -> (Vec<Option<f64>>, f64) {
    let (f, floor) = transform(metric);
    (
        series.metric(metric).iter().map(|v| v.map(f)).collect(),
        floor,
    )
}

/// Today's value over the median of the previous `days` days (half of them present).
pub fn ratio_to_median(values: &Values, t: usize, days: usize) -> Option<f64> {
    const SMALL: usize = 32;
    let today = values.at(t)?;
    let (from, to) = (t.saturating_sub(days), t);
    let base = if days <= SMALL {
        let mut history = [0.0; SMALL];
        let mut n = 0;
        for v in values.slots(from..to).flatten() {
            history[n] = v;
            n += 1;
        }
        if n < days / 2 {
            return None;
        }
        median_in_place(&mut history[..n])?
    } else {
        let history = values.present(t as i64 - days as i64, t as i64 - 1);
        if history.len() < days / 2 {
            return None;
        }
        median(&history)?
    };
    (base > 0.0).then(|| today / base)
}

/// [`ratio_to_median`] for days read in order, the history kept sorted in `window`
/// from one day to the next.
pub(crate) fn sliding_ratio_to_median(
    values: &Values,
    t: usize,
    days: usize,
    window: &mut MovingSorted,
) -> Option<f64> {
    let today = values.at(t)?;
    let from = t.saturating_sub(days) as i64;
    let history = window.sorted(from, t as i64 - 1, |s| values.at(s as usize));
    if history.len() < days / 2 {
        return None;
    }
    let base = median_of_sorted(history);
    (base > 0.0).then(|| today / base)
}

/// The threshold monitor's view of day `t`: the larger of p95 latency / (1.5 x its 28-day
/// median) and crash rate / (2 x its 28-day median).
pub fn monitor_ratio(series: &FeatureSeries, t: usize) -> Option<f64> {
    monitor_of(
        ratio_to_median(&series.latency_p95_ms, t, 28),
        ratio_to_median(&series.crash_rate, t, 28),
    )
}

/// The threshold monitor's figure from the two ratios to their medians.
pub(crate) fn monitor_of(latency: Option<f64>, crash: Option<f64>) -> Option<f64> {
    match (latency.map(|r| r / 1.5), crash.map(|r| r / 2.0)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Sessions of `series` over the seven days ending on `t` (present days only).
pub fn sessions_7d(series: &FeatureSeries, t: usize) -> f64 {
    series
        .sessions
        .slots(t.saturating_sub(6)..t + 1)
        .flatten()
        .sum()
}

/// The metrics with signals, in the order of [`Signals`]' fields.
const SIGNAL_METRICS: [Metric; 5] = [
    Metric::LatencyP95,
    Metric::CrashRate,
    Metric::ErrorRate,
    Metric::FeedbackScore,
    Metric::Sessions,
];

/// How many days before `t` one day's signals read: the weekly profile's eight weeks
/// (deviations of days `t-55..=t`), each from its own trailing week (six days more).
const LOOK_BACK: usize = PROFILE_DAYS as usize - 1 + 6;

/// One metric made ready: the transformed series and its weekly deviations from day
/// `SignalSource::base` to the range's end (days before the look-back are gaps, never
/// read), and the scale's floor.
type PreparedMetric = (Vec<Option<f64>>, Vec<Option<f64>>, f64);

/// One feature's (or cohort's) series made ready to give its signals day by day, for the
/// days of a range: each metric on its analysis scale and its weekly deviations, over the
/// range and the days before it that its signals read. Signals are not stored for every
/// feature-day (they would be most of an analysis' memory): a caller asks for the days it
/// needs, and reading days in order is the fastest (see [`WeeklyProfile`]).
pub struct SignalSource<'a> {
    series: &'a FeatureSeries,
    events: &'a FeatureEvents,
    total_sessions_7d: &'a [f64],
    days: std::ops::Range<usize>,
    /// The first day of `metrics`' series: the look-back's first day, rounded down to a
    /// multiple of 7 so that weekdays are the same counted from it.
    base: usize,
    metrics: Vec<PreparedMetric>,
    profiles: [WeeklyProfile; 5],
    /// Per metric, its baseline window as sorted for the last day read.
    baselines: [SlidingSorted; 5],
    /// The threshold monitor's 28-day histories of p95 latency and crash rate, sorted.
    monitor: [MovingSorted; 2],
}

impl<'a> SignalSource<'a> {
    /// Ready for the days `days` (within the series). `total_sessions_7d[t]` is the sum
    /// over all features, for the usage share.
    pub fn new(
        series: &'a FeatureSeries,
        events: &'a FeatureEvents,
        total_sessions_7d: &'a [f64],
        days: std::ops::Range<usize>,
    ) -> Self {
        let n = series.sessions.len();
        let end = days.end.min(n);
        let from = days.start.saturating_sub(LOOK_BACK).min(end);
        let base = from / 7 * 7;
        let metrics = SIGNAL_METRICS
            .iter()
            .map(|metric| {
                let (f, floor) = transform(*metric);
                let mut x = vec![None; end - base];
                for (slot, v) in x[from - base..]
                    .iter_mut()
                    .zip(series.metric(*metric).slots(from..end))
                {
                    *slot = v.map(f);
                }
                let mut dev = vec![None; end - base];
                for (s, slot) in dev.iter_mut().enumerate().skip(from - base + 6) {
                    *slot = weekly_deviation(&x, s);
                }
                (x, dev, floor)
            })
            .collect();
        SignalSource {
            series,
            events,
            total_sessions_7d,
            days: days.start..end,
            base,
            metrics,
            profiles: std::array::from_fn(|_| WeeklyProfile::new()),
            baselines: Default::default(),
            monitor: Default::default(),
        }
    }

    /// The signals of day `t`, which must be in the range given to [`SignalSource::new`].
    pub fn at(&mut self, t: usize) -> Signals {
        self.signals(t, [Need::All; 5])
    }

    /// The signals of day `t` that the model's inputs
    /// ([`crate::model::features::input_vector`]) and the reasons' phrases
    /// ([`crate::model::features::describe`]) read, the others left at 0: the 14-day
    /// slope; the crash rate's 4-day slope, persistence and climb; and of errors,
    /// feedback and sessions everything but the baseline, scale, level and z-scores. The
    /// rest is as [`SignalSource::at`] gives it, bit for bit. The analysis reads every
    /// feature-day this way; the slopes it leaves out are most of the signals' cost.
    pub fn lean_at(&mut self, t: usize) -> Signals {
        self.signals(
            t,
            [
                Need::Latency,
                Need::Crash,
                Need::Level,
                Need::Level,
                Need::Level,
            ],
        )
    }

    fn signals(&mut self, t: usize, needs: [Need; 5]) -> Signals {
        assert!(self.days.contains(&t), "day {t} outside {:?}", self.days);
        // Day `t` of the series is day `t - base` of the prepared metrics; `base` is a
        // multiple of 7 and every day a signal reads is at or after it.
        let local = t - self.base;
        let mut per_metric = self
            .metrics
            .iter()
            .zip(self.profiles.iter_mut().zip(self.baselines.iter_mut()))
            .zip(needs)
            .map(|(((x, dev, floor), (profile, window)), need)| {
                metric_signals(x, dev, profile, window, local, *floor, need)
            });
        let latency_p95 = per_metric.next().flatten();
        let crash_rate = per_metric.next().flatten();
        let error_rate = per_metric.next().flatten();
        let feedback = per_metric.next().flatten();
        let sessions = per_metric.next().flatten();
        let fall = feedback.map_or(0.0, |f| (-f.z).max(0.0));
        let rise = latency_p95
            .map_or(0.0, |l| l.z.max(0.0))
            .max(crash_rate.map_or(0.0, |c| c.z.max(0.0)));
        let last_deploy = self.events.last_deploy_at(t);
        let sessions_7d = sessions_7d(self.series, t);
        Signals {
            latency_p95,
            crash_rate,
            error_rate,
            feedback,
            sessions,
            divergence: (rise * fall).sqrt(),
            days_since_deploy: last_deploy.map(|(day, _)| t as i64 - day),
            last_deploy: last_deploy.map(|(_, title)| title.clone()),
            sessions_7d,
            usage_share: if self.total_sessions_7d[t] > 0.0 {
                sessions_7d / self.total_sessions_7d[t]
            } else {
                0.0
            },
            monitor_ratio: monitor_of(
                sliding_ratio_to_median(&self.series.latency_p95_ms, t, 28, &mut self.monitor[0]),
                sliding_ratio_to_median(&self.series.crash_rate, t, 28, &mut self.monitor[1]),
            )
            .unwrap_or(0.0),
        }
    }
}

/// Signals for every day of one feature. `total_sessions_7d[t]` is the sum over all
/// features, for the usage share.
pub fn feature_signals(
    series: &FeatureSeries,
    events: &FeatureEvents,
    total_sessions_7d: &[f64],
) -> Vec<Signals> {
    let days = series.sessions.len();
    let mut source = SignalSource::new(series, events, total_sessions_7d, 0..days);
    (0..days).map(|t| source.at(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series_from(p95: Vec<f64>) -> FeatureSeries {
        let n = p95.len();
        FeatureSeries {
            name: "f".into(),
            sessions: vec![Some(1000.0); n].into(),
            latency_p95_ms: p95.into_iter().map(Some).collect(),
            latency_p50_ms: vec![None; n].into(),
            crash_rate: vec![Some(0.002); n].into(),
            error_rate: vec![None; n].into(),
            feedback_score: vec![None; n].into(),
            feedback_count: vec![None; n].into(),
        }
    }

    fn noise(i: usize) -> f64 {
        // A fixed, irregular wiggle of about +-3%.
        ((i as f64 * 2.399).sin() * 0.03).exp()
    }

    #[test]
    fn a_weekly_pattern_does_not_look_like_an_anomaly() {
        let p95: Vec<f64> = (0..90)
            .map(|i| {
                let weekend = if i % 7 >= 5 { 1.6 } else { 1.0 };
                200.0 * weekend * noise(i)
            })
            .collect();
        let series = series_from(p95);
        let signals = feature_signals(&series, &FeatureEvents::default(), &[7000.0; 90]);
        for (t, s) in signals.iter().enumerate().skip(60) {
            let l = s.latency_p95.unwrap();
            assert!(l.z_today.abs() < 3.0, "day {t}: z_today {}", l.z_today);
        }
    }

    #[test]
    fn a_creep_shows_as_rising_slope_and_z() {
        let p95: Vec<f64> = (0..60)
            .map(|i| {
                let creep = if i >= 50 {
                    1.0 + 0.06 * (i - 49) as f64
                } else {
                    1.0
                };
                300.0 * creep * noise(i)
            })
            .collect();
        let signals = feature_signals(&series_from(p95), &FeatureEvents::default(), &[7000.0; 60]);
        let quiet = signals[45].latency_p95.unwrap();
        let creeping = signals[58].latency_p95.unwrap();
        assert!(quiet.z.abs() < 2.0, "quiet z {}", quiet.z);
        assert!(creeping.z > 4.0, "creeping z {}", creeping.z);
        assert!(creeping.slope_7d > 0.03, "slope {}", creeping.slope_7d);
        assert!(relative_change(creeping.level - creeping.baseline) > 0.3);
        assert!((signals[58].usage_share - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_window_mean_is_the_mean_of_its_present_values_to_the_bit() {
        let values = [
            Some(-0.0),
            None,
            Some(-0.0),
            Some(1e-300),
            Some(0.1),
            None,
            Some(0.2),
            Some(-7.5),
            Some(0.3),
            Some(f64::MAX),
            Some(f64::MAX),
        ];
        let len = values.len() as i64;
        for from in -2..len + 2 {
            for to in from - 1..len + 2 {
                let expected = crate::analysis::stats::mean(&crate::analysis::stats::present(
                    &values, from, to,
                ));
                let got = mean_of(&values, from, to);
                assert_eq!(
                    got.map(f64::to_bits),
                    expected.map(f64::to_bits),
                    "{from}..={to}"
                );
            }
        }
    }

    #[test]
    fn signals_for_a_day_do_not_change_when_later_days_change() {
        let p95: Vec<f64> = (0..50).map(|i| 100.0 * noise(i)).collect();
        let mut changed = p95.clone();
        for v in changed.iter_mut().skip(41) {
            *v *= 5.0;
        }
        let a = feature_signals(&series_from(p95), &FeatureEvents::default(), &[7000.0; 50]);
        let b = feature_signals(
            &series_from(changed),
            &FeatureEvents::default(),
            &[7000.0; 50],
        );
        assert_eq!(a[..41], b[..41]);
        assert_ne!(a[41], b[41]);
    }
}
