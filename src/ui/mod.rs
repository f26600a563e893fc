//! The page: Leptos components over the core's [`Analysis`] and [`Report`]. Thin on
//! purpose: it gets data (bundled files, a generated set, or the person's own files, which
//! never leave the browser), hands it to the same engine the command-line tool uses, and
//! shows the result. Only this module (and `main.rs`) knows about the browser.

mod browser;
pub mod chart;
mod compare;
pub mod controls;
pub mod data_source;
mod engine;
mod feature;
pub mod kept;
pub mod live;
mod live_view;
mod model_card;
pub mod overview;
pub mod ranking;
pub mod series;
pub mod storage;
mod table;
pub mod worker;

use crate::engine::{Knobs, Reply, Request, SourceSpec, SourceSummary};
use crate::kept::Keeping;
use crate::report::Report;
use crate::view_state::{DataKind, View, ViewState};
use leptos::prelude::*;
use std::sync::Arc;

/// A shared value compared by identity, so that signals holding large results notify
/// on replacement without comparing contents.
#[derive(Debug)]
pub struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Work under way in the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Busy {
    pub message: String,
    /// Share done, 0-100, once the engine reports it.
    pub percent: Option<f64>,
    /// What "Cancel" stops, if it can stop anything.
    pub cancel: Option<Cancel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    /// An analysis of new data, in a worker of its own.
    Analysis,
    /// A refit of the current analysis for another horizon.
    Refit,
}

/// The page's state, shared through context. The analysis itself lives in the engine's
/// worker (`engine`); the page holds its report and what it says about the data.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The data the report is about.
    pub source: RwSignal<Option<Shared<SourceSummary>>>,
    /// The person's files behind `source`, kept (as handles, not bytes) so that the
    /// analysis can be made again if the engine must restart.
    files: StoredValue<Vec<web_sys::File>, LocalStorage>,
    pub view: RwSignal<ViewState>,
    pub report: RwSignal<Option<Shared<Report>>>,
    /// While the engine works; the report shown meanwhile is the previous one (stale).
    pub busy: RwSignal<Option<Busy>>,
    /// Why the last attempt to load data failed (the previous data stays).
    pub load_error: RwSignal<Option<String>>,
    pub dark: RwSignal<bool>,
    /// The series on the Series view.
    pub series: RwSignal<Option<series::Scored>>,
    /// The Data view's generator settings (seed, features, days), kept across views.
    pub generator: (RwSignal<u64>, RwSignal<usize>, RwSignal<usize>),
    /// The knobs of the report or refit last asked of the current worker.
    asked: StoredValue<Option<Knobs>>,
    /// Where the person's files stand with the browser's storage (`kept`).
    pub keeping: RwSignal<Keeping>,
    /// The files kept in this browser (as handles on the stored copies), if any.
    kept_files: StoredValue<Vec<web_sys::File>, LocalStorage>,
    /// What the page says above the results until dismissed: which data it shows when
    /// that is not what the link or the browser's storage asked for.
    pub notice: RwSignal<Option<String>>,
    /// The live source followed, and where it stands (`live`).
    pub live: RwSignal<Option<live::LiveStatus>>,
    /// A link's live source, until the person agrees to follow it or not.
    pub live_offer: RwSignal<Option<crate::live::LiveSource>>,
    /// Why the live source a link named is not followed, until dismissed.
    pub live_refused: RwSignal<Option<String>>,
    /// The features whose tier changed since the person last looked (live sources).
    pub tier_changes: RwSignal<Vec<crate::live::TierChange>>,
}

/// What is done with a failed analysis instead of showing it as a load error.
type OnFailure = Box<dyn FnOnce(Reply)>;
/// What is done once an analysis is shown.
type OnSuccess = Box<dyn FnOnce()>;

impl AppState {
    pub fn new(initial: ViewState) -> Self {
        AppState {
            source: RwSignal::new(None),
            files: StoredValue::new_local(Vec::new()),
            view: RwSignal::new(initial),
            report: RwSignal::new(None),
            busy: RwSignal::new(None),
            load_error: RwSignal::new(None),
            dark: RwSignal::new(browser::prefers_dark()),
            series: RwSignal::new(None),
            generator: (RwSignal::new(7), RwSignal::new(80), RwSignal::new(180)),
            asked: StoredValue::new(None),
            keeping: RwSignal::new(Keeping::Nothing),
            kept_files: StoredValue::new_local(Vec::new()),
            notice: RwSignal::new(None),
            live: RwSignal::new(None),
            live_offer: RwSignal::new(None),
            live_refused: RwSignal::new(None),
            tier_changes: RwSignal::new(Vec::new()),
        }
    }

