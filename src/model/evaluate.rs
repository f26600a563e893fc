//! Measuring the risk model honestly: ranking (ROC AUC, average precision), probability
//! quality (Brier score, calibration), and how early it warns (lead time).
//!
//! Every figure is computed on walk-forward predictions, that is on days later than any
//! label the scoring model was trained on.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve: the chance that a random positive outranks a random
/// negative (ties count half). None without both classes.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|l| **l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let order = ascending(scores);
    // Sum of positive ranks with ties given their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &order[i..=j] {
            if labels[*k] {
                rank_sum += average_rank;
            }
        }
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// Average precision: the mean, over the positives, of the precision at their rank.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|l| **l).count();
    if positives == 0 {
        return None;
    }
    // Descending by score (`!key` reverses the order), ties in index order.
    let mut keyed: Vec<(i64, usize)> = scores
        .iter()
        .enumerate()
        .map(|(i, x)| (!total_order_key(*x), i))
        .collect();
    keyed.sort_unstable();
    let order = keyed.into_iter().map(|(_, i)| i);
    let mut hits = 0.0;
    let mut sum = 0.0;
    for (rank, i) in order.enumerate() {
        if labels[i] {
            hits += 1.0;
            sum += hits / (rank + 1) as f64;
        }
    }
    Some(sum / positives as f64)
}

/// A whole number that orders as `f64::total_cmp` orders its float.
pub fn total_order_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// The indices of `scores` in ascending order by `total_cmp`, ties in index order (the
/// order of a stable sort, made by an unstable sort of whole-number keys: faster).
fn ascending(scores: &[f64]) -> Vec<usize> {
    let mut keyed: Vec<(i64, usize)> = scores
        .iter()
        .enumerate()
        .map(|(i, x)| (total_order_key(*x), i))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// Mean squared error of the probabilities.
pub fn brier(scores: &[f64], labels: &[bool]) -> Option<f64> {
    (!scores.is_empty()).then(|| {
        scores
            .iter()
            .zip(labels)
            .map(|(s, l)| (s - if *l { 1.0 } else { 0.0 }).powi(2))
            .sum::<f64>()
            / scores.len() as f64
    })
}

/// One bin of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    /// Feature-days in the bin, and how many of them were followed by a degradation.
    pub count: usize,
    #[serde(default)]
    pub positives: usize,
    pub mean_predicted: f64,
    pub observed_rate: f64,
}

/// Ten equal-width bins of predicted probability, and the expected calibration error
/// (the count-weighted mean gap between predicted and observed).
pub fn calibration(scores: &[f64], labels: &[bool]) -> (Vec<CalibrationBin>, Option<f64>) {
    let mut bins: Vec<CalibrationBin> = (0..10)
        .map(|b| CalibrationBin {
            from: b as f64 / 10.0,
            to: (b + 1) as f64 / 10.0,
            count: 0,
            positives: 0,
            mean_predicted: 0.0,
            observed_rate: 0.0,
        })
        .collect();
    for (s, l) in scores.iter().zip(labels) {
        let b = ((s * 10.0) as usize).min(9);
        bins[b].count += 1;
        bins[b].positives += usize::from(*l);
        bins[b].mean_predicted += s;
        bins[b].observed_rate += if *l { 1.0 } else { 0.0 };
    }
    let mut gap = 0.0;
    for bin in bins.iter_mut().filter(|b| b.count > 0) {
        bin.mean_predicted /= bin.count as f64;
        bin.observed_rate /= bin.count as f64;
        gap += bin.count as f64 * (bin.mean_predicted - bin.observed_rate).abs();
    }
    let ece = (!scores.is_empty()).then(|| gap / scores.len() as f64);
    (bins, ece)
}

/// The median of whole-day lead times.
pub fn median_days(values: &[usize]) -> Option<f64> {
    let v: Vec<f64> = values.iter().map(|d| *d as f64).collect();
    crate::analysis::stats::median(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_tied_rankings() {
        let labels = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &labels), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &labels), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &labels), Some(0.5));
        assert_eq!(roc_auc(&[0.5; 2], &[true, true]), None);
    }

    #[test]
    fn keyed_orders_equal_stable_sorts_by_total_cmp() {
        let scores = [
            0.5,
            -0.0,
            f64::NAN,
            0.0,
            0.5,
            -1.0,
            f64::INFINITY,
            0.5,
            -f64::NAN,
            1e-300,
            -0.0,
        ];
        let mut stable: Vec<usize> = (0..scores.len()).collect();
        stable.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
        assert_eq!(ascending(&scores), stable);
        let labels = [
            true, false, true, false, false, true, false, true, false, true, false,
        ];
        let mut descending: Vec<usize> = (0..scores.len()).collect();
        descending.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        let (mut hits, mut sum) = (0.0, 0.0);
        for (rank, i) in descending.iter().enumerate() {
            if labels[*i] {
                hits += 1.0;
                sum += hits / (rank + 1) as f64;
            }
        }
        assert_eq!(average_precision(&scores, &labels), Some(sum / 5.0));
    }

    #[test]
    fn average_precision_by_hand() {
        // Ranked: P N P N -> (1/1 + 2/3) / 2
        let ap = average_precision(&[0.9, 0.8, 0.7, 0.1], &[true, false, true, false]).unwrap();
        assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn brier_and_calibration() {
        let scores = [0.05, 0.05, 0.95, 0.95];
        let labels = [false, false, true, true];
        assert!((brier(&scores, &labels).unwrap() - 0.0025).abs() < 1e-12);
        let (bins, ece) = calibration(&scores, &labels);
        assert_eq!(bins[0].count, 2);
        assert_eq!(bins[9].observed_rate, 1.0);
        assert!((ece.unwrap() - 0.05).abs() < 1e-12);
    }
}
