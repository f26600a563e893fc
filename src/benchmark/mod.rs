//! The benchmark's measurements: Feature Radar and two baselines scored on the same
//! generated data, against its ground truth. The `benchmark` binary times the runs and
//! prints the table; everything measured lives here, pure, so tests can check it.
//!
//! - **threshold**: what a typical monitor does: alert when p95 latency exceeds 1.5x its
//!   trailing 28-day median or the crash rate exceeds 2x its trailing 28-day median. Its
//!   score for ranking is the larger of the two ratios over their thresholds; an alert
//!   (score > 1) counts as its investigate tier. It gives no probability, so it has no
//!   Brier score or calibration.
//! - **snapshot**: a logistic regression on today's raw values only (p95 and p50 latency,
//!   crash and error rate, feedback, sessions), walk-forward exactly like Feature Radar.
//! - **trees** (native builds only): a random forest over the same signals and raw
//!   values, walk-forward exactly like Feature Radar (`trees.rs`).
//! - **feature radar**: the engine as shipped; its investigate tier is read in one place,
//!   [`feature_radar_scores`].
//!
//! Two ways to run them: [`run_all`] on one dataset of the default generator (the
//! earlier table), and [`run_member`] on a member of the portfolio family
//! (`synth::family`), which adds the cold-start figure ([`cold_start_auc`]).

pub mod cohorts;
pub mod default_fit;
pub mod detect;
#[cfg(not(target_arch = "wasm32"))]
pub mod trees;

use crate::analysis::labels::Degradations;
use crate::model::evaluate::{average_precision, brier, calibration, median_days, roc_auc};
use crate::model::features::N_INPUTS;
use crate::model::threshold;
use crate::model::{eligible, walk_forward, WalkForward};
use crate::report::{prepare, Analysis};
use crate::synth::{EpisodeKind, SynthData};
use crate::telemetry::{Dataset, EventKind, FeatureSeries, Granularity};
use crate::Config;

/// One method's figures on one dataset (or pooled over several).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
    pub brier: Option<f64>,
    pub calibration_error: Option<f64>,
    /// Predictable (build-up) incidents evaluated, and those flagged >= 1 day ahead.
    pub predictable: usize,
    pub predictable_flagged: usize,
    pub lead_days: Vec<usize>,
    /// Sudden incidents evaluated, and those flagged >= 1 day ahead (should be few).
    pub sudden: usize,
    pub sudden_flagged: usize,
    pub investigate_days: usize,
    pub investigate_hits: usize,
    pub evaluated_days: usize,
}

impl Figures {
    pub fn flagged_share(&self) -> Option<f64> {
        (self.predictable > 0).then(|| self.predictable_flagged as f64 / self.predictable as f64)
    }
    pub fn median_lead(&self) -> Option<f64> {
        median_days(&self.lead_days)
    }
    pub fn investigate_precision(&self) -> Option<f64> {
        (self.investigate_days > 0)
            .then(|| self.investigate_hits as f64 / self.investigate_days as f64)
    }
    pub fn alerts_per_100(&self) -> Option<f64> {
        (self.evaluated_days > 0)
            .then(|| self.investigate_days as f64 * 100.0 / self.evaluated_days as f64)
    }
}

/// Scores of one method: per feature, per day; `None` where it has no score (warm-up).
pub struct Scores {
    pub score: Vec<Vec<Option<f64>>>,
    /// Whether the score is a probability (for Brier and calibration).
    pub is_probability: bool,
    pub investigate: Vec<Vec<bool>>,
    /// What a walk-forward method outputs on days it has no model yet (the base rate of
    /// the labels known so far); empty or None elsewhere. Only the cold-start figure reads
    /// it: every other figure is measured after the warm-up.
    pub warm_up: Vec<Vec<Option<f64>>>,
}

impl Scores {
    /// The method's output on a day: its score, or its warm-up output.
    pub fn output(&self, f: usize, t: usize) -> Option<f64> {
        self.score[f][t].or_else(|| self.warm_up.get(f).and_then(|d| d[t]))
    }
}

/// Today's raw values of a feature, as the snapshot and the forest read them: p95 and
/// p50 latency, crash and error rate, feedback, sessions.
pub fn raw_values(s: &FeatureSeries, t: usize) -> [Option<f64>; 6] {
    [
        s.latency_p95_ms.at(t),
        s.latency_p50_ms.at(t),
        s.crash_rate.at(t),
        s.error_rate.at(t),
        s.feedback_score.at(t),
        s.sessions.at(t),
    ]
}

/// The generated data as the engine sees it.
pub fn dataset_of(data: &SynthData) -> Dataset {
    Dataset::from_records(&data.telemetry, Granularity::Days).expect("generated data has rows")
}