    /// The settings the view asks for.
    pub fn knobs(&self) -> Knobs {
        self.view.with_untracked(Knobs::of_view)
    }

    /// Opens the feature view of `feature`.
    pub fn open_feature(&self, feature: String) {
        self.view.update(|v| {
            v.view = View::Feature;
            v.feature = Some(feature);
        });
        browser::scroll_to_top();
    }

    /// Opens the comparison view, starting with `feature` when given (kept with the
    /// features already picked, if there is room).
    pub fn open_compare(&self, feature: Option<String>) {
        self.view.update(|v| {
            v.view = View::Compare;
            if let Some(feature) = feature {
                if !v.compare.contains(&feature) {
                    v.compare.truncate(crate::comparison::MAX_FEATURES - 1);
                    v.compare.insert(0, feature);
                }
            }
        });
        browser::scroll_to_top();
    }

    /// Analyses new data in a worker of its own; the current results stay until it is done.
    /// `files` are the person's files that `spec` names, in its order.
    /// The person's files that analyse well are kept in this browser (`kept`).
    pub fn analyse(self, spec: SourceSpec, files: Vec<web_sys::File>, what: String) {
        self.analyse_then(spec, files, what, None, None);
    }

    /// As [`AppState::analyse`] for a live source's new version: `succeeded` runs once it
    /// is shown, and a failure goes to `failed` (the live source says it; the data stays).
    fn analyse_live(
        self,
        spec: SourceSpec,
        files: Vec<web_sys::File>,
        what: String,
        succeeded: OnSuccess,
        failed: OnFailure,
    ) {
        self.analyse_then(spec, files, what, Some(failed), Some(succeeded));
    }

    /// As [`AppState::analyse`], but a failure (`Reply::Failed` or `Crashed`) goes to
    /// `failed` instead of being shown as a load error.
    fn analyse_or(
        self,
        spec: SourceSpec,
        files: Vec<web_sys::File>,
        what: String,
        failed: OnFailure,
    ) {
        self.analyse_then(spec, files, what, Some(failed), None);
    }

    fn analyse_then(
        self,
        spec: SourceSpec,
        files: Vec<web_sys::File>,
        what: String,
        failed: Option<OnFailure>,
        succeeded: Option<OnSuccess>,
    ) {
        self.busy.set(Some(Busy {
            message: what,
            percent: None,
            cancel: Some(Cancel::Analysis),
        }));
        let request = Request::Analyse {
            source: spec,
            knobs: self.knobs(),
        };
        let kept = files.clone();
        engine::analyse(
            request,
            &files,
            move |stage, percent| self.progress(stage, percent),
            move |reply| {
                self.busy.set(None);
                match reply {
                    Reply::Analysed { source, report } => {
                        kept::keep_after_analysis(self, &source.spec, kept.clone());
                        self.files.set_value(kept);
                        self.load_error.set(None);
                        // Links say whether the view is of uploaded files.
                        let data = match source.spec {
                            SourceSpec::Files { .. } => DataKind::Upload,
                            _ => DataKind::Demo,
                        };
                        if self.view.with_untracked(|v| v.data != data) {
                            self.view.update(|v| v.data = data);
                        }
                        self.asked.set_value(Some(Knobs::of_report(&report)));
                        self.source.set(Some(Shared(Arc::new(*source))));
                        self.report.set(Some(Shared(Arc::new(*report))));
                        if let Some(succeeded) = succeeded {
                            succeeded();
                        }
                    }
                    reply @ (Reply::Failed(_) | Reply::Crashed(_)) if failed.is_some() => {
                        if let Some(failed) = failed {
                            failed(reply);
                        }
                    }
                    Reply::Failed(message) => self.load_error.set(Some(format!(
                        "{message}\nThe data was not loaded; {}",
                        self.what_stays()
                    ))),
                    Reply::Crashed(message) => self.load_error.set(Some(format!(
                        "The analysis stopped on an internal error ({message}); {}",
                        self.what_stays()
                    ))),
                    _ => {}
                }
            },
        );
    }

