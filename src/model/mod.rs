//! The risk model: a walk-forward logistic regression over the signals that starts from a
//! shipped default and learns from the data's own degradations.
//!
//! Vocabulary follows linfa: [`RiskModelParams`] are the settings, [`FittedRiskModel`] a
//! model fitted on one day.
//!
//! - **Day one.** Before any label is known, the [default model](default_model) scores:
//!   weights fitted once (with linfa-logistic) on a broad family of simulated portfolios
//!   and shipped as constants. The inputs are in noise units of each feature's own
//!   history, so the same weights apply to any data.
//! - **Learning.** Every `retrain_every` days the model is refitted on the examples whose
//!   label was already known that day (`t + horizon` days have passed, plus the label's
//!   confirmation delay) as a maximum a posteriori fit with a Gaussian prior centred on
//!   the default weights: a penalty `prior_strength / 2 * |w - w_default|^2` on the
//!   standardised weights, and a weak one on the intercept so the base rate adapts at
//!   once. Its strength is about that of `prior_strength` degradations, so 5 known
//!   degradations nudge the weights and 100 dominate them. linfa-logistic has no prior
//!   mean or offset, so this fit is a small Newton solver (21 parameters) of our own.
//! - **No look-ahead.** Each day is scored with the latest model fitted on or before it,
//!   so the risk of day `d` never depends on data after `d`.

pub mod bootstrap;
pub mod compare;
pub mod default_model;
pub mod evaluate;
pub mod features;
pub mod threshold;

use crate::analysis::labels::Degradations;
use features::N_INPUTS;
use serde::{Deserialize, Serialize};

/// Settings of the risk model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskModelParams {
    /// Days ahead that the risk speaks of.
    pub horizon: usize,
    /// Days between refits.
    pub retrain_every: usize,
    /// Precision of the prior on each standardised weight, centred on the default model:
    /// about the information of this many degradations.
    pub prior_strength: f64,
    /// Precision of the prior on the intercept (weak: the base rate is the data's own).
    pub intercept_prior: f64,
    pub max_iterations: u64,
    /// How much a cohort's default log-odds must exceed the whole feature's for the model
    /// to read the cohort instead: one cohort among several looks worse than the whole by
    /// chance, so it must look clearly worse.
    pub cohort_margin: f64,
    /// Most non-degradation examples a fit uses. Beyond it, a fixed share of them is
    /// sampled (chosen by a hash of each example, so the same example is always kept or
    /// dropped) and each kept one weighs for those dropped, keeping the fit's cost bounded
    /// on large uploads without biasing the probabilities.
    pub max_training_negatives: usize,
    /// Platt calibration: once this many degradations have out-of-sample predictions
    /// (days scored by an earlier fit, whose label is now known), each new fit's log-odds
    /// are rescaled by a one-input logistic regression on them, when a likelihood-ratio
    /// test finds them miscalibrated. 0 turns it off, the default (the benchmark prints
    /// both).
    pub calibration_min_positives: usize,
}

impl Default for RiskModelParams {
    fn default() -> Self {
        RiskModelParams {
            horizon: 7,
            retrain_every: 7,
            prior_strength: PRIOR_STRENGTH,
            intercept_prior: 0.1,
            max_iterations: 50,
            cohort_margin: COHORT_MARGIN,
            max_training_negatives: 20_000,
            calibration_min_positives: 0,
        }
    }
}

/// The default cohort margin (see [`RiskModelParams::cohort_margin`]).
pub const COHORT_MARGIN: f64 = 0.5;

/// The default prior strength (see [`RiskModelParams::prior_strength`]).
pub const PRIOR_STRENGTH: f64 = 25.0;

/// A logistic model fitted on one day, on standardised inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FittedRiskModel {
    /// The day it was fitted on (it scores this day and the next `retrain_every - 1`).
    pub fitted_on: usize,
    pub training_rows: usize,
    pub training_positives: usize,
    pub means: [f64; N_INPUTS],
    pub scales: [f64; N_INPUTS],
    /// Log-odds per standard deviation of each input.
    pub coefficients: [f64; N_INPUTS],
    pub intercept: f64,
    /// How much of the weights this data taught, in [0, 1]: per weight, the information
    /// the data gave over that plus the prior's, averaged (0 for the default model).
    pub learned_share: f64,
    /// The Platt rescaling folded into the coefficients and intercept above, as
    /// (slope, offset) on the raw log-odds; None when there were too few held-out
    /// degradations to calibrate on.
    pub calibration: Option<(f64, f64)>,
}

