//! The model card's figures, measured walk-forward, and the backtest of every past
//! degradation.

use super::pipeline::Analysis;
use super::render::tier_rule;
use super::{BacktestRow, Coefficient, Config, LeadTime, ModelCard};
use crate::analysis::labels::Degradations;
use crate::analysis::FeatureEvents;
use crate::impact::{RiskCutoffs, Tier};
use crate::insights::counted;
use crate::model::bootstrap::{MIN_POSITIVE_FEATURES, RESAMPLES};
use crate::model::compare::{comparison_sentence, for_each_evaluated};
use crate::model::evaluate::{brier, calibration, median_days};
use crate::model::features::INPUTS;
use crate::model::{eligible, WalkForward};
use crate::telemetry::Dataset;

/// For every degradation that started inside the data: when, in the `horizon` days
/// before it, the feature first entered the watch and the investigate tiers.
pub(super) fn backtest(
    dataset: &Dataset,
    run: &WalkForward,
    cutoffs: &[RiskCutoffs],
    valid: &[Vec<bool>],
    degradations: &Degradations,
    events: &[FeatureEvents],
    config: &Config,
) -> Vec<BacktestRow> {
    let horizon = config.model.horizon;
    let mut rows = Vec::new();
    for (f, starts) in degradations.starts.iter().enumerate() {
        for &s in starts {
            let first_at = |tier: Tier| {
                (s.saturating_sub(horizon)..s).find(|t| {
                    !degradations.active[f][*t] && cutoffs[*t].tier(run.risks[f][*t]) <= tier
                })
            };
            let watch = first_at(Tier::Watch);
            let investigate = first_at(Tier::Investigate);
            let rankable =
                (s.saturating_sub(horizon)..s).any(|t| eligible(valid, degradations, f, t));
            rows.push(BacktestRow {
                feature: dataset.features[f].name.clone(),
                start: dataset.date(s),
                title: events[f]
                    .incidents
                    .iter()
                    .find(|i| i.start == s as i64)
                    .map(|i| i.title.clone()),
                model_existed: s > 0,
                evaluable: s > 0 && (rankable || investigate.is_some()),
                first_watch: watch.map(|t| dataset.date(t)),
                first_investigate: investigate.map(|t| dataset.date(t)),
                watch_lead_days: watch.map(|t| s - t),
                investigate_lead_days: investigate.map(|t| s - t),
                risk_day_before: s.checked_sub(1).map(|t| run.risks[f][t]),
            });
        }
    }
    crate::sorting::sort_by(&mut rows, |a, b| {
        a.start.cmp(&b.start).then(a.feature.cmp(&b.feature))
    });
    rows
}