    fn what_stays(&self) -> &'static str {
        if self.report.with_untracked(Option::is_some) {
            "the page still shows the previous data."
        } else {
            "choose other data on the Data view."
        }
    }

    fn progress(&self, stage: &str, percent: f64) {
        self.busy.update(|busy| {
            if let Some(busy) = busy {
                busy.message = format!("{stage}…");
                busy.percent = Some(percent);
            }
        });
    }

    /// Cancels what the engine is doing; the results shown stay.
    pub fn cancel(self) {
        let Some(busy) = self.busy.get_untracked() else {
            return;
        };
        match busy.cancel {
            Some(Cancel::Analysis) => {
                engine::cancel_analysis();
                self.busy.set(None);
                live::analysis_cancelled(self);
            }
            Some(Cancel::Refit) => {
                engine::cancel_refit();
                self.busy.set(None);
                // The refit took the analysis with it: back to the results' horizon, and
                // the same data analysed again in the background.
                if let Some(report) = self.report.get_untracked() {
                    let knobs = Knobs::of_report(&report);
                    self.view.update(|v| v.horizon = knobs.horizon);
                    self.reanalyse("Restoring the analysis after the cancelled refit");
                }
            }
            None => {}
        }
    }

    /// Analyses the current data again (after the engine lost it).
    fn reanalyse(self, what: &str) {
        if let Some(source) = self.source.get_untracked() {
            let files = self.files.get_value();
            self.analyse(source.spec.clone(), files, format!("{what}…"));
        }
    }

    /// Keeps the report in step with the controls: weights are applied to the report
    /// shown at once ([`crate::report::Report::reweighted`]); tiers ask the current worker
    /// for a new report (no refit), a horizon asks for a refit (the signals are reused).
    /// Requests queue in the worker, so the last answer is the latest ask.
    fn follow_controls(self) {
        let wanted = Memo::new(move |_| self.view.with(Knobs::of_view));
        Effect::new(move |_| {
            let wanted = wanted.get();
            let Some(report) = self.report.get() else {
                return;
            };
            let pending = self
                .busy
                .with_untracked(|b| b.as_ref().and_then(|b| b.cancel) == Some(Cancel::Analysis));
            let asked = self
                .asked
                .get_value()
                .unwrap_or_else(|| Knobs::of_report(&report));
            if pending || asked == wanted {
                return;
            }
            let refit = wanted.horizon != asked.horizon;
            self.asked.set_value(Some(wanted));
            // Weights alone change only impacts and the order: applied here at once when
            // the report shown is the last one asked for, and the engine's copy follows.
            let settled = Knobs::of_report(&report.0) == asked;
            if settled && !refit && wanted.tiers != asked.tiers {
                // Another budget: the tiers, the ranking and the sentences at once, from
                // the report's own table, and the engine's whole report (with the figures
                // over the whole history) when it comes.
                if let Some(retiered) = report.0.retiered(&wanted.tiers) {
                    let shown = if wanted.weights == asked.weights {
                        retiered
                    } else {
                        retiered.reweighted(&wanted.weights)
                    };
                    self.report.set(Some(Shared(Arc::new(shown))));
                }
            }
            if settled && !refit && wanted.tiers == asked.tiers {
                self.report
                    .set(Some(Shared(Arc::new(report.0.reweighted(&wanted.weights)))));
                let request = Request::Reweight {
                    weights: wanted.weights,
                };
                if !engine::ask(
                    request,
                    |_, _| {},
                    move |reply| self.take_report(reply, false),
                ) {
                    self.asked.set_value(None);
                    self.reanalyse("Analysing again");
                }
                return;
            }
            if refit {
                self.busy.set(Some(Busy {
                    message: format!("Refitting the model for a {}-day horizon…", wanted.horizon),
                    percent: None,
                    cancel: Some(Cancel::Refit),
                }));
            }
            let request = if refit {
                Request::Refit { knobs: wanted }
            } else {
                Request::Report { knobs: wanted }
            };
            let asked_now = engine::ask(
                request,
                move |stage, percent| self.progress(stage, percent),
                move |reply| self.take_report(reply, refit),
            );
            if !asked_now {
                self.asked.set_value(None);
                self.reanalyse("Analysing again");
            }
        });
    }

    fn take_report(self, reply: Reply, refit: bool) {
        if refit {
            self.busy.set(None);
        }
        match reply {
            Reply::Report(report) => {
                // An answer to an earlier ask: under other weights only, shown under
                // those asked since (the engine's copy follows them too); under another
                // budget or horizon, dropped, since the answer to the later ask follows.
                let asked = self.asked.get_value();
                let answered = Knobs::of_report(&report);
                let report = match asked {
                    Some(asked) if asked != answered => {
                        if asked.tiers != answered.tiers || asked.horizon != answered.horizon {
                            return;
                        }
                        report.reweighted(&asked.weights)
                    }
                    _ => *report,
                };
                self.report.set(Some(Shared(Arc::new(report))))
            }
            Reply::Failed(message) => self.load_error.set(Some(message)),
            Reply::Crashed(message) => {
                self.load_error.set(Some(format!(
                    "The engine stopped on an internal error ({message}); the data is being analysed again."
                )));
                self.asked.set_value(None);
                self.reanalyse("Analysing again");
            }
            _ => {}
        }
    }
}

