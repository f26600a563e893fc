//! How the default risk model (`model::default_model`) is fitted: every eligible
//! feature-day with a known label, pooled over many generated portfolios, none of which
//! the benchmark reports on.

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
        for t in 0..dataset.days {
            if degradations.label_known_on(t, horizon) < dataset.days
                && eligible(&analysis.valid, degradations, f, t)
            {
                x.push(analysis.model_input(f, t));
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

/// The portfolios the default model is fitted on: seeds and sizes that the benchmark's
/// tables never use.
pub const FIT_PORTFOLIOS: [crate::synth::SynthParams; 6] = {
    use crate::synth::SynthParams;
    const fn portfolio(seed: u64, features: usize, days: usize) -> SynthParams {
        SynthParams {
            seed,
            features,
            days,
            start: match chrono::NaiveDate::from_ymd_opt(2026, 1, 5) {
                Some(d) => d,
                None => panic!("valid date"),
            },
        }
    }
    [
        portfolio(3001, 60, 150),
        portfolio(3002, 120, 240),
        portfolio(3003, 80, 180),
        portfolio(3004, 150, 120),
        portfolio(3005, 40, 300),
        portfolio(3006, 100, 200),
    ]
};
