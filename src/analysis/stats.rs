//! Small robust statistics over slices with gaps: median, MAD, Theil-Sen slope.
//!
//! These are written here rather than taken from a crate because each is a few lines,
//! they must skip gaps (`None`) the same way everywhere, and the robust ones we need
//! (MAD, Theil-Sen on indexed points) are not in the statistics crates we would pull in.

/// Median of the values; None when empty. Sorts a copy.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
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
pub fn theil_sen(series: &[Option<f64>], from: i64, to: i64, min_points: usize) -> Option<f64> {
    let from = from.max(0) as usize;
    let to = to.min(series.len() as i64 - 1);
    if to < from as i64 {
        return None;
    }
    let points: Vec<(f64, f64)> = (from..=to as usize)
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
    median(&slopes)
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