/// Sets a panic hook that shows the failure on the page instead of a blank screen, and
/// mounts the app.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        browser::show_fatal(&format!(
            "Feature Radar stopped on an internal error; please reload the page. ({info})"
        ));
    }));
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new(ViewState::from_query(&browser::query()));
    provide_context(state);
    state.follow_controls();
    // The address follows the view. Opening another page (a tab, a feature) adds a history
    // entry, so that Back and Forward move between them; other changes (filters, sorting,
    // settings) replace the current entry. Going Back or Forward restores that entry's view.
    // A change in place waits until the view has been still for a moment: a control
    // moved or typed into answers first, and the browser's history is not asked to
    // rewrite its entry at every step.
    let restoring = StoredValue::new(false);
    let pending: StoredValue<Option<(TimeoutHandle, String)>> = StoredValue::new(None);
    // The change waiting, if any, is dropped (`keep` false) or made now.
    let settle = move |keep: bool| {
        if let Some((handle, query)) = pending.write_value().take() {
            handle.clear();
            if keep {
                browser::set_query(&query, false);
            }
        }
    };
    Effect::new(move |last: Option<(View, Option<String>)>| {
        let (query, place) = state
            .view
            .with(|v| (v.to_query(), (v.view, v.feature.clone())));
        let restored = std::mem::take(&mut *restoring.write_value());
        let moved = last.as_ref().is_some_and(|last| *last != place);
        if moved && !restored {
            // The entry left keeps its last view; the new one is added at once.
            settle(true);
            browser::set_query(&query, true);
        } else {
            settle(false);
            let later = query.clone();
            if let Ok(handle) = set_timeout_with_handle(
                move || {
                    pending.set_value(None);
                    browser::set_query(&later, false);
                },
                std::time::Duration::from_millis(150),
            ) {
                pending.set_value(Some((handle, query)));
            }
        }
        place
    });
    browser::on_history(move |query| {
        settle(false);
        // Back and Forward move between views of the data shown, whatever it was then.
        let mut view = ViewState::from_query(&query);
        view.data = state.view.with_untracked(|v| v.data);
        if state.view.with_untracked(|v| *v != view) {
            restoring.set_value(true);
            state.view.set(view);
        }
    });
    Effect::new(move |_| browser::set_theme(state.dark.get()));
    kept::start(state);
    live::offer_from_link(state);
    live::watch_reports(state);
    // What decides which view is drawn: the tab, and whether there is a report.
    let current = Memo::new(move |_| state.view.with(|v| v.view));
    let has_report = Memo::new(move |_| state.report.with(Option::is_some));

    let tab = move |view: View, label: &'static str| {
        view! {
            <li>
                <button
                    class="tab"
                    class:active=move || state.view.with(|v| v.view == view)
                    aria-current=move || state.view.with(|v| (v.view == view).then_some("page"))
                    data-testid=format!("tab-{}", view.id())
                    on:click=move |_| state.view.update(|v| v.view = view)
                >
                    {label}
                </button>
            </li>
        }
    };
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="top">
            <div class="brand">
                <h1>"Feature Radar"</h1>
                <p class="tagline">"Which features are about to degrade, why, and which to fix first."</p>
            </div>
            <nav aria-label="Views">
                <ul class="tabs">
                    {tab(View::Overview, "Overview")}
                    {tab(View::Feature, "Feature")}
                    {tab(View::Compare, "Compare")}
                    {tab(View::ModelCard, "Model card")}
                    {tab(View::Data, "Data")}
                    {tab(View::Series, "Series")}
                </ul>
            </nav>
            <button
                class="theme"
                aria-pressed=move || state.dark.get().to_string()
                on:click=move |_| state.dark.update(|d| *d = !*d)
            >
                {move || if state.dark.get() { "Light theme" } else { "Dark theme" }}
            </button>
        </header>
        <div class="layout">
            <aside class="controls" aria-label="Controls">
                <controls::Controls/>
            </aside>
            <main id="main" tabindex="-1">
                {move || state.busy.get().map(|busy| view! {
                    <div class="status busy" role="status" data-testid="status">
                        <span class="spinner" aria-hidden="true"></span>
                        <span>{busy.message.clone()}</span>
                        {busy.percent.map(|p| view! {
                            <progress max="100" value=format!("{p:.0}") data-testid="progress"></progress>
                            <span class="percent">{format!("{p:.0}%")}</span>
                        })}
                        {busy.cancel.map(|_| view! {
                            <button data-testid="cancel" on:click=move |_| state.cancel()>"Cancel"</button>
                        })}
                        {state.report.with(Option::is_some).then(|| view! {
                            <span class="muted small">" The results below are the previous ones until the new ones are ready."</span>
                        })}
                    </div>
                })}
                <live_view::LiveOffer/>
                <live_view::LiveBar/>
                {move || state.notice.get().map(|message| view! {
                    <div class="status notice" role="status" data-testid="notice">
                        <p>{message}</p>
                        <button on:click=move |_| state.notice.set(None)>"Dismiss"</button>
                    </div>
                })}
                {move || state.report.with(|report| {
                    let report = report.as_ref()?;
                    state.view.with(|v| v.missing_feature_notice(&report.ranking))
                }).map(|message| view! {
                    <div class="status notice" role="status" data-testid="feature-missing">
                        <p>{message}</p>
                    </div>
                })}
                {move || state.load_error.get().map(|message| view! {
                    <div class="status error" role="alert" data-testid="error">
                        <pre>{message}</pre>
                    </div>
                })}
                <div class="results" class:stale=move || state.busy.with(Option::is_some)>
                {move || match (current.get(), has_report.get()) {
                    (View::Data, _) => view! { <data_source::DataPanel/> }.into_any(),
                    (View::Series, _) => view! { <series::SeriesView/> }.into_any(),
                    (_, false) if state.busy.with(Option::is_some) => view! { <p class="muted">"Waiting for the first results…"</p> }.into_any(),
                    (_, false) => view! {
                        <p data-testid="no-data">"No data is analysed yet. "
                            <button on:click=move |_| { live::stop(state); data_source::load_bundled(state) }>"Analyse the bundled dataset"</button>
                            " or load your own on the Data view."</p>
                    }.into_any(),
                    // The overview stays while reports and controls change (its table
                    // follows them); the other views are drawn again for each.
                    (View::Overview, true) => view! { <overview::Overview/> }.into_any(),
                    (View::Feature, true) => (move || {
                        state.view.track();
                        state.report.get().map(|report| view! { <feature::FeatureView report=report/> })
                    }).into_any(),
                    // Drawn again for a new report or another set of features only (its
                    // own toggle stays while the controls move).
                    (View::Compare, true) => (move || {
                        state.report.get().map(|report| view! { <compare::CompareView report=report/> })
                    }).into_any(),
                    (View::ModelCard, true) => (move || {
                        state.view.track();
                        state.report.get().map(|report| view! { <model_card::ModelCardView report=report/> })
                    }).into_any(),
                }}
                </div>
            </main>
        </div>
        <footer class="foot">
            <p>"All analysis runs in this browser: nothing you load here is uploaded anywhere."</p>
        </footer>
    }
}