/// The penalised objective at a point, with what Newton's method reads there.
struct Evaluation<const P: usize> {
    value: f64,
    gradient: [f64; P],
    /// When asked for.
    hessian: Option<[[f64; P]; P]>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl FittedRiskModel {
    /// The shipped default model, which scores until the data's own labels are known.
    pub fn default_model() -> Self {
        FittedRiskModel {
            fitted_on: 0,
            training_rows: 0,
            training_positives: 0,
            means: default_model::MEANS,
            scales: default_model::SCALES,
            coefficients: default_model::COEFFICIENTS,
            intercept: default_model::INTERCEPT,
            learned_share: 0.0,
            calibration: None,
        }
    }

    /// The maximum a posteriori fit on rows `x`, labels `y` and example weights `w`, with
    /// the prior centred on `prior` (same standardisation). Rows with a non-finite input
    /// are left out. None when the solver fails, which it reports rather than hides.
    pub fn fit(
        params: &RiskModelParams,
        prior: &FittedRiskModel,
        fitted_on: usize,
        x: &[[f64; N_INPUTS]],
        y: &[bool],
        w: &[f64],
    ) -> Option<Self> {
        Self::fit_from(params, prior, None, fitted_on, x, y, w)
    }

    /// [`FittedRiskModel::fit`], Newton's method starting from `start` (the intercept and
    /// then the coefficients of an earlier fit on the same standardisation, before any
    /// calibration) instead of the prior's centre. The objective is strictly convex, so
    /// its optimum does not depend on the start; a start near it (the last refit, on
    /// most of the same examples) saves iterations. Iterations stop once a Newton step
    /// moves no weight by more than 1e-10, so the result is the optimum to far better
    /// than the 4 decimals a risk is given to, wherever the search started.
    pub fn fit_from(
        params: &RiskModelParams,
        prior: &FittedRiskModel,
        start: Option<[f64; N_INPUTS + 1]>,
        fitted_on: usize,
        x: &[[f64; N_INPUTS]],
        y: &[bool],
        w: &[f64],
    ) -> Option<Self> {
        let z: Vec<[f64; N_INPUTS]> = x.iter().map(|x| prior.standardise(x)).collect();
        Self::fit_standardised(params, prior, start, fitted_on, &z, y, w)
    }

    /// Row `x` on this model's standardisation: each input less its mean, over its scale.
    pub fn standardise(&self, x: &[f64; N_INPUTS]) -> [f64; N_INPUTS] {
        std::array::from_fn(|j| (x[j] - self.means[j]) / self.scales[j])
    }

    /// [`FittedRiskModel::fit_from`] on rows already standardised by `prior`
    /// ([`FittedRiskModel::standardise`]): the walk-forward keeps its training pool this
    /// way, so that a refit copies nothing. The arithmetic is that of the raw rows', so
    /// the fit is the same to the bit. A row with a value that is not finite is left
    /// out (a raw row that is not finite standardises to one that is not; the model's
    /// inputs are bounded, so a finite one never overflows).
    pub fn fit_standardised(
        params: &RiskModelParams,
        prior: &FittedRiskModel,
        start: Option<[f64; N_INPUTS + 1]>,
        fitted_on: usize,
        z: &[[f64; N_INPUTS]],
        y: &[bool],
        w: &[f64],
    ) -> Option<Self> {
        const P: usize = N_INPUTS + 1;
        let kept: Vec<usize> = (0..z.len())
            .filter(|&i| z[i].iter().all(|v| v.is_finite()) && w[i].is_finite())
            .collect();
        let n = kept.len();
        // A kept example's row of the design matrix: a one for the intercept, then its
        // standardised inputs.
        let row_of = |i: usize| -> [f64; P] {
            let mut row = [1.0; P];
            row[1..].copy_from_slice(&z[i]);
            row
        };
        let mut centre = [0.0; P];
        centre[0] = prior.intercept;
        centre[1..].copy_from_slice(&prior.coefficients);
        let mut precision = [params.prior_strength; P];
        precision[0] = params.intercept_prior;
        // The objective at `theta` and its gradient, in one pass over the rows; with
        // `curvature`, also the Hessian, whose data part is the Gram matrix of the rows
        // weighted by their curvatures, summed in the same pass as each row's outer
        // product (its upper triangle: the matrix is symmetric).
        let evaluate = |theta: &[f64; P], curvature: bool| -> Evaluation<P> {
            let mut value = 0.0;
            let mut data_gradient = [0.0; P];
            let mut gram = [[0.0; P]; P];
            for &i in &kept {
                let row = &row_of(i);
                let e: f64 = row.iter().zip(theta).map(|(a, b)| a * b).sum();
                let (label, wt) = (f64::from(u8::from(y[i])), w[i]);
                // log(1 + e^eta) - y * eta, and the probability, without overflow.
                let q = (-e.abs()).exp();
                value += wt * (e.max(0.0) + q.ln_1p() - label * e);
                let p = if e >= 0.0 {
                    1.0 / (1.0 + q)
                } else {
                    q / (1.0 + q)
                };
                let residual = wt * (p - label);
                for (g, v) in data_gradient.iter_mut().zip(row) {
                    *g += residual * v;
                }
                if curvature {
                    let weight = wt * p * (1.0 - p);
                    for a in 0..P {
                        let scaled = weight * row[a];
                        for (h, v) in gram[a][a..].iter_mut().zip(&row[a..]) {
                            *h += scaled * v;
                        }
                    }
                }
            }
            let mut gradient = [0.0; P];
            for a in 0..P {
                value += 0.5 * precision[a] * (theta[a] - centre[a]).powi(2);
                gradient[a] = data_gradient[a] + precision[a] * (theta[a] - centre[a]);
            }
            let hessian = curvature.then(|| {
                let mut hessian = gram;
                for a in 0..P {
                    for b in 0..a {
                        hessian[a][b] = hessian[b][a];
                    }
                    hessian[a][a] += precision[a];
                }
                hessian
            });
            Evaluation {
                value,
                gradient,
                hessian,
            }
        };
        // Newton's method, except that the Hessian is computed again only after a long
        // step: near the optimum (where a start from the last fit usually is) it barely
        // changes, and the steps of the Hessian at hand converge to the same optimum, at
        // a fraction of the cost.
        let mut theta = start
            .filter(|s| s.iter().all(|v| v.is_finite()))
            .unwrap_or(centre);
        let mut here = evaluate(&theta, true);
        if !here.value.is_finite() {
            theta = centre;
            here = evaluate(&theta, true);
        }
        let mut hessian = here.hessian.expect("asked for");
        let (mut previous, mut refresh) = (f64::INFINITY, false);
        for _ in 0..params.max_iterations {
            let step = solve_positive_definite(hessian, here.gradient)?;
            let longest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            // Once no weight would move by more than this, what is left is far below
            // the 4 decimals a risk is given to.
            if longest < 1e-8 {
                break;
            }
            // A long step, steps that shrink slowly, or a step that had to be shortened,
            // call for the Hessian again.
            let curvature = refresh || longest > 0.05 || longest > 0.1 * previous;
            previous = longest;
            refresh = false;
            // The step, halved until the objective does not rise (beyond its rounding).
            let tolerance = 1e-12 * here.value.abs().max(1.0);
            let mut scale = 1.0;
            let mut moved = false;
            for _ in 0..30 {
                let mut next = theta;
                for j in 0..P {
                    next[j] -= scale * step[j];
                }
                let there = evaluate(&next, curvature);
                if there.value.is_finite() && there.value <= here.value + tolerance {
                    theta = next;
                    here = there;
                    moved = true;
                    break;
                }
                scale *= 0.5;
                refresh = true;
            }
            if let Some(h) = here.hessian.take() {
                hessian = h;
            }
            if !moved {
                break;
            }
        }
        if theta.iter().any(|v| !v.is_finite()) {
            return None;
        }
        // The data's information on each weight: the data part of the Hessian's diagonal.
        let information: Vec<f64> = (0..P).map(|j| hessian[j][j] - precision[j]).collect();
        let mut coefficients = [0.0; N_INPUTS];
        coefficients.copy_from_slice(&theta[1..]);
        let learned_share = (1..P)
            .map(|j| information[j] / (information[j] + precision[j]))
            .sum::<f64>()
            / N_INPUTS as f64;
        Some(FittedRiskModel {
            fitted_on,
            training_rows: n,
            training_positives: kept.iter().filter(|&&i| y[i]).count(),
            means: prior.means,
            scales: prior.scales,
            coefficients,
            intercept: theta[0],
            learned_share,
            calibration: None,
        })
    }

    /// The intercept and coefficients, before any calibration: where a later fit on the
    /// same standardisation may start ([`FittedRiskModel::fit_from`]).
    pub fn raw_weights(&self) -> [f64; N_INPUTS + 1] {
        let (slope, offset) = self.calibration.unwrap_or((1.0, 0.0));
        let mut theta = [0.0; N_INPUTS + 1];
        theta[0] = (self.intercept - offset) / slope;
        for (raw, c) in theta[1..].iter_mut().zip(&self.coefficients) {
            *raw = c / slope;
        }
        theta
    }

    /// The risk of a day whose every input is the training average.
    pub fn risk_of_average_day(&self) -> f64 {
        sigmoid(self.intercept)
    }

    /// The model's raw log-odds for `x`.
    pub fn log_odds(&self, x: &[f64; N_INPUTS]) -> f64 {
        self.intercept + self.predict(x).1.iter().sum::<f64>()
    }

    /// Folds a Platt rescaling `sigmoid(slope * log_odds + offset)` into the model, so it
    /// stays one logistic regression whose contributions still add up to its log-odds.
    fn calibrate(&mut self, slope: f64, offset: f64) {
        for c in &mut self.coefficients {
            *c *= slope;
        }
        self.intercept = slope * self.intercept + offset;
        self.calibration = Some((slope, offset));
    }

    /// Probability of the positive class, and each input's log-odds contribution.
    ///
    /// A non-finite input (a metric that overflowed) contributes nothing, so the risk
    /// stays a probability.
    pub fn predict(&self, x: &[f64; N_INPUTS]) -> (f64, [f64; N_INPUTS]) {
        let mut contributions = [0.0; N_INPUTS];
        for j in 0..N_INPUTS {
            let c = self.coefficients[j] * (x[j] - self.means[j]) / self.scales[j];
            contributions[j] = if c.is_finite() { c } else { 0.0 };
        }
        let risk = sigmoid(self.intercept + contributions.iter().sum::<f64>());
        (risk, contributions)
    }
}

/// Everything the walk-forward run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalkForward {
    /// The default model first, then each refit.
    pub fits: Vec<FittedRiskModel>,
    /// Refits whose solver failed (the previous model kept scoring).
    pub failed_refits: usize,
    /// Per feature and day, the probability that a degradation starts within the
    /// horizon.
    pub risks: Vec<Vec<f64>>,
    /// Per day, the index into `fits` of the model that scored every feature that day.
    /// Each input's push on the log-odds is not stored (it would be most of the memory
    /// per feature-day): that model's `predict` on the day's inputs gives it when shown.
    pub fit_of_day: Vec<u32>,
}

