//! The online anomaly score of one metric series (`feature-radar detect`).
//!
//! Each value is scored against the values before it only: a robust baseline (median of
//! the last `window` values) and noise scale (MAD, with a floor so that a flat stretch
//! does not make every later wiggle infinite). The distance in scales, `z`, maps to
//! `z^2 / (z^2 + 16)`: 0 for a typical value, 0.5 at 4 scales, 0.8 at 8, approaching 1.
//! The map is the same for every series, so scores are comparable across scales.

use super::stats::{mad, median, MAD_TO_SIGMA};
use std::collections::VecDeque;

/// Values of history needed before any score above 0.
pub const MIN_HISTORY: usize = 10;

/// Scores a stream of values, one at a time.
#[derive(Debug, Clone)]
pub struct OnlineDetector {
    window: usize,
    history: VecDeque<f64>,
}

impl Default for OnlineDetector {
    fn default() -> Self {
        Self::new(120)
    }
}

impl OnlineDetector {
    pub fn new(window: usize) -> Self {
        OnlineDetector {
            window: window.max(MIN_HISTORY),
            history: VecDeque::new(),
        }
    }

    /// The anomaly score in [0, 1] of `value`, given the values seen so far; then
    /// remembers `value`. A missing value (None) scores 0 and is not remembered.
    pub fn score(&mut self, value: Option<f64>) -> f64 {
        let Some(value) = value.filter(|v| v.is_finite()) else {
            return 0.0;
        };
        let score = if self.history.len() < MIN_HISTORY {
            0.0
        } else {
            let values: Vec<f64> = self.history.iter().copied().collect();
            let centre = median(&values).unwrap_or(value);
            let spread = mad(&values, centre).unwrap_or(0.0) * MAD_TO_SIGMA;
            let floor = 1e-3 * centre.abs().max(1e-9);
            let z = (value - centre).abs() / spread.max(floor);
            z * z / (z * z + 16.0)
        };
        self.history.push_back(value);
        if self.history.len() > self.window {
            self.history.pop_front();
        }
        score
    }
}

/// Scores a whole series online: the score of element `i` uses elements `0..=i` only.
pub fn score_series(values: &[Option<f64>]) -> Vec<f64> {
    let mut detector = OnlineDetector::default();
    values.iter().map(|v| detector.score(*v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_scores_high_and_ordinary_noise_low() {
        let mut values: Vec<Option<f64>> = (0..100)
            .map(|i| Some(50.0 + (i as f64 * 1.7).sin() * 2.0))
            .collect();
        values[80] = Some(90.0);
        let scores = score_series(&values);
        assert!(scores[..MIN_HISTORY].iter().all(|s| *s == 0.0));
        assert!(scores[80] > 0.9, "spike {}", scores[80]);
        let max_other = scores
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 80)
            .map(|(_, s)| *s)
            .fold(0.0, f64::max);
        assert!(max_other < 0.3, "noise {max_other}");
    }

    #[test]
    fn scores_are_online_and_in_range() {
        let values: Vec<Option<f64>> = (0..60).map(|i| Some((i * i % 17) as f64)).collect();
        let full = score_series(&values);
        let prefix = score_series(&values[..30]);
        assert_eq!(full[..30], prefix[..]);
        assert!(full.iter().all(|s| (0.0..=1.0).contains(s)));
    }

    #[test]
    fn gaps_and_flat_stretches_do_not_break_it() {
        let mut values = vec![Some(5.0); 40];
        values[20] = None;
        values[30] = Some(5.001);
        let scores = score_series(&values);
        assert_eq!(scores[20], 0.0);
        assert!(scores.iter().all(|s| s.is_finite()));
        assert!(
            scores[30] < 0.01,
            "a 0.02% wiggle on a flat line is not an anomaly"
        );
    }
}
