//! The engine as messages: what the page asks its Web Worker, and what the worker answers.
//!
//! The worker holds one [`Engine`]: the data it read and the [`Analysis`] made of it, which
//! never cross to the page. The page sends a [`Request`] and receives [`Reply`]s: progress
//! while it works, then a compact result (a [`Report`] for the current controls, one
//! feature's [`FeatureDetail`], a CSV text). Messages cross as postcard bytes.
//!
//! Pure: no browser, files or clock, so the whole protocol is tested natively. The wasm
//! shell (`bin/worker.rs`) only moves bytes and reads the person's files.

use crate::comparison::{compare_features, FeatureComparison};
use crate::detail::FeatureDetail;
use crate::impact::{ImpactWeights, RiskCutoffs, TierThresholds};
use crate::report::{prepare_with_progress, Analysis, FeatureStatus, Report, Stage};
use crate::series_summary::{summarize, SeriesSummary};
use crate::synth::series::labelled_series;
use crate::synth::SynthParams;
use crate::telemetry::{parse_series, SeriesPoint};
use crate::view_state::ViewState;
use crate::{load, Config, LoadedData};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// At most this many skipped rows are described to the page (all are counted).
pub const PROBLEMS_SHOWN: usize = 50;

/// Where the data comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SourceSpec {
    /// The bundled synthetic dataset (generated in place, the same bytes as `data/`).
    Bundled,
    /// A new synthetic dataset.
    Generated {
        seed: u64,
        features: usize,
        days: usize,
    },
    /// The person's files, which come with the message: telemetry, then events if named.
    Files {
        telemetry: String,
        events: Option<String>,
    },
    /// A live source's latest versions, read by the page from these addresses; they come
    /// with the message like files (`live::LiveSource`).
    Live {
        telemetry: String,
        events: Option<String>,
    },
}

/// The settings an analysis and its report depend on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Knobs {
    pub horizon: usize,
    pub tiers: TierThresholds,
    pub weights: ImpactWeights,
}

impl Knobs {
    /// The settings a dashboard view asks for.
    pub fn of_view(view: &ViewState) -> Knobs {
        Knobs {
            horizon: view.horizon,
            tiers: view.tiers,
            weights: view.weights,
        }
    }

    /// The settings a report was made with.
    pub fn of_report(report: &Report) -> Knobs {
        Knobs {
            horizon: report.config.model.horizon,
            tiers: report.config.tiers,
            weights: report.config.impact,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Read or generate the data and analyse it.
    Analyse { source: SourceSpec, knobs: Knobs },
    /// Refit the model for another horizon (labels, views and the latest signals are
    /// reused; the model's inputs are recomputed from the data, which is cheaper to hold).
    Refit { knobs: Knobs },
    /// The report under other tiers or weights (no refit).
    Report { knobs: Knobs },
    /// The page has applied other impact weights to its copy of the report
    /// ([`Report::reweighted`]); the engine does the same to its whole copy, so that a
    /// feature's detail and the JSON export agree with the page. Answered with
    /// [`Reply::Done`].
    Reweight { weights: ImpactWeights },
    /// One feature's detail, for its status in the page's report.
    Detail { status: Box<FeatureStatus> },
    /// The whole last report (with every signal contribution), as pretty JSON.
    ReportJson,
    /// One metric series scored for anomalies, as `feature-radar detect` scores it.
    Series { source: SeriesSource },
    /// Two to four features side by side, under the report shown.
    Compare { features: Vec<String> },
}

/// The series of a [`Request::Series`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SeriesSource {
    /// A generated example of one kind (`synth::series::SERIES_KINDS`).
    Example { kind: String, seed: u64 },
    /// The person's file, which comes with the message.
    File { name: String },
}

/// A series with its scores and what they say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredSeries {
    pub name: String,
    pub points: Vec<SeriesPoint>,
    pub summary: SeriesSummary,
}

