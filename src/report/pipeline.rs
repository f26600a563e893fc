//! The analysis: signals, labels and the walk-forward model ([`prepare`] and its
//! variants, into an [`Analysis`]), then the tiers and the impact weights applied to it
//! ([`Analysis::report`]).

use super::card::{backtest, model_card};
use super::render::{build_insights, feature_insight, reasons, tier_rule};
use super::{
    BudgetTable, Config, Contribution, DatasetSummary, FeatureBudget, FeatureStatus, Headline,
    LatestSignals, Report, ScoreRow,
};
use crate::analysis::labels::{Degradations, SloRule};
use crate::analysis::signals::{feature_signals, sessions_7d, SignalSource, Signals};
use crate::analysis::{events_by_feature, map_indices, FeatureEvents};
use crate::impact::{
    daily_cutoffs, BudgetWindow, ImpactWeights, RiskCutoffs, Tier, TierThresholds, PAGE_MAX_BUDGET,
};
use crate::model::compare::Comparison;
use crate::model::features::{describe, input_vector, INPUTS, N_INPUTS};
use crate::model::{
    eligible, walk_forward_by_day, Day, FittedRiskModel, RiskModelParams, ScoredDay, WalkForward,
};
use crate::state::{under_way, State, UnderWay};
use crate::telemetry::{Dataset, EventKind, EventRecord, FeatureSeries, Granularity};
use crate::why::Phrasing;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

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
                dataset.features[f].sessions.has(t) && day.valid[f] && !degradations.active[f][t]
            });
            window.push_back(budget.map(|f| so_far.risks[f][t]).collect());
            if window.len() > crate::impact::WINDOW_DAYS {
                window.pop_front();
            }
            scratch.clear();
            window.iter().for_each(|d| scratch.extend_from_slice(d));
            let cutoffs = tiers.cutoffs(&mut scratch);
            for (f, series) in dataset.features.iter().enumerate() {
                if !series.sessions.has(t) {
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
                    f.sessions
                        .window(t as i64 - 6, t as i64)
                        .flatten()
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
            // allows (at least one), since the fits' thread also makes the rows; else a
            // block's worth, so that the fits have days to work on while the next block
            // is made.
            let ahead = if inputs.kept.is_some() {
                kept_days(features).clamp(1, BLOCK_DAYS)
            } else {
                inputs.block_days
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

/// Days of signals computed at once for every feature, at least: a block's inputs are
/// all that is held of them (the walk-forward keeps each day's until its label is known),
/// with natively as many days made ahead, waiting for the fits. Each block redoes its
/// signals' look-back (two months of each metric on its scale, and its weekly
/// deviations), so longer blocks cost less: see [`block_days`].
const BLOCK_DAYS: usize = 14;

/// The inputs a block may hold when it is longer than [`BLOCK_DAYS`]: 8 MB.
const BLOCK_BYTES: usize = 8 << 20;

/// Days in a block of `features` features' inputs (their signals not kept): as many as
/// [`BLOCK_BYTES`] hold, from [`BLOCK_DAYS`] to eight weeks. At 1,000 features that is
/// about seven weeks, over which the look-back costs less than half as much per day as
/// over two; at 10,000, two weeks.
fn block_days(features: usize) -> usize {
    (BLOCK_BYTES / (features.max(1) * std::mem::size_of::<DayInputs>())).clamp(BLOCK_DAYS, 56)
}

/// Days of every feature's signals that may be held at once in a block, and as many
/// waiting for the fits, when what the reasons read of them ([`Phrasing`], 288 bytes) is
/// kept for the `score` rows: about 5 MB each, whatever the number of features, so that
/// they stay a small part of the analysis.
fn kept_days(features: usize) -> usize {
    16_384 / features.max(1)
}

/// One feature-day's model inputs, whether they are valid, and the view they are of.
type DayInputs = ([f64; N_INPUTS], bool, u8);

/// Every feature's view on one day and what the day's reasons read of that view's
/// signals, for the `score` rows made as the analysis runs.
type Seen = Vec<(u8, Phrasing)>;

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
    /// Per feature, what the reasons read of the signals of the block's views, when they
    /// are kept for the rows.
    kept: Option<Vec<Vec<Option<Phrasing>>>>,
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
            // What a block keeps of its signals is about 300 bytes per feature-day: fewer
            // days the more features.
            block_days: if keep_signals {
                kept_days(features).clamp(4, BLOCK_DAYS)
            } else {
                block_days(features)
            },
            kept: keep_signals.then(Vec::new),
            view: vec![Vec::with_capacity(if choosing { dataset.days } else { 0 }); features],
            valid: vec![Vec::with_capacity(if choosing { dataset.days } else { 0 }); features],
            latest: vec![None; features],
            latest_day: dataset
                .features
                .iter()
                .map(|s| (0..dataset.days).rev().find(|t| s.sessions.has(*t)))
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
                            kept.push(Some(Phrasing::from(&signals)));
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
                            kept.push(Some(Phrasing::from(match c.checked_sub(1) {
                                Some(c) => &cohort_signals[c],
                                None => &signals,
                            })));
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
            .map(|d| self.budget_risks(d).collect())
            .collect();
        daily_cutoffs(tiers, self.dataset.days, |d, out| {
            out.extend_from_slice(&per_day[d])
        })
    }

    /// The risks of day `d` that count in the alert budget, in feature order (the order
    /// every window of the tiers' cut-offs is summed in).
    fn budget_risks(&self, d: usize) -> impl Iterator<Item = f64> + '_ {
        (0..self.dataset.features.len())
            .filter(move |&f| self.in_budget(f, d))
            .map(move |f| self.run.risks[f][d])
    }

    /// Whether feature `f` on day `d` counts in the alert budget: it has telemetry and
    /// signals, and no degradation is known to be under way (a feature in an incident is
    /// not an early warning, and would use up the budget).
    pub fn in_budget(&self, f: usize, d: usize) -> bool {
        self.dataset.features[f].sessions.has(d) && eligible(&self.valid, &self.degradations, f, d)
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
            &Phrasing::from(signals),
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
                    if !series.sessions.has(t) {
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
        // Each ranked feature's index, latest day and day before, for the budget table.
        let mut ranked = Vec::new();
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
                let previous = (0..t).rev().find(|d| series.sessions.has(*d));
                ranked.push((f, t, previous));
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
                        .filter(|w| series.sessions.has(*w))
                        .map(|w| run.risks[f][w]),
                    impact: weights.score(risk, s.sessions_7d),
                    sessions_7d: s.sessions_7d,
                    usage_share: s.usage_share,
                    state: State::of(under_way.is_some(), tier),
                    under_way,
                    reasons: self.reasons_from(f, t, model_signals),
                    contributions: contributions(&self.contributions_of(t, &x), model_signals),
                    latency_p95_28d: series
                        .latency_p95_ms
                        .slots(t.saturating_sub(27)..t + 1)
                        .collect(),
                })
            })
            .collect();
        let budget = self.budget_table(&ranking, &ranked);
        crate::sorting::sort_by(&mut ranking, ranking_order);

        let cutoffs_today = cutoffs.last().copied().unwrap_or(RiskCutoffs::NONE);
        let horizon = config.model.horizon;
        let insights = build_insights(&ranking, &config, &cutoffs_today, |status| {
            feature_insight(dataset, &self.latest, horizon, status)
        });
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
            budget,
            tier_history_pending: false,
        }
    }

    /// The budget windows and the features' days before that [`Report::retiered`] reads
    /// (see [`BudgetTable`]), for the `ranking` of a report (in the dataset's order),
    /// `ranked` its features' indices, latest days and days before; `None` past
    /// [`MAX_BUDGET_DAYS`] distinct days.
    fn budget_table(
        &self,
        ranking: &[FeatureStatus],
        ranked: &[(usize, usize, Option<usize>)],
    ) -> Option<BudgetTable> {
        let dataset = &self.dataset;
        let mut days: Vec<usize> = ranked
            .iter()
            .flat_map(|(_, t, previous)| std::iter::once(*t).chain(*previous))
            .chain(dataset.days.checked_sub(1))
            .collect();
        days.sort_unstable();
        days.dedup();
        if days.len() > MAX_BUDGET_DAYS {
            return None;
        }
        let mut risks = Vec::new();
        let windows: Vec<(usize, BudgetWindow)> = days
            .into_iter()
            .map(|t| {
                // The window in the order of `Analysis::cutoffs`: days, then features.
                risks.clear();
                for d in t.saturating_sub(crate::impact::WINDOW_DAYS - 1)..=t {
                    risks.extend(self.budget_risks(d));
                }
                (t, BudgetWindow::of(&mut risks))
            })
            .collect();
        // The lowest watch cut-off of each day under the page's budgets: a feature below
        // it stays in monitor under any of them.
        let widest = TierThresholds {
            investigate: PAGE_MAX_BUDGET,
            watch: PAGE_MAX_BUDGET,
        };
        let horizon = self.model.horizon;
        // In the dataset's order, by name: neither the tiers nor the weights move it.
        let features = ranking
            .iter()
            .zip(ranked)
            .map(|(status, &(f, t, previous))| {
                let window = &windows[windows.binary_search_by_key(&t, |(d, _)| *d).ok()?].1;
                let may_rise = window
                    .cutoffs(&widest)
                    .is_some_and(|c| c.tier(self.run.risks[f][t]) != Tier::Monitor);
                Some(FeatureBudget {
                    feature: status.feature.clone(),
                    previous: previous.map(|d| (d, self.run.risks[f][d])),
                    sentence: (status.under_way.is_some() || may_rise)
                        .then(|| self.latest[f].as_ref())
                        .flatten()
                        .map(|l| crate::insights::status_sentence(status, &l.whole, horizon)),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(BudgetTable { windows, features })
    }
}

/// The most distinct days whose budget windows a report carries for the page (each
/// feature's latest day and the day before, most often the same two for all).
pub const MAX_BUDGET_DAYS: usize = 16;

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

/// The ranking's order: tier, then impact (highest first), then name.
fn ranking_order(a: &FeatureStatus, b: &FeatureStatus) -> std::cmp::Ordering {
    a.tier
        .cmp(&b.tier)
        .then(b.impact.total_cmp(&a.impact))
        .then(a.feature.cmp(&b.feature))
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

    /// The same report under another alert budget, made from its [`BudgetTable`] alone:
    /// each feature's tier, its tier the day before and its state, the ranking's order, the
    /// sentences and the tier rule, all equal to [`Analysis::report`]'s under `tiers`. The
    /// tier figures measured over the whole history (the model card's lead time and
    /// investigate precision, the backtest) need every day's risks, which the page does
    /// not hold: they stay as they were, marked [`Report::tier_history_pending`], until the
    /// engine's report replaces this one. `None` when the report has no table or a budget
    /// is past [`PAGE_MAX_BUDGET`]: then only the engine can answer.
    pub fn retiered(&self, tiers: &TierThresholds) -> Option<Report> {
        let table = self.budget.as_ref()?;
        // A few days (at most MAX_BUDGET_DAYS) in day order; features by name.
        let cutoffs: Vec<(usize, RiskCutoffs)> = table
            .windows
            .iter()
            .map(|(d, window)| Some((*d, window.cutoffs(tiers)?)))
            .collect::<Option<_>>()?;
        let cutoffs_on = |d: usize| cutoffs.iter().find(|(day, _)| *day == d).map(|c| c.1);
        let feature = |name: &str| {
            let i = table
                .features
                .binary_search_by(|b| b.feature.as_str().cmp(name))
                .ok()?;
            Some(&table.features[i])
        };
        let mut report = self.clone();
        report.config.tiers = *tiers;
        for status in &mut report.ranking {
            let budget = feature(&status.feature)?;
            let day = (status.date - self.dataset.start).num_days() as usize;
            status.tier = cutoffs_on(day)?.tier(status.risk);
            status.previous_tier = match budget.previous {
                Some((d, risk)) => Some(cutoffs_on(d)?.tier(risk)),
                None => None,
            };
            status.state = State::of(status.under_way.is_some(), status.tier);
        }
        crate::sorting::sort_by(&mut report.ranking, ranking_order);
        report.cutoffs_today = cutoffs_on(self.dataset.days.checked_sub(1)?)?;
        report.insights = build_insights(
            &report.ranking,
            &report.config,
            &report.cutoffs_today,
            |status| feature(&status.feature)?.sentence.clone(),
        );
        report.model_card.tier_rule = tier_rule(tiers, &report.cutoffs_today);
        report.tier_history_pending = true;
        Some(report)
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
}