/// The investigate tier of any method's probabilities under the engine's own rule: the
/// configured alert budget over the days that count in it (`Analysis::in_budget`), so
/// that every learned method is compared at the same alert rate.
pub fn budget_tiers(
    score: &[Vec<Option<f64>>],
    analysis: &Analysis,
    config: &Config,
) -> Vec<Vec<bool>> {
    let days = score.first().map_or(0, Vec::len);
    let cutoffs = crate::impact::daily_cutoffs(&config.tiers, days, |d, out| {
        for (f, scores) in score.iter().enumerate() {
            if analysis.in_budget(f, d) {
                out.extend(scores[d]);
            }
        }
    });
    score
        .iter()
        .map(|days| {
            days.iter()
                .zip(&cutoffs)
                .map(|(s, cut)| s.is_some_and(|r| cut.tier(r) == crate::impact::Tier::Investigate))
                .collect()
        })
        .collect()
}

/// The scores of a walk-forward run: its risk, and its investigate tier under the
/// configured alert budget (the engine's own tier rule, applied to these risks).
fn walk_forward_scores(run: &WalkForward, analysis: &Analysis, config: &Config) -> Scores {
    let score: Vec<Vec<Option<f64>>> = run
        .risks
        .iter()
        .map(|days| days.iter().map(|risk| Some(*risk)).collect())
        .collect();
    let investigate = budget_tiers(&score, analysis, config);
    // Every day has a risk (the shipped default model's until the first refit), so the
    // run never warms up.
    let warm_up = Vec::new();
    Scores {
        score,
        is_probability: true,
        investigate,
        warm_up,
    }
}

/// Feature Radar's scores, and its investigate tier: the tier the engine assigns. Every
/// figure about Feature Radar's tier reads it from here.
pub fn feature_radar_scores(analysis: &Analysis, config: &Config) -> Scores {
    walk_forward_scores(&analysis.run, analysis, config)
}

/// The threshold monitor's scores (`model::threshold`, the one implementation, which the
/// model card also reads).
pub fn threshold_scores(dataset: &Dataset) -> Scores {
    let score: Vec<Vec<Option<f64>>> = dataset
        .features
        .iter()
        .map(threshold::monitor_scores)
        .collect();
    let investigate = score
        .iter()
        .map(|days| days.iter().map(|s| threshold::alerts(*s)).collect())
        .collect();
    // Without a baseline (too little history, a missing metric) a monitor stays silent.
    let warm_up = score
        .iter()
        .map(|days| {
            days.iter()
                .map(|s| s.is_none().then_some(threshold::ranking_score(None)))
                .collect()
        })
        .collect();
    Scores {
        score,
        is_probability: false,
        investigate,
        warm_up,
    }
}

/// The snapshot model's scores: the same walk-forward fit on today's raw values. Its six
/// inputs fill the first slots of the input vector; the rest stay 0, which the fit gives
/// no weight.
pub fn snapshot_scores(dataset: &Dataset, analysis: &Analysis, config: &Config) -> Scores {
    let inputs: Vec<Vec<[f64; N_INPUTS]>> = dataset
        .features
        .iter()
        .map(|s| {
            (0..dataset.days)
                .map(|t| {
                    let mut x = [0.0; N_INPUTS];
                    for (slot, value) in x.iter_mut().zip(raw_values(s, t)) {
                        *slot = value.unwrap_or(0.0);
                    }
                    x
                })
                .collect()
        })
        .collect();
    let run = walk_forward(
        &analysis.model,
        &inputs,
        &analysis.valid,
        &analysis.degradations,
    );
    walk_forward_scores(&run, analysis, config)
}

/// Not a method but a ceiling: scores 1 on every day a build-up is under way in the
/// ground truth (from its first day to the day before its incident) and 0 elsewhere. No
/// method that reads telemetry can do better than knowing every build-up the day it
/// starts; the positives it still misses (days before a build-up shows, and before sudden
/// failures) are what bounds every method's ROC AUC on this data.
pub fn ceiling_scores(dataset: &Dataset, data: &SynthData) -> Scores {
    ceiling_within(dataset, data, usize::MAX)
}

/// The family's ceiling: as [`ceiling_scores`], but only on the build-up's days whose
/// incident is at most `horizon` days ahead (the build-ups of the family can be longer
/// than the horizon, and their first days are not positives).
pub fn ceiling_within(dataset: &Dataset, data: &SynthData, horizon: usize) -> Scores {
    let mut score = vec![vec![Some(0.0); dataset.days]; dataset.features.len()];
    for episode in data
        .episodes
        .iter()
        .filter(|e| e.kind == EpisodeKind::Creep)
    {
        let (Some(f), Some(from), Some(to)) = (
            dataset.feature_index(&episode.feature),
            dataset.day_of(episode.onset),
            episode.incident.and_then(|d| dataset.day_of(d)),
        ) else {
            continue;
        };
        for day in &mut score[f][from.max(to.saturating_sub(horizon))..to] {
            *day = Some(1.0);
        }
    }
    let investigate = score
        .iter()
        .map(|days| days.iter().map(|s| *s == Some(1.0)).collect())
        .collect();
    Scores {
        score,
        is_probability: false,
        investigate,
        warm_up: Vec::new(),
    }
}