/// What the page shows about the data being analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSummary {
    pub label: String,
    pub spec: SourceSpec,
    pub features: usize,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub events: usize,
    /// The first [`PROBLEMS_SHOWN`] skipped rows, in words.
    pub problems: Vec<String>,
    pub problem_count: usize,
    /// Columns the contract does not name: "file: column".
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The worker is listening (sent once, first).
    Ready,
    /// Work under way: what is being done, and the share of the whole request done (0-100).
    Progress {
        stage: String,
        percent: f64,
    },
    Analysed {
        source: Box<SourceSummary>,
        report: Box<Report>,
    },
    Report(Box<Report>),
    Detail(Box<FeatureDetail>),
    Compared(Box<FeatureComparison>),
    Series(Box<ScoredSeries>),
    Text(String),
    /// Done, with nothing to send back.
    Done,
    /// The request could not be done; whatever the engine held before is unchanged.
    Failed(String),
    /// The engine stopped on an internal error while doing the request; its state is lost.
    Crashed(String),
}

/// A message with the number that pairs a reply with its request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub id: u64,
    pub body: T,
}

impl<T: Serialize + for<'de> Deserialize<'de>> Envelope<T> {
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("engine messages always serialise")
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("a malformed engine message ({e})"))
    }
}

/// The engine's state: the data and its analysis, if any.
#[derive(Default)]
pub struct Engine {
    analysis: Option<Analysis>,
    /// The tiers' daily cut-offs of the last report, for the tiers they were made with:
    /// most of a report's cost, reused when only the weights change.
    cutoffs: Option<(TierThresholds, Vec<RiskCutoffs>)>,
    /// The last report, whole; the page was sent its [`for_page`] copy.
    shown: Option<Report>,
    /// A request done before it was asked ([`Engine::prepare`]) and its reply.
    prepared: Option<(Request, Reply)>,
}

/// The page's copy of a report: without each feature's signal contributions, most of its
/// bytes (about 90% of a 1,000-feature report), which the page's table and overview do
/// not read. A feature's detail gets them back from the worker's whole copy, and the JSON
/// export asks for the whole report.
pub fn for_page(report: &Report) -> Report {
    let mut lean = report.clone();
    for status in &mut lean.ranking {
        status.contributions = Vec::new();
    }
    lean
}

impl Engine {
    /// The request a page most likely sends first: the bundled data under the default
    /// view's settings.
    pub fn likely_first() -> Request {
        Request::Analyse {
            source: SourceSpec::Bundled,
            knobs: Knobs::of_view(&crate::view_state::ViewState::default()),
        }
    }

    /// Does `request` (one that needs no files) before it is asked, so that asking it
    /// next is answered at once: the page's worker prepares [`Engine::likely_first`]
    /// while the page itself starts. Any other request next drops what was prepared, and
    /// is done as if nothing had been (the prepared analysis is replaced or kept as any
    /// analysis would be).
    pub fn prepare(&mut self, request: Request) {
        let reply = self.handle(request.clone(), &[], &mut |_, _| {});
        self.prepared = Some((request, reply));
    }

