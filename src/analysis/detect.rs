//! The online anomaly score of one metric series (`feature-radar detect`).
//!
//! Each value is scored against the values before it only, in six steps.
//!
//! 1. **Time grid.** The sampling step is the median of the first gaps between
//!    timestamps (when they parse). Each value gets a slot on that grid, so a missing
//!    period stays a hole and "the same time yesterday" is a fixed number of slots back.
//! 2. **Competing baselines.** Each predicts the next value:
//!    - *level*: the median of the last 30 values;
//!    - *daily*: for data sampled every 6 hours or faster, the same time of day on each of
//!      the last 4 days, shifted by how much the level has moved since (the median
//!      difference between the 7 to 12 values before it and the same phases a cycle
//!      earlier: paired, so the cycle's shape cancels and one outlier moves nothing);
//!    - *weekly*: for data sampled daily or faster, the same time on each of the last
//!      3 weeks, adjusted the same way;
//!    - *the data's own cycle*: after 600 values, the shortest lag (4 to 200 values) whose
//!      autocorrelation peaks at 0.5 or more, unless a baseline above already has that
//!      period (a duty cycle, a batch job, or a daily pattern in rows without timestamps),
//!      over its last 3 cycles.
//!
//!    Each baseline keeps its last 400 residuals. The one whose residuals have had the
//!    smallest robust spread lately is used; a seasonal baseline must beat the level by
//!    10%, so a pattern is only assumed when the data show it. Weekends and daily peaks
//!    that recur are then predicted, not flagged.
//! 3. **Robust distance.** A residual is measured in robust scales of the chosen
//!    baseline's past residuals: their median (a baseline that lags a trend is biased, not
//!    wrong) and scale: the larger of their MAD and their mean absolute deviation, in
//!    normal units (they agree on normal noise; on quantised residuals, mostly 0 and
//!    sometimes a whole step, the MAD alone would be near 0; deviations above their
//!    99th percentile are clipped before the mean, so one huge outlier does not inflate
//!    it), floored by 0.1% of the level. The statistics are refreshed every 32 values, from the past only. Medians
//!    ignore outliers in the history, so one incident does not hide the next. Two distances are
//!    taken: of the value itself (spikes) and of the median of the last six residuals
//!    against its own history (sustained shifts too small to stand out one value at a
//!    time).
//!    While a history is short its scale is widened (x2 at 24 values, x1.25 at 100),
//!    since a scale measured on few values tends to be too small.
//! 4. **Tail adjustment.** Each distance is divided by how heavy this series' tails have
//!    been (its own 99th percentile of past distances over the 99th percentile of normal
//!    noise, when larger, once 200 values are known, and the 90th percentile before that
//!    from 50 values; each distance has its own). Spikes that recur in 1% or more of a
//!    series are its normal. The largest of the point, sustained and stuck distances is
//!    the value's distance; `z` is the mean of the last three such distances, or 0.8
//!    times this one when larger: an event that lasts a few rows outranks a one-row
//!    blip of the same height, which still counts at 0.8 of its distance.
//! 5. **Score: size and rarity.** `z` is scored by two things: its size,
//!    `z^2 / (z^2 + h^2)` (0.5 at `h` scales), and its rarity among this series' last
//!    1,000 distances, `-ln(p) / ln(N + 1)` where `p = (k + 1) / (n + 1)`, `k` of the
//!    `n` past distances were at least as large, and `N` is `n` but at least 100 (so
//!    rarity is 1 when a distance beats all of at least 100 past ones). The score is
//!    a weighted geometric mean, `rarity^w * size^(1 - w)`, averaged over nine
//!    settings: `h` of 6, 10 and 14, and `w` of 0.55, 0.65 and 0.75. One setting alone
//!    is sharp: a small change of it moves which events cross the alarm line. The
//!    average changes smoothly. A value that beats all past distances alarms (0.5)
//!    from about 4 scales; on a noisy series, only what is both large and rare for it
//!    alarms.
//! 6. **One alarm per event.** After a score of 0.5 or more, the next 12 hours are
//!    damped (x0.4, and below 0.5): a change alarms once, at its start, and not again at
//!    every value while the series settles into its new normal. Its level then becomes
//!    normal as the baselines and scales relearn. The 12 hours are counted in rows at
//!    the series' own step (144 rows at 5 minutes), at least 20 and at most 200 rows
//!    (so a series sampled every minute is quiet for about 3 hours, not 12); while the
//!    step is unknown (no timestamps), 100 rows.
//!
//! In a series that moves (its value has changed at least 24 times), a value repeated
//! exactly for twice as long as any run before it (and at least 12 times) counts as a
//! stuck sensor would: 4 scales at that length, rising with it.
//! Gaps score 0 and are not remembered; a hole in time longer than the grid remembers
//! is not stored, so memory does not grow with the span of the timestamps. Values beyond
//! 1e300 in magnitude are taken as 1e300, so no sum overflows, and every score is a
//! finite number in [0, 1]. The first ten values score 0.

use std::collections::VecDeque;

