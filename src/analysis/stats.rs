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
    let from = from.max(0) as usize;
    let to = to.min(series.len() as i64 - 1);
    if to < from as i64 {
        return Vec::new();
    }
    series[from..=to as usize]
        .iter()
        .flatten()
        .copied()
        .collect()
}

/// Theil-Sen slope (median of pairwise slopes) of the present points of
/// `series[from..=to]`, per index step. None with fewer than `min_points` points.
/// Windows of up to 16 points, the signals' case, are computed without allocating.
pub fn theil_sen(series: &[Option<f64>], from: i64, to: i64, min_points: usize) -> Option<f64> {
    const SMALL: usize = 16;
    let from = from.max(0) as usize;
    let to = to.min(series.len() as i64 - 1);
    if to < from as i64 {
        return None;
    }
    let to = to as usize;
    let present = (from..=to).filter_map(|i| series[i].map(|v| (i as f64, v)));
    if to + 1 - from <= SMALL {
        let mut points = [(0.0, 0.0); SMALL];
        let mut n = 0;
        for p in present {
            points[n] = p;
            n += 1;
        }
        if n < min_points.max(2) {
            return None;
        }
        let mut slopes = [0.0; SMALL * (SMALL - 1) / 2];
        let mut k = 0;
        for a in 0..n {
            let (xa, ya) = points[a];
            for &(xb, yb) in &points[a + 1..n] {
                slopes[k] = (yb - ya) / (xb - xa);
                k += 1;
            }
        }
        return median_in_place(&mut slopes[..k]);
    }
    let points: Vec<(f64, f64)> = present.collect();
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

#[cfg(test)]
mod tests {
    use super::*;

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
