//! The plain-data report that the page and the command-line tool both read, and the one
//! function that builds it from a dataset and its events.

use crate::analysis::labels::{Degradations, LabelSource, SloRule};
use crate::analysis::signals::{feature_signals, sessions_7d, SignalSource, Signals};
use crate::analysis::{events_by_feature, map_indices, stats::present, FeatureEvents};
use crate::impact::{daily_cutoffs, ImpactWeights, RiskCutoffs, Tier, TierThresholds};
use crate::insights::{counted, human_count, Insight};
use crate::model::bootstrap::{Interval, MIN_POSITIVE_FEATURES, RESAMPLES};
use crate::model::compare::{comparison_sentence, for_each_evaluated, Comparison, MethodFigures};
use crate::model::evaluate::{
    average_precision, brier, calibration, median_days, roc_auc, CalibrationBin,
};
use crate::model::features::{describe, input_vector, INPUTS, N_INPUTS};
use crate::model::{
    eligible, walk_forward_by_day, Day, FittedRiskModel, RiskModelParams, ScoredDay, WalkForward,
};
use crate::state::{under_way, State, UnderWay};
use crate::telemetry::{Dataset, EventKind, EventRecord, FeatureSeries, Granularity};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// Everything a user can change about the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Config {
    pub model: RiskModelParams,
    pub tiers: TierThresholds,
    pub slo: SloRule,
    pub impact: ImpactWeights,
}

/// One row of `feature-radar score`: a feature on a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    pub date: NaiveDate,
    /// For hourly telemetry, the input hour (UTC) this row stands for; its risk is the
    /// one known when the hour began: that of the last complete day before it.
    pub hour: Option<NaiveDateTime>,
    pub feature: String,
    pub risk: f64,
    pub impact: f64,
    pub tier: Tier,
    pub reasons: Vec<String>,
}

/// A signal's push on today's risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    #[serde(deserialize_with = "crate::interned::text")]
    pub signal: crate::interned::Text,
    /// Change in log-odds against an average day.
    pub log_odds: f64,
    pub description: Option<String>,
}

/// A feature's standing on its latest day: one line of the ranked table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureStatus {
    pub feature: String,
    pub date: NaiveDate,
    pub tier: Tier,
    /// Tier on the previous day with data, to show what changed.
    pub previous_tier: Option<Tier>,
    pub risk: f64,
    /// Risk seven days earlier, when the feature had a row then.
    pub risk_7d_ago: Option<f64>,
    pub impact: f64,
    pub sessions_7d: f64,
    pub usage_share: f64,
    /// Under way, at risk, or normal: what is happening now, apart from the prediction.
    pub state: State,
    /// The degradation under way on its latest day, if any.
    pub under_way: Option<UnderWay>,
    pub reasons: Vec<String>,
    pub contributions: Vec<Contribution>,
    /// p95 latency of the last 28 days, for a sparkline.
    pub latency_p95_28d: Vec<Option<f64>>,
}

/// What the data was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: usize,
    pub features: usize,
    pub granularity: Granularity,
    pub had_cohorts: bool,
    pub label_source: LabelSource,
    pub degradations: usize,
    pub deploys: usize,
}

impl DatasetSummary {
    /// What the data is, in words: "80 features, 2026-05-30 to 2026-11-25 (180 days), 103
    /// degradations and 1097 deploys".
    pub fn describe(&self) -> String {
        format!(
            "{}, {} to {} ({}), {} and {}",
            counted(self.features, "feature", "features"),
            self.start,
            self.end,
            counted(self.days, "day", "days"),
            counted(self.degradations, "degradation", "degradations"),
            counted(self.deploys, "deploy", "deploys"),
        )
    }
}

/// How early the model warned before degradations, and how the counts relate:
/// `degradations = evaluated + not_evaluable` and `evaluated = warned + missed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadTime {
    /// Degradations that could be checked for a warning: they started after the data's
    /// first day, and in the horizon before the start the feature had at least one day
    /// with signals outside a degradation (a day the model could rank).
    pub evaluated: usize,
    /// Of those, how many had the feature in the investigate tier at least a day before.
    pub warned: usize,
    /// Days of warning of each warned degradation.
    pub lead_days: Vec<usize>,
    pub median_lead_days: Option<f64>,
    /// Every degradation that started inside the data (the backtest's rows).
    #[serde(default)]
    pub degradations: usize,
    /// Evaluated but not warned in the investigate tier a day or more ahead.
    #[serde(default)]
    pub missed: usize,
    /// Of the missed, those never even in the watch tier in the horizon before: to the
    /// model they came suddenly (sudden failures, or build-ups that showed no sign).
    #[serde(default)]
    pub missed_without_watch: usize,
    /// Not evaluated: started on the first day, or with no day the model could rank in
    /// the horizon before (too little history for signals, or inside an earlier
    /// degradation).
    #[serde(default)]
    pub not_evaluable: usize,
}

impl LeadTime {
    /// How the counts relate, in words: all degradations, those that could be checked,
    /// warned and missed, and the missed that came with no sign to the model.
    pub fn describe(&self, horizon: usize) -> String {
        let mut out = format!(
            "This data has {}.",
            counted(self.degradations, "degradation", "degradations")
        );
        if self.not_evaluable > 0 {
            out.push_str(&format!(
                " {} could not be checked for a warning: {} on the first day, or with no day in the {} before that the model could rank (too little history for signals yet, or the feature still in an earlier degradation).",
                if self.not_evaluable == 1 { "One".to_string() } else { format!("{} of them", self.not_evaluable) },
                if self.not_evaluable == 1 { "it started" } else { "they started" },
                counted(horizon, "day", "days"),
            ));
        }
        if self.evaluated == 0 {
            return out;
        }
        out.push_str(&format!(
            " Of the {} checked, {} had the feature in the investigate tier a day or more ahead and {} missed",
            self.evaluated, self.warned, self.missed
        ));
        if self.missed > 0 {
            out.push_str(&format!(
                "; {} of the missed never even reached the watch tier in the {} before: to the model they came suddenly (a sudden failure, or a build-up the telemetry did not show).",
                self.missed_without_watch,
                counted(horizon, "day", "days"),
            ));
        } else {
            out.push('.');
        }
        out
    }
}

/// How early the tool would have warned before one past degradation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    pub feature: String,
    /// First day of the degradation.
    pub start: NaiveDate,
    /// The incident's title, when the degradation is an incident.
    pub title: Option<String>,
    /// Whether a fitted model was scoring the feature the day before (else warm-up).
    pub model_existed: bool,
    /// Whether it counts in the lead time: in the horizon before the start the feature
    /// had a day with signals outside a degradation, or was warned (`LeadTime::evaluated`).
    #[serde(default)]
    pub evaluable: bool,
    /// First day within the horizon before the start on which the feature was in the
    /// watch tier or higher, and in the investigate tier.
    pub first_watch: Option<NaiveDate>,
    pub first_investigate: Option<NaiveDate>,
    pub watch_lead_days: Option<usize>,
    pub investigate_lead_days: Option<usize>,
    /// The risk on the day before the start.
    pub risk_day_before: Option<f64>,
}

/// For every degradation that started inside the data: when, in the `horizon` days
/// before it, the feature first entered the watch and the investigate tiers.
fn backtest(
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

/// A coefficient of the latest fit, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    #[serde(deserialize_with = "crate::interned::text")]
    pub signal: crate::interned::Text,
    #[serde(deserialize_with = "crate::interned::text")]
    pub meaning: crate::interned::Text,
    /// Log-odds per standard deviation of the signal.
    pub weight: f64,
    /// Odds multiplier per standard deviation.
    pub odds_ratio: f64,
}

