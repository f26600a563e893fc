//! The plain-data report that the page and the command-line tool both read, and the one
//! function that builds it from a dataset and its events.
//!
//! The report's types are here. `pipeline.rs` runs the analysis (signals, labels, the
//! walk-forward model) and applies the tiers and the impact weights; `card.rs` measures
//! the model card and the backtest; `render.rs` words the results and writes them as CSV.

mod card;
mod pipeline;
mod render;

pub use pipeline::{
    analyze, prepare, prepare_scoring, prepare_shared, prepare_with_progress, Analysis, Stage,
};
pub use render::{scores_csv, spreadsheet_safe, ScoresWriter};

use crate::analysis::labels::{LabelSource, SloRule};
use crate::analysis::signals::Signals;
use crate::impact::{ImpactWeights, RiskCutoffs, Tier, TierThresholds};
use crate::insights::Insight;
use crate::model::bootstrap::Interval;
use crate::model::compare::MethodFigures;
use crate::model::evaluate::CalibrationBin;
use crate::model::RiskModelParams;
use crate::state::{State, UnderWay};
use crate::telemetry::Granularity;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

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
    /// What another alert budget needs to be applied at once ([`Report::retiered`]);
    /// `None` when the ranking's latest days are too many to send.
    pub budget: Option<BudgetTable>,
    /// Made by [`Report::retiered`] under a new budget: the model card's measured tier
    /// figures (lead time, the investigate tier's precision and alerts, the comparison's
    /// sentence) and the backtest are still those of the budget before, until the
    /// engine's report under the new one replaces this one.
    pub tier_history_pending: bool,
}

/// What the page needs to apply another alert budget, up to
/// [`crate::impact::PAGE_MAX_BUDGET`], to a report at once: the budget windows of the days
/// the ranking's tiers read, each ranked feature's day before, and the sentence of each
/// feature that such a budget can put above monitor. The tiers, the ranking, the
/// headline, the sentences and the tier rule it gives equal the engine's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetTable {
    /// By day index: each ranked feature's latest day, its day before with data, and the
    /// data's last day.
    pub windows: Vec<(usize, crate::impact::BudgetWindow)>,
    pub features: Vec<FeatureBudget>,
}

/// One ranked feature's part of a [`BudgetTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureBudget {
    pub feature: String,
    /// Its day before its latest with data (a day index), and its risk then.
    pub previous: Option<(usize, f64)>,
    /// Its sentence, when a degradation is under way or a budget up to the page's can
    /// put it above monitor.
    pub sentence: Option<String>,
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
