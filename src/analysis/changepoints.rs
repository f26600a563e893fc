//! Sustained changes in a metric's history, for display: where the level shifted or the
//! trend turned, from what to what.
//!
//! Binary segmentation on the metric's analysis scale after removing its weekly profile.
//! Each segment is described by a straight line (level and trend); a segment is split at
//! the day where adding one term explains most: a step (a level shift) or a hinge (the
//! trend changes there). The term's least-squares size over its standard error, with the
//! noise measured robustly from day-to-day differences, must reach `THRESHOLD` (values
//! are first clipped to 3 noise units around their week's median, so that a one-day
//! spike is not a change), and both
//! sides must last at least a week; then each side is searched again. This reads the
//! whole history, so it describes the past; the risk model uses only the online signals.

use super::stats::{median, MAD_TO_SIGMA};
use serde::Serialize;
/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The level stepped; `before` and `after` are mean levels.
    Level,
    /// The trend turned; `before` and `after` are slopes per day.
    Trend,
}

/// A sustained change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changepoint {
    /// First day of the new level or trend.
    pub day: usize,
    pub kind: ChangeKind,
    /// On the analysis scale: mean levels (level shift) or slopes per day (trend change).
    pub before: f64,
    pub after: f64,
    /// The fitted level on the change day, on the analysis scale.
    pub at: f64,
}

/// Shortest segment, in present days.
pub const MIN_SEGMENT: usize = 7;
/// How many standard errors the step or hinge must stand for.
pub const THRESHOLD: f64 = 6.0;
/// A trend change must also have moved the level by this many noise units by the end of
/// its segment, so that a tiny but well-measured bend is not news.
pub const MIN_TREND_EFFECT: f64 = 3.0;

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

/// The sustained changes (level shifts and trend changes) of a series given on its
/// analysis scale, in day order.
pub fn changes(x: &[Option<f64>]) -> Vec<Changepoint> {
    let points = deseasonalised(x);
    if points.len() < 2 * MIN_SEGMENT {
        return Vec::new();
    }
    let diffs: Vec<f64> = points.windows(2).map(|w| w[1].1 - w[0].1).collect();
    let centre = median(&diffs).unwrap_or(0.0);
    let deviations: Vec<f64> = diffs.iter().map(|d| (d - centre).abs()).collect();
    // Differences of independent noise have sqrt(2) times its spread.
    let noise = (median(&deviations).unwrap_or(0.0) * MAD_TO_SIGMA / 2f64.sqrt()).max(1e-9);
    // One-day outliers are not changes: clip each value to 3 noise units around the
    // median of its week (the 7 present days centred on it).
    let clipped: Vec<(usize, f64)> = (0..points.len())
        .map(|i| {
            let from = i.saturating_sub(3);
            let to = (i + 4).min(points.len());
            let week: Vec<f64> = points[from..to].iter().map(|p| p.1).collect();
            let centre = median(&week).unwrap_or(points[i].1);
            let limit = 3.0 * noise;
            (
                points[i].0,
                points[i].1.clamp(centre - limit, centre + limit),
            )
        })
        .collect();
    let points = clipped;
    let mut splits = Vec::new();
    split(&points, 0, points.len(), noise, &mut splits);
    splits.sort_unstable_by_key(|(k, _)| *k);
    let mut bounds = vec![0];
    bounds.extend(splits.iter().map(|(k, _)| *k));
    bounds.push(points.len());
    splits
        .iter()
        .enumerate()
        .map(|(i, &(k, kind))| {
            let before = line(&points[bounds[i]..k]);
            let after = line(&points[k..bounds[i + 2]]);
            let day = points[k].0;
            let (b, a) = match kind {
                ChangeKind::Level => (mean(&points[bounds[i]..k]), mean(&points[k..bounds[i + 2]])),
                ChangeKind::Trend => (before.1, after.1),
            };
            Changepoint {
                day,
                kind,
                before: b,
                after: a,
                at: after.0 + after.1 * day as f64,
            }
        })
        .collect()
}

fn mean(points: &[(usize, f64)]) -> f64 {
    points.iter().map(|p| p.1).sum::<f64>() / points.len().max(1) as f64
}