/// The measured model card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    pub horizon_days: usize,
    pub retrain_every_days: usize,
    /// Refits on this data (the default model, which scores until the first, not
    /// counted).
    pub fits: usize,
    pub first_fit: Option<NaiveDate>,
    /// How much of the model is the shipped default and how much this data taught, in
    /// words.
    pub default_and_learned: String,
    /// The tier rule and today's cut-offs, in words.
    pub tier_rule: String,
    pub label_source: LabelSource,
    /// Feature-days scored by a model and with a known label (the evaluation set).
    pub evaluated_rows: usize,
    pub evaluated_positives: usize,
    pub base_rate: Option<f64>,
    pub roc_auc: Option<f64>,
    pub average_precision: Option<f64>,
    pub brier: Option<f64>,
    /// Brier score of always predicting the base rate, for comparison.
    pub brier_of_base_rate: Option<f64>,
    pub expected_calibration_error: Option<f64>,
    pub calibration: Vec<CalibrationBin>,
    pub lead_time: LeadTime,
    /// Share of evaluated investigate-tier days followed by a degradation within the horizon.
    pub investigate_precision: Option<f64>,
    pub investigate_alerts_per_100_feature_days: Option<f64>,
    pub coefficients: Vec<Coefficient>,
    /// How much of the latest model's weights this data taught, in [0, 1] (0: the
    /// default model alone).
    pub learned_share: f64,
    /// Refits whose solver failed (the previous model kept scoring).
    pub failed_refits: usize,
    pub limits: Vec<String>,
    /// What was said about the labels (incidents that cannot count, a change of source).
    pub label_notes: Vec<String>,
    /// 95% bootstrap intervals (resampling whole features) of the figures above; None
    /// when too few features had a degradation (`intervals_note` says so).
    #[serde(default)]
    pub roc_auc_interval: Option<Interval>,
    #[serde(default)]
    pub average_precision_interval: Option<Interval>,
    #[serde(default)]
    pub investigate_precision_interval: Option<Interval>,
    /// Features with an evaluated feature-day, and those with a positive one.
    #[serde(default)]
    pub features_evaluated: usize,
    #[serde(default)]
    pub features_with_degradation: usize,
    #[serde(default)]
    pub bootstrap_resamples: usize,
    /// What the intervals are, or why none is given.
    #[serde(default)]
    pub intervals_note: String,
    /// The baselines, measured on the same evaluated feature-days: the threshold monitor
    /// and the base rate.
    #[serde(default)]
    pub baselines: Vec<MethodFigures>,
    /// How the model compares with them, in words.
    #[serde(default)]
    pub comparison: String,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub config: Config,
    pub dataset: DatasetSummary,
    /// Each feature's latest status, most urgent first (tier, then impact).
    pub ranking: Vec<FeatureStatus>,
    pub insights: Vec<Insight>,
    pub model_card: ModelCard,
    /// For every past degradation, how early each tier would have warned.
    pub backtest: Vec<BacktestRow>,
    /// The tiers' risk cut-offs on the last day, under the alert budget.
    pub cutoffs_today: RiskCutoffs,
}

/// Reasons for a row: what is under way, if anything, then the groups of signals that
/// push the risk up most, each as its metric's change and its effect, in words.
fn reasons(
    contributions: &[f64; N_INPUTS],
    signals: &Signals,
    cohort: Option<&str>,
    under_way: Option<&UnderWay>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(u) = under_way {
        out.push(u.text.clone());
    }
    for effect in crate::why::raising(contributions, signals, 3) {
        out.push(match cohort {
            Some(cohort) => format!("{cohort} only: {}", effect.text),
            None => effect.text,
        });
    }
    if out.is_empty() {
        out.push("no signal stands out".to_string());
    }
    out
}

fn contributions(contributions: &[f64; N_INPUTS], signals: &Signals) -> Vec<Contribution> {
    let mut list: Vec<Contribution> = INPUTS
        .iter()
        .zip(*contributions)
        .map(|(input, log_odds)| Contribution {
            signal: input.id(),
            log_odds,
            description: describe(*input, signals),
        })
        .collect();
    crate::sorting::sort_by(&mut list, |a, b| {
        b.log_odds.abs().total_cmp(&a.log_odds.abs())
    });
    list
}

/// A feature's signals on its latest day with telemetry, kept because every report reads
/// them (the ranking, its reasons and contributions, the sentences).
#[derive(Debug, Clone, PartialEq)]
pub struct LatestSignals {
    pub day: usize,
    /// The whole feature's signals.
    pub whole: Signals,
    /// The signals the model read, when its view on that day was a cohort.
    pub cohort: Option<Signals>,
}

impl LatestSignals {
    /// The signals the model read on the day.
    pub fn model(&self) -> &Signals {
        self.cohort.as_ref().unwrap_or(&self.whole)
    }
}

/// Writes `score` rows as CSV one by one (the header first): for rows handed out by a
/// callback, which cannot stop at an error, it keeps the first error for
/// [`ScoresWriter::finish`] and writes nothing after it.
pub struct ScoresWriter<W: std::io::Write> {
    writer: csv::Writer<W>,
    result: std::io::Result<()>,
}

impl<W: std::io::Write> ScoresWriter<W> {
    pub fn new(out: W) -> Self {
        let mut writer = csv::Writer::from_writer(out);
        let result = writer.write_record(SCORE_HEADER).map_err(Into::into);
        ScoresWriter { writer, result }
    }

    pub fn write(&mut self, row: &ScoreRow) {
        if self.result.is_ok() {
            self.result = self
                .writer
                .write_record(score_record(row))
                .map_err(Into::into);
        }
    }

    /// Flushes the rows, or gives the first error.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.result?;
        self.writer.flush()
    }
}

/// The expensive part of an analysis: signals, labels and the walk-forward model. It
/// depends on the data, the model's settings and the service-level rule; the tiers and
/// the impact weights are applied afterwards by [`Analysis::report`], cheaply, so that
/// the page can move them interactively.
///
/// Per feature-day it keeps only what the ranking and the tiers read at every report:
/// the risk and the fit that made it, whether the signals exist, and the view the model
/// read (a byte). Signals are kept for each feature's latest day only; any other day's
/// are recomputed from the dataset when asked for ([`Analysis::model_signals`],
/// [`Analysis::feature_signals`]), which for one feature's whole history is cheap.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub dataset: Arc<Dataset>,
    /// Each feature's deploys and incidents (a `*` event in every feature's list).
    pub feature_events: Arc<Vec<FeatureEvents>>,
    /// Sessions of all features over the seven days ending on each day (a feature's usage
    /// share reads it).
    pub total_sessions_7d: Arc<Vec<f64>>,
    /// Per feature: its signals on its latest day with telemetry (None: it has none).
    pub latest: Arc<Vec<Option<LatestSignals>>>,
    /// Per feature and day, the view the model read: 0 for the whole feature, `c + 1`
    /// for cohort `c` (at most [`crate::telemetry::MAX_COHORTS`]).
    pub view: Arc<Vec<Vec<u8>>>,
    pub valid: Arc<Vec<Vec<bool>>>,
    pub degradations: Arc<Degradations>,
    /// What was said about the labels: incidents that cannot count, and where the source
    /// changes.
    pub label_notes: Vec<String>,
    pub run: WalkForward,
    pub model: RiskModelParams,
    pub slo: SloRule,
    /// The model card's baselines and bootstrap intervals that the tiers do not move:
    /// computed at the first report of an analysis (and of a refit), then kept, so that
    /// `feature-radar score`, which makes no report, never pays for them.
    comparison: Arc<OnceLock<Comparison>>,
}

/// Runs the expensive part: signals, labels, walk-forward risk. The analysis keeps a copy
/// of the dataset; [`prepare_shared`] shares the caller's instead.
pub fn prepare(
    dataset: &Dataset,
    events: &[EventRecord],
    model: &RiskModelParams,
    slo: &SloRule,
) -> Analysis {
    prepare_shared(Arc::new(dataset.clone()), events, model, slo)
}