    /// Does `request`, telling `progress` (stage, percent) as it goes. `files` are the
    /// bytes of the files a [`SourceSpec::Files`] names, in its order. A request that
    /// fails leaves the engine as it was.
    pub fn handle(
        &mut self,
        request: Request,
        files: &[Vec<u8>],
        progress: &mut dyn FnMut(&str, f64),
    ) -> Reply {
        if let Some((prepared, reply)) = self.prepared.take() {
            if prepared == request && files.is_empty() {
                progress("Analysing", 100.0);
                return reply;
            }
        }
        match request {
            Request::Analyse { source, knobs } => match read(&source, files) {
                Ok((label, data)) => {
                    progress("Analysing", 10.0);
                    let analysis = analyse(&data, &knobs, &mut |stage, share| {
                        let (from, span) = match stage {
                            Stage::Signals => (10.0, 5.0),
                            Stage::Fitting => (15.0, 85.0),
                        };
                        progress(stage.describe(), from + span * share);
                    });
                    let summary = summarise(label, source, &data);
                    self.analysis = Some(analysis);
                    self.cutoffs = None;
                    progress(REPORTING, 100.0);
                    let report = self.shown_report(&knobs);
                    Reply::Analysed {
                        source: Box::new(summary),
                        report: Box::new(report),
                    }
                }
                Err(message) => Reply::Failed(message),
            },
            Request::Refit { knobs } => {
                let Some(analysis) = &self.analysis else {
                    return Reply::Failed(NOTHING_YET.into());
                };
                let mut model = analysis.model;
                model.horizon = knobs.horizon;
                let refitted = analysis.with_model_progress(&model, &mut |share| {
                    progress(Stage::Fitting.describe(), 100.0 * share)
                });
                self.analysis = Some(refitted);
                self.cutoffs = None;
                progress(REPORTING, 100.0);
                Reply::Report(Box::new(self.shown_report(&knobs)))
            }
            Request::Report { knobs } => match self.analysis {
                Some(_) => Reply::Report(Box::new(self.shown_report(&knobs))),
                None => Reply::Failed(NOTHING_YET.into()),
            },
            Request::Reweight { weights } => match &self.shown {
                Some(report) => {
                    self.shown = Some(report.reweighted(&weights));
                    Reply::Done
                }
                None => Reply::Failed(NOTHING_YET.into()),
            },
            // Compact JSON: an indenting writer is code of its own in the worker's wasm,
            // which the first view transfers (`jq .` indents the file).
            Request::ReportJson => match &self.shown {
                Some(report) => {
                    Reply::Text(serde_json::to_string(report).expect("a report always serialises"))
                }
                None => Reply::Failed(NOTHING_YET.into()),
            },
            Request::Series { source } => match series(&source, files) {
                Ok(scored) => Reply::Series(Box::new(scored)),
                Err(message) => Reply::Failed(message),
            },
            Request::Detail { status } => match &self.analysis {
                Some(analysis) => match analysis.dataset.feature_index(&status.feature) {
                    // The whole status, with its contributions, from the report shown.
                    Some(f) if status.contributions.is_empty() => {
                        let whole = self
                            .shown
                            .as_ref()
                            .and_then(|r| r.ranking.iter().find(|s| s.feature == status.feature))
                            .unwrap_or(&status);
                        Reply::Detail(Box::new(analysis.feature_detail(f, whole)))
                    }
                    Some(f) => Reply::Detail(Box::new(analysis.feature_detail(f, &status))),
                    None => Reply::Failed(format!("no feature named {:?}", status.feature)),
                },
                None => Reply::Failed(NOTHING_YET.into()),
            },
            Request::Compare { features } => match (&self.analysis, &self.shown) {
                (Some(analysis), Some(report)) => {
                    match compare_features(analysis, report, &features) {
                        Ok(mut comparison) => {
                            // As in the page's reports: no signal contributions.
                            for f in &mut comparison.features {
                                f.status.contributions.clear();
                            }
                            Reply::Compared(Box::new(comparison))
                        }
                        Err(message) => Reply::Failed(message),
                    }
                }
                _ => Reply::Failed(NOTHING_YET.into()),
            },
        }
    }

    /// The report under `knobs`, kept whole; the page's copy is returned.
    fn shown_report(&mut self, knobs: &Knobs) -> Report {
        let mut report = self.report(knobs);
        let page = for_page(&report);
        // The budget table is for the page's sliders: the engine's copy (and so the JSON
        // export, for people) goes without it.
        report.budget = None;
        self.shown = Some(report);
        page
    }

    /// The report of the analysis held under `knobs`' tiers and weights (the cut-offs of
    /// the same tiers are reused).
    fn report(&mut self, knobs: &Knobs) -> Report {
        let analysis = self.analysis.as_ref().expect("called with an analysis");
        let fresh = match &self.cutoffs {
            Some((tiers, _)) => *tiers != knobs.tiers,
            None => true,
        };
        if fresh {
            self.cutoffs = Some((knobs.tiers, analysis.cutoffs(&knobs.tiers)));
        }
        let (_, cutoffs) = self.cutoffs.as_ref().expect("just set");
        analysis.report_with_cutoffs(&knobs.tiers, &knobs.weights, cutoffs)
    }
}

const NOTHING_YET: &str = "no data has been analysed yet";

