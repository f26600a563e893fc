//! The plain-data report that the page and the command-line tool both read, and the one
//! function that builds it from a dataset and its events.

use crate::analysis::labels::{Degradations, LabelSource, SloRule};
use crate::analysis::signals::{feature_signals, Signals};
use crate::analysis::{events_by_feature, stats::present, FeatureEvents};
use crate::impact::{daily_cutoffs, ImpactWeights, RiskCutoffs, Tier, TierThresholds};
use crate::insights::{feature_sentence, human_count, Insight};
use crate::model::evaluate::{
    average_precision, brier, calibration, median_days, roc_auc, CalibrationBin,
};
use crate::model::features::{describe, input_vector, INPUTS, N_INPUTS};
use crate::model::{eligible, walk_forward_with_progress, RiskModelParams, WalkForward};
use crate::telemetry::{Dataset, EventKind, EventRecord, Granularity};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

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

/// How early the model warned before degradations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadTime {
    /// Degradations that started while a model existed.
    pub evaluated: usize,
    /// Of those, how many had the feature in the investigate tier at least a day before.
    pub warned: usize,
    /// Days of warning of each warned degradation.
    pub lead_days: Vec<usize>,
    pub median_lead_days: Option<f64>,
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
                    !degradations.active[f][*t]
                        && cutoffs[*t].tier(run.predictions[f][*t].risk) <= tier
                })
            };
            let watch = first_at(Tier::Watch);
            let investigate = first_at(Tier::Investigate);
            rows.push(BacktestRow {
                feature: dataset.features[f].name.clone(),
                start: dataset.date(s),
                title: events[f]
                    .incidents
                    .iter()
                    .find(|i| i.start == s as i64)
                    .map(|i| i.title.clone()),
                model_existed: s > 0 && run.predictions[f][s - 1].model.is_some(),
                first_watch: watch.map(|t| dataset.date(t)),
                first_investigate: investigate.map(|t| dataset.date(t)),
                watch_lead_days: watch.map(|t| s - t),
                investigate_lead_days: investigate.map(|t| s - t),
                risk_day_before: s.checked_sub(1).map(|t| run.predictions[f][t].risk),
            });
        }
    }
    rows.sort_by(|a, b| a.start.cmp(&b.start).then(a.feature.cmp(&b.feature)));
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

/// Reasons for a row: the signals that push the risk up most, in words.
fn reasons(
    contributions: &[f64; N_INPUTS],
    signals: &Signals,
    cohort: Option<&str>,
    active: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if active {
        out.push("a degradation is under way".to_string());
    }
    let mut order: Vec<usize> = (0..N_INPUTS).collect();
    order.sort_by(|a, b| contributions[*b].total_cmp(&contributions[*a]));
    for j in order.into_iter().take(3) {
        if contributions[j] < 0.25 {
            break;
        }
        if let Some(text) = describe(INPUTS[j], signals) {
            out.push(match cohort {
                Some(cohort) => format!("{cohort} only: {text}"),
                None => text,
            });
        }
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
    list.sort_by(|a, b| b.log_odds.abs().total_cmp(&a.log_odds.abs()));
    list
}

/// The expensive part of an analysis: signals, labels and the walk-forward model. It
/// depends on the data, the model's settings and the service-level rule; the tiers and
/// the impact weights are applied afterwards by [`Analysis::report`], cheaply, so that
/// the page can move them interactively.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub dataset: Arc<Dataset>,
    /// Each feature's deploys and incidents (a `*` event in every feature's list).
    pub feature_events: Arc<Vec<FeatureEvents>>,
    /// Per feature, per day: the whole feature's signals.
    pub signals: Arc<Vec<Vec<Signals>>>,
    /// The signals of the cohort the model read, for each (feature, day) whose view is a
    /// cohort. Only the chosen ones are kept: every cohort's every day would multiply the
    /// memory by the number of cohorts.
    pub cohort_signals: Arc<HashMap<(usize, usize), Signals>>,
    /// Per feature and day, the view the model read: 0 for the whole feature, `c + 1`
    /// for cohort `c`.
    pub view: Arc<Vec<Vec<usize>>>,
    pub valid: Arc<Vec<Vec<bool>>>,
    pub degradations: Arc<Degradations>,
    /// What was said about the labels: incidents that cannot count, and where the source
    /// changes.
    pub label_notes: Vec<String>,
    pub run: WalkForward,
    pub model: RiskModelParams,
    pub slo: SloRule,
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
    /// Per-day signals of each feature (and its cohorts).
    Signals,
    /// The walk-forward fits and risks.
    Fitting,
}