/// A stage of [`prepare`], for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Events by feature, sessions' totals and the labels.
    Signals,
    /// Day by day: each feature's (and cohort's) signals, the view the model reads, the
    /// walk-forward fits and risks.
    Fitting,
}

impl Stage {
    /// What the stage does, for a progress line.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Signals => "Reading events and labels",
            Stage::Fitting => "Computing signals and fitting the risk model",
        }
    }
}

/// [`prepare`] on a shared dataset, which the analysis keeps without copying it.
pub fn prepare_shared(
    shared: Arc<Dataset>,
    events: &[EventRecord],
    model: &RiskModelParams,
    slo: &SloRule,
) -> Analysis {
    prepare_with_progress(shared, events, model, slo, &mut |_, _| {})
}

/// [`prepare_shared`], telling `progress` each stage and the share of it done (0 to 1).
pub fn prepare_with_progress(
    shared: Arc<Dataset>,
    events: &[EventRecord],
    model: &RiskModelParams,
    slo: &SloRule,
    progress: &mut dyn FnMut(Stage, f64),
) -> Analysis {
    prepare_making_rows(shared, events, model, slo, progress, None)
}

/// [`prepare_shared`] that also makes the contract's `score` rows under `tiers` and
/// `weights` (the rows [`Analysis::for_each_score_row`] makes, in the same order) and
/// hands them to `emit` as soon as each day is scored: the signals behind a day's reasons
/// are the ones its risk was computed from, so they are computed once. Hourly data's
/// rows (an hour reads the day before) are made after the analysis.
pub fn prepare_scoring(
    shared: Arc<Dataset>,
    events: &[EventRecord],
    model: &RiskModelParams,
    slo: &SloRule,
    tiers: &TierThresholds,
    weights: &ImpactWeights,
    emit: &mut dyn FnMut(ScoreRow),
) -> Analysis {
    if shared.granularity == Granularity::Hours && !shared.hourly.is_empty() {
        let analysis = prepare_shared(shared, events, model, slo);
        analysis.for_each_score_row(tiers, weights, emit);
        return analysis;
    }
    prepare_making_rows(
        shared,
        events,
        model,
        slo,
        &mut |_, _| {},
        Some((tiers, weights, emit)),
    )
}

/// What [`prepare_making_rows`] makes rows with: the tiers, the weights and where the
/// rows go.
type RowSink<'a> = (
    &'a TierThresholds,
    &'a ImpactWeights,
    &'a mut dyn FnMut(ScoreRow),
);

fn prepare_making_rows(
    shared: Arc<Dataset>,
    events: &[EventRecord],
    model: &RiskModelParams,
    slo: &SloRule,
    progress: &mut dyn FnMut(Stage, f64),
    mut rows: Option<RowSink>,
) -> Analysis {
    let dataset: &Dataset = &shared;
    progress(Stage::Signals, 0.0);
    let feature_events = events_by_feature(dataset, events);
    let total_sessions_7d = total_sessions_7d(dataset);
    let (incidents_from, label_notes) = incident_log(dataset, events);
    let degradations = Degradations::find(dataset, &feature_events, incidents_from, slo);
    progress(Stage::Signals, 1.0);
    progress(Stage::Fitting, 0.0);
    let inputs = Inputs::new(
        dataset,
        &feature_events,
        &total_sessions_7d,
        model.cohort_margin,
        None,
        rows.is_some(),
    );
    // The last days' risks that count in the alert budget, for each day's cut-offs.
    let mut window: std::collections::VecDeque<Vec<f64>> = Default::default();
    let mut scratch = Vec::new();
    let (run, inputs) = fit_on(
        model,
        dataset,
        &degradations,
        inputs,
        &mut |t, day, seen, so_far| {
            let (Some((tiers, weights, emit)), Some(seen)) = (rows.as_mut(), seen) else {
                return;
            };
            let budget = (0..dataset.features.len()).filter(|&f| {
                dataset.features[f].sessions[t].is_some()
                    && day.valid[f]
                    && !degradations.active[f][t]
            });
            window.push_back(budget.map(|f| so_far.risks[f][t]).collect());
            if window.len() > crate::impact::WINDOW_DAYS {
                window.pop_front();
            }
            scratch.clear();
            window.iter().for_each(|d| scratch.extend_from_slice(d));
            let cutoffs = tiers.cutoffs(&mut scratch);
            for (f, series) in dataset.features.iter().enumerate() {
                if series.sessions[t].is_none() {
                    continue;
                }
                let risk = so_far.risks[f][t];
                let (view, signals) = &seen[f];
                let fit = so_far
                    .fits
                    .last()
                    .expect("the default model is always there");
                emit(day_row(
                    dataset,
                    f,
                    t,
                    risk,
                    &cutoffs,
                    weights,
                    reasons(
                        &fit.predict(&day.inputs[f]).1,
                        signals,
                        cohort_label(dataset, f, *view).as_deref(),
                        under_way(dataset, &feature_events[f], &degradations, slo, f, t).as_ref(),
                    ),
                ));
            }
        },
        &mut |share| progress(Stage::Fitting, share),
    );
    progress(Stage::Fitting, 1.0);
    let Inputs {
        view,
        valid,
        latest,
        ..
    } = inputs;
    Analysis {
        dataset: shared.clone(),
        feature_events: Arc::new(feature_events),
        total_sessions_7d: Arc::new(total_sessions_7d),
        latest: Arc::new(latest),
        view: Arc::new(view),
        valid: Arc::new(valid),
        degradations: Arc::new(degradations),
        label_notes,
        run,
        model: *model,
        slo: *slo,
        comparison: Arc::default(),
    }
}

/// The cohort that view `view` of feature `f` reads, as people read it (None: the whole
/// feature).
fn cohort_label(dataset: &Dataset, f: usize, view: u8) -> Option<String> {
    let c = view.checked_sub(1)?;
    Some(dataset.cohorts[f][c as usize].label())
}

/// Feature `f`'s `score` row of day `t`.
fn day_row(
    dataset: &Dataset,
    f: usize,
    t: usize,
    risk: f64,
    cutoffs: &RiskCutoffs,
    weights: &ImpactWeights,
    reasons: Vec<String>,
) -> ScoreRow {
    let series = &dataset.features[f];
    ScoreRow {
        date: dataset.date(t),
        hour: None,
        feature: series.name.clone(),
        risk,
        impact: weights.score(risk, sessions_7d(series, t)),
        tier: cutoffs.tier(risk),
        reasons,
    }
}

/// Sessions of all features over the seven days ending on each day.
fn total_sessions_7d(dataset: &Dataset) -> Vec<f64> {
    (0..dataset.days)
        .map(|t| {
            dataset
                .features
                .iter()
                .map(|f| {
                    present(&f.sessions, t as i64 - 6, t as i64)
                        .iter()
                        .sum::<f64>()
                })
                .sum()
        })
        .collect()
}