/// The last stage of an analysis or a refit: the first report (the tiers' cut-offs, the
/// ranking, the model card with its baselines and intervals).
pub const REPORTING: &str = "Preparing the report and the model card";

/// Reads or generates the data a source names. Errors are in words, naming file and line.
fn read(source: &SourceSpec, files: &[Vec<u8>]) -> Result<(String, LoadedData), String> {
    match source {
        SourceSpec::Bundled => Ok((
            "the bundled synthetic dataset".to_string(),
            crate::synth::bundled_data(),
        )),
        SourceSpec::Generated {
            seed,
            features,
            days,
        } => {
            let params = SynthParams {
                seed: *seed,
                features: *features,
                days: *days,
                ..SynthParams::default()
            };
            let (dataset, data) =
                crate::synth::generate_dataset(&params).ok_or("the generator made no telemetry")?;
            Ok((
                format!("a synthetic dataset (seed {seed}, {features} features, {days} days)"),
                LoadedData {
                    dataset: Arc::new(dataset),
                    events: data.events,
                    problems: vec![],
                    ignored_columns: vec![],
                },
            ))
        }
        SourceSpec::Files { telemetry, events } => {
            let data = load_sent(telemetry, events.as_deref(), files)?;
            let label = match events {
                Some(e) => format!("your files {telemetry} and {e}"),
                None => format!("your file {telemetry}"),
            };
            Ok((label, data))
        }
        SourceSpec::Live { telemetry, events } => {
            let data = load_sent(telemetry, events.as_deref(), files)?;
            Ok((format!("the live source {telemetry}"), data))
        }
    }
}

/// Reads the telemetry (and events) that came with the message, named `telemetry` (and
/// `events`) in what it says of them.
fn load_sent(
    telemetry: &str,
    events: Option<&str>,
    files: &[Vec<u8>],
) -> Result<LoadedData, String> {
    let telemetry_bytes = files.first().ok_or("the telemetry file did not arrive")?;
    let events_bytes = match events {
        Some(name) => Some((
            name,
            files
                .get(1)
                .ok_or("the events file did not arrive")?
                .as_slice(),
        )),
        None => None,
    };
    load(telemetry, telemetry_bytes.as_slice(), events_bytes).map_err(|e| e.to_string())
}

/// Reads or generates a series and scores it. (Needs no analysis: any worker can do it.)
fn series(source: &SeriesSource, files: &[Vec<u8>]) -> Result<ScoredSeries, String> {
    let (name, points) = match source {
        SeriesSource::Example { kind, seed } => {
            let series = labelled_series(kind, *seed)
                .ok_or_else(|| format!("there is no example series of kind {kind:?}"))?;
            (format!("example: {kind} (seed {seed})"), series.points())
        }
        SeriesSource::File { name } => {
            let bytes = files.first().ok_or("the series file did not arrive")?;
            let points = parse_series(name, bytes.as_slice()).map_err(|e| e.to_string())?;
            if points.is_empty() {
                return Err(format!("{name}: the file has no rows"));
            }
            (name.clone(), points)
        }
    };
    let summary = summarize(&points);
    Ok(ScoredSeries {
        name,
        points,
        summary,
    })
}

fn analyse(data: &LoadedData, knobs: &Knobs, progress: &mut dyn FnMut(Stage, f64)) -> Analysis {
    let config = Config::default();
    let mut model = config.model;
    model.horizon = knobs.horizon;
    prepare_with_progress(
        data.dataset.clone(),
        &data.events,
        &model,
        &config.slo,
        progress,
    )
}

fn summarise(label: String, spec: SourceSpec, data: &LoadedData) -> SourceSummary {
    let d = &data.dataset;
    SourceSummary {
        label,
        spec,
        features: d.features.len(),
        start: d.start,
        end: d.end(),
        events: data.events.len(),
        problems: data
            .problems
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(|p| p.to_string())
            .collect(),
        problem_count: data.problems.len(),
        ignored_columns: data
            .ignored_columns
            .iter()
            .map(|(file, column)| format!("{file}: {column}"))
            .collect(),
    }
}
