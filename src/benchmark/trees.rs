//! The tree-ensemble baseline: what a data scientist would build. A random forest
//! (smartcore) over the same 20 signals Feature Radar reads plus today's six raw values,
//! trained walk-forward like the engine: only on examples whose label was known on the
//! fit day (`Degradations::label_known_on`), once `ForestParams::min_positives`
//! degradations are known (it has no default to start from; before, it outputs the base
//! rate), with at most `negatives_per_positive` ordinary days per degradation and
//! `max_training_negatives` in all, chosen by a hash of the example, the probabilities
//! corrected for the sampling. It is refitted every `ForestParams::retrain_every` days
//! (14 by default, for cost; the engine refits every 7). Its investigate tier follows the
//! engine's alert budget, so both are compared at the same alert rate.
//!
//! smartcore's `RandomForestClassifier` only votes, so the forest is its
//! `RandomForestRegressor` on 0/1 labels: on two classes its squared-error split is the
//! Gini split, and its mean leaf value is the forest's class probability (a "probability
//! forest"). Seeded, so deterministic.

use super::Scores;
use crate::analysis::labels::Degradations;
use crate::model::eligible;
use crate::model::features::{input_vector, N_INPUTS};
use crate::report::Analysis;
use crate::Config;
use smartcore::ensemble::random_forest_regressor::{
    RandomForestRegressor, RandomForestRegressorParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;

/// Inputs per example: the engine's signals and today's raw values.
pub const TREE_INPUTS: usize = N_INPUTS + 6;

/// The forest's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestParams {
    pub trees: usize,
    pub max_depth: u16,
    pub min_samples_leaf: usize,
    /// Inputs tried at each split.
    pub mtry: usize,
    pub seed: u64,
    /// Days between refits (the engine refits every 7; the forest every 14, for cost).
    pub retrain_every: usize,
    /// Degradations (and as many ordinary days) known before the first fit: a forest has
    /// nothing to start from, so before it outputs the base rate.
    pub min_positives: usize,
    /// At most this many ordinary days per degradation in a fit.
    pub negatives_per_positive: usize,
}

impl Default for ForestParams {
    /// 100 trees of depth at most 8 with at least 10 examples a leaf, 8 of the 26 inputs
    /// tried at each split (sklearn's sqrt rule would try 5), refitted every 14 days.
    fn default() -> Self {
        ForestParams {
            trees: 100,
            max_depth: 8,
            min_samples_leaf: 10,
            mtry: 8,
            seed: 7,
            retrain_every: 14,
            min_positives: 20,
            negatives_per_positive: 30,
        }
    }
}

/// Each feature's and day's input rows.
pub fn tree_inputs(analysis: &Analysis) -> Vec<Vec<[f64; TREE_INPUTS]>> {
    let dataset = &analysis.dataset;
    dataset
        .features
        .iter()
        .enumerate()
        .map(|(f, s)| {
            let signals = analysis.feature_signals(f);
            (0..dataset.days)
                .map(|t| {
                    let mut x = [0.0; TREE_INPUTS];
                    x[..N_INPUTS].copy_from_slice(&input_vector(&signals[t]));
                    for (slot, value) in x[N_INPUTS..].iter_mut().zip(super::raw_values(s, t)) {
                        // Missing is -1, which no raw value takes.
                        *slot = value.unwrap_or(-1.0);
                    }
                    x
                })
                .collect()
        })
        .collect()
}