/// Whether the example (feature, day) may be used to train or evaluate: its signals
/// exist and no degradation is already under way.
pub fn eligible(valid: &[Vec<bool>], degradations: &Degradations, f: usize, t: usize) -> bool {
    valid[f][t] && !degradations.active[f][t]
}

/// A stable 64-bit hash (FNV-1a) of an example's inputs.
fn example_hash(x: &[f64; N_INPUTS]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for value in x {
        for byte in value.to_bits().to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// Keeps every positive and at most about `max_negatives` negatives, chosen by each
/// example's hash (`hashes`, from [`example_hash`]); returns the share of negatives kept.
/// The walk-forward does the same on its pool as it grows (see [`walk_forward_by_day`]).
#[cfg(test)]
fn sample_negatives(
    x: &[[f64; N_INPUTS]],
    y: &[bool],
    hashes: &[u64],
    max_negatives: usize,
) -> (Vec<[f64; N_INPUTS]>, Vec<bool>, f64) {
    let negatives = y.iter().filter(|v| !**v).count();
    let Some(cut) = sampling_cut(negatives, max_negatives) else {
        return (x.to_vec(), y.to_vec(), 1.0);
    };
    let (mut xs, mut ys, mut kept) = (Vec::new(), Vec::new(), 0usize);
    for ((row, &label), &hash) in x.iter().zip(y).zip(hashes) {
        if label || hash <= cut {
            kept += usize::from(!label);
            xs.push(*row);
            ys.push(label);
        }
    }
    (xs, ys, (kept.max(1)) as f64 / negatives as f64)
}

/// Fits Platt's rescaling on held-out (log-odds, label) pairs with linfa-logistic: the
/// slope and offset that make `sigmoid(slope * log_odds + offset)` calibrated. None when
/// the fit fails or would invert the ranking. Native only: the rescaling is off unless
/// asked for ([`RiskModelParams::calibration_min_positives`]), which the page never does,
/// so the engine's wasm leaves linfa-logistic's solver out (about 18 KB of the first
/// view's transfer).
#[cfg(not(target_arch = "wasm32"))]
pub fn fit_platt(log_odds: &[f64], labels: &[bool]) -> Option<(f64, f64)> {
    use linfa::prelude::*;
    use linfa_logistic::LogisticRegression;
    use ndarray::{Array1, Array2};
    let positives = labels.iter().filter(|l| **l).count();
    if positives == 0 || positives == labels.len() {
        return None;
    }
    let features = Array2::from_shape_fn((log_odds.len(), 1), |(i, _)| log_odds[i]);
    let dataset = Dataset::new(features, Array1::from_iter(labels.iter().copied()));
    let fitted = LogisticRegression::default()
        .alpha(1e-3)
        .max_iterations(100)
        .with_intercept(true)
        .fit(&dataset)
        .ok()?;
    let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
    let slope = sign * fitted.params()[0];
    let offset = sign * fitted.intercept();
    (slope.is_finite() && offset.is_finite() && slope > 0.0).then_some((slope, offset))
}

/// [`fit_platt`] in the browser, where the rescaling is never asked for: no rescaling.
#[cfg(target_arch = "wasm32")]
pub fn fit_platt(_log_odds: &[f64], _labels: &[bool]) -> Option<(f64, f64)> {
    None
}

/// Platt's rescaling for a fit on day `t`, from the raw log-odds earlier fits gave days
/// whose label is known on `t` (so every pair is out of sample).
fn platt_on_held_out(
    params: &RiskModelParams,
    raw_log_odds: &[(u32, u32, f64)],
    degradations: &Degradations,
    t: usize,
) -> Option<(f64, f64)> {
    if params.calibration_min_positives == 0 {
        return None;
    }
    let horizon = params.horizon;
    let (scores, labels): (Vec<f64>, Vec<bool>) = raw_log_odds
        .iter()
        .filter(|(_, s, _)| degradations.label_known_on(*s as usize, horizon) <= t)
        .map(|(f, s, raw)| (*raw, degradations.label(*f as usize, *s as usize, horizon)))
        .unzip();
    let positives = labels.iter().filter(|l| **l).count();
    if positives < params.calibration_min_positives {
        return None;
    }
    let (slope, offset) = fit_platt(&scores, &labels)?;
    // Rescale only when the held-out days show a real miscalibration: a likelihood-ratio
    // test of Platt's two parameters against none, at the 1% level (chi-square, 2 df).
    let log_likelihood = |a: f64, b: f64| -> f64 {
        scores
            .iter()
            .zip(&labels)
            .map(|(z, y)| {
                let p = sigmoid(a * z + b).clamp(1e-12, 1.0 - 1e-12);
                if *y {
                    p.ln()
                } else {
                    (1.0 - p).ln()
                }
            })
            .sum()
    };
    let gain = 2.0 * (log_likelihood(slope, offset) - log_likelihood(1.0, 0.0));
    (gain > CHI_SQUARE_2DF_1PCT).then_some((slope, offset))
}

/// The 99th percentile of the chi-square distribution with 2 degrees of freedom.
const CHI_SQUARE_2DF_1PCT: f64 = 9.21;

/// Solves `a x = b` for a symmetric positive definite `a` (Cholesky). None when `a` is
/// not positive definite.
fn solve_positive_definite<const P: usize>(a: [[f64; P]; P], b: [f64; P]) -> Option<[f64; P]> {
    let mut l = [[0.0; P]; P];
    for i in 0..P {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - sum;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - sum) / l[j][j];
            }
        }
    }
    let mut y = [0.0; P];
    for i in 0..P {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = [0.0; P];
    for i in (0..P).rev() {
        x[i] = (y[i] - (i + 1..P).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

/// Runs the walk-forward loop over all features and days.
///
/// `inputs[f][t]` is the input vector, `valid[f][t]` whether its signals exist.
pub fn walk_forward(
    params: &RiskModelParams,
    inputs: &[Vec<[f64; N_INPUTS]>],
    valid: &[Vec<bool>],
    degradations: &Degradations,
) -> WalkForward {
    walk_forward_with_progress(params, inputs, valid, degradations, &mut |_| {})
}

/// [`walk_forward`], telling `progress` the share of days done (0 to 1) as it goes.
pub fn walk_forward_with_progress(
    params: &RiskModelParams,
    inputs: &[Vec<[f64; N_INPUTS]>],
    valid: &[Vec<bool>],
    degradations: &Degradations,
    progress: &mut dyn FnMut(f64),
) -> WalkForward {
    let features = inputs.len();
    let days = inputs.first().map_or(0, Vec::len);
    walk_forward_by_day(
        params,
        features,
        days,
        degradations,
        &mut |t| Day {
            inputs: inputs.iter().map(|x| x[t]).collect(),
            valid: valid.iter().map(|v| v[t]).collect(),
        },
        &mut |_, _, _| {},
        progress,
    )
}

/// What the walk-forward has made so far, shown to its caller after each day is scored.
pub struct ScoredDay<'a> {
    /// The fits so far (`fits[0]` is the shipped default model).
    pub fits: &'a [FittedRiskModel],
    /// Per feature, the risks of every day up to the one just scored (the last fit
    /// scored that day).
    pub risks: &'a [Vec<f64>],
}

/// The inputs of every feature on one day, and whether each one's signals exist.
#[derive(Debug, Clone, Default)]
pub struct Day {
    pub inputs: Vec<[f64; N_INPUTS]>,
    pub valid: Vec<bool>,
}

/// The share of negatives kept when a fit has `negatives` of them and may use about
/// `max_negatives`, as the largest hash kept; None when every one is kept.
fn sampling_cut(negatives: usize, max_negatives: usize) -> Option<u64> {
    if negatives <= max_negatives || negatives == 0 {
        return None;
    }
    let rate = max_negatives as f64 / negatives as f64;
    Some((rate * u64::MAX as f64) as u64)
}

/// [`walk_forward_with_progress`] with the inputs asked for day by day: `day(t)` is
/// called once for each day in order, so that no caller needs every feature-day's
/// inputs at once. The run keeps a day's inputs until its label is known and it joins
/// the training pool, and the pool keeps only the examples a fit can still sample: the
/// share of negatives kept only falls as the pool grows, so a negative left out once is
/// left out of every later fit. Memory is the pool (about `max_training_negatives` rows
/// and the positives) and the days waiting for their labels, whatever the data's length.
/// `scored(t, day, so_far)` is called once day `t` is scored, before the next day is
/// asked for.
pub fn walk_forward_by_day(
    params: &RiskModelParams,
    features: usize,
    days: usize,
    degradations: &Degradations,
    day: &mut dyn FnMut(usize) -> Day,
    scored: &mut dyn FnMut(usize, &Day, ScoredDay),
    progress: &mut dyn FnMut(f64),
) -> WalkForward {
    let horizon = params.horizon;
    let mut fits: Vec<FittedRiskModel> = Vec::new();
    let mut risks: Vec<Vec<f64>> = vec![Vec::with_capacity(days); features];
    let mut fit_of_day: Vec<u32> = Vec::with_capacity(days);
    let retrain_every = params.retrain_every.max(1);
    let default = FittedRiskModel::default_model();
    fits.push(default.clone());
    // Out-of-sample raw (uncalibrated) log-odds of every eligible scored day, kept only
    // when Platt's calibration may read them.
    let calibrating = params.calibration_min_positives > 0;
    // (feature, day, log-odds), 16 bytes for each eligible feature-day.
    let mut raw_log_odds: Vec<(u32, u32, f64)> = Vec::new();
    let mut failed_refits = 0;
    // The training examples: every eligible (feature, day) whose label is known, in day
    // then feature order, less the negatives no fit can sample any more. A day's label,
    // once known, never changes, so the pool only grows: each refit adds the days whose
    // labels became known since the last one. Its rows are kept standardised by the
    // default model, the prior of every refit, so that no refit copies them.
    let (mut pool_x, mut pool_y, mut pool_hash) = (Vec::new(), Vec::new(), Vec::new());
    let mut negatives = 0usize;
    // Days `next_day..t` whose labels are not known yet, oldest first.
    let mut waiting: std::collections::VecDeque<Day> = std::collections::VecDeque::new();
    let mut next_day = 0;
    for t in 0..days {
        let today = day(t);
        if t > 0 && t % retrain_every == 0 {
            progress(t as f64 / days as f64);
            // Room for the days about to be added and no more: the pool is cut back below
            // its largest size at each refit, and doubling would hold up to twice that.
            let mut known_until = next_day;
            while known_until < days && degradations.label_known_on(known_until, horizon) <= t {
                known_until += 1;
            }
            let incoming = (known_until - next_day) * features;
            pool_x.reserve_exact(incoming);
            pool_y.reserve_exact(incoming);
            pool_hash.reserve_exact(incoming);
            while next_day < known_until {
                let known = if next_day < t {
                    waiting
                        .pop_front()
                        .expect("every earlier day waits for its label")
                } else {
                    today.clone()
                };
                for f in 0..features {
                    if known.valid[f] && !degradations.active[f][next_day] {
                        let x = known.inputs[f];
                        let label = degradations.label(f, next_day, horizon);
                        negatives += usize::from(!label);
                        pool_hash.push(example_hash(&x));
                        pool_x.push(default.standardise(&x));
                        pool_y.push(label);
                    }
                }
                next_day += 1;
            }
            let kept = match sampling_cut(negatives, params.max_training_negatives) {
                Some(cut) => {
                    let mut k = 0;
                    for i in 0..pool_y.len() {
                        if pool_y[i] || pool_hash[i] <= cut {
                            pool_x[k] = pool_x[i];
                            pool_y[k] = pool_y[i];
                            pool_hash[k] = pool_hash[i];
                            k += 1;
                        }
                    }
                    pool_x.truncate(k);
                    pool_y.truncate(k);
                    pool_hash.truncate(k);
                    let kept_negatives = pool_y.iter().filter(|l| !**l).count();
                    kept_negatives.max(1) as f64 / negatives as f64
                }
                None => 1.0,
            };
            if !pool_y.is_empty() {
                let weights: Vec<f64> = pool_y
                    .iter()
                    .map(|label| if *label { 1.0 } else { 1.0 / kept })
                    .collect();
                let start = (fits.len() > 1).then(|| fits[fits.len() - 1].raw_weights());
                match FittedRiskModel::fit_standardised(
                    params, &default, start, t, &pool_x, &pool_y, &weights,
                ) {
                    Some(mut model) => {
                        if let Some((slope, offset)) =
                            platt_on_held_out(params, &raw_log_odds, degradations, t)
                        {
                            model.calibrate(slope, offset);
                        }
                        fits.push(model);
                    }
                    None => failed_refits += 1,
                }
            }
        }
        let model = fits.last().expect("the default model is always there");
        for f in 0..features {
            let x = &today.inputs[f];
            let (risk, _) = model.predict(x);
            if calibrating && today.valid[f] && !degradations.active[f][t] {
                let log_odds = model.log_odds(x);
                let raw = match model.calibration {
                    Some((slope, offset)) => (log_odds - offset) / slope,
                    None => log_odds,
                };
                raw_log_odds.push((f as u32, t as u32, raw));
            }
            risks[f].push(risk);
        }
        fit_of_day.push((fits.len() - 1) as u32);
        scored(
            t,
            &today,
            ScoredDay {
                fits: &fits,
                risks: &risks,
            },
        );
        if next_day <= t {
            waiting.push_back(today);
        }
    }
    WalkForward {
        fits,
        risks,
        fit_of_day,
        failed_refits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prior of zero weights on unscaled inputs.
    fn flat_prior() -> FittedRiskModel {
        FittedRiskModel {
            means: [0.0; N_INPUTS],
            scales: [1.0; N_INPUTS],
            coefficients: [0.0; N_INPUTS],
            intercept: 0.0,
            ..FittedRiskModel::default_model()
        }
    }

    fn ones(n: usize) -> Vec<f64> {
        vec![1.0; n]
    }

    /// Two informative inputs, the rest noise; labels from a noisy linear rule.
    fn two_signal_data(n: usize) -> (Vec<[f64; N_INPUTS]>, Vec<bool>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let a = ((i * 37) % 101) as f64 / 50.0 - 1.0;
            let b = ((i * 53) % 97) as f64 / 48.0 - 1.0;
            let mut row = [0.0; N_INPUTS];
            row[0] = a;
            row[1] = b;
            row[2] = ((i * 7) % 13) as f64;
            x.push(row);
            y.push(2.0 * a - b + ((i * 31) % 17) as f64 / 17.0 - 0.5 > 0.3);
        }
        (x, y)
    }

    #[test]
    fn with_a_flat_prior_the_fit_is_linfa_s_maximum_likelihood() {
        use linfa::prelude::*;
        use linfa_logistic::LogisticRegression;
        use ndarray::{Array1, Array2};
        let (x, y) = two_signal_data(400);
        let params = RiskModelParams {
            prior_strength: 1e-6,
            intercept_prior: 1e-6,
            ..RiskModelParams::default()
        };
        let model = FittedRiskModel::fit(&params, &flat_prior(), 0, &x, &y, &ones(400)).unwrap();
        assert!(model.coefficients[0] > 0.5, "{:?}", model.coefficients);
        assert!(model.coefficients[1] < -0.2, "{:?}", model.coefficients);
        let features = Array2::from_shape_fn((x.len(), N_INPUTS), |(i, j)| x[i][j]);
        let fitted = LogisticRegression::default()
            .alpha(1e-6)
            .max_iterations(1000)
            .gradient_tolerance(1e-10)
            .fit(&Dataset::new(
                features.clone(),
                Array1::from_iter(y.iter().copied()),
            ))
            .unwrap();
        let theirs = fitted.predict_probabilities(&features);
        let majority_is_true = fitted.labels().pos.class;
        for (i, row) in x.iter().enumerate() {
            let (ours, _) = model.predict(row);
            let expected = if majority_is_true {
                theirs[i]
            } else {
                1.0 - theirs[i]
            };
            assert!((ours - expected).abs() < 2e-3, "{ours} vs {expected}");
        }
    }

    #[test]
    fn a_few_degradations_nudge_the_default_and_many_dominate_it() {
        // The prior says input 0 matters; the data say input 1 does.
        let mut prior = flat_prior();
        prior.coefficients[0] = 1.0;
        prior.intercept = -3.0;
        let data = |n: usize| {
            let mut x = Vec::new();
            let mut y = Vec::new();
            for i in 0..n {
                let mut row = [0.0; N_INPUTS];
                row[0] = ((i * 17) % 23) as f64 / 11.5 - 1.0;
                row[1] = ((i * 29) % 31) as f64 / 15.5 - 1.0;
                x.push(row);
                y.push(row[1] > 0.8 && i % 3 == 0);
            }
            (x, y)
        };
        let params = RiskModelParams::default();
        let (x, y) = data(300);
        let few = FittedRiskModel::fit(&params, &prior, 0, &x, &y, &ones(300)).unwrap();
        let (x, y) = data(20_000);
        let many = FittedRiskModel::fit(&params, &prior, 0, &x, &y, &ones(20_000)).unwrap();
        assert!(few.learned_share < 0.5, "{}", few.learned_share);
        assert!(many.learned_share > few.learned_share);
        assert!(
            few.coefficients[0] > 0.5,
            "the prior still speaks: {:?}",
            few.coefficients
        );
        assert!(
            many.coefficients[1] > 2.0 * many.coefficients[0].abs(),
            "{:?}",
            many.coefficients
        );
        assert!(many.coefficients[1] > few.coefficients[1]);
    }

    #[test]
    fn no_degradation_yet_lowers_the_base_rate_and_keeps_the_default_s_ranking() {
        let mut prior = flat_prior();
        prior.coefficients[0] = 1.0;
        prior.intercept = -3.0;
        let x: Vec<[f64; N_INPUTS]> = (0..5_000)
            .map(|i| {
                let mut row = [0.0; N_INPUTS];
                row[0] = (i % 10) as f64 / 5.0 - 1.0;
                row
            })
            .collect();
        let y = vec![false; 5_000];
        let model =
            FittedRiskModel::fit(&RiskModelParams::default(), &prior, 0, &x, &y, &ones(5_000))
                .unwrap();
        assert!(model.intercept < -5.0, "{}", model.intercept);
        assert!(model.coefficients[0] > 0.5, "{:?}", model.coefficients);
        let (high, _) = model.predict(&x[9]);
        let (low, _) = model.predict(&x[0]);
        assert!(high > low);
    }

    #[test]
    fn non_finite_inputs_are_left_out_of_a_fit() {
        let (mut x, y) = two_signal_data(400);
        x[3][0] = f64::INFINITY;
        x[4][1] = f64::NAN;
        let model = FittedRiskModel::fit(
            &RiskModelParams::default(),
            &flat_prior(),
            0,
            &x,
            &y,
            &ones(400),
        )
        .unwrap();
        assert_eq!(model.training_rows, 398);
        assert!(model.coefficients.iter().all(|c| c.is_finite()));
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn platt_recovers_a_known_miscalibration_and_keeps_contributions_additive() {
        // Labels drawn (deterministically) with probability sigmoid(0.5 z - 1).
        let mut z = Vec::new();
        let mut y = Vec::new();
        for i in 0..20_000 {
            let score = ((i * 7919) % 1000) as f64 / 100.0 - 5.0;
            let u = ((i as u64 * 2_654_435_761) % 1_000_003) as f64 / 1_000_003.0;
            z.push(score);
            y.push(u < sigmoid(0.5 * score - 1.0));
        }
        let (slope, offset) = fit_platt(&z, &y).unwrap();
        assert!((slope - 0.5).abs() < 0.05, "slope {slope}");
        assert!((offset + 1.0).abs() < 0.1, "offset {offset}");

        let (x, labels) = two_signal_data(300);
        let mut model = FittedRiskModel::fit(
            &RiskModelParams::default(),
            &flat_prior(),
            0,
            &x,
            &labels,
            &ones(300),
        )
        .unwrap();
        let raw = model.log_odds(&x[7]);
        model.calibrate(0.5, -1.0);
        let (risk, contributions) = model.predict(&x[7]);
        assert!((risk - sigmoid(0.5 * raw - 1.0)).abs() < 1e-12);
        let sum = model.intercept + contributions.iter().sum::<f64>();
        assert!((sigmoid(sum) - risk).abs() < 1e-12);
    }

    #[test]
    fn sampling_negatives_keeps_positives_and_the_same_examples() {
        let x: Vec<[f64; N_INPUTS]> = (0..10_000)
            .map(|i| {
                let mut row = [0.0; N_INPUTS];
                row[0] = i as f64;
                row
            })
            .collect();
        let y: Vec<bool> = (0..10_000).map(|i| i % 100 == 0).collect();
        let h: Vec<u64> = x.iter().map(example_hash).collect();
        let (xs, ys, kept) = sample_negatives(&x, &y, &h, 2_000);
        assert_eq!(
            ys.iter().filter(|v| **v).count(),
            100,
            "every positive stays"
        );
        let negatives = ys.iter().filter(|v| !**v).count();
        assert!((1_800..2_200).contains(&negatives), "{negatives}");
        assert!((kept - negatives as f64 / 9_900.0).abs() < 1e-12);
        // Membership is by hash: at an equal or higher rate (less data), every example
        // the full run kept is kept again.
        let (xp, _, _) = sample_negatives(&x[..5_000], &y[..5_000], &h[..5_000], 1_000);
        for row in xs.iter().filter(|r| r[0] < 5_000.0) {
            assert!(xp.contains(row), "{} was dropped", row[0]);
        }
        let (same, _, rate) = sample_negatives(&x, &y, &h, 20_000);
        assert_eq!(
            (same.len(), rate),
            (10_000, 1.0),
            "under the cap nothing is dropped"
        );
    }

    #[test]
    fn a_positive_definite_system_is_solved() {
        let a = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]];
        let x = solve_positive_definite(a, [1.0, 2.0, 3.0]).unwrap();
        for i in 0..3 {
            let lhs: f64 = (0..3).map(|j| a[i][j] * x[j]).sum();
            assert!((lhs - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        assert!(solve_positive_definite([[1.0, 2.0], [2.0, 1.0]], [1.0, 1.0]).is_none());
    }
}