/// Measures `scores` against the labels and the ground truth. Only feature-days that
/// Feature Radar's model also scored (after its warm-up) count, so that every method is
/// measured on the same days.
pub fn measure(scores: &Scores, analysis: &Analysis, data: &SynthData, horizon: usize) -> Figures {
    let dataset = &analysis.dataset;
    let degradations: &Degradations = &analysis.degradations;
    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut figures = Figures::default();
    for f in 0..dataset.features.len() {
        for t in 0..dataset.days {
            if degradations.label_known_on(t, horizon) >= dataset.days
                || !eligible(&analysis.valid, degradations, f, t)
            {
                continue;
            }
            // A method still warming up where the engine has a model counts with what it
            // outputs then (the base rate).
            let Some(score) = scores.output(f, t) else {
                continue;
            };
            let label = degradations.label(f, t, horizon);
            values.push(score);
            labels.push(label);
            figures.evaluated_days += 1;
            if scores.investigate[f][t] {
                figures.investigate_days += 1;
                figures.investigate_hits += usize::from(label);
            }
        }
    }
    figures.roc_auc = roc_auc(&values, &labels);
    figures.average_precision = average_precision(&values, &labels);
    if scores.is_probability {
        figures.brier = brier(&values, &labels);
        figures.calibration_error = calibration(&values, &labels).1;
    }
    for episode in data.episodes.iter().filter(|e| e.kind.is_degradation()) {
        let (Some(f), Some(start)) = (
            dataset.feature_index(&episode.feature),
            episode.incident.and_then(|d| dataset.day_of(d)),
        ) else {
            continue;
        };
        if start == 0 {
            continue;
        }
        let first = (start.saturating_sub(horizon)..start)
            .find(|t| !degradations.active[f][*t] && scores.investigate[f][*t]);
        match episode.kind {
            EpisodeKind::Creep => {
                figures.predictable += 1;
                if let Some(t) = first {
                    figures.predictable_flagged += 1;
                    figures.lead_days.push(start - t);
                }
            }
            _ => {
                figures.sudden += 1;
                figures.sudden_flagged += usize::from(first.is_some());
            }
        }
    }
    figures
}