/// Values of history needed before any score above 0.
pub const MIN_HISTORY: usize = 10;
/// Values in the level baseline.
pub const LEVEL_WINDOW: usize = 30;
/// Residuals each baseline remembers for its scale.
const RESIDUAL_WINDOW: usize = 400;
/// Residuals a baseline needs before it can be chosen or scored with.
const MIN_RESIDUALS: usize = 24;
/// Residuals in the sustained-shift median.
const SUSTAIN: usize = 6;
/// A seasonal baseline is chosen only when its spread is below this share of the level's.
const SEASONAL_ADVANTAGE: f64 = 0.9;
/// Past distances remembered to measure how heavy the tails are.
const TAIL_WINDOW: usize = 2000;
const TAIL_MIN: usize = 200;
/// Past distances needed before any tail adjustment (with the 90th percentile).
const EARLY_TAIL_MIN: usize = 50;
/// The tail quantile compared, and its value for |z| of normal noise.
const TAIL_QUANTILE: f64 = 0.99;
const NORMAL_TAIL: f64 = 2.576;
/// Timestamp gaps used to find the sampling step.
const STEP_SAMPLES: usize = 16;
/// Values beyond this magnitude are taken as this magnitude, so that no difference or
/// sum of values can overflow.
const MAX_VALUE: f64 = 1e300;
/// The largest distance kept (an overflowing or undefined one is taken as this or 0).
const MAX_DISTANCE: f64 = 1e9;
/// Deviations above this quantile are clipped to it before their mean is taken.
const DEVIATION_CLIP: f64 = 0.99;
const MAD_TO_SIGMA: f64 = 1.4826;
/// The scale of normal noise that a mean absolute deviation corresponds to.
const MEAN_DEV_TO_SIGMA: f64 = 1.2533;
/// Values after which the detector looks once for a cycle of the data's own, the longest
/// cycle it looks for, and the autocorrelation that cycle needs.
const CYCLE_SEARCH_AT: usize = 600;
const CYCLE_MAX_LAG: usize = 200;
const CYCLE_MIN_ACF: f64 = 0.5;
/// The shortest run of one repeated value that can count as stuck.
const STUCK_MIN_RUN: usize = 12;
/// Past distances against which a new one's rarity is ranked, and how many are needed
/// before any rank is trusted.
const RARITY_WINDOW: usize = 1000;
const RARITY_MIN: usize = 10;
/// Past distances a new one must beat to be as rare as can be (fewer when fewer are known).
const RARITY_FULL: usize = 100;
/// The distances (in robust scales) at which the size part of the score is 0.5, and the
/// weights of rarity against size: the score averages the weighted geometric means of
/// every pair, so that no single setting decides which events alarm.
const SIZE_HALVES: [f64; 3] = [6.0, 10.0, 14.0];
const RARITY_WEIGHTS: [f64; 3] = [0.55, 0.65, 0.75];
/// Distances averaged before scoring, and the share of a single distance that counts
/// on its own.
const SMOOTH: usize = 3;
const SINGLE_SHARE: f64 = 0.8;
/// Score of an alarm.
pub const ALARM: f64 = 0.5;
/// How long after an alarm scores are damped below the alarm line: 12 hours of rows at
/// the series' own step (at least 20 and at most 200 rows), or 100 rows while the
/// step is unknown. An incident lasts hours, however often it is sampled.
const REFRACTORY_SECONDS: f64 = 12.0 * 3600.0;
const REFRACTORY_MIN: usize = 20;
const REFRACTORY_MAX: usize = 200;
const REFRACTORY: usize = 100;
/// How much a score is damped during that time.
const REFRACTORY_DAMP: f64 = 0.4;

/// Which baseline predicted a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    Level,
    /// A seasonal pattern of this many slots, looked up over this many past cycles.
    Seasonal {
        period: usize,
        cycles: usize,
    },
}

#[derive(Debug, Clone)]
struct Candidate {
    baseline: Baseline,
    residuals: VecDeque<f64>,
    /// History of the median of the last SUSTAIN residuals.
    sustained: VecDeque<f64>,
    /// Statistics of the histories, refreshed every `REFRESH` residuals (from the past
    /// only, so scores stay online) instead of at every value.
    cached: Cached,
    age: usize,
    /// Values this baseline was chosen to score.
    chosen: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct Cached {
    /// Robust spread of the last 200 residuals, for choosing a baseline.
    spread: Option<f64>,
    /// (centre, scale before its floor) of the residuals and of the sustained medians.
    point: Option<(f64, f64)>,
    sustained: Option<(f64, f64)>,
}

/// How strongly a scale from a short history is widened (see `centre_and_scale`).
const SMALL_SAMPLE: f64 = 24.0;
/// Residuals between refreshes of a baseline's statistics (once its history is full).
const REFRESH: usize = 32;

impl Candidate {
    fn new(baseline: Baseline) -> Self {
        Candidate {
            baseline,
            residuals: VecDeque::new(),
            sustained: VecDeque::new(),
            cached: Cached::default(),
            age: REFRESH,
            chosen: 0,
        }
    }