/// The walk-forward on the inputs `inputs` makes. Natively the inputs are made on a thread
/// of their own, a block of days ahead of the fits, so that the fits (one thread) and the
/// signals overlap; in the browser they take turns. `scored` is told each day once it is
/// scored, with the signals behind its inputs when `inputs` keeps them. Returns the
/// inputs' maker, with what it recorded.
fn fit_on<'a>(
    model: &RiskModelParams,
    dataset: &Dataset,
    degradations: &Degradations,
    mut inputs: Inputs<'a>,
    scored: &mut OnScored,
    progress: &mut dyn FnMut(f64),
) -> (WalkForward, Inputs<'a>) {
    let (features, days) = (dataset.features.len(), dataset.days);
    // The signals of the day last handed out, until it is scored.
    let seen: std::cell::RefCell<Option<Seen>> = Default::default();
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::thread::scope(|scope| {
            // Days made ahead wait here: with their signals kept, as many as the memory
            // allows (at least one), since the fits' thread also makes the rows.
            let ahead = if inputs.kept.is_some() {
                kept_days(features).clamp(1, BLOCK_DAYS)
            } else {
                BLOCK_DAYS
            };
            let (sender, receiver) = std::sync::mpsc::sync_channel::<(Day, Option<Seen>)>(ahead);
            let maker = scope.spawn(move || {
                for t in 0..days {
                    if sender.send(inputs.day(t)).is_err() {
                        break;
                    }
                }
                inputs
            });
            let run = walk_forward_by_day(
                model,
                features,
                days,
                degradations,
                &mut |_| {
                    let (day, signals) =
                        receiver.recv().expect("the inputs' thread makes every day");
                    *seen.borrow_mut() = signals;
                    day
                },
                &mut |t, day, so_far| scored(t, day, seen.borrow_mut().take(), so_far),
                progress,
            );
            drop(receiver);
            (run, maker.join().expect("the inputs' thread panicked"))
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let run = walk_forward_by_day(
            model,
            features,
            days,
            degradations,
            &mut |t| {
                let (day, signals) = inputs.day(t);
                *seen.borrow_mut() = signals;
                day
            },
            &mut |t, day, so_far| scored(t, day, seen.borrow_mut().take(), so_far),
            progress,
        );
        (run, inputs)
    }
}

/// Days of signals computed at once for every feature: a block's inputs are all that is
/// held of them (the walk-forward keeps each day's until its label is known), with
/// natively as many days made ahead, waiting for the fits. Two weeks hold half the
/// inputs of four for about the same work (each block redoes its signals' look-back, a
/// small part of their cost).
const BLOCK_DAYS: usize = 14;

/// Days of every feature's signals that may be held at once (in a block, or waiting for
/// the fits) when they are kept for the `score` rows: about 10 MB, whatever the number of
/// features, so that they stay a small part of the analysis.
fn kept_days(features: usize) -> usize {
    16_384 / features.max(1)
}

/// One feature-day's model inputs, whether they are valid, and the view they are of.
type DayInputs = ([f64; N_INPUTS], bool, u8);

/// Every feature's view on one day and the signals of that view (what the day's reasons
/// read), for the `score` rows made as the analysis runs.
type Seen = Vec<(u8, Signals)>;

/// What [`fit_on`] tells of each day once it is scored: the day, its inputs, their
/// signals when kept, and the walk-forward so far.
type OnScored<'s> = dyn FnMut(usize, &Day, Option<Seen>, ScoredDay) + 's;

/// The views and validity of an earlier analysis, per feature and day.
type Fixed<'a> = (&'a [Vec<u8>], &'a [Vec<bool>]);

/// The model's inputs, made block by block of days for the walk-forward
/// ([`walk_forward_by_day`]). With no views given (a new analysis), each day's view is
/// chosen ([`choose_view`]) and recorded with the validity and each feature's latest
/// signals; with the views of an earlier analysis (a refit), only the signals of the view
/// the model reads are computed.
struct Inputs<'a> {
    dataset: &'a Dataset,
    events: &'a [FeatureEvents],
    total_sessions_7d: &'a [f64],
    default: FittedRiskModel,
    margin: f64,
    /// The views and validity of an earlier analysis, for a refit.
    fixed: Option<Fixed<'a>>,
    /// The first day of `block`, and per feature the block's inputs, validity and view
    /// (each day's [`Day`] is gathered when it is handed out; the block is dropped with
    /// its last day).
    block_start: usize,
    block: Vec<Vec<DayInputs>>,
    /// Days in a block.
    block_days: usize,
    /// Per feature, the signals of the block's views, when they are kept for the rows.
    kept: Option<Vec<Vec<Option<Signals>>>>,
    view: Vec<Vec<u8>>,
    valid: Vec<Vec<bool>>,
    latest: Vec<Option<LatestSignals>>,
    latest_day: Vec<Option<usize>>,
}

impl<'a> Inputs<'a> {
    fn new(
        dataset: &'a Dataset,
        events: &'a [FeatureEvents],
        total_sessions_7d: &'a [f64],
        margin: f64,
        fixed: Option<Fixed<'a>>,
        keep_signals: bool,
    ) -> Self {
        let features = dataset.features.len();
        let choosing = fixed.is_none();
        Inputs {
            dataset,
            events,
            total_sessions_7d,
            default: FittedRiskModel::default_model(),
            margin,
            fixed,
            block_start: 0,
            block: Vec::new(),
            // A block's signals are about 600 bytes per feature-day: fewer days the more
            // features.
            block_days: if keep_signals {
                kept_days(features).clamp(4, BLOCK_DAYS)
            } else {
                BLOCK_DAYS
            },
            kept: keep_signals.then(Vec::new),
            view: vec![Vec::with_capacity(if choosing { dataset.days } else { 0 }); features],
            valid: vec![Vec::with_capacity(if choosing { dataset.days } else { 0 }); features],
            latest: vec![None; features],
            latest_day: dataset
                .features
                .iter()
                .map(|s| (0..dataset.days).rev().find(|t| s.sessions[*t].is_some()))
                .collect(),
        }
    }

    /// Day `t`'s inputs, and each feature's view and its signals when they are kept;
    /// days are asked for in order.
    fn day(&mut self, t: usize) -> (Day, Option<Seen>) {
        let block_days = self.block.first().map_or(0, Vec::len);
        if t < self.block_start || t >= self.block_start + block_days {
            let end = (t + self.block_days).min(self.dataset.days);
            self.compute(t..end);
        }
        let i = t - self.block_start;
        let day = Day {
            inputs: self.block.iter().map(|days| days[i].0).collect(),
            valid: self.block.iter().map(|days| days[i].1).collect(),
        };
        let seen = self.kept.as_mut().map(|kept| {
            kept.iter_mut()
                .zip(&self.block)
                .map(|(signals, days)| {
                    let signals = signals[i].take().expect("each day is handed out once");
                    (days[i].2, signals)
                })
                .collect()
        });
        if self.block.first().is_some_and(|days| i + 1 == days.len()) {
            self.block = Vec::new();
            if let Some(kept) = self.kept.as_mut() {
                kept.clear();
            }
        }
        (day, seen)
    }

