//! Sustained level shifts in a metric's history, for display: where the level changed,
//! from what to what.
//!
//! Binary segmentation on the metric's analysis scale after removing its weekly profile:
//! a segment is split where a mean shift is most significant (a two-sample statistic
//! against the series' robust day-to-day noise), if it is significant enough and both
//! sides last at least a week; then each side is searched again. This reads the whole
//! history, so it describes the past; the risk model uses only the online signals.

use super::stats::{median, MAD_TO_SIGMA};
use serde::Serialize;

/// A sustained change of level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changepoint {
    /// First day of the new level.
    pub day: usize,
    /// Mean level before and after, on the analysis scale.
    pub before: f64,
    pub after: f64,
}

/// Shortest segment, in present days.
pub const MIN_SEGMENT: usize = 7;
/// How many noise units a shift must stand for.
pub const THRESHOLD: f64 = 6.0;

fn deseasonalised(x: &[Option<f64>]) -> Vec<(usize, f64)> {
    let points: Vec<(usize, f64)> = x
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    if points.len() < 28 {
        return points;
    }
    // Offset of each weekday from its centred week, by median.
    let mut by_weekday: [Vec<f64>; 7] = Default::default();
    for w in points.windows(7) {
        let centre = w.iter().map(|p| p.1).sum::<f64>() / 7.0;
        by_weekday[w[3].0 % 7].push(w[3].1 - centre);
    }
    let mut offsets = [0.0; 7];
    for (k, values) in by_weekday.iter().enumerate() {
        offsets[k] = median(values).unwrap_or(0.0);
    }
    let mean_offset = offsets.iter().sum::<f64>() / 7.0;
    points
        .into_iter()
        .map(|(i, v)| (i, v - (offsets[i % 7] - mean_offset)))
        .collect()
}

/// The level shifts of a series given on its analysis scale, in day order.
pub fn level_shifts(x: &[Option<f64>]) -> Vec<Changepoint> {
    let points = deseasonalised(x);
    if points.len() < 2 * MIN_SEGMENT {
        return Vec::new();
    }
    let diffs: Vec<f64> = points.windows(2).map(|w| w[1].1 - w[0].1).collect();
    let centre = median(&diffs).unwrap_or(0.0);
    let deviations: Vec<f64> = diffs.iter().map(|d| (d - centre).abs()).collect();
    // Differences of independent noise have sqrt(2) times its spread.
    let noise = (median(&deviations).unwrap_or(0.0) * MAD_TO_SIGMA / 2f64.sqrt()).max(1e-9);
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let mut splits = Vec::new();
    split(&values, 0, values.len(), noise, &mut splits);
    splits.sort_unstable();
    let mut bounds = vec![0];
    bounds.extend(&splits);
    bounds.push(values.len());
    let mean = |a: usize, b: usize| values[a..b].iter().sum::<f64>() / (b - a) as f64;
    splits
        .iter()
        .enumerate()
        .map(|(i, &k)| Changepoint {
            day: points[k].0,
            before: mean(bounds[i], k),
            after: mean(k, bounds[i + 2]),
        })
        .collect()
}

fn split(values: &[f64], a: usize, b: usize, noise: f64, out: &mut Vec<usize>) {
    let n = b - a;
    if n < 2 * MIN_SEGMENT {
        return;
    }
    let total: f64 = values[a..b].iter().sum();
    let mut left = 0.0;
    let mut best = (0.0, 0);
    for k in a + 1..b {
        left += values[k - 1];
        let nl = (k - a) as f64;
        let nr = (b - k) as f64;
        if (k - a) < MIN_SEGMENT || (b - k) < MIN_SEGMENT {
            continue;
        }
        let shift = (total - left) / nr - left / nl;
        let statistic = shift.abs() * (nl * nr / n as f64).sqrt() / noise;
        if statistic > best.0 {
            best = (statistic, k);
        }
    }
    if best.0 >= THRESHOLD {
        out.push(best.1);
        split(values, a, best.1, noise, out);
        split(values, best.1, b, noise, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wiggle(i: usize) -> f64 {
        (i as f64 * 2.399).sin() * 0.03
    }

    #[test]
    fn finds_a_level_shift_on_its_day_and_its_size() {
        let x: Vec<Option<f64>> = (0..90)
            .map(|i| Some(5.0 + wiggle(i) + if i >= 60 { 0.3 } else { 0.0 }))
            .collect();
        let found = level_shifts(&x);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].day, 60);
        assert!((found[0].after - found[0].before - 0.3).abs() < 0.02);
    }

    #[test]
    fn a_weekly_pattern_and_a_one_day_spike_are_not_changes() {
        let x: Vec<Option<f64>> = (0..90)
            .map(|i| {
                let weekend = if i % 7 >= 5 { 0.4 } else { 0.0 };
                let spike = if i == 40 { 1.0 } else { 0.0 };
                Some(5.0 + wiggle(i) + weekend + spike)
            })
            .collect();
        assert_eq!(level_shifts(&x), vec![]);
    }
}