    fn refresh(&mut self) {
        // Young histories change fast: refresh them more often.
        if self.age < REFRESH.min(1 + self.residuals.len() / 12) {
            return;
        }
        self.age = 0;
        let enough = |h: &VecDeque<f64>| h.len() >= MIN_RESIDUALS;
        self.cached = Cached {
            spread: enough(&self.residuals).then(|| {
                let recent: Vec<f64> = self.residuals.iter().rev().take(200).copied().collect();
                centre_and_scale(&recent).1
            }),
            point: enough(&self.residuals)
                .then(|| centre_and_scale(self.residuals.make_contiguous())),
            sustained: enough(&self.sustained)
                .then(|| centre_and_scale(self.sustained.make_contiguous())),
        };
    }
}

/// Median of `values`, and their scale: the larger of the MAD and the mean absolute
/// deviation, each in normal units. They agree on normal noise; on quantised or
/// heavy-tailed residuals (mostly 0, sometimes a whole step) the MAD alone is near 0.
/// Deviations above their 99th percentile (and at least the largest) are clipped before
/// the mean is taken, so that one huge outlier does not inflate the scale for hundreds
/// of values.
fn centre_and_scale(values: &[f64]) -> (f64, f64) {
    let centre = median_of(&mut values.to_vec()).unwrap_or(0.0);
    let mut dev: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    let mean_dev = if dev.is_empty() {
        0.0
    } else {
        let k = ((dev.len() as f64 * DEVIATION_CLIP) as usize).min(dev.len().saturating_sub(2));
        let cap = *dev.select_nth_unstable_by(k, f64::total_cmp).1;
        // A mean of the shares, so that the sum cannot overflow.
        let n = dev.len() as f64;
        dev.iter().map(|d| d.min(cap) / n).sum::<f64>()
    };
    let mad = median_of(&mut dev).unwrap_or(0.0);
    // A scale measured on few values is often too small: widen it while the history is
    // short (x2 at 24 values, x1.25 at 100, x1.06 at 400).
    let young = 1.0 + SMALL_SAMPLE / values.len().max(1) as f64;
    (
        centre,
        young * (MAD_TO_SIGMA * mad).max(MEAN_DEV_TO_SIGMA * mean_dev),
    )
}

/// Scores a stream of values, one at a time.
#[derive(Debug, Clone)]
pub struct OnlineDetector {
    /// Values by slot; `grid[0]` is slot `grid_start`.
    grid: VecDeque<Option<f64>>,
    grid_start: u64,
    next_slot: u64,
    placed: bool,
    last_time: Option<i64>,
    step_gaps: Vec<i64>,
    step: Option<i64>,
    /// The last LEVEL_WINDOW present values.
    recent: VecDeque<f64>,
    seen: usize,
    candidates: Vec<Candidate>,
    /// Tails of the point and of the sustained distances.
    tails: [Tail; 2],
    /// Length of the current run of identical values, and the longest before it.
    run: usize,
    longest_run: usize,
    /// How many times the value has changed.
    changes: usize,
    /// The rarity of each distance among the last ones.
    rarity: Rarity,
    /// Rows since the last alarm (None before the first).
    since_alarm: Option<usize>,
    /// The last `SMOOTH` distances.
    last_distances: VecDeque<f64>,
}

/// The last `RARITY_WINDOW` distances, in arrival order and sorted, to rank a new one.
#[derive(Debug, Clone, Default)]
struct Rarity {
    past: VecDeque<f64>,
    sorted: Vec<f64>,
}

impl Rarity {
    /// How rare `z` is among the past distances, in [0, 1]: `-log(p) / log(N + 1)`
    /// where `p = (k + 1) / (n + 1)`, `k` of the `n` past distances were at least as
    /// large, and `N` is `n` within [`RARITY_FULL`, `RARITY_WINDOW`]: 1 when it beats
    /// all of them and there are at least 100; 0 while fewer than `RARITY_MIN` are
    /// known. Then remembers `z`.
    fn rank(&mut self, z: f64) -> f64 {
        let n = self.sorted.len();
        let rarity = if n >= RARITY_MIN {
            let k = n - self.sorted.partition_point(|x| *x < z);
            let p = (k + 1) as f64 / (n + 1) as f64;
            let full = n.clamp(RARITY_FULL, RARITY_WINDOW);
            (-p.ln() / ((full + 1) as f64).ln()).min(1.0)
        } else {
            0.0
        };
        let at = self.sorted.partition_point(|x| *x < z);
        self.sorted.insert(at, z);
        self.past.push_back(z);
        if self.past.len() > RARITY_WINDOW {
            if let Some(old) = self.past.pop_front() {
                let at = self.sorted.partition_point(|x| *x < old);
                self.sorted.remove(at);
            }
        }
        rarity
    }
}

/// How heavy a distance's tail has been: its recent 99th percentile over normal noise's.
#[derive(Debug, Clone)]
struct Tail {
    past: VecDeque<f64>,
    factor: f64,
    since_update: usize,
}

impl Tail {
    fn new() -> Self {
        Tail {
            past: VecDeque::new(),
            factor: 1.0,
            since_update: 0,
        }
    }

    /// `z` over the tail factor so far; then remembers `z`.
    fn adjust(&mut self, z: f64) -> f64 {
        let adjusted = z / self.factor;
        push_capped(&mut self.past, z, TAIL_WINDOW);
        self.since_update += 1;
        let n = self.past.len();
        // Early on, a 99th percentile rests on one or two values: use the 90th (against
        // normal noise's 1.645), refreshed more often, until there are enough.
        let (quantile, normal, every) = if n >= TAIL_MIN {
            (TAIL_QUANTILE, NORMAL_TAIL, 100)
        } else {
            (0.9, 1.645, 10)
        };
        if n >= EARLY_TAIL_MIN && self.since_update >= every {
            self.since_update = 0;
            let mut past: Vec<f64> = self.past.iter().copied().collect();
            let k = (((n as f64) * quantile) as usize).min(n - 1);
            let (_, q, _) = past.select_nth_unstable_by(k, f64::total_cmp);
            self.factor = (*q / normal).max(1.0);
        }
        adjusted
    }
}

impl Default for OnlineDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl OnlineDetector {
    pub fn new() -> Self {
        OnlineDetector {
            grid: VecDeque::new(),
            grid_start: 0,
            next_slot: 0,
            placed: false,
            last_time: None,
            step_gaps: Vec::new(),
            step: None,
            recent: VecDeque::new(),
            seen: 0,
            candidates: vec![Candidate::new(Baseline::Level)],
            tails: [Tail::new(), Tail::new()],
            run: 0,
            longest_run: 0,
            changes: 0,
            rarity: Rarity::default(),
            since_alarm: None,
            last_distances: VecDeque::new(),
        }
    }

    /// The sampling step in seconds, once known.
    pub fn step_seconds(&self) -> Option<i64> {
        self.step
    }

    /// The baselines in use (the level, plus any seasonal pattern the step allows).
    pub fn baselines(&self) -> Vec<Baseline> {
        self.candidates.iter().map(|c| c.baseline).collect()
    }

    /// How many values each baseline (in the order of `baselines`) was chosen to score.
    pub fn chosen_counts(&self) -> Vec<usize> {
        self.candidates.iter().map(|c| c.chosen).collect()
    }

