//! Small robust statistics over slices with gaps: median, MAD, Theil-Sen slope.
//!
//! These are written here rather than taken from a crate because each is a few lines,
//! they must skip gaps (`None`) the same way everywhere, and the robust ones we need
//! (MAD, Theil-Sen on indexed points) are not in the statistics crates we would pull in.

/// Median of the values; None when empty. Sorts a copy.
pub fn median(values: &[f64]) -> Option<f64> {
    median_in_place(&mut values.to_vec())
}

/// Median of the values, reordering them in place (no allocation, linear time by
/// selection rather than a sort); None when empty.
pub fn median_in_place(v: &mut [f64]) -> Option<f64> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let (below, middle, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let middle = *middle;
    Some(if n % 2 == 1 {
        middle
    } else {
        // The element just below the middle is the largest of those before it.
        let lower = below.iter().copied().max_by(f64::total_cmp)?;
        (lower + middle) / 2.0
    })
}

/// The median of values sorted by `f64::total_cmp` (not empty).
pub fn median_of_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The median and the median absolute deviation around it of values sorted by
/// `f64::total_cmp`; None when empty. Around the median, the deviations of the values
/// below it grow leftwards and of those above it rightwards, so the middle deviation is
/// found by merging the two runs, without sorting again.
pub fn median_and_mad_of_sorted(v: &[f64]) -> Option<(f64, f64)> {
    let n = v.len();
    if n == 0 {
        return None;
    }
    let centre = median_of_sorted(v);
    let split = v.partition_point(|x| *x < centre);
    // The deviations in increasing order, each the smaller of the two runs' next: the
    // (n/2)-th, and for even n the one before. A plain loop rather than a closure called
    // per step: this runs for every metric and day of an analysis.
    let (mut left, mut right) = (split, split);
    let (mut previous, mut middle) = (f64::NAN, f64::NAN);
    for _ in 0..=n / 2 {
        previous = middle;
        let take_left = left > 0
            && (right == n
                || !(v[right] - centre)
                    .abs()
                    .total_cmp(&(v[left - 1] - centre).abs())
                    .is_lt());
        middle = if take_left {
            left -= 1;
            (v[left] - centre).abs()
        } else {
            right += 1;
            (v[right - 1] - centre).abs()
        };
    }
    let mad = if n % 2 == 1 {
        middle
    } else {
        (previous + middle) / 2.0
    };
    Some((centre, mad))
}

/// The present values of a window of days that slides forward, kept sorted from one day
/// to the next. A day's value may change from one call to the next (a deseasonalised
/// series whose weekly offsets move), so every call reads the window's values again and
/// sorts them by insertion from the last call's order: when the window moves by a day
/// and the order barely changes, that costs a pass and one insertion, not a sort.
#[derive(Debug, Clone, Default)]
pub struct SlidingSorted {
    /// The first and last day of the last window.
    range: Option<(i64, i64)>,
    /// The window's present days, in the order of their values at the last call.
    days: Vec<i64>,
    values: Vec<f64>,
}

impl SlidingSorted {
    /// The present values of days `lo..=hi`, sorted by `f64::total_cmp`; `value(s)` is day
    /// `s`'s value (None: a gap), and whether a day is present must not change between
    /// calls.
    pub fn sorted(&mut self, lo: i64, hi: i64, value: impl Fn(i64) -> Option<f64>) -> &[f64] {
        match self.range {
            Some((a, b)) if a <= lo && lo <= b + 1 && b <= hi => {
                self.days.retain(|s| *s >= lo);
                self.days
                    .extend(((b + 1).max(lo)..=hi).filter(|s| value(*s).is_some()));
            }
            _ => {
                self.days.clear();
                self.days.extend((lo..=hi).filter(|s| value(*s).is_some()));
            }
        }
        self.range = (lo <= hi).then_some((lo, hi));
        self.values.clear();
        self.values
            .extend(self.days.iter().map(|s| value(*s).unwrap_or(f64::NAN)));
        let (days, values) = (&mut self.days, &mut self.values);
        for i in 1..values.len() {
            let (x, day) = (values[i], days[i]);
            let mut j = i;
            while j > 0 && x.total_cmp(&values[j - 1]).is_lt() {
                values[j] = values[j - 1];
                days[j] = days[j - 1];
                j -= 1;
            }
            values[j] = x;
            days[j] = day;
        }
        &self.values
    }
}

