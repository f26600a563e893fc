//! How the default risk model (`model::default_model`) is fitted: every eligible
//! feature-day with a known label, pooled over the portfolio family's *fit* members
//! (`synth::family`, `Split::Fit`), which the benchmark neither tunes on nor reports.

use crate::analysis::labels::Degradations;
use crate::model::default_model::fit_default;
use crate::model::features::N_INPUTS;
use crate::model::{eligible, FittedRiskModel};
use crate::report::prepare;
use crate::synth::SynthData;
use crate::Config;

/// The examples of one generated portfolio: inputs and "a degradation starts within the
/// horizon", for every eligible day whose label is known inside the data.
pub fn examples(data: &SynthData, config: &Config) -> (Vec<[f64; N_INPUTS]>, Vec<bool>) {
    let dataset = super::dataset_of(data);
    let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
    let degradations: &Degradations = &analysis.degradations;
    let horizon = config.model.horizon;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for f in 0..dataset.features.len() {
        let inputs = analysis.model_inputs(f);
        for (t, input) in inputs.into_iter().enumerate() {
            if degradations.label_known_on(t, horizon) < dataset.days
                && eligible(&analysis.valid, degradations, f, t)
            {
                x.push(input);
                y.push(degradations.label(f, t, horizon));
            }
        }
    }
    (x, y)
}

/// Fits the default model on the pooled examples of `portfolios`.
pub fn fit_on(portfolios: &[SynthData], config: &Config) -> Option<FittedRiskModel> {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for data in portfolios {
        let (xs, ys) = examples(data, config);
        x.extend(xs);
        y.extend(ys);
    }
    fit_default(&x, &y)
}