pub(super) fn model_card(
    analysis: &Analysis,
    backtest: &[BacktestRow],
    cutoffs: &[RiskCutoffs],
    config: &Config,
) -> ModelCard {
    let dataset: &Dataset = &analysis.dataset;
    let (run, valid, degradations) = (&analysis.run, &analysis.valid, &analysis.degradations);
    let comparison = analysis.comparison();
    let horizon = config.model.horizon;
    let mut scores = Vec::new();
    let mut labels = Vec::new();
    let mut investigate = Vec::new();
    // Per feature: the model's investigate alerts and those followed by a degradation,
    // for the precision's interval.
    let mut alerts = vec![0u64; dataset.features.len()];
    let mut hits = vec![0u64; dataset.features.len()];
    for_each_evaluated(
        dataset.days,
        dataset.features.len(),
        valid,
        degradations,
        horizon,
        |f, t| {
            let risk = run.risks[f][t];
            scores.push(risk);
            let label = degradations.label(f, t, horizon);
            labels.push(label);
            if cutoffs[t].tier(risk) == Tier::Investigate {
                investigate.push(label);
                alerts[f] += 1;
                hits[f] += u64::from(label);
            }
        },
    );
    let positives = labels.iter().filter(|l| **l).count();
    let base_rate = (!labels.is_empty()).then(|| positives as f64 / labels.len() as f64);
    let (bins, ece) = calibration(&scores, &labels);

    let mut lead = LeadTime {
        evaluated: 0,
        warned: 0,
        lead_days: Vec::new(),
        median_lead_days: None,
        degradations: backtest.len(),
        missed: 0,
        missed_without_watch: 0,
        not_evaluable: 0,
    };
    for row in backtest {
        if !row.evaluable {
            lead.not_evaluable += 1;
            continue;
        }
        lead.evaluated += 1;
        if let Some(days) = row.investigate_lead_days {
            lead.warned += 1;
            lead.lead_days.push(days);
        } else {
            lead.missed += 1;
            lead.missed_without_watch += usize::from(row.first_watch.is_none());
        }
    }
    lead.median_lead_days = median_days(&lead.lead_days);

    // The same feature-days, in the same order, as the comparison ranks.
    let (roc, ap) = (comparison.model_roc_auc, comparison.model_average_precision);
    let investigate_precision = (!investigate.is_empty())
        .then(|| investigate.iter().filter(|l| **l).count() as f64 / investigate.len() as f64);
    let alerts_per_100 =
        (!labels.is_empty()).then(|| investigate.len() as f64 * 100.0 / labels.len() as f64);
    let intervals_note = if labels.is_empty() {
        String::new()
    } else if comparison.intervals_given() {
        format!(
            "Ranges in brackets are 95% intervals: the figures measured again on {RESAMPLES} resamples of the {} evaluated features (whole features drawn with replacement, since one feature's days go together), {} of which had a degradation.",
            comparison.clusters, comparison.positive_clusters
        )
    } else {
        format!(
            "No interval is given: only {} had a degradation on the evaluated days, and with fewer than {MIN_POSITIVE_FEATURES} an interval would mostly say which few features were drawn.",
            counted(comparison.positive_clusters, "feature", "features")
        )
    };
    let comparison_text =
        comparison_sentence(roc, ap, investigate_precision, alerts_per_100, comparison);

    let coefficients = run
        .fits
        .last()
        .map(|m| {
            INPUTS
                .iter()
                .zip(m.coefficients)
                .map(|(input, weight)| Coefficient {
                    signal: input.id(),
                    meaning: input.meaning(),
                    weight,
                    odds_ratio: weight.exp(),
                })
                .collect()
        })
        .unwrap_or_default();

    ModelCard {
        horizon_days: horizon,
        retrain_every_days: config.model.retrain_every,
        fits: run.fits.len() - 1,
        first_fit: run.fits.get(1).map(|m| dataset.date(m.fitted_on)),
        default_and_learned: default_and_learned(dataset, run, valid, degradations, config),
        tier_rule: tier_rule(&config.tiers, cutoffs.last().unwrap_or(&RiskCutoffs::NONE)),
        label_source: degradations.source,
        evaluated_rows: labels.len(),
        evaluated_positives: positives,
        base_rate,
        roc_auc: roc,
        average_precision: ap,
        brier: brier(&scores, &labels),
        brier_of_base_rate: base_rate.map(|b| b * (1.0 - b)),
        expected_calibration_error: ece,
        calibration: bins,
        lead_time: lead,
        investigate_precision,
        investigate_alerts_per_100_feature_days: alerts_per_100,
        coefficients,
        learned_share: run.fits.last().map_or(0.0, |m| m.learned_share),
        failed_refits: run.failed_refits,
        limits: vec![
            "The risk is a probability learned from this data's own past degradations; it augments engineering judgment and is no oracle.".to_string(),
            "Degradations with no warning in the telemetry (sudden failures) cannot be predicted, and count against the lead time.".to_string(),
            format!(
                "Figures are measured walk-forward: each day is scored by a model fitted only on labels known that day, refitted every {} days.",
                config.model.retrain_every
            ),
            format!(
                "Until this data's own degradations are known, the risk comes from a default model fitted once on simulated portfolios (shipped as constants); each refit is centred on it with a prior worth about {:.0} degradations, so a few incidents nudge the weights and a hundred dominate them. The latest fit learned {:.0}% of its weights from this data.",
                config.model.prior_strength,
                run.fits.last().map_or(0.0, |m| m.learned_share) * 100.0
            ),
            "Several signals measure related things (latency's level in noise units and its relative change, say), so one can carry a negative weight that offsets a larger positive weight on its neighbour: read a feature's contributions together, not one by one.".to_string(),
            format!(
                "Degradations are rare, so a fit keeps at most {} ordinary days (chosen by a hash of the day), each weighing for those left out, so the probabilities stay calibrated; Platt scaling on held-out walk-forward scores is {}.",
                config.model.max_training_negatives,
                if config.model.calibration_min_positives > 0 {
                    "on"
                } else {
                    "available but off"
                }
            ),
        ],
        label_notes: Vec::new(),
        roc_auc_interval: comparison.model_roc_auc_interval,
        average_precision_interval: comparison.model_average_precision_interval,
        investigate_precision_interval: comparison.precision_interval(&alerts, &hits),
        features_evaluated: comparison.clusters,
        features_with_degradation: comparison.positive_clusters,
        bootstrap_resamples: if comparison.intervals_given() { RESAMPLES } else { 0 },
        intervals_note,
        baselines: comparison
            .threshold
            .iter()
            .chain(&comparison.base_rate)
            .cloned()
            .collect(),
        comparison: comparison_text,
    }
}