/// The present values of a window of days over a series whose values never change, kept
/// sorted as the window moves forward: a day that leaves is found by binary search and
/// removed, a day that comes is inserted at its place, so a move by one day costs two
/// searches and a short shift, whatever the window's length.
#[derive(Debug, Clone, Default)]
pub struct MovingSorted {
    /// The first and last day of the last window.
    range: Option<(i64, i64)>,
    values: Vec<f64>,
}

impl MovingSorted {
    /// The present values of days `lo..=hi`, sorted by `f64::total_cmp`; `value(s)` is day
    /// `s`'s value (None: a gap), the same at every call.
    pub fn sorted(&mut self, lo: i64, hi: i64, value: impl Fn(i64) -> Option<f64>) -> &[f64] {
        match self.range {
            Some((a, b)) if a <= lo && lo <= b + 1 && b <= hi => {
                for v in (a..lo).filter_map(&value) {
                    // Equal under total_cmp means the same bits: any equal one will do.
                    let i = self.values.partition_point(|x| x.total_cmp(&v).is_lt());
                    self.values.remove(i);
                }
                for v in ((b + 1).max(lo)..=hi).filter_map(&value) {
                    let i = self.values.partition_point(|x| x.total_cmp(&v).is_le());
                    self.values.insert(i, v);
                }
            }
            _ => {
                self.values.clear();
                self.values.extend((lo..=hi).filter_map(&value));
                self.values.sort_unstable_by(f64::total_cmp);
            }
        }
        self.range = (lo <= hi).then_some((lo, hi));
        &self.values
    }
}

/// Median absolute deviation around `center`.
pub fn mad(values: &[f64], center: f64) -> Option<f64> {
    let deviations: Vec<f64> = values.iter().map(|v| (v - center).abs()).collect();
    median(&deviations)
}

/// The scale of normal noise that a MAD corresponds to.
pub const MAD_TO_SIGMA: f64 = 1.4826;

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The present values of `series[from..=to]` (indices clipped to the series).
pub fn present(series: &[Option<f64>], from: i64, to: i64) -> Vec<f64> {
    clipped(series, from, to)
        .iter()
        .flatten()
        .copied()
        .collect()
}

/// `series[from..=to]` with the indices clipped to the series (empty when nothing is left).
pub fn clipped(series: &[Option<f64>], from: i64, to: i64) -> &[Option<f64>] {
    &series[crate::telemetry::clipped_range(series.len(), from, to)]
}

/// Theil-Sen slope (median of pairwise slopes) of the present points of
/// `series[from..=to]`, per index step. None with fewer than `min_points` points.
/// Windows of up to 16 points, the signals' case, are computed without allocating, in
/// buffers sized for a week or for 16 days.
pub fn theil_sen(series: &[Option<f64>], from: i64, to: i64, min_points: usize) -> Option<f64> {
    let days = crate::telemetry::clipped_range(series.len(), from, to);
    let (from, window) = (days.start, &series[days.clone()]);
    match window.len() {
        0 => None,
        1..=7 => theil_sen_small::<7, 21>(window, from, min_points),
        8..=16 => theil_sen_small::<16, 120>(window, from, min_points),
        _ => {
            let points: Vec<(f64, f64)> = days
                .filter_map(|i| series[i].map(|v| (i as f64, v)))
                .collect();
            if points.len() < min_points.max(2) {
                return None;
            }
            let mut slopes = Vec::with_capacity(points.len() * (points.len() - 1) / 2);
            for (a, &(xa, ya)) in points.iter().enumerate() {
                for &(xb, yb) in &points[a + 1..] {
                    slopes.push((yb - ya) / (xb - xa));
                }
            }
            median_in_place(&mut slopes)
        }
    }
}