    /// The anomaly score in [0, 1] of `value` at `time` (seconds; None when the series has
    /// no usable timestamps), given the values seen so far; then remembers `value`.
    /// A missing value (None) scores 0 and is not remembered.
    pub fn score_at(&mut self, time: Option<i64>, value: Option<f64>) -> f64 {
        let slot = self.place(time);
        if let Some(since) = self.since_alarm.as_mut() {
            *since += 1;
        }
        let Some(value) = value
            .filter(|v| v.is_finite())
            .map(|v| v.clamp(-MAX_VALUE, MAX_VALUE))
        else {
            return 0.0;
        };
        let score = match self.distance(slot, value) {
            Some(z) => {
                // An event that lasts a few rows outranks a one-row blip of the same
                // height, which still counts at SINGLE_SHARE of its distance.
                push_capped(&mut self.last_distances, z, SMOOTH);
                let n = self.last_distances.len() as f64;
                let mean = self.last_distances.iter().map(|d| d / n).sum::<f64>();
                self.alarm_score(mean.max(SINGLE_SHARE * z))
            }
            None => 0.0,
        };
        self.remember(slot, value);
        score
    }

    /// The score of distance `z`: weighted geometric means of its size (`z^2 / (z^2 +
    /// h^2)`: 0.5 at `h` scales) and its rarity among this series' last distances,
    /// averaged over `SIZE_HALVES` and `RARITY_WEIGHTS`; damped below the alarm line for
    /// `refractory_rows` rows after an alarm.
    fn alarm_score(&mut self, z: f64) -> f64 {
        let rarity = self.rarity.rank(z);
        let pairs = (SIZE_HALVES.len() * RARITY_WEIGHTS.len()) as f64;
        let score = SIZE_HALVES
            .iter()
            .map(|half| {
                let size = if z > 0.0 {
                    1.0 / (1.0 + (half / z).powi(2))
                } else {
                    0.0
                };
                RARITY_WEIGHTS
                    .iter()
                    .map(|w| rarity.powf(*w) * size.powf(1.0 - w) / pairs)
                    .sum::<f64>()
            })
            .sum::<f64>();
        let score = if score.is_nan() {
            0.0
        } else {
            score.clamp(0.0, 1.0)
        };
        let refractory = self.refractory_rows();
        if self.since_alarm.is_some_and(|since| since <= refractory) {
            (REFRACTORY_DAMP * score).min(0.49)
        } else {
            if score >= ALARM {
                self.since_alarm = Some(0);
            }
            score
        }
    }

    /// Rows after an alarm during which scores are damped: 12 hours at the series' step
    /// (within 20 to 200 rows), or `REFRACTORY` rows while no step is known.
    fn refractory_rows(&self) -> usize {
        match self.step {
            Some(step) if step > 0 => ((REFRACTORY_SECONDS / step as f64).round() as usize)
                .clamp(REFRACTORY_MIN, REFRACTORY_MAX),
            _ => REFRACTORY,
        }
    }

    /// As `score_at` for a series without timestamps: one slot per value.
    pub fn score(&mut self, value: Option<f64>) -> f64 {
        self.score_at(None, value)
    }

    /// The slot of the next value; learns the step from the first timestamp gaps.
    fn place(&mut self, time: Option<i64>) -> u64 {
        let advance = match (time, self.last_time) {
            (Some(t), Some(last)) => {
                let gap = t - last;
                if self.step.is_none() && gap > 0 {
                    self.step_gaps.push(gap);
                    if self.step_gaps.len() >= STEP_SAMPLES {
                        let mut gaps = self.step_gaps.clone();
                        gaps.sort_unstable();
                        let step = gaps[gaps.len() / 2];
                        self.step = Some(step);
                        self.add_seasonal_candidates(step);
                    }
                }
                match self.step {
                    Some(step) if gap > 0 => ((gap as f64 / step as f64).round() as u64).max(1),
                    _ => 1,
                }
            }
            _ => 1,
        };
        if time.is_some() {
            self.last_time = time;
        }
        let slot = if self.placed {
            self.next_slot.saturating_add(advance - 1)
        } else {
            self.placed = true;
            0
        };
        let keep = self.grid_keep();
        let end = self.grid_start + self.grid.len() as u64;
        if slot.saturating_sub(end) >= keep as u64 {
            // A hole longer than the grid remembers: no slot of it would be kept, so
            // none is stored (memory stays bounded by the grid, not by time's span).
            self.grid.clear();
            self.grid_start = slot;
        }
        while self.grid_start + (self.grid.len() as u64) < slot {
            self.grid.push_back(None);
        }
        self.trim_grid(keep);
        self.next_slot = slot.saturating_add(1);
        slot
    }

    /// Slots the grid remembers: enough for the longest seasonal lookup and the cycle
    /// search.
    fn grid_keep(&self) -> usize {
        self.candidates
            .iter()
            .map(|c| match c.baseline {
                Baseline::Level => 0,
                Baseline::Seasonal { period, cycles } => period * cycles + 13,
            })
            .max()
            .unwrap_or(0)
            .max(CYCLE_SEARCH_AT + 13)
    }

    fn trim_grid(&mut self, keep: usize) {
        while self.grid.len() > keep {
            self.grid.pop_front();
            self.grid_start += 1;
        }
    }

    fn add_seasonal_candidates(&mut self, step: i64) {
        const DAY: i64 = 86_400;
        let per_day = DAY as f64 / step as f64;
        let whole = per_day.round();
        if step <= 0 || (per_day - whole).abs() > 0.01 * whole.max(1.0) {
            return;
        }
        let per_day = whole as usize;
        if (4..=1440).contains(&per_day) {
            self.candidates.push(Candidate::new(Baseline::Seasonal {
                period: per_day,
                cycles: 4,
            }));
        }
        if (1..=1440).contains(&per_day) {
            self.candidates.push(Candidate::new(Baseline::Seasonal {
                period: 7 * per_day,
                cycles: 3,
            }));
        }
    }

    fn value_at(&self, slot: i64) -> Option<f64> {
        if slot < self.grid_start as i64 {
            return None;
        }
        self.grid
            .get((slot - self.grid_start as i64) as usize)
            .copied()
            .flatten()
    }