    fn compute(&mut self, days: std::ops::Range<usize>) {
        let features = self.dataset.features.len();
        let (a, b) = (days.start, days.end);
        let dataset: &'a Dataset = self.dataset;
        let (events, totals) = (self.events, self.total_sessions_7d);
        let (default, margin, fixed) = (&self.default, self.margin, self.fixed);
        let latest_day = &self.latest_day;
        let keep = self.kept.is_some();
        // Each feature's days: inputs, validity, view, its latest signals when the
        // latest day is in the block, and the views' signals when they are kept.
        let per_feature = map_indices(features, |f| {
            let series = &dataset.features[f];
            let cohorts = dataset.cohorts.get(f).map_or(&[][..], Vec::as_slice);
            let source = |s: &'a FeatureSeries| SignalSource::new(s, &events[f], totals, a..b);
            let mut out = Vec::with_capacity(b - a);
            let mut kept = Vec::with_capacity(if keep { b - a } else { 0 });
            let mut latest = None;
            match fixed {
                Some((view, valid)) => {
                    let mut sources: Vec<Option<SignalSource>> =
                        (0..=cohorts.len()).map(|_| None).collect();
                    for t in a..b {
                        let v = view[f][t] as usize;
                        let s = sources[v].get_or_insert_with(|| {
                            source(if v == 0 {
                                series
                            } else {
                                &cohorts[v - 1].series
                            })
                        });
                        let signals = s.lean_at(t);
                        out.push((input_vector(&signals), valid[f][t], v as u8));
                        if keep {
                            kept.push(Some(signals));
                        }
                    }
                }
                None => {
                    let mut whole = source(series);
                    let mut parts: Vec<SignalSource> =
                        cohorts.iter().map(|c| source(&c.series)).collect();
                    for t in a..b {
                        let signals = whole.lean_at(t);
                        let cohort_signals: Vec<Signals> =
                            parts.iter_mut().map(|c| c.lean_at(t)).collect();
                        let (x, ok, c) = choose_view(default, &signals, &cohort_signals, margin);
                        out.push((x, ok, c as u8));
                        if latest_day[f] == Some(t) {
                            // Every report reads this day's signals: all of them.
                            latest = Some(LatestSignals {
                                day: t,
                                cohort: c.checked_sub(1).map(|c| parts[c].at(t)),
                                whole: whole.at(t),
                            });
                        }
                        if keep {
                            kept.push(Some(match c.checked_sub(1) {
                                Some(c) => cohort_signals.into_iter().nth(c).expect("a view"),
                                None => signals,
                            }));
                        }
                    }
                }
            }
            // Boxed: most features have none in a block, and the block's list of
            // features should not carry a day's signals for each.
            (out, latest.map(Box::new), kept)
        });
        self.block_start = a;
        let choosing = self.fixed.is_none();
        self.block = Vec::with_capacity(features);
        if let Some(all) = self.kept.as_mut() {
            all.clear();
        }
        for (f, (days, latest, kept)) in per_feature.into_iter().enumerate() {
            if let Some(all) = self.kept.as_mut() {
                all.push(kept);
            }
            if choosing {
                self.view[f].extend(days.iter().map(|d| d.2));
                self.valid[f].extend(days.iter().map(|d| d.1));
            }
            if let Some(latest) = latest {
                self.latest[f] = Some(*latest);
            }
            self.block.push(days);
        }
    }
}

/// The view the model reads for one feature on one day: the whole feature, or the cohort
/// that the default model finds riskier by `margin` in log-odds (a degradation on one
/// platform is diluted in the feature's totals). The default model is fixed, so the
/// choice uses nothing after the day. Returns the inputs, whether they are valid, and the
/// view (0: the whole feature, `c + 1`: cohort `c`).
fn choose_view(
    default: &FittedRiskModel,
    whole: &Signals,
    cohorts: &[Signals],
    margin: f64,
) -> ([f64; N_INPUTS], bool, usize) {
    let mut best = (input_vector(whole), whole.latency_p95.is_some(), 0);
    let mut best_log_odds = if best.1 {
        default.log_odds(&best.0) + margin
    } else {
        f64::NEG_INFINITY
    };
    for (c, s) in cohorts.iter().enumerate() {
        if s.latency_p95.is_none() {
            continue;
        }
        let x = input_vector(s);
        let log_odds = default.log_odds(&x);
        if log_odds > best_log_odds {
            best = (x, true, c + 1);
            best_log_odds = log_odds;
        }
    }
    best
}

/// The day the incident log starts (its earliest incident, whatever feature it concerns),
/// and a note for each incident that cannot be a degradation of a feature in the data.
fn incident_log(dataset: &Dataset, events: &[EventRecord]) -> (Option<i64>, Vec<String>) {
    let incidents: Vec<&EventRecord> = events
        .iter()
        .filter(|e| e.kind == EventKind::Incident)
        .collect();
    let first = incidents.iter().map(|e| e.day()).min();
    let mut notes = Vec::new();
    let (start, end) = (dataset.start, dataset.end());
    for e in &incidents {
        let day = e.day();
        let known = e.feature == "*" || dataset.feature_index(&e.feature).is_some();
        let why = if !known {
            Some("concerns a feature the telemetry does not have")
        } else if day < start {
            Some("is dated before the telemetry starts")
        } else if day > end {
            Some("is dated after the telemetry ends")
        } else {
            None
        };
        if let Some(why) = why {
            notes.push(format!(
                "events line {}: the incident '{}' for '{}' on {day} {why}, so it is no degradation in this analysis",
                e.line,
                crate::telemetry::excerpt(&e.title),
                crate::telemetry::excerpt(&e.feature),
            ));
        }
    }
    if let Some(first) = first {
        if first > start {
            notes.push(format!(
                "Degradations before {first} (the first incident in the events) follow the service-level rule; from {first} on, the incidents."
            ));
        } else if notes.len() == incidents.len() {
            notes.push(format!(
                "The incident log starts on {first}, so the service-level rule is not used, but no incident falls on a feature and day of this data: there is no degradation to learn from, and the risk is the default model's."
            ));
        }
    }
    (first.map(|d| (d - start).num_days()), notes)
}

/// Builds the report: signals, labels, walk-forward risk, impact, tiers, sentences, and
/// the model card. Pure: the same inputs give the same report.
pub fn analyze(dataset: &Dataset, events: &[EventRecord], config: &Config) -> Report {
    prepare(dataset, events, &config.model, &config.slo).report(&config.tiers, &config.impact)
}

impl Analysis {
    /// The same analysis refitted with other model settings (a new horizon, say): the
    /// signals, the cohort views and the labels are reused, only the walk-forward runs
    /// again. The cohort views were chosen with the original cohort margin, which is
    /// kept.
    pub fn with_model(&self, model: &RiskModelParams) -> Analysis {
        self.with_model_progress(model, &mut |_| {})
    }

    /// [`Analysis::with_model`], telling `progress` the share of the refit done.
    pub fn with_model_progress(
        &self,
        model: &RiskModelParams,
        progress: &mut dyn FnMut(f64),
    ) -> Analysis {
        let model = RiskModelParams {
            cohort_margin: self.model.cohort_margin,
            ..*model
        };
        let dataset: &Dataset = &self.dataset;
        let inputs = Inputs::new(
            dataset,
            &self.feature_events,
            &self.total_sessions_7d,
            model.cohort_margin,
            Some((&self.view, &self.valid)),
            false,
        );
        let (run, _) = fit_on(
            &model,
            dataset,
            &self.degradations,
            inputs,
            &mut |_, _, _, _| {},
            progress,
        );
        Analysis {
            run,
            model,
            comparison: Arc::default(),
            ..self.clone()
        }
    }

    /// The model card's comparison with its baselines and its bootstrap intervals, as far
    /// as the tiers do not move them: computed on the first call, then kept.
    pub fn comparison(&self) -> &Comparison {
        self.comparison.get_or_init(|| {
            Comparison::new(
                &self.dataset,
                &self.run.risks,
                &self.valid,
                &self.degradations,
                self.model.horizon,
            )
        })
    }

    /// The configuration this analysis stands for, with the given tiers and weights.
    pub fn config(&self, tiers: &TierThresholds, impact: &ImpactWeights) -> Config {
        Config {
            model: self.model,
            tiers: *tiers,
            slo: self.slo,
            impact: *impact,
        }
    }

    /// Each day's risk cut-offs of the tiers under the alert budget `tiers`, from the
    /// risks of the window of days that ends on it (nothing after it).
    pub fn cutoffs(&self, tiers: &TierThresholds) -> Vec<RiskCutoffs> {
        // Each day's risks are gathered once, not once per window that holds the day.
        let per_day: Vec<Vec<f64>> = (0..self.dataset.days)
            .map(|d| {
                (0..self.dataset.features.len())
                    .filter(|&f| self.in_budget(f, d))
                    .map(|f| self.run.risks[f][d])
                    .collect()
            })
            .collect();
        daily_cutoffs(tiers, self.dataset.days, |d, out| {
            out.extend_from_slice(&per_day[d])
        })
    }