impl Stage {
    /// What the stage does, for a progress line.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Signals => "Computing signals",
            Stage::Fitting => "Fitting the risk model",
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
    let dataset: &Dataset = &shared;
    let days = dataset.days;
    let feature_events = events_by_feature(dataset, events);
    let total_sessions_7d: Vec<f64> = (0..days)
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
        .collect();
    let n = dataset.features.len().max(1) as f64;
    progress(Stage::Signals, 0.0);
    let signals: Vec<Vec<Signals>> = dataset
        .features
        .iter()
        .zip(&feature_events)
        .enumerate()
        .map(|(f, (series, ev))| {
            if f % 16 == 0 {
                progress(Stage::Signals, 0.5 * f as f64 / n);
            }
            feature_signals(series, ev, &total_sessions_7d)
        })
        .collect();
    let default = crate::model::FittedRiskModel::default_model();
    let mut inputs = Vec::with_capacity(signals.len());
    let mut valid = Vec::with_capacity(signals.len());
    let mut view = Vec::with_capacity(signals.len());
    let mut cohort_signals = HashMap::new();
    for (f, whole) in signals.iter().enumerate() {
        if f % 16 == 0 {
            progress(Stage::Signals, 0.5 + 0.5 * f as f64 / n);
        }
        // One feature's cohorts at a time, so that only its signals are held at once.
        let cohorts: Vec<Vec<Signals>> = dataset
            .cohorts
            .get(f)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|c| feature_signals(&c.series, &feature_events[f], &total_sessions_7d))
            .collect();
        let chosen = choose_views(&default, whole, &cohorts, model.cohort_margin);
        let mut x_f = Vec::with_capacity(whole.len());
        let mut v_f = Vec::with_capacity(whole.len());
        let mut view_f = Vec::with_capacity(whole.len());
        for (t, (x, ok, c)) in chosen.into_iter().enumerate() {
            if c > 0 {
                cohort_signals.insert((f, t), cohorts[c - 1][t].clone());
            }
            x_f.push(x);
            v_f.push(ok);
            view_f.push(c);
        }
        inputs.push(x_f);
        valid.push(v_f);
        view.push(view_f);
    }
    let (incidents_from, label_notes) = incident_log(dataset, events);
    let degradations = Degradations::find(dataset, &feature_events, incidents_from, slo);
    progress(Stage::Fitting, 0.0);
    let run = walk_forward_with_progress(model, &inputs, &valid, &degradations, &mut |share| {
        progress(Stage::Fitting, share)
    });
    progress(Stage::Fitting, 1.0);
    Analysis {
        dataset: shared.clone(),
        feature_events: Arc::new(feature_events),
        signals: Arc::new(signals),
        cohort_signals: Arc::new(cohort_signals),
        view: Arc::new(view),
        valid: Arc::new(valid),
        degradations: Arc::new(degradations),
        label_notes,
        run,
        model: *model,
        slo: *slo,
    }
}