/// Runs all three methods on one generated dataset.
pub fn run_all(data: &SynthData, config: &Config) -> [(&'static str, Figures); 3] {
    let dataset = dataset_of(data);
    let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
    let horizon = config.model.horizon;
    [
        (
            "threshold",
            measure(&threshold_scores(&dataset), &analysis, data, horizon),
        ),
        (
            "snapshot",
            measure(
                &snapshot_scores(&dataset, &analysis, config),
                &analysis,
                data,
                horizon,
            ),
        ),
        (
            "feature radar",
            measure(
                &feature_radar_scores(&analysis, config),
                &analysis,
                data,
                horizon,
            ),
        ),
    ]
}

/// The methods of the family table, in row order.
pub const FAMILY_METHODS: [&str; 5] =
    ["threshold", "snapshot", "trees", "feature radar", "ceiling"];

/// The scores of family method `name` (one of [`FAMILY_METHODS`]) on an analysed dataset.
#[cfg(not(target_arch = "wasm32"))]
pub fn family_method_scores(
    name: &str,
    analysis: &Analysis,
    data: &SynthData,
    config: &Config,
    forest: &trees::ForestParams,
) -> Scores {
    let dataset = &analysis.dataset;
    match name {
        "threshold" => threshold_scores(dataset),
        "snapshot" => snapshot_scores(dataset, analysis, config),
        "trees" => trees::tree_scores(analysis, config, forest),
        "feature radar" => feature_radar_scores(analysis, config),
        "ceiling" => ceiling_within(dataset, data, config.model.horizon),
        other => panic!("unknown method {other}"),
    }
}

/// Days of the cold-start window.
pub const COLD_START_DAYS: usize = 60;

/// The first [`COLD_START_DAYS`] days of a generated dataset with every incident removed
/// from its events: what a team has in its first two months, before any incident is on
/// record (the engine then labels by the SLO rule). The ground truth is kept whole.
pub fn cold_start_data(data: &SynthData) -> SynthData {
    let start = data
        .telemetry
        .iter()
        .map(|r| r.period_start.date())
        .min()
        .expect("generated data has rows");
    let cut = start + chrono::Days::new(COLD_START_DAYS as u64);
    SynthData {
        telemetry: data
            .telemetry
            .iter()
            .filter(|r| r.period_start.date() < cut)
            .cloned()
            .collect(),
        events: data
            .events
            .iter()
            .filter(|e| e.kind != EventKind::Incident && e.day() < cut)
            .cloned()
            .collect(),
        episodes: data.episodes.clone(),
    }
}

/// ROC AUC of a method's output over the cold-start window (`analysis` of
/// [`cold_start_data`]), against the ground truth: "a degradation (an incident in the
/// truth, build-up or sudden) starts within `horizon` days". Every feature-day with
/// signals counts, except those inside a true degradation; a method with no model yet
/// counts with what it outputs then (the base rate: no ranking), a threshold without a
/// baseline as no alarm (0).
pub fn cold_start_auc(
    scores: &Scores,
    analysis: &Analysis,
    data: &SynthData,
    horizon: usize,
) -> Option<f64> {
    let dataset = &analysis.dataset;
    let mut truth: Vec<Vec<(i64, i64)>> = vec![Vec::new(); dataset.features.len()];
    for e in data.episodes.iter().filter(|e| e.kind.is_degradation()) {
        let (Some(f), Some(incident)) = (dataset.feature_index(&e.feature), e.incident) else {
            continue;
        };
        let offset = |d: chrono::NaiveDate| (d - dataset.start).num_days();
        truth[f].push((offset(incident), offset(e.end)));
    }
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for f in 0..dataset.features.len() {
        for t in 0..dataset.days {
            let day = t as i64;
            if !analysis.valid[f][t] || truth[f].iter().any(|(a, b)| (*a..=*b).contains(&day)) {
                continue;
            }
            let label = truth[f]
                .iter()
                .any(|(a, _)| *a > day && *a <= day + horizon as i64);
            values.push(scores.output(f, t).unwrap_or(0.0));
            labels.push(label);
        }
    }
    roc_auc(&values, &labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{generate, SynthParams};

    #[test]
    fn every_method_is_measured_on_the_same_days_and_feature_radar_beats_chance() {
        let data = generate(&SynthParams {
            seed: 21,
            features: 30,
            days: 150,
            ..SynthParams::default()
        });
        let [(_, threshold), (_, snapshot), (_, radar)] = run_all(&data, &Config::default());
        assert_eq!(threshold.evaluated_days, radar.evaluated_days);
        assert_eq!(snapshot.evaluated_days, radar.evaluated_days);
        assert!(
            threshold.brier.is_none(),
            "a threshold gives no probability"
        );
        assert!(radar.roc_auc.unwrap() > 0.6, "{:?}", radar.roc_auc);
        assert_eq!(
            radar.predictable + radar.sudden,
            threshold.predictable + threshold.sudden
        );
        assert!(radar.predictable > 0);
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_family_methods_are_deterministic_measured_on_the_same_days_and_cold_starts_have_no_incidents(
    ) {
        let mut params = crate::synth::family::member_params("frequent", 5);
        params.features = 40;
        params.days = 150;
        let data = generate(&params);
        let config = Config::default();
        let analysis = prepare(&dataset_of(&data), &data.events, &config.model, &config.slo);
        let forest = trees::ForestParams {
            trees: 20,
            ..trees::ForestParams::default()
        };
        let a = family_method_scores("trees", &analysis, &data, &config, &forest);
        let b = family_method_scores("trees", &analysis, &data, &config, &forest);
        assert_eq!(a.score, b.score);
        assert!(
            a.score.iter().flatten().any(|s| s.is_some()),
            "no forest fitted"
        );
        let days: Vec<usize> = FAMILY_METHODS
            .iter()
            .map(|m| {
                let scores = family_method_scores(m, &analysis, &data, &config, &forest);
                measure(&scores, &analysis, &data, config.model.horizon).evaluated_days
            })
            .collect();
        assert!(days.iter().all(|d| *d == days[0] && *d > 0), "{days:?}");

        let cold = cold_start_data(&data);
        assert!(cold.events.iter().all(|e| e.kind != EventKind::Incident));
        let cold_dataset = dataset_of(&cold);
        assert_eq!(cold_dataset.days, COLD_START_DAYS);
        let cold_analysis = prepare(&cold_dataset, &cold.events, &config.model, &config.slo);
        let ceiling = family_method_scores("ceiling", &cold_analysis, &data, &config, &forest);
        let auc = cold_start_auc(&ceiling, &cold_analysis, &data, config.model.horizon);
        assert!(auc.unwrap() > 0.5, "{auc:?}");
    }
}