    /// Whether feature `f` on day `d` counts in the alert budget: it has telemetry and
    /// signals, and no degradation is known to be under way (a feature in an incident is
    /// not an early warning, and would use up the budget).
    pub fn in_budget(&self, f: usize, d: usize) -> bool {
        self.dataset.features[f].sessions[d].is_some()
            && eligible(&self.valid, &self.degradations, f, d)
    }

    /// The series of feature `f` seen from `view` (0: the whole feature, `c + 1`: cohort
    /// `c`).
    fn view_series(&self, f: usize, view: u8) -> &FeatureSeries {
        match view {
            0 => &self.dataset.features[f],
            c => &self.dataset.cohorts[f][c as usize - 1].series,
        }
    }

    /// Feature `f`'s signals (the whole feature's) on every day, recomputed from the
    /// dataset.
    pub fn feature_signals(&self, f: usize) -> Vec<Signals> {
        feature_signals(
            &self.dataset.features[f],
            &self.feature_events[f],
            &self.total_sessions_7d,
        )
    }

    /// The signals the model read for feature `f` on day `t` (its own or a cohort's):
    /// kept for the feature's latest day, recomputed for any other.
    pub fn model_signals(&self, f: usize, t: usize) -> Signals {
        if let Some(latest) = self.latest[f].as_ref().filter(|l| l.day == t) {
            return latest.model().clone();
        }
        let series = self.view_series(f, self.view[f][t]);
        SignalSource::new(
            series,
            &self.feature_events[f],
            &self.total_sessions_7d,
            t..t + 1,
        )
        .at(t)
    }

    /// What the reasons read of the signals the model read, for every feature on days
    /// `days` ([`SignalSource::lean_at`]): `[f][t - days.start]`.
    fn model_signals_on(&self, days: std::ops::Range<usize>) -> Vec<Vec<Signals>> {
        map_indices(self.dataset.features.len(), |f| {
            let mut sources: Vec<Option<SignalSource>> =
                (0..=self.dataset.cohorts.get(f).map_or(0, Vec::len))
                    .map(|_| None)
                    .collect();
            days.clone()
                .map(|t| {
                    let v = self.view[f][t];
                    sources[v as usize]
                        .get_or_insert_with(|| {
                            SignalSource::new(
                                self.view_series(f, v),
                                &self.feature_events[f],
                                &self.total_sessions_7d,
                                days.clone(),
                            )
                        })
                        .lean_at(t)
                })
                .collect()
        })
    }

    /// The model's input vectors of feature `f` on every day, recomputed.
    pub fn model_inputs(&self, f: usize) -> Vec<[f64; N_INPUTS]> {
        let days = self.dataset.days;
        let mut sources: Vec<Option<SignalSource>> =
            (0..=self.dataset.cohorts.get(f).map_or(0, Vec::len))
                .map(|_| None)
                .collect();
        (0..days)
            .map(|t| {
                let v = self.view[f][t];
                let source = sources[v as usize].get_or_insert_with(|| {
                    SignalSource::new(
                        self.view_series(f, v),
                        &self.feature_events[f],
                        &self.total_sessions_7d,
                        0..days,
                    )
                });
                input_vector(&source.lean_at(t))
            })
            .collect()
    }

    /// The cohort the model read for feature `f` on day `t`, as people read it.
    pub fn model_cohort(&self, f: usize, t: usize) -> Option<String> {
        cohort_label(&self.dataset, f, self.view[f][t])
    }

    /// The model's input vector for feature `f` on day `t`.
    pub fn model_input(&self, f: usize, t: usize) -> [f64; N_INPUTS] {
        input_vector(&self.model_signals(f, t))
    }

    /// Each input's push on the log-odds of feature `f`'s risk on day `t`, from the model
    /// that scored the day.
    pub fn contributions(&self, f: usize, t: usize) -> [f64; N_INPUTS] {
        self.contributions_of(t, &self.model_input(f, t))
    }

    /// [`Analysis::contributions`] for the day's inputs `x`.
    fn contributions_of(&self, t: usize, x: &[f64; N_INPUTS]) -> [f64; N_INPUTS] {
        let model = self.run.fit_of_day[t] as usize;
        self.run.fits[model].predict(x).1
    }

    /// The reasons for feature `f` on day `t`.
    pub fn reasons(&self, f: usize, t: usize) -> Vec<String> {
        self.reasons_from(f, t, &self.model_signals(f, t))
    }

    /// [`Analysis::reasons`] from the signals the model read that day.
    fn reasons_from(&self, f: usize, t: usize, signals: &Signals) -> Vec<String> {
        reasons(
            &self.contributions_of(t, &input_vector(signals)),
            signals,
            self.model_cohort(f, t).as_deref(),
            self.under_way(f, t).as_ref(),
        )
    }

    /// What is under way for feature `f` on day `t`, if anything: an open incident or a
    /// confirmed breach of its service level (see [`crate::state`]).
    pub fn under_way(&self, f: usize, t: usize) -> Option<UnderWay> {
        under_way(
            &self.dataset,
            &self.feature_events[f],
            &self.degradations,
            &self.slo,
            f,
            t,
        )
    }

    /// Days whose signals are computed at once for the `score` rows: a block holds every
    /// feature's, so fewer days the more features.
    fn score_block_days(&self) -> usize {
        (16_384 / self.dataset.features.len().max(1)).clamp(8, 64)
    }

    /// One row per input hour of hourly telemetry, in time order. The model works on whole
    /// days, so an hour carries the risk of the last complete day before it (no hour sees
    /// its own day); hours of the first day carry the shipped default model's risk for an
    /// average day.
    fn hourly_rows(
        &self,
        cutoffs: &[RiskCutoffs],
        weights: &ImpactWeights,
        emit: &mut dyn FnMut(ScoreRow),
    ) {
        let dataset = &self.dataset;
        // fits[0] is always the shipped default model.
        let base = self.run.fits[0].risk_of_average_day();
        let mut hours: Vec<(i64, usize)> = dataset
            .hourly
            .iter()
            .enumerate()
            .flat_map(|(f, h)| h.times.iter().map(move |&time| (time, f)))
            .collect();
        hours.sort_unstable();
        // The signals of a block of days, computed when a row first needs one of them
        // (the rows come in time order).
        let mut block: (std::ops::Range<usize>, Vec<Vec<Signals>>) = (0..0, Vec::new());
        for (time, f) in hours {
            let Some(hour) = chrono::DateTime::from_timestamp(time, 0).map(|t| t.naive_utc())
            else {
                continue;
            };
            let date = hour.date();
            let t = (date - dataset.start).num_days();
            let feature = dataset.features[f].name.clone();
            let row = if t >= 1 {
                let d = t as usize - 1;
                if !block.0.contains(&d) {
                    let days = d..(d + self.score_block_days()).min(dataset.days);
                    block = (days.clone(), self.model_signals_on(days));
                }
                let risk = self.run.risks[f][d];
                let mut reasons =
                    vec![format!("as of {} (the last complete day)", dataset.date(d))];
                reasons.extend(self.reasons_from(f, d, &block.1[f][d - block.0.start]));
                ScoreRow {
                    date,
                    hour: Some(hour),
                    feature,
                    risk,
                    impact: weights.score(risk, sessions_7d(&dataset.features[f], d)),
                    tier: cutoffs[d].tier(risk),
                    reasons,
                }
            } else {
                ScoreRow {
                    date,
                    hour: Some(hour),
                    feature,
                    risk: base,
                    impact: weights.score(base, 0.0),
                    tier: Tier::Monitor,
                    reasons: vec![
                        "no complete day yet: the default model's risk for an average day".into(),
                    ],
                }
            };
            emit(row);
        }
    }