/// [`theil_sen`] of a window of at most `N` days starting on day `first`, with room for
/// its `PAIRS = N (N - 1) / 2` slopes on the stack.
fn theil_sen_small<const N: usize, const PAIRS: usize>(
    window: &[Option<f64>],
    first: usize,
    min_points: usize,
) -> Option<f64> {
    let mut points = [(0.0, 0.0); N];
    let mut n = 0;
    for (i, v) in window.iter().enumerate() {
        if let Some(v) = v {
            points[n] = ((first + i) as f64, *v);
            n += 1;
        }
    }
    if n < min_points.max(2) {
        return None;
    }
    let mut slopes = [0.0; PAIRS];
    let mut k = 0;
    for a in 0..n {
        let (xa, ya) = points[a];
        for &(xb, yb) in &points[a + 1..n] {
            slopes[k] = (yb - ya) / (xb - xa);
            k += 1;
        }
    }
    median_in_place(&mut slopes[..k])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_of_sorted_values_equal_the_two_selections() {
        let mut state = 7u64;
        let mut draw = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 10.0
        };
        for n in 1..90 {
            for round in 0..20 {
                let values: Vec<f64> = (0..n)
                    .map(|i| match round % 3 {
                        0 => draw(),
                        1 => (draw() * 2.0).round() / 2.0,
                        _ => [0.0, -0.0, 1.0][i % 3],
                    })
                    .collect();
                // The median by selection, as for long windows.
                let by_selection = |mut v: Vec<f64>| -> f64 {
                    let n = v.len();
                    let (below, middle, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
                    let middle = *middle;
                    match below.iter().copied().max_by(f64::total_cmp) {
                        Some(lower) if n.is_multiple_of(2) => (lower + middle) / 2.0,
                        _ => middle,
                    }
                };
                let centre = by_selection(values.clone());
                let deviations = values.iter().map(|v| (v - centre).abs()).collect();
                let expected = (centre, by_selection(deviations));
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let got = median_and_mad_of_sorted(&sorted).unwrap();
                assert_eq!(got.0.to_bits(), expected.0.to_bits(), "{values:?}");
                assert_eq!(got.1.to_bits(), expected.1.to_bits(), "{values:?}");
            }
        }
        assert_eq!(median_and_mad_of_sorted(&[]), None);
    }

    #[test]
    fn a_moving_window_of_fixed_values_sorts_as_a_fresh_sort_whatever_its_moves() {
        // Gaps, ties and signed zeros.
        let series: Vec<Option<f64>> = (0..300)
            .map(|i| match i % 13 {
                3 | 7 => None,
                5 => Some(-0.0),
                9 => Some(0.0),
                _ => Some(((i * 37 % 101) as f64 / 4.0).round()),
            })
            .collect();
        let value = |s: i64| series.get(usize::try_from(s).ok()?).copied().flatten();
        let mut window = MovingSorted::default();
        // Forward by one day and by several, windows clipped at the start, an empty
        // window, a jump back and a window that shrinks.
        let mut moves: Vec<(i64, i64)> = (-30..120).map(|t| (t - 27, t)).collect();
        moves.extend([(130, 140), (135, 160), (150, 149), (152, 180), (40, 60)]);
        moves.extend([(41, 61), (45, 55), (45, 80), (80, 80), (81, 81)]);
        for (lo, hi) in moves {
            let mut expected: Vec<f64> = (lo..=hi).filter_map(value).collect();
            expected.sort_by(f64::total_cmp);
            let got = window.sorted(lo, hi, value);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(got), bits(&expected), "{lo}..={hi}");
        }
    }

    #[test]
    fn a_sliding_window_sorts_as_a_fresh_sort_whatever_its_moves() {
        let series: Vec<Option<f64>> = (0..200)
            .map(|i| (i % 11 != 3).then(|| ((i * 37 % 101) as f64).sin() * 5.0))
            .collect();
        let mut window = SlidingSorted::default();
        // Forward by one day, with values that shift by weekday, then a jump back, a
        // jump ahead, an empty window and windows clipped at the start.
        let moves = (0..120).map(|t| (t - 28, t, (t % 5) as f64)).chain([
            (10, 40, 0.5),
            (150, 190, 1.0),
            (60, 50, 0.0),
            (-5, 20, 2.0),
        ]);
        for (lo, hi, shift) in moves {
            let value = |s: i64| {
                (0..200)
                    .contains(&s)
                    .then(|| series[s as usize].map(|v| v + shift * (s % 7) as f64))
                    .flatten()
            };
            let mut expected: Vec<f64> = (lo..=hi).filter_map(value).collect();
            expected.sort_by(f64::total_cmp);
            assert_eq!(window.sorted(lo, hi, value), &expected[..], "{lo}..={hi}");
        }
    }

    #[test]
    fn median_and_mad() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0], 3.0), Some(1.0));
    }

    #[test]
    fn theil_sen_ignores_one_outlier_and_gaps() {
        let s: Vec<Option<f64>> = vec![
            Some(0.0),
            Some(2.0),
            None,
            Some(6.0),
            Some(100.0),
            Some(10.0),
        ];
        assert_eq!(theil_sen(&s, 0, 5, 3), Some(2.0));
        assert_eq!(theil_sen(&s, 1, 2, 3), None);
    }

    #[test]
    fn present_clips_to_the_series() {
        let s = vec![Some(1.0), None, Some(3.0)];
        assert_eq!(present(&s, -5, 1), vec![1.0]);
        assert_eq!(present(&s, 1, 10), vec![3.0]);
        assert!(present(&s, 2, 1).is_empty());
    }
}