    fn predict(&self, baseline: Baseline, slot: u64) -> Option<f64> {
        match baseline {
            Baseline::Level => {
                if self.recent.len() < MIN_HISTORY {
                    return None;
                }
                median_of(&mut self.recent.iter().copied().collect::<Vec<_>>())
            }
            Baseline::Seasonal { period, cycles } => {
                let span = (period / 24).clamp(7, 12) as i64;
                let slot = slot as i64;
                let mut guesses: Vec<f64> = (1..=cycles as i64)
                    .filter_map(|k| {
                        let lag = k * period as i64;
                        let value = self.value_at(slot - lag)?;
                        // How far the level has moved since: the median difference between
                        // the values just before and the same phase one cycle earlier,
                        // paired so that the cycle's shape cancels and one outlier
                        // moves nothing.
                        let mut moved: Vec<f64> = (1..=span)
                            .filter_map(|j| {
                                Some(self.value_at(slot - j)? - self.value_at(slot - j - lag)?)
                            })
                            .collect();
                        if (moved.len() as i64) * 2 < span {
                            return None;
                        }
                        Some(value + median_of(&mut moved)?)
                    })
                    .collect();
                if guesses.len() < 2 {
                    return None;
                }
                median_of(&mut guesses)
            }
        }
    }

    /// The index of the baseline to trust now: the smallest recent spread.
    fn choose(&self) -> Option<usize> {
        let mut best: Option<(usize, f64)> = self.candidates[0].cached.spread.map(|s| (0, s));
        for (i, candidate) in self.candidates.iter().enumerate().skip(1) {
            if let Some(s) = candidate.cached.spread {
                if best.is_none_or(|(_, b)| s < SEASONAL_ADVANTAGE * b) {
                    best = Some((i, s));
                }
            }
        }
        best.map(|(i, _)| i)
    }

    /// The distance of `value` from the chosen baseline's prediction, in robust scales
    /// adjusted for the series' tails (the largest of the point, sustained and stuck
    /// distances); None while no baseline can be chosen.
    fn distance(&mut self, slot: u64, value: f64) -> Option<f64> {
        let predictions: Vec<Option<f64>> = self
            .candidates
            .iter()
            .map(|c| self.predict(c.baseline, slot))
            .collect();
        for candidate in &mut self.candidates {
            candidate.refresh();
        }
        let chosen = self.choose();
        let level = self
            .recent
            .iter()
            .map(|v| v.abs())
            .fold(0.0, f64::max)
            .max(value.abs());
        let mut z_chosen = None;
        for (i, prediction) in predictions.iter().enumerate() {
            let Some(prediction) = prediction else {
                continue;
            };
            let residual = value - prediction;
            let candidate = &mut self.candidates[i];
            let (z_point, z_sustained) = distances(candidate, residual, level);
            if Some(i) == chosen && self.seen >= MIN_HISTORY {
                z_chosen = Some((z_point, z_sustained));
                candidate.chosen += 1;
            }
            push_capped(&mut candidate.residuals, residual, RESIDUAL_WINDOW);
            candidate.age += 1;
            if candidate.residuals.len() >= SUSTAIN {
                let mut last: Vec<f64> = candidate
                    .residuals
                    .iter()
                    .rev()
                    .take(SUSTAIN)
                    .copied()
                    .collect();
                let sustained = median_of(&mut last).unwrap_or(0.0);
                push_capped(&mut candidate.sustained, sustained, RESIDUAL_WINDOW);
            }
        }
        let (z_point, z_sustained) = z_chosen?;
        let z = self.tails[0]
            .adjust(z_point)
            .max(self.tails[1].adjust(z_sustained))
            .max(self.stuck_distance(value));
        Some(tame(z))
    }

    /// A value repeated exactly for longer than twice the longest run before (and at
    /// least 12 times) looks like a stuck sensor or a frozen pipeline: 4 scales at that
    /// length, growing with it.
    fn stuck_distance(&self, value: f64) -> f64 {
        let repeats = self.recent.back() == Some(&value);
        // A series that has hardly ever moved is flat by nature, not stuck.
        if !repeats || self.seen < 10 * STUCK_MIN_RUN || self.changes < 2 * STUCK_MIN_RUN {
            return 0.0;
        }
        let run = self.run + 1;
        let limit = (2 * self.longest_run).max(STUCK_MIN_RUN);
        if run < limit {
            return 0.0;
        }
        4.0 * run as f64 / limit as f64
    }

    fn remember(&mut self, slot: u64, value: f64) {
        let index = (slot - self.grid_start) as usize;
        if index < self.grid.len() {
            self.grid[index] = Some(value);
        } else {
            self.grid.push_back(Some(value));
        }
        self.trim_grid(self.grid_keep());
        if self.recent.back() == Some(&value) {
            self.run += 1;
        } else {
            self.changes += usize::from(!self.recent.is_empty());
            self.longest_run = self.longest_run.max(self.run);
            self.run = 1;
        }
        push_capped(&mut self.recent, value, LEVEL_WINDOW);
        self.seen += 1;
        if self.seen == CYCLE_SEARCH_AT {
            self.find_cycle();
        }
    }