/// How much of the latest model is the default and how much was learned, in words; or,
/// when there was no refit, why not and when the first could come.
fn default_and_learned(
    dataset: &Dataset,
    run: &WalkForward,
    valid: &[Vec<bool>],
    degradations: &Degradations,
    config: &Config,
) -> String {
    let latest = run.fits.last().expect("the default model is always there");
    let learned = (latest.learned_share * 100.0).round();
    let failed = if run.failed_refits > 0 {
        format!(
            " {} refit(s) failed and left the previous model scoring.",
            run.failed_refits
        )
    } else {
        String::new()
    };
    if run.fits.len() == 1 {
        if run.failed_refits > 0 {
            return format!(
                "The risk comes from the shipped default model alone: no refit on this data succeeded.{failed}"
            );
        }
        no_refit_yet(dataset, valid, degradations, config)
    } else {
        format!(
            "The latest model is {:.0}% the shipped default and {learned:.0}% learned from this data (fitted on {} on {} feature-days with a known label, {} of them followed by a degradation; the prior on the default weighs about {:.0} degradations).{failed}",
            100.0 - learned,
            dataset.date(latest.fitted_on),
            latest.training_rows,
            latest.training_positives,
            config.model.prior_strength,
        )
    }
}

/// Why no refit was made yet, with the data's own figures: a refit learns from
/// feature-days whose signals exist and whose outcome is known, and refits come every
/// `retrain_every` days, so data shorter than that is scored by the shipped default alone.
fn no_refit_yet(
    dataset: &Dataset,
    valid: &[Vec<bool>],
    degradations: &Degradations,
    config: &Config,
) -> String {
    use crate::analysis::signals::{BASELINE_GAP, BASELINE_MIN_PRESENT};
    let model = &config.model;
    let days = dataset.days;
    // The first day with signals: this data's own, or, when none has any yet, the
    // earliest a series without gaps could have.
    let first_signals = (0..days).find(|&t| {
        (0..dataset.features.len()).any(|f| crate::model::eligible(valid, degradations, f, t))
    });
    let earliest = BASELINE_GAP as usize + BASELINE_MIN_PRESENT - 1;
    let signals_day = first_signals.unwrap_or(earliest);
    let known = degradations.label_known_on(signals_day, model.horizon);
    let every = model.retrain_every.max(1);
    let first_refit = known.max(1).div_ceil(every) * every;
    if first_refit < days {
        // Refits were due but had nothing to learn from (every day with signals was
        // already in a degradation).
        return format!(
            "The risk comes from the shipped default model alone: no refit had a day to learn from whose signals exist and whose outcome is known. This data has {} and {} so far.",
            counted(days, "day", "days"),
            counted(degradations.count(), "degradation", "degradations"),
        );
    }
    let signals = match first_signals {
        Some(t) => format!(
            "Here the first day with signals is {} (day {})",
            dataset.date(t),
            t + 1
        ),
        None => format!(
            "No day has signals yet: they need a baseline of at least {BASELINE_MIN_PRESENT} days with data, ending {BASELINE_GAP} days before the day, so they start on day {} at the earliest",
            earliest + 1
        ),
    };
    let confirm = if degradations.known_after > 0 {
        format!(
            ", plus {} to confirm a breach",
            counted(degradations.known_after, "day", "days")
        )
    } else {
        String::new()
    };
    format!(
        "No refit was possible yet: this data has {} ({} to {}), and the first refit needs {}. A refit learns from days whose signals exist and whose outcome is known. {signals}; a day's outcome (whether a degradation starts within {}) is known {} later{confirm}, and refits come every {}. Until then the shipped default model scores every day; {} of this data {} known so far.",
        counted(days, "day", "days"),
        dataset.start,
        dataset.end(),
        first_refit + 1,
        counted(model.horizon, "day", "days"),
        counted(model.horizon, "day", "days"),
        counted(every, "day", "days"),
        counted(degradations.count(), "degradation", "degradations"),
        if degradations.count() == 1 { "is" } else { "are" },
    )
}