    /// The contract's `score` rows under these tiers and weights: every feature and
    /// period that had telemetry, by date then feature, each with its reasons. Built on
    /// demand (the CLI's `score`), not kept in the [`Report`]: with reasons for every
    /// feature-day it is the largest thing the analysis could hold.
    pub fn score_rows(&self, tiers: &TierThresholds, weights: &ImpactWeights) -> Vec<ScoreRow> {
        let mut rows = Vec::new();
        self.for_each_score_row(tiers, weights, &mut |row| rows.push(row));
        rows
    }

    /// [`Analysis::score_rows`] handed to `emit` one by one as they are made, so that they
    /// are never all held at once: the signals behind the reasons are recomputed a block
    /// of days at a time.
    pub fn for_each_score_row(
        &self,
        tiers: &TierThresholds,
        weights: &ImpactWeights,
        emit: &mut dyn FnMut(ScoreRow),
    ) {
        let dataset = &self.dataset;
        let run = &self.run;
        let cutoffs = self.cutoffs(tiers);
        if dataset.granularity == Granularity::Hours && !dataset.hourly.is_empty() {
            self.hourly_rows(&cutoffs, weights, emit);
            return;
        }
        let step = self.score_block_days();
        for start in (0..dataset.days).step_by(step) {
            let days = start..(start + step).min(dataset.days);
            let signals = self.model_signals_on(days.clone());
            for t in days {
                for (f, series) in dataset.features.iter().enumerate() {
                    if series.sessions[t].is_none() {
                        continue;
                    }
                    emit(day_row(
                        dataset,
                        f,
                        t,
                        run.risks[f][t],
                        &cutoffs[t],
                        weights,
                        self.reasons_from(f, t, &signals[f][t - start]),
                    ));
                }
            }
        }
    }

    /// The `score` rows as CSV (see [`scores_csv`]), written to `out` as they are made.
    pub fn write_scores_csv<W: std::io::Write>(
        &self,
        tiers: &TierThresholds,
        weights: &ImpactWeights,
        out: W,
    ) -> std::io::Result<()> {
        let mut writer = ScoresWriter::new(out);
        self.for_each_score_row(tiers, weights, &mut |row| writer.write(&row));
        writer.finish()
    }

    /// Applies tiers and impact weights: the ranking, the sentences and the model card.
    pub fn report(&self, tiers: &TierThresholds, weights: &ImpactWeights) -> Report {
        self.report_with_cutoffs(tiers, weights, &self.cutoffs(tiers))
    }

    /// [`Analysis::report`] with the tiers' daily cut-offs already computed
    /// ([`Analysis::cutoffs`] of the same `tiers`), which is most of its cost: a change of
    /// weights alone reuses them.
    pub fn report_with_cutoffs(
        &self,
        tiers: &TierThresholds,
        weights: &ImpactWeights,
        cutoffs: &[RiskCutoffs],
    ) -> Report {
        let config = self.config(tiers, weights);
        let dataset = &self.dataset;
        let days = dataset.days;
        let (run, degradations) = (&self.run, &self.degradations);
        let mut ranking: Vec<FeatureStatus> = dataset
            .features
            .iter()
            .enumerate()
            .filter_map(|(f, series)| {
                let latest = self.latest[f].as_ref()?;
                let t = latest.day;
                let risk = run.risks[f][t];
                let s = &latest.whole;
                let model_signals = latest.model();
                let x = input_vector(model_signals);
                let previous = (0..t).rev().find(|d| series.sessions[*d].is_some());
                let tier = cutoffs[t].tier(risk);
                let under_way = self.under_way(f, t);
                Some(FeatureStatus {
                    feature: series.name.clone(),
                    date: dataset.date(t),
                    tier,
                    previous_tier: previous.map(|d| cutoffs[d].tier(run.risks[f][d])),
                    risk,
                    risk_7d_ago: t
                        .checked_sub(7)
                        .filter(|w| series.sessions[*w].is_some())
                        .map(|w| run.risks[f][w]),
                    impact: weights.score(risk, s.sessions_7d),
                    sessions_7d: s.sessions_7d,
                    usage_share: s.usage_share,
                    state: State::of(under_way.is_some(), tier),
                    under_way,
                    reasons: self.reasons_from(f, t, model_signals),
                    contributions: contributions(&self.contributions_of(t, &x), model_signals),
                    latency_p95_28d: series.latency_p95_ms[t.saturating_sub(27)..=t].to_vec(),
                })
            })
            .collect();
        crate::sorting::sort_by(&mut ranking, ranking_order);

        let cutoffs_today = cutoffs.last().copied().unwrap_or(RiskCutoffs::NONE);
        let insights = build_insights(dataset, &ranking, &self.latest, &config, &cutoffs_today);
        let backtest = backtest(
            dataset,
            run,
            cutoffs,
            &self.valid,
            degradations,
            &self.feature_events,
            &config,
        );
        let mut model_card = model_card(self, &backtest, cutoffs, &config);
        model_card.label_notes = self.label_notes.clone();
        Report {
            config,
            dataset: DatasetSummary {
                start: dataset.start,
                end: dataset.end(),
                days,
                features: dataset.features.len(),
                granularity: dataset.granularity,
                had_cohorts: dataset.had_cohorts,
                label_source: degradations.source,
                degradations: degradations.starts.iter().map(Vec::len).sum(),
                deploys: self.feature_events.iter().map(|e| e.deploys.len()).sum(),
            },
            ranking,
            insights,
            model_card,
            backtest,
            cutoffs_today,
        }
    }
}

/// The ranking's order: tier, then impact (highest first), then name.
fn ranking_order(a: &FeatureStatus, b: &FeatureStatus) -> std::cmp::Ordering {
    a.tier
        .cmp(&b.tier)
        .then(b.impact.total_cmp(&a.impact))
        .then(a.feature.cmp(&b.feature))
}

