//! The anomaly detector of `feature-radar detect` measured on labelled series
//! (`synth::series`), beside two common baselines, all scored online:
//!
//! - **rolling median**: distance from the median of the last 120 values in MADs,
//!   mapped to [0, 1] the same way (no seasonality, no tail adjustment);
//! - **rolling 3-sigma**: distance from the mean of the last 120 values in standard
//!   deviations, the rule most dashboards apply, mapped the same way;
//! - **feature radar**: `analysis::detect`.
//!
//! Figures per method, pooled over series: ROC AUC of the score for "this point is in an
//! anomaly window" (points after each series' first 20%, its learning period), and at the
//! one fixed threshold 0.5 (the same for every series, since scores claim to be
//! comparable): windows caught, median delay from a window's start to its first alarm,
//! and false alarms (alarm episodes that start outside every window) per 1,000 points,
//! both after the learning periods and within them (where a detector still knows little).

use crate::analysis::detect::score_timed_series;
use crate::model::evaluate::roc_auc;
use crate::synth::series::LabelledSeries;
use std::collections::VecDeque;

/// The score every method alarms at.
pub const ALARM: f64 = 0.5;

/// One method's figures, summed or pooled over series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetectFigures {
    pub scores: Vec<f64>,
    pub labels: Vec<bool>,
    pub windows: usize,
    pub caught: usize,
    pub delays: Vec<usize>,
    pub false_alarms: usize,
    pub points: usize,
    /// Alarm episodes that start in the learning periods (the first 20% of each series,
    /// where no anomaly is placed), and those periods' points.
    pub early_alarms: usize,
    pub early_points: usize,
}

impl DetectFigures {
    pub fn roc_auc(&self) -> Option<f64> {
        roc_auc(&self.scores, &self.labels)
    }
    pub fn median_delay(&self) -> Option<f64> {
        crate::model::evaluate::median_days(&self.delays)
    }
    pub fn false_alarms_per_1000(&self) -> f64 {
        self.false_alarms as f64 * 1000.0 / self.points.max(1) as f64
    }
    pub fn early_alarms_per_1000(&self) -> f64 {
        self.early_alarms as f64 * 1000.0 / self.early_points.max(1) as f64
    }

    /// Adds one series' scores.
    pub fn add(&mut self, series: &LabelledSeries, scores: &[f64]) {
        let n = series.values.len();
        let from = n / 5;
        let inside = |i: usize| series.windows.iter().any(|(s, e)| (*s..*e).contains(&i));
        for i in from..n {
            self.scores.push(scores[i]);
            self.labels.push(inside(i));
        }
        self.points += n - from;
        for (s, e) in &series.windows {
            self.windows += 1;
            if let Some(first) = (*s..*e).find(|i| scores[*i] >= ALARM) {
                self.caught += 1;
                self.delays.push(first - s);
            }
        }
        for i in 0..n {
            let starts = scores[i] >= ALARM && (i == 0 || scores[i - 1] < ALARM);
            if starts && i < from {
                self.early_alarms += 1;
            } else if starts && !inside(i) {
                self.false_alarms += 1;
            }
        }
        self.early_points += from;
    }
}

/// The three methods' scores of one series, in the order of `METHODS`.
pub const METHODS: [&str; 3] = ["rolling median", "rolling 3-sigma", "feature radar"];

pub fn method_scores(series: &LabelledSeries) -> [Vec<f64>; 3] {
    let values: Vec<Option<f64>> = series.values.iter().map(|v| Some(*v)).collect();
    let times: Vec<Option<i64>> = series.times.iter().map(|t| Some(*t)).collect();
    [
        rolling(&series.values, |w, x| {
            let mut v: Vec<f64> = w.to_vec();
            v.sort_by(f64::total_cmp);
            let m = v[v.len() / 2];
            let mut d: Vec<f64> = v.iter().map(|y| (y - m).abs()).collect();
            d.sort_by(f64::total_cmp);
            let scale = (1.4826 * d[d.len() / 2]).max(1e-3 * m.abs()).max(1e-12);
            (x - m).abs() / scale
        }),
        rolling(&series.values, |w, x| {
            let mean = w.iter().sum::<f64>() / w.len() as f64;
            let var = w.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / w.len() as f64;
            let scale = var.sqrt().max(1e-3 * mean.abs()).max(1e-12);
            // 3 sigma maps to the alarm level 0.5, as 4 robust scales do for the others.
            (x - mean).abs() / scale * 4.0 / 3.0
        }),
        score_timed_series(&times, &values),
    ]
}

/// Online scores from a distance to the last 120 values.
fn rolling(values: &[f64], distance: impl Fn(&[f64], f64) -> f64) -> Vec<f64> {
    let mut window: VecDeque<f64> = VecDeque::new();
    values
        .iter()
        .map(|x| {
            let score = if window.len() >= 10 {
                let z = distance(window.make_contiguous(), *x);
                z * z / (z * z + 16.0)
            } else {
                0.0
            };
            window.push_back(*x);
            if window.len() > 120 {
                window.pop_front();
            }
            score
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_count_catches_delays_and_false_alarms() {
        let series = LabelledSeries {
            name: "t".into(),
            times: (0..20).collect(),
            values: vec![0.0; 20],
            windows: vec![(10, 13), (15, 17)],
        };
        let mut scores = vec![0.0; 20];
        scores[11] = 0.9; // caught with delay 1
        scores[6] = 0.7; // a false alarm
        scores[7] = 0.7; // the same episode
        scores[1] = 0.6; // an alarm in the learning period (the first 4 points)
        let mut f = DetectFigures::default();
        f.add(&series, &scores);
        assert_eq!((f.windows, f.caught, f.false_alarms), (2, 1, 1));
        assert_eq!((f.early_alarms, f.early_points), (1, 4));
        assert_eq!(f.delays, vec![1]);
        assert_eq!(f.points, 16);
        assert!(f.roc_auc().unwrap() > 0.5);
    }
}