/// For each day of one feature, the view the model reads: the whole feature, or the
/// cohort that the default model finds riskier by `margin` in log-odds (a degradation on
/// one platform is diluted in the feature's totals). The default model is fixed, so the
/// choice uses nothing after the day. Returns, per day, the inputs, whether they are
/// valid, and the view (0: the whole feature, `c + 1`: cohort `c`).
fn choose_views(
    default: &crate::model::FittedRiskModel,
    whole: &[Signals],
    cohorts: &[Vec<Signals>],
    margin: f64,
) -> Vec<([f64; N_INPUTS], bool, usize)> {
    whole
        .iter()
        .enumerate()
        .map(|(t, signals)| {
            let mut best = (input_vector(signals), signals.latency_p95.is_some(), 0);
            let mut best_log_odds = if best.1 {
                default.log_odds(&best.0) + margin
            } else {
                f64::NEG_INFINITY
            };
            for (c, cohort) in cohorts.iter().enumerate() {
                let s = &cohort[t];
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
        })
        .collect()
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
        let inputs: Vec<Vec<[f64; N_INPUTS]>> = (0..self.dataset.features.len())
            .map(|f| {
                (0..self.dataset.days)
                    .map(|t| self.model_input(f, t))
                    .collect()
            })
            .collect();
        Analysis {
            run: walk_forward_with_progress(
                &model,
                &inputs,
                &self.valid,
                &self.degradations,
                progress,
            ),
            model,
            ..self.clone()
        }
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
                    .map(|f| self.run.predictions[f][d].risk)
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

    /// The signals the model read for feature `f` on day `t` (its own or a cohort's).
    pub fn model_signals(&self, f: usize, t: usize) -> &Signals {
        match self.view[f][t] {
            0 => &self.signals[f][t],
            _ => &self.cohort_signals[&(f, t)],
        }
    }

    /// The cohort the model read for feature `f` on day `t`, as people read it.
    pub fn model_cohort(&self, f: usize, t: usize) -> Option<String> {
        let c = self.view[f][t].checked_sub(1)?;
        Some(self.dataset.cohorts[f][c].label())
    }

    /// The model's input vector for feature `f` on day `t`.
    pub fn model_input(&self, f: usize, t: usize) -> [f64; N_INPUTS] {
        input_vector(self.model_signals(f, t))
    }

    /// The reasons for feature `f` on day `t`.
    /// Each input's push on the log-odds of feature `f`'s risk on day `t`, from the model
    /// that scored the day.
    pub fn contributions(&self, f: usize, t: usize) -> [f64; N_INPUTS] {
        let model = self.run.predictions[f][t].model.unwrap_or(0) as usize;
        self.run.fits[model].predict(&self.model_input(f, t)).1
    }

    pub fn reasons(&self, f: usize, t: usize) -> Vec<String> {
        reasons(
            &self.contributions(f, t),
            self.model_signals(f, t),
            self.model_cohort(f, t).as_deref(),
            self.degradations.active[f][t],
        )
    }

    /// One row per input hour of hourly telemetry, in time order. The model works on whole
    /// days, so an hour carries the risk of the last complete day before it (no hour sees
    /// its own day); hours of the first day carry the shipped default model's risk for an
    /// average day.
    fn hourly_rows(
        &self,
        cutoffs: &[RiskCutoffs],
        weights: &ImpactWeights,
        rows: &mut Vec<ScoreRow>,
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
                let p = &self.run.predictions[f][d];
                let mut reasons =
                    vec![format!("as of {} (the last complete day)", dataset.date(d))];
                reasons.extend(self.reasons(f, d));
                ScoreRow {
                    date,
                    hour: Some(hour),
                    feature,
                    risk: p.risk,
                    impact: weights.score(p.risk, self.signals[f][d].sessions_7d),
                    tier: cutoffs[d].tier(p.risk),
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
            rows.push(row);
        }
    }

    /// The contract's `score` rows under these tiers and weights: every feature and
    /// period that had telemetry, by date then feature, each with its reasons. Built on
    /// demand (the CLI's `score`), not kept in the [`Report`]: with reasons for every
    /// feature-day it is the largest thing the analysis could hold.
    pub fn score_rows(&self, tiers: &TierThresholds, weights: &ImpactWeights) -> Vec<ScoreRow> {
        let dataset = &self.dataset;
        let (signals, run) = (&self.signals, &self.run);
        let cutoffs = self.cutoffs(tiers);
        let mut rows = Vec::new();
        if dataset.granularity == Granularity::Hours && !dataset.hourly.is_empty() {
            self.hourly_rows(&cutoffs, weights, &mut rows);
        } else {
            for t in 0..dataset.days {
                for (f, series) in dataset.features.iter().enumerate() {
                    if series.sessions[t].is_none() {
                        continue;
                    }
                    let p = &run.predictions[f][t];
                    let s = &signals[f][t];
                    rows.push(ScoreRow {
                        date: dataset.date(t),
                        hour: None,
                        feature: series.name.clone(),
                        risk: p.risk,
                        impact: weights.score(p.risk, s.sessions_7d),
                        tier: cutoffs[t].tier(p.risk),
                        reasons: self.reasons(f, t),
                    });
                }
            }
        }

        rows
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
        let (signals, run, degradations) = (&self.signals, &self.run, &self.degradations);
        let mut ranking: Vec<FeatureStatus> = dataset
            .features
            .iter()
            .enumerate()
            .filter_map(|(f, series)| {
                let t = (0..days).rev().find(|t| series.sessions[*t].is_some())?;
                let p = &run.predictions[f][t];
                let s = &signals[f][t];
                let previous = (0..t).rev().find(|d| series.sessions[*d].is_some());
                Some(FeatureStatus {
                    feature: series.name.clone(),
                    date: dataset.date(t),
                    tier: cutoffs[t].tier(p.risk),
                    previous_tier: previous.map(|d| cutoffs[d].tier(run.predictions[f][d].risk)),
                    risk: p.risk,
                    risk_7d_ago: t
                        .checked_sub(7)
                        .filter(|w| series.sessions[*w].is_some())
                        .map(|w| run.predictions[f][w].risk),
                    impact: weights.score(p.risk, s.sessions_7d),
                    sessions_7d: s.sessions_7d,
                    usage_share: s.usage_share,
                    reasons: self.reasons(f, t),
                    contributions: contributions(
                        &self.contributions(f, t),
                        self.model_signals(f, t),
                    ),
                    latency_p95_28d: series.latency_p95_ms[t.saturating_sub(27)..=t].to_vec(),
                })
            })
            .collect();
        ranking.sort_by(|a, b| {
            a.tier
                .cmp(&b.tier)
                .then(b.impact.total_cmp(&a.impact))
                .then(a.feature.cmp(&b.feature))
        });

        let cutoffs_today = cutoffs.last().copied().unwrap_or(RiskCutoffs::NONE);
        let insights = build_insights(dataset, &ranking, signals, &config, &cutoffs_today);
        let backtest = backtest(
            dataset,
            run,
            cutoffs,
            degradations,
            &self.feature_events,
            &config,
        );
        let mut model_card = model_card(
            dataset,
            &backtest,
            run,
            cutoffs,
            &self.valid,
            degradations,
            &config,
        );
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

fn build_insights(
    dataset: &Dataset,
    ranking: &[FeatureStatus],
    signals: &[Vec<Signals>],
    config: &Config,
    cutoffs: &RiskCutoffs,
) -> Vec<Insight> {
    let investigate: Vec<&FeatureStatus> = ranking
        .iter()
        .filter(|r| r.tier == Tier::Investigate)
        .collect();
    let exposed: f64 = investigate.iter().map(|r| r.sessions_7d).sum();
    let mut insights = vec![Insight {
        feature: None,
        tier: None,
        text: format!(
            "{} of {} features are in the investigate tier (the riskiest {} per 100 feature-days: today a risk of at least {:.1}% of a degradation within {} days), with {} weekly sessions between them.",
            investigate.len(),
            ranking.len(),
            config.tiers.investigate,
            cutoffs.investigate * 100.0,
            config.model.horizon,
            human_count(exposed)
        ),
    }];
    for status in ranking.iter().filter(|r| r.tier != Tier::Monitor) {
        let Some(f) = dataset.feature_index(&status.feature) else {
            continue;
        };
        let t = dataset.day_of(status.date).unwrap_or(0);
        insights.push(Insight {
            feature: Some(status.feature.clone()),
            tier: Some(status.tier),
            text: feature_sentence(
                &status.feature,
                &signals[f][t],
                status.risk,
                config.model.horizon,
                status.reasons.first().map(String::as_str),
            ),
        });
    }
    insights
}

fn model_card(
    dataset: &Dataset,
    backtest: &[BacktestRow],
    run: &WalkForward,
    cutoffs: &[RiskCutoffs],
    valid: &[Vec<bool>],
    degradations: &Degradations,
    config: &Config,
) -> ModelCard {
    let horizon = config.model.horizon;
    let days = dataset.days;
    let mut scores = Vec::new();
    let mut labels = Vec::new();
    let mut investigate = Vec::new();
    for t in 0..days {
        if degradations.label_known_on(t, horizon) >= days {
            break;
        }
        for f in 0..dataset.features.len() {
            let p = &run.predictions[f][t];
            if eligible(valid, degradations, f, t) {
                scores.push(p.risk);
                let label = degradations.label(f, t, horizon);
                labels.push(label);
                if cutoffs[t].tier(p.risk) == Tier::Investigate {
                    investigate.push(label);
                }
            }
        }
    }
    let positives = labels.iter().filter(|l| **l).count();
    let base_rate = (!labels.is_empty()).then(|| positives as f64 / labels.len() as f64);
    let (bins, ece) = calibration(&scores, &labels);

    let mut lead = LeadTime {
        evaluated: 0,
        warned: 0,
        lead_days: Vec::new(),
        median_lead_days: None,
    };
    for row in backtest.iter().filter(|r| r.model_existed) {
        lead.evaluated += 1;
        if let Some(days) = row.investigate_lead_days {
            lead.warned += 1;
            lead.lead_days.push(days);
        }
    }
    lead.median_lead_days = median_days(&lead.lead_days);

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
        default_and_learned: default_and_learned(dataset, run, config),
        tier_rule: tier_rule(&config.tiers, cutoffs.last().unwrap_or(&RiskCutoffs::NONE)),
        label_source: degradations.source,
        evaluated_rows: labels.len(),
        evaluated_positives: positives,
        base_rate,
        roc_auc: roc_auc(&scores, &labels),
        average_precision: average_precision(&scores, &labels),
        brier: brier(&scores, &labels),
        brier_of_base_rate: base_rate.map(|b| b * (1.0 - b)),
        expected_calibration_error: ece,
        calibration: bins,
        lead_time: lead,
        investigate_precision: (!investigate.is_empty())
            .then(|| investigate.iter().filter(|l| **l).count() as f64 / investigate.len() as f64),
        investigate_alerts_per_100_feature_days: (!labels.is_empty())
            .then(|| investigate.len() as f64 * 100.0 / labels.len() as f64),
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
    }
}

/// How much of the latest model is the default and how much was learned, in words.
fn default_and_learned(dataset: &Dataset, run: &WalkForward, config: &Config) -> String {
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
        format!(
            "The risk comes from the default model alone: no label of this data was known yet at any refit.{failed}"
        )
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

/// Score rows in the contract's `score` format.
pub fn scores_csv(rows: &[ScoreRow]) -> String {
    csv_text(
        &["date", "feature", "risk", "impact", "tier", "reasons"],
        rows.iter().map(|row| {
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
        }),
    )
}

impl Report {
    pub fn headline(&self) -> Headline {
        let count = |t: Tier| self.ranking.iter().filter(|r| r.tier == t).count();
        Headline {
            features: self.ranking.len(),
            investigate: count(Tier::Investigate),
            watch: count(Tier::Watch),
            monitor: count(Tier::Monitor),
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

    /// The ranked table as CSV, in ranking order.
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
