//! Measuring the risk model honestly: ranking (ROC AUC, average precision), probability
//! quality (Brier score, calibration), and how early it warns (lead time).
//!
//! Every figure is computed on walk-forward predictions, that is on days later than any
//! label the scoring model was trained on.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve: the chance that a random positive outranks a random
/// negative (ties count half). None without both classes.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    roc_auc_in(&descending(scores), scores, labels)
}

/// [`roc_auc`], with the scores' [`descending`] order already made (figures of the same
/// scores share it, rather than sorting them again each). The same figure as the rank sum
/// over an ascending sort for scores without NaN (two NaNs never tie, and the two orders
/// put equal NaNs the other way round); risks and the monitor's scores have none.
pub fn roc_auc_in(order: &[usize], scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|l| **l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Sum of positive ranks (1 for the lowest score) with ties given their average rank.
    // The ranks are halves of whole numbers, so the sum is exact in any order (below
    // 2^53, about 90 million rows).
    let n = order.len();
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Positions i..=j from the top are ranks n - j ..= n - i from the bottom.
        let average_rank = ((n - 1 - j) + (n - 1 - i)) as f64 / 2.0 + 1.0;
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
    average_precision_in(&descending(scores), labels)
}

/// [`average_precision`] of the scores whose [`descending`] order is `order`.
pub fn average_precision_in(order: &[usize], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|l| **l).count();
    if positives == 0 {
        return None;
    }
    let mut hits = 0.0;
    let mut sum = 0.0;
    for (rank, i) in order.iter().enumerate() {
        if labels[*i] {
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

/// The indices of `scores` in descending order by `total_cmp`, ties in index order (the
/// order of a stable sort, made by an unstable sort of whole-number keys, `!key`
/// reversing the order: faster).
pub fn descending(scores: &[f64]) -> Vec<usize> {
    let mut keyed: Vec<(i64, usize)> = scores
        .iter()
        .enumerate()
        .map(|(i, x)| (!total_order_key(*x), i))
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
        stable.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
        assert_eq!(descending(&scores), stable);
        let labels = [
            true, false, true, false, false, true, false, true, false, true, false,
        ];
        let (mut hits, mut sum) = (0.0, 0.0);
        for (rank, i) in stable.iter().enumerate() {
            if labels[*i] {
                hits += 1.0;
                sum += hits / (rank + 1) as f64;
            }
        }
        assert_eq!(average_precision(&scores, &labels), Some(sum / 5.0));
    }

    #[test]
    fn roc_auc_from_the_descending_order_is_the_ascending_rank_sum_to_the_bit() {
        // The Mann-Whitney rank sum over an ascending stable sort, ties at their average
        // rank: the definition, written out.
        fn by_ascending_ranks(scores: &[f64], labels: &[bool]) -> Option<f64> {
            let positives = labels.iter().filter(|l| **l).count();
            let negatives = labels.len() - positives;
            if positives == 0 || negatives == 0 {
                return None;
            }
            let mut order: Vec<usize> = (0..scores.len()).collect();
            order.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
            let (mut rank_sum, mut i) = (0.0, 0);
            while i < order.len() {
                let mut j = i;
                while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
                    j += 1;
                }
                let average_rank = (i + j) as f64 / 2.0 + 1.0;
                rank_sum +=
                    order[i..=j].iter().filter(|k| labels[**k]).count() as f64 * average_rank;
                i = j + 1;
            }
            let p = positives as f64;
            Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
        }
        let mut state = 5u64;
        let mut draw = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for n in 1..300 {
            let scores: Vec<f64> = (0..n)
                .map(|_| match draw() % 3 {
                    0 => (draw() % 7) as f64 / 8.0,
                    1 => [0.0, -0.0][(draw() % 2) as usize],
                    _ => draw() as f64 / (1u64 << 31) as f64,
                })
                .collect();
            let labels: Vec<bool> = (0..n).map(|_| draw() % 4 == 0).collect();
            let got = roc_auc(&scores, &labels);
            let expected = by_ascending_ranks(&scores, &labels);
            assert_eq!(
                got.map(f64::to_bits),
                expected.map(f64::to_bits),
                "{scores:?}"
            );
        }
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