fn build_insights(
    dataset: &Dataset,
    ranking: &[FeatureStatus],
    latest: &[Option<LatestSignals>],
    config: &Config,
    cutoffs: &RiskCutoffs,
) -> Vec<Insight> {
    let investigate: Vec<&FeatureStatus> = ranking
        .iter()
        .filter(|r| r.tier == Tier::Investigate)
        .collect();
    let exposed: f64 = investigate.iter().map(|r| r.sessions_7d).sum();
    let under_way: Vec<&FeatureStatus> = ranking.iter().filter(|r| r.under_way.is_some()).collect();
    let mut insights = Vec::new();
    if !under_way.is_empty() {
        // Oldest first, an order the impact weights do not change.
        let mut by_age = under_way.clone();
        crate::sorting::sort_by_key(&mut by_age, |r| {
            (r.under_way.as_ref().map(|u| u.since), r.feature.clone())
        });
        let list: Vec<String> = by_age
            .iter()
            .take(5)
            .map(|r| {
                let since = r.under_way.as_ref().map(|u| u.since);
                format!("{} (since {})", r.feature, since.expect("under way"))
            })
            .collect();
        let more = under_way.len().saturating_sub(5);
        insights.push(Insight {
            feature: None,
            tier: None,
            text: format!(
                "{} a degradation under way now: {}{}.",
                counted(under_way.len(), "feature has", "features have"),
                list.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        });
    }
    insights.push(Insight {
        feature: None,
        tier: None,
        text: format!(
            "{} of {} {} in the investigate tier (the riskiest {} per 100 feature-days: today a risk of at least {:.1}% of a degradation within {} days), with {} weekly sessions between them.",
            investigate.len(),
            counted(ranking.len(), "feature", "features"),
            if investigate.len() == 1 { "is" } else { "are" },
            config.tiers.investigate,
            cutoffs.investigate * 100.0,
            config.model.horizon,
            human_count(exposed)
        ),
    });
    // What is under way first, then what is at risk.
    let first = under_way.iter().copied();
    let then = ranking
        .iter()
        .filter(|r| r.under_way.is_none() && r.tier != Tier::Monitor);
    for status in first.chain(then) {
        let Some(signals) = dataset
            .feature_index(&status.feature)
            .and_then(|f| latest[f].as_ref())
            .filter(|l| Some(l.day) == dataset.day_of(status.date))
            .map(|l| &l.whole)
        else {
            continue;
        };
        insights.push(Insight {
            feature: Some(status.feature.clone()),
            tier: Some(status.tier),
            text: crate::insights::status_sentence(status, signals, config.model.horizon),
        });
    }
    insights
}

fn model_card(
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

    let roc = roc_auc(&scores, &labels);
    let ap = average_precision(&scores, &labels);
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

/// The tier rule, in words, with the last day's cut-offs.
fn tier_rule(tiers: &TierThresholds, today: &RiskCutoffs) -> String {
    let cut = |v: f64| {
        if v.is_finite() {
            format!("{:.1}%", v * 100.0)
        } else {
            "none yet".to_string()
        }
    };
    format!(
        "Tiers follow an alert budget: each day, the features whose risk is among the highest {} per 100 feature-days of the last {} days are investigated, and the highest {} per 100 at least watched, if their risk is also at least {:.0} times the window's average (features already in a degradation do not use the budget). On the last day that means investigate from a risk of {} and watch from {}.",
        tiers.investigate,
        crate::impact::WINDOW_DAYS,
        tiers.watch,
        crate::impact::MIN_LIFT,
        cut(today.investigate),
        cut(today.watch)
    )
}

/// A text cell for a CSV export that spreadsheets will not run as a formula: one that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe.
/// (Numbers are written by us and never pass through here.) The `score` output keeps
/// feature ids exactly as the input gave them, as the data contract requires; the
/// exports made for people (ranking, backtest) and every reasons cell are protected.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// The overview's headline figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub features: usize,
    pub investigate: usize,
    pub watch: usize,
    pub monitor: usize,
    /// Features with a degradation under way (an open incident or a confirmed breach).
    pub under_way: usize,
    /// Features at risk: in the watch or investigate tier with nothing under way.
    pub at_risk: usize,
    /// Weekly sessions of the features in the investigate tier.
    pub sessions_exposed: f64,
    /// Features whose tier differs from their previous day's: (feature, from, to).
    pub changed: Vec<(String, Tier, Tier)>,
}

fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory");
    for row in rows {
        writer.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV is UTF-8")
}

/// The columns of the contract's `score` format.
const SCORE_HEADER: [&str; 6] = ["date", "feature", "risk", "impact", "tier", "reasons"];

/// One score row's cells in the contract's `score` format.
fn score_record(row: &ScoreRow) -> Vec<String> {
    vec![
        match row.hour {
            Some(hour) => format!("{}Z", hour.format("%Y-%m-%dT%H:%M:%S")),
            None => row.date.to_string(),
        },
        row.feature.clone(),
        format!("{:.4}", row.risk),
        format!("{:.1}", row.impact),
        row.tier.as_str().to_string(),
        spreadsheet_safe(&row.reasons.join("; ")),
    ]
}

/// Score rows in the contract's `score` format.
pub fn scores_csv(rows: &[ScoreRow]) -> String {
    csv_text(&SCORE_HEADER, rows.iter().map(score_record))
}

impl Report {
    /// The same report under other impact weights: each feature's impact again and the
    /// ranking's order, with the sentences about features in the new order. Nothing else
    /// in a report reads the weights (the tiers come from the risk alone), so this equals
    /// [`Analysis::report`] under the new weights, and the page applies it at once,
    /// without asking the engine.
    pub fn reweighted(&self, weights: &ImpactWeights) -> Report {
        let mut report = self.clone();
        report.config.impact = *weights;
        for status in &mut report.ranking {
            status.impact = weights.score(status.risk, status.sessions_7d);
        }
        crate::sorting::sort_by(&mut report.ranking, ranking_order);
        let position: HashMap<&str, usize> = report
            .ranking
            .iter()
            .enumerate()
            .map(|(i, s)| (s.feature.as_str(), i))
            .collect();
        let under_way: std::collections::HashSet<&str> = report
            .ranking
            .iter()
            .filter(|s| s.under_way.is_some())
            .map(|s| s.feature.as_str())
            .collect();
        let mut insights = std::mem::take(&mut report.insights);
        // The overview's sentences first, then each feature's: those with a degradation
        // under way, then the others, each in ranking order.
        let n = report.ranking.len();
        crate::sorting::sort_by_key(&mut insights, |i| {
            i.feature.as_deref().map_or(0, |f| {
                let later = if under_way.contains(f) { 0 } else { n };
                1 + later + position.get(f).copied().unwrap_or(usize::MAX / 2)
            })
        });
        report.insights = insights;
        report
    }

    pub fn headline(&self) -> Headline {
        let count = |t: Tier| self.ranking.iter().filter(|r| r.tier == t).count();
        Headline {
            features: self.ranking.len(),
            investigate: count(Tier::Investigate),
            watch: count(Tier::Watch),
            monitor: count(Tier::Monitor),
            under_way: self
                .ranking
                .iter()
                .filter(|r| r.state == State::UnderWay)
                .count(),
            at_risk: self
                .ranking
                .iter()
                .filter(|r| r.state == State::AtRisk)
                .count(),
            sessions_exposed: self
                .ranking
                .iter()
                .filter(|r| r.tier == Tier::Investigate)
                .map(|r| r.sessions_7d)
                .sum::<f64>()
                .max(0.0),
            changed: self
                .ranking
                .iter()
                .filter_map(|r| {
                    let from = r.previous_tier?;
                    (from != r.tier).then(|| (r.feature.clone(), from, r.tier))
                })
                .collect(),
        }
    }

    /// The backtest as CSV: one row per past degradation.
    pub fn backtest_csv(&self) -> String {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let days = |d: Option<usize>| d.map(|d| d.to_string()).unwrap_or_default();
        csv_text(
            &[
                "feature",
                "start",
                "title",
                "model",
                "first_watch",
                "watch_lead_days",
                "first_investigate",
                "investigate_lead_days",
                "risk_day_before",
            ],
            self.backtest.iter().map(|r| {
                vec![
                    spreadsheet_safe(&r.feature),
                    r.start.to_string(),
                    spreadsheet_safe(r.title.as_deref().unwrap_or_default()),
                    if r.model_existed {
                        "fitted"
                    } else {
                        "warming up"
                    }
                    .to_string(),
                    date(r.first_watch),
                    days(r.watch_lead_days),
                    date(r.first_investigate),
                    days(r.investigate_lead_days),
                    r.risk_day_before
                        .map(|v| format!("{v:.4}"))
                        .unwrap_or_default(),
                ]
            }),
        )
    }

    /// The ranked table as CSV, in ranking order. Columns added later come last, so that
    /// a reader of an earlier export's columns by position keeps working.
    pub fn ranking_csv(&self) -> String {
        csv_text(
            &[
                "rank",
                "feature",
                "date",
                "tier",
                "risk",
                "risk_7d_ago",
                "impact",
                "sessions_7d",
                "reasons",
                "state",
                "under_way_since",
            ],
            self.ranking.iter().enumerate().map(|(i, r)| {
                vec![
                    (i + 1).to_string(),
                    spreadsheet_safe(&r.feature),
                    r.date.to_string(),
                    r.tier.as_str().to_string(),
                    format!("{:.4}", r.risk),
                    r.risk_7d_ago.map(|v| format!("{v:.4}")).unwrap_or_default(),
                    format!("{:.1}", r.impact),
                    format!("{:.0}", r.sessions_7d),
                    spreadsheet_safe(&r.reasons.join("; ")),
                    r.state.as_str().to_string(),
                    r.under_way
                        .as_ref()
                        .map(|u| u.since.to_string())
                        .unwrap_or_default(),
                ]
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formula_like_cells_are_defused_and_others_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("checkout"), "checkout");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
