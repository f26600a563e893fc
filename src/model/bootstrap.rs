//! Bootstrap confidence intervals for the model card's figures.
//!
//! The feature-days of one feature are correlated (one degradation makes up to `horizon`
//! positive days in a row), so resampling days one by one would give intervals far too
//! narrow. The resampling unit is the whole feature (a cluster bootstrap): each resample
//! draws as many features as were evaluated, with replacement, and counts each drawn
//! feature's rows as many times as it was drawn. 95% percentile intervals.
//!
//! Cheap by construction: the rows are ranked once ([`Ranked`]); a resample only
//! changes each feature's weight, so ROC AUC and average precision of a resample are one
//! pass over the ranked rows, and a precision one pass over the features. The draws come
//! from a fixed seed (ChaCha8, drawing `u32`s so that 32-bit wasm and 64-bit native
//! builds draw the same), so the same data always gives the same intervals.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Resamples per interval.
pub const RESAMPLES: usize = 200;
/// The draws' seed.
pub const SEED: u64 = 0x5eed_ca4d_2026_0011;
/// Below this many features with a degradation among the evaluated rows, an interval
/// would mostly measure which few features were drawn: none is given.
pub const MIN_POSITIVE_FEATURES: usize = 10;

/// A 95% percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// "0.69-0.77" with `digits` decimals.
    pub fn describe(&self, digits: usize) -> String {
        format!("{:.digits$}-{:.digits$}", self.low, self.high)
    }
}

/// Each resample's weight per cluster (how many times the cluster was drawn), in order:
/// `RESAMPLES` vectors of `clusters` counts. The same for the same `clusters` and seed.
pub fn resample_weights(clusters: usize, resamples: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..resamples)
        .map(|_| {
            let mut weights = vec![0u32; clusters];
            if clusters > 0 {
                for _ in 0..clusters {
                    weights[rng.gen_range(0..clusters as u32) as usize] += 1;
                }
            }
            weights
        })
        .collect()
}