    /// Looks once, over the last `CYCLE_SEARCH_AT` slots, for a cycle of the data's own
    /// (a machine's duty cycle, a batch job, or a daily pattern in rows without
    /// timestamps): the shortest lag from 4 to `CYCLE_MAX_LAG` whose autocorrelation is a
    /// local peak of at least `CYCLE_MIN_ACF`. It becomes one more seasonal baseline unless
    /// a known one already has about that period; like the others, it is only used when
    /// it predicts better.
    fn find_cycle(&mut self) {
        let from = self.grid.len().saturating_sub(CYCLE_SEARCH_AT);
        // In units of the largest magnitude, so that no square or sum can overflow (the
        // autocorrelation does not depend on the unit).
        let unit = self
            .grid
            .iter()
            .skip(from)
            .flatten()
            .fold(0.0, |m: f64, v| m.max(v.abs()));
        if unit <= 0.0 {
            return;
        }
        let x: Vec<Option<f64>> = self
            .grid
            .iter()
            .skip(from)
            .map(|v| v.map(|v| v / unit))
            .collect();
        let present: Vec<f64> = x.iter().flatten().copied().collect();
        let Some(mean) = (present.len() >= CYCLE_SEARCH_AT / 2)
            .then(|| present.iter().sum::<f64>() / present.len() as f64)
        else {
            return;
        };
        let variance =
            present.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / present.len() as f64;
        if variance <= 0.0 {
            return;
        }
        let acf = |lag: usize| -> f64 {
            let (sum, n) = (lag..x.len())
                .filter_map(|i| Some((x[i]? - mean) * (x[i - lag]? - mean)))
                .fold((0.0, 0usize), |(s, n), p| (s + p, n + 1));
            if n == 0 {
                0.0
            } else {
                sum / n as f64 / variance
            }
        };
        let values: Vec<f64> = (0..=CYCLE_MAX_LAG + 1).map(acf).collect();
        let Some(period) = (4..=CYCLE_MAX_LAG).find(|&lag| {
            values[lag] >= CYCLE_MIN_ACF
                && values[lag] > values[lag - 1]
                && values[lag] >= values[lag + 1]
        }) else {
            return;
        };
        let known = self.candidates.iter().any(|c| match c.baseline {
            Baseline::Seasonal { period: p, .. } => {
                (p as f64 - period as f64).abs() <= 0.05 * p as f64
            }
            Baseline::Level => false,
        });
        if !known {
            self.candidates
                .push(Candidate::new(Baseline::Seasonal { period, cycles: 3 }));
        }
    }
}

/// The distances of `residual` (a value) and of the sustained median it completes, in
/// robust scales of the candidate's history; 0 while the history is short.
fn distances(candidate: &Candidate, residual: f64, level: f64) -> (f64, f64) {
    let floor = (1e-3 * level).max(1e-12);
    let distance = |stats: Option<(f64, f64)>, x: f64| {
        stats.map_or(0.0, |(centre, scale)| {
            tame((x - centre).abs() / scale.max(floor))
        })
    };
    let point = distance(candidate.cached.point, residual);
    let sustained = if candidate.cached.sustained.is_some() {
        let mut last: Vec<f64> = std::iter::once(residual)
            .chain(candidate.residuals.iter().rev().take(SUSTAIN - 1).copied())
            .collect();
        distance(
            candidate.cached.sustained,
            median_of(&mut last).unwrap_or(0.0),
        )
    } else {
        0.0
    };
    (point, sustained)
}

/// A distance that is always a finite number in [0, MAX_DISTANCE].
fn tame(z: f64) -> f64 {
    if z.is_nan() {
        0.0
    } else {
        z.clamp(0.0, MAX_DISTANCE)
    }
}

fn push_capped(queue: &mut VecDeque<f64>, value: f64, cap: usize) {
    queue.push_back(value);
    if queue.len() > cap {
        queue.pop_front();
    }
}

/// Median in linear time; reorders `values`.
fn median_of(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (below, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(*upper);
    }
    let upper = *upper;
    let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(lower / 2.0 + upper / 2.0)
}

/// Scores a whole series without timestamps online: element `i` uses elements `0..=i`.
pub fn score_series(values: &[Option<f64>]) -> Vec<f64> {
    let mut detector = OnlineDetector::new();
    values.iter().map(|v| detector.score(*v)).collect()
}

/// Scores a timed series online (`times` in seconds, None where a timestamp did not parse).
pub fn score_timed_series(times: &[Option<i64>], values: &[Option<f64>]) -> Vec<f64> {
    let mut detector = OnlineDetector::new();
    times
        .iter()
        .zip(values)
        .map(|(t, v)| detector.score_at(*t, *v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic, noise-like sequence in [-1, 1].
    fn noise(i: usize) -> f64 {
        let x = (i as f64 * 12.9898).sin() * 43_758.545;
        2.0 * (x - x.floor()) - 1.0
    }

    fn max_outside(scores: &[f64], skip: std::ops::Range<usize>, from: usize) -> f64 {
        scores
            .iter()
            .enumerate()
            .filter(|(i, _)| *i >= from && !skip.contains(i))
            .map(|(_, s)| *s)
            .fold(0.0, f64::max)
    }

    #[test]
    fn a_spike_scores_high_and_ordinary_noise_low() {
        let mut values: Vec<Option<f64>> = (0..300).map(|i| Some(50.0 + 2.0 * noise(i))).collect();
        values[200] = Some(70.0);
        let scores = score_series(&values);
        assert!(scores[..MIN_HISTORY].iter().all(|s| *s == 0.0));
        // 10 noise units, and the largest distance yet.
        assert!(scores[200] >= ALARM, "spike {}", scores[200]);
        let other = max_outside(&scores, 200..201, 0);
        assert!(other < 0.5, "noise {other}");
    }

    #[test]
    fn scores_are_online_and_in_range() {
        let values: Vec<Option<f64>> = (0..600).map(|i| Some((i * i % 17) as f64)).collect();
        let times: Vec<Option<i64>> = (0..600).map(|i| Some(i * 3600)).collect();
        let full = score_timed_series(&times, &values);
        let prefix = score_timed_series(&times[..300], &values[..300]);
        assert_eq!(full[..300], prefix[..]);
        assert!(full.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[test]
    fn gaps_and_flat_stretches_do_not_break_it() {
        let mut values = vec![Some(5.0); 60];
        values[20] = None;
        values[40] = Some(5.001);
        values[55] = Some(9.0);
        let scores = score_series(&values);
        assert_eq!(scores[20], 0.0);
        assert!(scores.iter().all(|s| s.is_finite()));
        assert!(
            scores[40] < 0.05,
            "a 0.02% wiggle on a flat line is not an anomaly: {}",
            scores[40]
        );
        assert!(
            scores[55] >= ALARM,
            "a jump off a flat line is: {}",
            scores[55]
        );
    }

    /// Hourly traffic with a daily shape and quiet weekends, 8 weeks.
    fn hourly_traffic(weeks: usize) -> (Vec<Option<i64>>, Vec<Option<f64>>) {
        let hours = weeks * 7 * 24;
        let times = (0..hours as i64).map(|h| Some(h * 3600)).collect();
        let values = (0..hours)
            .map(|h| {
                let hour = (h % 24) as f64;
                let weekend = (h / 24) % 7 >= 5;
                let daily = 1.0 + 0.8 * ((hour - 6.0) / 24.0 * std::f64::consts::TAU).sin();
                let weekly = if weekend { 0.4 } else { 1.0 };
                Some(1000.0 * daily * weekly * (1.0 + 0.03 * noise(h)))
            })
            .collect();
        (times, values)
    }

    #[test]
    fn daily_and_weekly_patterns_in_hourly_data_do_not_alarm() {
        let (times, values) = hourly_traffic(8);
        let scores = score_timed_series(&times, &values);
        // After three weeks of learning, no hour of the pattern is an anomaly.
        let worst = max_outside(&scores, 0..0, 21 * 24);
        assert!(worst < 0.5, "the pattern alarmed: {worst}");
        let mut detector = OnlineDetector::new();
        for (t, v) in times.iter().zip(&values).take(40) {
            detector.score_at(*t, *v);
        }
        assert_eq!(detector.step_seconds(), Some(3600));
        assert!(detector.baselines().contains(&Baseline::Seasonal {
            period: 168,
            cycles: 3
        }));
    }

    #[test]
    fn a_drop_at_a_busy_hour_is_caught_though_quiet_hours_are_lower() {
        let (times, mut values) = hourly_traffic(6);
        // Tuesday of week 5, 12:00: traffic halves for three hours (still above the
        // night's level, so only a seasonal baseline sees it).
        let at = (4 * 7 + 1) * 24 + 12;
        for v in values.iter_mut().skip(at).take(3) {
            *v = v.map(|x| x * 0.5);
        }
        let scores = score_timed_series(&times, &values);
        assert!(scores[at] > 0.7, "drop scored {}", scores[at]);
        let other = max_outside(&scores, at..at + 30, 21 * 24);
        assert!(other < 0.5, "elsewhere {other}");
    }

    #[test]
    fn a_cycle_of_the_data_s_own_is_learnt_without_timestamps() {
        // A 50-value duty cycle with no timestamps: after it is learnt, a value that is
        // ordinary for the series but wrong for its phase is an anomaly.
        let shape = |i: usize| if i % 50 < 20 { 80.0 } else { 20.0 };
        let mut values: Vec<Option<f64>> = (0..1500).map(|i| Some(shape(i) + noise(i))).collect();
        let odd = 1230; // phase 30: the low part of the cycle
        values[odd] = Some(80.0);
        let scores = score_series(&values);
        assert!(
            scores[odd] > 0.8,
            "wrong-phase value scored {}",
            scores[odd]
        );
        let other = max_outside(&scores, odd..odd + 1, 900);
        assert!(other < 0.5, "the cycle itself alarmed: {other}");
        let mut detector = OnlineDetector::new();
        for v in &values[..700] {
            detector.score(*v);
        }
        assert!(detector.baselines().contains(&Baseline::Seasonal {
            period: 50,
            cycles: 3
        }));
    }

    #[test]
    fn a_level_shift_is_flagged_when_it_starts_then_absorbed() {
        let values: Vec<Option<f64>> = (0..400)
            .map(|i| Some(if i < 250 { 20.0 } else { 26.0 } + noise(i)))
            .collect();
        let scores = score_series(&values);
        assert!(scores[250] >= ALARM, "shift scored {}", scores[250]);
        assert!(max_outside(&scores, 250..400, 0) < ALARM);
        // One alarm when it starts, then quiet while the new level becomes the norm.
        let alarms = scores[250..].iter().filter(|s| **s >= ALARM).count();
        assert_eq!(alarms, 1, "{:?}", &scores[250..270]);
    }

    #[test]
    fn outliers_in_the_history_do_not_mask_the_next_one() {
        let mut values: Vec<Option<f64>> = (0..1200).map(|i| Some(100.0 + noise(i))).collect();
        for i in [150, 180, 210, 240, 600, 800] {
            values[i] = Some(130.0);
        }
        values[1100] = Some(110.0);
        let scores = score_series(&values);
        assert!(scores[1100] >= ALARM, "scored {}", scores[1100]);
    }

    #[test]
    fn a_series_that_never_moves_is_not_stuck_but_one_that_stops_is() {
        let constant = score_series(&vec![Some(0.001); 500]);
        assert!(constant.iter().all(|s| *s == 0.0));
        let mut values: Vec<Option<f64>> = (0..500).map(|i| Some(20.0 + noise(i))).collect();
        // Stuck at the usual level: only the repetition gives it away.
        for v in values.iter_mut().skip(400).take(40) {
            *v = Some(20.0);
        }
        let scores = score_series(&values);
        let first = scores[400..440].iter().position(|s| *s >= ALARM);
        assert!(
            first.is_some_and(|i| (10..=30).contains(&i)),
            "stuck: {:?}",
            &scores[400..440]
        );
    }

    #[test]
    fn scores_do_not_depend_on_the_series_scale() {
        let base: Vec<f64> = (0..300)
            .map(|i| 10.0 + noise(i) + (i == 250) as u8 as f64 * 6.0)
            .collect();
        let small = score_series(&base.iter().map(|v| Some(*v)).collect::<Vec<_>>());
        let large = score_series(&base.iter().map(|v| Some(v * 1e6)).collect::<Vec<_>>());
        for (a, b) in small.iter().zip(&large) {
            assert!((a - b).abs() < 1e-9);
        }
        assert!(small[250] >= ALARM);
    }

    #[test]
    fn heavy_tailed_series_do_not_alarm_more_than_calm_ones() {
        // Ordinary values with a large jump one time in twenty.
        let values: Vec<Option<f64>> = (0..2000)
            .map(|i| {
                let jump = if i % 20 == 7 {
                    8.0 * noise(i + 7).abs()
                } else {
                    0.0
                };
                Some(50.0 + noise(i) + jump)
            })
            .collect();
        let scores = score_series(&values);
        let alarms = scores[500..].iter().filter(|s| **s >= 0.5).count();
        assert!(alarms < 15, "{alarms} alarms in 1,500 ordinary values");
    }

    #[test]
    fn a_shift_scores_the_same_in_any_unit_and_online() {
        let base: Vec<f64> = (0..1500)
            .map(|i| 40.0 + 3.0 * noise(i) + if i >= 900 { 12.0 } else { 0.0 })
            .collect();
        let a = score_series(&base.iter().map(|v| Some(*v)).collect::<Vec<_>>());
        // A power of two keeps every step exact: with another factor, rounding can break
        // a tie between two past distances and move a rank by one.
        let b = score_series(&base.iter().map(|v| Some(v / 4096.0)).collect::<Vec<_>>());
        assert_eq!(a, b);
        assert!(a[900..903].iter().any(|s| *s >= ALARM));
        let prefix = score_series(&base[..1000].iter().map(|v| Some(*v)).collect::<Vec<_>>());
        assert_eq!(a[..1000], prefix[..]);
    }

    #[test]
    fn the_quiet_time_after_an_alarm_follows_the_series_step() {
        // Hourly: two incidents a day apart both alarm (the quiet time is 20 rows here).
        let times: Vec<Option<i64>> = (0..800).map(|h| Some(h * 3600)).collect();
        let mut values: Vec<Option<f64>> = (0..800).map(|i| Some(50.0 + noise(i))).collect();
        values[600] = Some(90.0);
        values[624] = Some(150.0);
        let scores = score_timed_series(&times, &values);
        assert!(scores[600] >= ALARM, "first: {}", scores[600]);
        assert!(scores[624] >= ALARM, "a day later: {}", scores[624]);
        // Every 5 minutes, the second comes 2 hours later: still the same incident.
        let times: Vec<Option<i64>> = (0..800).map(|i| Some(i * 300)).collect();
        let scores = score_timed_series(&times, &values);
        assert!(scores[600] >= ALARM, "first: {}", scores[600]);
        assert!(scores[624] < ALARM, "2 hours later: {}", scores[624]);
    }

    #[test]
    fn ordinary_noise_rarely_alarms_and_never_twice_in_a_row() {
        let values: Vec<Option<f64>> = (0..5000).map(|i| Some(7.0 + noise(i))).collect();
        let scores = score_series(&values);
        let alarms: Vec<usize> = (0..scores.len()).filter(|i| scores[*i] >= ALARM).collect();
        assert!(alarms.len() <= 5, "{} alarms: {alarms:?}", alarms.len());
        assert!(alarms.windows(2).all(|w| w[1] - w[0] > REFRACTORY));
    }

    #[test]
    fn one_huge_reading_does_not_hide_a_later_doubling() {
        // The mean absolute deviation is clipped: one 1e12 does not inflate the scale.
        let mut values: Vec<Option<f64>> = (0..1200).map(|i| Some(100.0 + noise(i))).collect();
        values[300] = Some(1e12);
        values[700] = Some(200.0);
        let scores = score_series(&values);
        assert!(scores[300] >= ALARM);
        assert!(scores[700] >= ALARM, "the doubling scored {}", scores[700]);
        assert!(max_outside(&scores, 700..701, 420) < ALARM);
    }

    #[test]
    fn extreme_values_give_finite_scores() {
        let alternating: Vec<Option<f64>> = (0..800)
            .map(|i| Some(if i % 2 == 0 { 1.7e308 } else { -1.7e308 }))
            .collect();
        let mixed: Vec<Option<f64>> = (0..800)
            .map(|i| match i % 7 {
                0 => Some(f64::MAX),
                1 => Some(f64::MIN_POSITIVE),
                2 => Some(-f64::MAX),
                3 => None,
                4 => Some(f64::NAN),
                _ => Some(noise(i) * 1e-300),
            })
            .collect();
        for values in [alternating, mixed] {
            let scores = score_series(&values);
            assert!(
                scores
                    .iter()
                    .all(|s| s.is_finite() && (0.0..=1.0).contains(s)),
                "{:?}",
                scores.iter().find(|s| !s.is_finite())
            );
        }
    }

    #[test]
    fn memory_does_not_grow_with_the_span_of_timestamps() {
        // A step of 1 s, then empty rows 99,999 s apart, then values a day apart: the
        // grid keeps a bounded number of slots, not one per second of the span.
        let mut detector = OnlineDetector::new();
        let mut t = 0i64;
        for i in 0..40 {
            t += 1;
            detector.score_at(Some(t), Some(noise(i)));
        }
        for _ in 0..2000 {
            t += 99_999;
            detector.score_at(Some(t), None);
            assert!(detector.grid.len() <= detector.grid_keep());
        }
        for i in 0..200 {
            t += 86_400;
            let score = detector.score_at(Some(t), Some(noise(i)));
            assert!(score.is_finite());
            assert!(detector.grid.len() <= detector.grid_keep());
        }
        assert!(detector.grid_keep() < 100_000);
    }

    #[test]
    fn a_short_history_can_alarm_on_a_clear_drop() {
        // Daily revenue with a weekly shape: a 30% drop for three days, 230 days in.
        let times: Vec<Option<i64>> = (0..300).map(|d| Some(d * 86_400)).collect();
        let mut values: Vec<Option<f64>> = (0..300)
            .map(|d| {
                let weekly = [1.0, 1.02, 1.04, 1.03, 1.1, 0.7, 0.6][d % 7];
                Some(10_000.0 * weekly * (1.0 + 0.02 * noise(d)))
            })
            .collect();
        for v in values.iter_mut().skip(230).take(3) {
            *v = v.map(|x| 0.7 * x);
        }
        let scores = score_timed_series(&times, &values);
        let drop = scores[230..233].iter().copied().fold(0.0, f64::max);
        assert!(drop >= ALARM, "the drop scored {drop}");
        assert!(max_outside(&scores, 230..240, 60) < ALARM);
    }
}