/// A stable hash of an example's place, to sample negatives the same way at every refit.
fn place_hash(f: usize, t: usize) -> u64 {
    let mut h = (f as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (t as u64);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The forest's walk-forward scores. Before the first fit its output is the base rate
/// of the labels known so far, as the engine's is (in `warm_up`).
pub fn tree_scores(analysis: &Analysis, config: &Config, forest: &ForestParams) -> Scores {
    let inputs = tree_inputs(analysis);
    let params = &config.model;
    let degradations: &Degradations = &analysis.degradations;
    let valid = &analysis.valid;
    let features = inputs.len();
    let days = analysis.dataset.days;
    let horizon = params.horizon;
    // The engine's schedule decides when a fit may happen (so the first fit comes on the
    // same day as the engine's); after it, the forest refits every `forest.retrain_every`.
    let every = params.retrain_every.max(1);
    let mut last_fit: Option<usize> = None;
    let mut score = vec![vec![None; days]; features];
    let mut warm_up = vec![vec![None; days]; features];
    let mut model: Option<Forest> = None;
    let mut base_rate = 0.0;
    for start in (0..days).step_by(every) {
        if last_fit.is_some_and(|d| start < d + forest.retrain_every) {
            predict_days(
                &model,
                start,
                (start + every).min(days),
                &inputs,
                &mut score,
            );
            continue;
        }
        // Examples whose label is known on `start`.
        let mut rows: Vec<(usize, usize, bool)> = Vec::new();
        for s in 0..days {
            if degradations.label_known_on(s, horizon) > start {
                break;
            }
            for f in 0..features {
                if eligible(valid, degradations, f, s) {
                    rows.push((f, s, degradations.label(f, s, horizon)));
                }
            }
        }
        let positives = rows.iter().filter(|r| r.2).count();
        let negatives = rows.len() - positives;
        if !rows.is_empty() {
            base_rate = positives as f64 / rows.len() as f64;
        }
        if positives >= forest.min_positives && negatives >= forest.min_positives {
            let cap = params
                .max_training_negatives
                .min(forest.negatives_per_positive * positives);
            let kept_share = (cap as f64 / negatives as f64).min(1.0);
            let cut = (kept_share * u64::MAX as f64) as u64;
            let chosen: Vec<&(usize, usize, bool)> = rows
                .iter()
                .filter(|(f, s, label)| *label || kept_share >= 1.0 || place_hash(*f, *s) <= cut)
                .collect();
            let kept_negatives = chosen.iter().filter(|r| !r.2).count().max(1);
            let x: Vec<Vec<f64>> = chosen
                .iter()
                .map(|(f, s, _)| inputs[*f][*s].to_vec())
                .collect();
            let y: Vec<f64> = chosen.iter().map(|r| if r.2 { 1.0 } else { 0.0 }).collect();
            let parameters = RandomForestRegressorParameters::default()
                .with_n_trees(forest.trees)
                .with_max_depth(forest.max_depth)
                .with_min_samples_leaf(forest.min_samples_leaf)
                .with_min_samples_split(2 * forest.min_samples_leaf)
                .with_m(forest.mtry.min(TREE_INPUTS))
                .with_seed(forest.seed);
            if let Ok(matrix) = DenseMatrix::from_2d_vec(&x) {
                if let Ok(fitted) = RandomForestRegressor::fit(&matrix, &y, parameters) {
                    model = Some((fitted, kept_negatives as f64 / negatives as f64));
                    last_fit = Some(start);
                }
            }
        }
        let end = (start + every).min(days);
        if model.is_some() {
            predict_days(&model, start, end, &inputs, &mut score);
        } else {
            for days in &mut warm_up {
                for day in &mut days[start..end] {
                    *day = Some(base_rate);
                }
            }
        }
    }
    let investigate = super::budget_tiers(&score, analysis, config);
    Scores {
        score,
        is_probability: true,
        investigate,
        warm_up,
    }
}

/// A fitted forest and the share of negatives it was fitted on.
type Forest = (
    RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>>,
    f64,
);

/// Scores days `start..end` of every feature with the forest.
fn predict_days(
    model: &Option<Forest>,
    start: usize,
    end: usize,
    inputs: &[Vec<[f64; TREE_INPUTS]>],
    score: &mut [Vec<Option<f64>>],
) {
    let Some((fitted, kept)) = model else {
        return;
    };
    let features = inputs.len();
    let x: Vec<Vec<f64>> = (0..features)
        .flat_map(|f| (start..end).map(move |t| (f, t)))
        .map(|(f, t)| inputs[f][t].to_vec())
        .collect();
    let matrix = DenseMatrix::from_2d_vec(&x).expect("rows of equal length");
    let predicted = fitted.predict(&matrix).expect("a fitted forest predicts");
    let mut i = 0;
    for days in score.iter_mut().take(features) {
        for day in &mut days[start..end] {
            // Fitting on a share `kept` of the negatives multiplies the odds by 1 / kept;
            // take that back out.
            let p = predicted[i].clamp(0.0, 1.0);
            *day = Some(p * kept / (p * kept + (1.0 - p)).max(1e-12));
            i += 1;
        }
    }
}