/// The 2.5% and 97.5% percentiles of the resamples' values (the resamples where the
/// figure is undefined left out); None when fewer than half of the resamples have one.
pub fn percentile_interval(mut values: Vec<f64>, resamples: usize) -> Option<Interval> {
    values.retain(|v| v.is_finite());
    if values.is_empty() || values.len() * 2 < resamples {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let at = |p: f64| values[((values.len() - 1) as f64 * p).round() as usize];
    Some(Interval {
        low: at(0.025),
        high: at(0.975),
    })
}

/// One method's evaluated rows ranked once: by descending score, ties in row order (the
/// order [`super::evaluate::average_precision`] reads), each with its cluster and label.
pub struct Ranked {
    /// Per row in ranked order: its cluster times 2, plus 1 for a positive.
    rows: Vec<u32>,
    /// Whether the row's score equals the next row's (a tie group goes on).
    tied_with_next: Vec<bool>,
    /// Per cluster: its positive and negative rows.
    positives: Vec<u64>,
    negatives: Vec<u64>,
}

impl Ranked {
    /// The rows ranked in `order`, the scores' [`super::evaluate::descending`] order,
    /// which the point estimates read too.
    pub fn in_order(order: &[usize], scores: &[f64], labels: &[bool], clusters: &[u32]) -> Ranked {
        let count = clusters.iter().max().map_or(0, |c| *c as usize + 1);
        let (mut positives, mut negatives) = (vec![0u64; count], vec![0u64; count]);
        for (c, l) in clusters.iter().zip(labels) {
            if *l {
                positives[*c as usize] += 1;
            } else {
                negatives[*c as usize] += 1;
            }
        }
        Ranked {
            rows: order
                .iter()
                .map(|i| clusters[*i] * 2 + u32::from(labels[*i]))
                .collect(),
            tied_with_next: order
                .windows(2)
                .map(|w| scores[w[0]] == scores[w[1]])
                .chain(std::iter::once(false))
                .collect(),
            positives,
            negatives,
        }
    }

    /// ROC AUC and average precision with each cluster's rows counted `weights[c]` times
    /// (a cluster's copies sit next to each other in the ranking; ties in ROC AUC count
    /// half). With every weight 1 they equal `roc_auc` and `average_precision`.
    pub fn weighted(&self, weights: &[u32]) -> (Option<f64>, Option<f64>) {
        self.weighted_all(&[weights.to_vec()])[0]
    }

    /// [`Ranked::weighted`] for every resample at once, in one pass over the rows: each
    /// row adds its cluster's weights in all resamples (a short loop the compiler
    /// vectorises), which costs far less than a pass per resample.
    pub fn weighted_all(&self, resamples: &[Vec<u32>]) -> Vec<(Option<f64>, Option<f64>)> {
        let r = resamples.len();
        let clusters = self.positives.len();
        // Cluster-major: cluster c's weights in every resample, side by side.
        let mut by_cluster = vec![0u32; clusters * r];
        for (k, weights) in resamples.iter().enumerate() {
            for (c, w) in weights.iter().enumerate().take(clusters) {
                by_cluster[c * r + k] = *w;
            }
        }
        let total = |counts: &[u64], k: usize| -> u64 {
            counts
                .iter()
                .enumerate()
                .map(|(c, n)| n * u64::from(by_cluster[c * r + k]))
                .sum()
        };
        let all_pos: Vec<u64> = (0..r).map(|k| total(&self.positives, k)).collect();
        let all_neg: Vec<u64> = (0..r).map(|k| total(&self.negatives, k)).collect();
        // Descending, in whole numbers (pairs counted twice, so a tie's half is whole):
        // negatives above the current tie group, the group's own, and average precision's
        // running hits. A row's rank is the negatives and hits above it.
        // (u32: a resample holds about as many rows as the data, at most 5.5 million.)
        let mut neg_above = vec![0u32; r];
        let mut group_neg = vec![0u32; r];
        let mut group_pos = vec![0u64; r];
        let mut hits = vec![0u64; r];
        let mut twice_pairs = vec![0u64; r];
        let mut ap_sum = vec![0.0f64; r];
        let mut grouped = false;
        for (row, tied) in self.rows.iter().zip(&self.tied_with_next) {
            let c = (row >> 1) as usize;
            let w = &by_cluster[c * r..(c + 1) * r];
            if row & 1 == 1 {
                for k in 0..r {
                    let above = u64::from(neg_above[k] + group_neg[k]);
                    for _ in 0..w[k] {
                        hits[k] += 1;
                        ap_sum[k] += hits[k] as f64 / (above + hits[k]) as f64;
                    }
                    group_pos[k] += u64::from(w[k]);
                }
                grouped = true;
            } else if *tied || grouped {
                for (g, x) in group_neg.iter_mut().zip(w) {
                    *g += *x;
                }
                grouped = true;
            } else {
                // A negative alone in its tie group: straight into those above (by far the
                // commonest row: a loop over the resamples that the compiler vectorises).
                for (a, x) in neg_above.iter_mut().zip(w) {
                    *a += *x;
                }
            }
            if !tied && grouped {
                for k in 0..r {
                    let (above, group) = (u64::from(neg_above[k]), u64::from(group_neg[k]));
                    twice_pairs[k] += group_pos[k] * (2 * (all_neg[k] - above - group) + group);
                    neg_above[k] += group_neg[k];
                    group_pos[k] = 0;
                    group_neg[k] = 0;
                }
                grouped = false;
            }
        }
        (0..r)
            .map(|k| {
                if all_pos[k] == 0 {
                    return (None, None);
                }
                let auc = (all_neg[k] > 0)
                    .then(|| twice_pairs[k] as f64 / 2.0 / (all_pos[k] as f64 * all_neg[k] as f64));
                (auc, Some(ap_sum[k] / all_pos[k] as f64))
            })
            .collect()
    }
}

/// A share (hits over trials, summed per cluster) under each resample's weights.
pub fn weighted_share(hits: &[u64], trials: &[u64], weights: &[u32]) -> Option<f64> {
    let (mut h, mut n) = (0.0, 0.0);
    for ((hit, trial), w) in hits.iter().zip(trials).zip(weights) {
        h += *hit as f64 * f64::from(*w);
        n += *trial as f64 * f64::from(*w);
    }
    (n > 0.0).then(|| h / n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::evaluate::{average_precision, descending, roc_auc};

    fn ranked(scores: &[f64], labels: &[bool], clusters: &[u32]) -> Ranked {
        Ranked::in_order(&descending(scores), scores, labels, clusters)
    }

    #[test]
    fn unit_weights_give_the_point_estimates() {
        let scores = [0.9, 0.8, 0.8, 0.5, 0.4, 0.4, 0.3, 0.1];
        let labels = [true, false, true, false, true, false, false, true];
        let clusters = [0, 1, 2, 0, 1, 2, 0, 1];
        let ranked = ranked(&scores, &labels, &clusters);
        let (auc, ap) = ranked.weighted(&[1, 1, 1]);
        assert!((auc.unwrap() - roc_auc(&scores, &labels).unwrap()).abs() < 1e-12);
        assert!((ap.unwrap() - average_precision(&scores, &labels).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn a_weight_of_two_is_the_cluster_copied() {
        let scores = [0.9, 0.7, 0.6, 0.2];
        let labels = [true, false, true, false];
        let clusters = [0, 1, 0, 1];
        let (auc, _) = ranked(&scores, &labels, &clusters).weighted(&[2, 1]);
        // Copies: P .9 x2, N .7, P .6 x2, N .2: pairs won = 2*2 + 2*1 = 6 of 4*2 = 8.
        let copied = [0.9, 0.9, 0.7, 0.6, 0.6, 0.2];
        let copied_labels = [true, true, false, true, true, false];
        assert!((auc.unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(roc_auc(&copied, &copied_labels), Some(0.75));
    }

    #[test]
    fn the_draws_are_fixed_and_each_draws_every_cluster_count() {
        let a = resample_weights(7, 20, SEED);
        assert_eq!(a, resample_weights(7, 20, SEED));
        assert!(a.iter().all(|w| w.iter().sum::<u32>() == 7));
        assert_ne!(a[0], a[1]);
    }
}