/// Least-squares intercept and slope (per day) of the points.
fn line(points: &[(usize, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let mt = points.iter().map(|p| p.0 as f64).sum::<f64>() / n;
    let my = mean(points);
    let sxx: f64 = points.iter().map(|p| (p.0 as f64 - mt).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 as f64 - mt) * (p.1 - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (my - slope * mt, slope)
}

/// Least squares of y on (1, t, g): the coefficient of g and its standard error factor
/// (the square root of the (g, g) entry of the inverse normal matrix).
fn extra_term(points: &[(usize, f64)], g: impl Fn(f64) -> f64) -> Option<(f64, f64)> {
    // Centre t for numerical stability.
    let t0 = points[0].0 as f64;
    let mut xtx = [[0.0f64; 3]; 3];
    let mut xty = [0.0f64; 3];
    for &(t, y) in points {
        let t = t as f64;
        let row = [1.0, t - t0, g(t)];
        for i in 0..3 {
            xty[i] += row[i] * y;
            for j in 0..3 {
                xtx[i][j] += row[i] * row[j];
            }
        }
    }
    let inverse = invert3(&xtx)?;
    let coefficient: f64 = (0..3).map(|j| inverse[2][j] * xty[j]).sum();
    let factor = inverse[2][2];
    (factor > 0.0).then(|| (coefficient, factor.sqrt()))
}

fn invert3(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let c =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    let cof = [
        [c(1, 2, 1, 2), -c(1, 2, 0, 2), c(1, 2, 0, 1)],
        [-c(0, 2, 1, 2), c(0, 2, 0, 2), -c(0, 2, 0, 1)],
        [c(0, 1, 1, 2), -c(0, 1, 0, 2), c(0, 1, 0, 1)],
    ];
    let det = m[0][0] * cof[0][0] + m[0][1] * cof[0][1] + m[0][2] * cof[0][2];
    if det.abs() < 1e-12 {
        return None;
    }
    let mut inv = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            inv[i][j] = cof[j][i] / det;
        }
    }
    Some(inv)
}

fn split(
    points: &[(usize, f64)],
    a: usize,
    b: usize,
    noise: f64,
    out: &mut Vec<(usize, ChangeKind)>,
) {
    if b - a < 2 * MIN_SEGMENT {
        return;
    }
    let segment = &points[a..b];
    let end = segment[segment.len() - 1].0 as f64;
    let mut best: Option<(f64, usize, ChangeKind)> = None;
    for k in a + MIN_SEGMENT..=b - MIN_SEGMENT {
        let at = points[k].0 as f64;
        let step = extra_term(segment, |t| if t >= at { 1.0 } else { 0.0 });
        let hinge = extra_term(segment, |t| (t - at).max(0.0));
        let candidates = [
            step.map(|(c, se)| (c.abs() / (se * noise), ChangeKind::Level)),
            hinge
                .filter(|(c, _)| c.abs() * (end - at) >= MIN_TREND_EFFECT * noise)
                .map(|(c, se)| (c.abs() / (se * noise), ChangeKind::Trend)),
        ];
        for (statistic, kind) in candidates.into_iter().flatten() {
            if best.is_none_or(|(s, _, _)| statistic > s) {
                best = Some((statistic, k, kind));
            }
        }
    }
    if let Some((statistic, k, kind)) = best {
        if statistic >= THRESHOLD {
            out.push((k, kind));
            split(points, a, k, noise, out);
            split(points, k, b, noise, out);
        }
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
        let found = changes(&x);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, ChangeKind::Level);
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
        assert_eq!(changes(&x), vec![]);
    }

    #[test]
    fn finds_a_trend_change_on_its_day_with_its_slopes() {
        // Flat for 70 days, then climbing 0.02 a day (about 2% a day on a log scale).
        let x: Vec<Option<f64>> = (0..120)
            .map(|i| Some(5.0 + wiggle(i) + 0.02 * (i as f64 - 70.0).max(0.0)))
            .collect();
        let found = changes(&x);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, ChangeKind::Trend);
        assert!((found[0].day as i64 - 70).abs() <= 2, "{found:?}");
        assert!(found[0].before.abs() < 0.003, "{found:?}");
        assert!((found[0].after - 0.02).abs() < 0.003, "{found:?}");
    }

    #[test]
    fn a_steady_trend_is_not_a_change_and_a_step_on_it_is_a_level_shift() {
        let x: Vec<Option<f64>> = (0..120)
            .map(|i| Some(5.0 + wiggle(i) + 0.01 * i as f64))
            .collect();
        assert_eq!(changes(&x), vec![]);
        let stepped: Vec<Option<f64>> = (0..120)
            .map(|i| Some(5.0 + wiggle(i) + 0.01 * i as f64 + if i >= 50 { 0.4 } else { 0.0 }))
            .collect();
        let found = changes(&stepped);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].day, found[0].kind), (50, ChangeKind::Level));
    }
}
