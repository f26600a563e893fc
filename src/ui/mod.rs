//! The page: Leptos components over the core's [`Analysis`] and [`Report`]. Thin on
//! purpose: it gets data (bundled files, a generated set, or the person's own files, which
//! never leave the browser), hands it to the same engine the command-line tool uses, and
//! shows the result. Only this module (and `main.rs`) knows about the browser.

mod browser;
pub mod chart;
pub mod controls;
pub mod data_source;
mod feature;
mod model_card;
pub mod overview;
pub mod ranking;
pub mod series;

use crate::report::{prepare_shared, Analysis, Report};
use crate::view_state::{View, ViewState};
use crate::LoadedData;
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

/// The data being analysed and where it came from.
#[derive(Debug)]
pub struct Source {
    pub label: String,
    pub data: LoadedData,
}

/// The page's state, shared through context.
#[derive(Clone, Copy)]
pub struct AppState {
    pub source: RwSignal<Option<Shared<Source>>>,
    pub view: RwSignal<ViewState>,
    pub analysis: RwSignal<Option<Shared<Analysis>>>,
    pub report: Memo<Option<Shared<Report>>>,
    /// A progress message while the engine runs.
    pub busy: RwSignal<Option<String>>,
    /// Why the last attempt to load data failed (the previous data stays).
    pub load_error: RwSignal<Option<String>>,
    pub dark: RwSignal<bool>,
    /// The series on the Series view.
    pub series: RwSignal<Option<series::Scored>>,
}

impl AppState {
    pub fn new(initial: ViewState) -> Self {
        let source = RwSignal::new(None::<Shared<Source>>);
        let view = RwSignal::new(initial);
        let analysis = RwSignal::new(None::<Shared<Analysis>>);
        let knobs = Memo::new(move |_| view.with(|v| (v.tiers, v.weights)));
        let report = Memo::new(move |_| {
            let analysis = analysis.get()?;
            let (tiers, weights) = knobs.get();
            Some(Shared(Arc::new(analysis.report(&tiers, &weights))))
        });
        AppState {
            source,
            view,
            analysis,
            report,
            busy: RwSignal::new(None),
            load_error: RwSignal::new(None),
            dark: RwSignal::new(browser::prefers_dark()),
            series: RwSignal::new(None),
        }
    }

    /// Opens the feature view of `feature`.
    pub fn open_feature(&self, feature: String) {
        self.view.update(|v| {
            v.view = View::Feature;
            v.feature = Some(feature);
        });
        browser::scroll_to_top();
    }

    /// Re-runs the engine whenever the data or the horizon changes. A horizon change on
    /// the same data refits only (the signals and labels are reused). The engine call is
    /// the one async boundary, so that it can move to a Web Worker.
    fn run_engine_on_changes(self) {
        let horizon = Memo::new(move |_| self.view.with(|v| v.horizon));
        let generation = StoredValue::new(0u64);
        // The source the current analysis was made from.
        let analysed = StoredValue::new(None::<Shared<Source>>);
        Effect::new(move |_| {
            let Some(source) = self.source.get() else {
                return;
            };
            let horizon = horizon.get();
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            let same_data = analysed.with_value(|a| a.as_ref() == Some(&source));
            let previous = self.analysis.get_untracked().filter(|_| same_data);
            self.busy.set(Some(match previous {
                Some(_) => format!("Refitting the model for a {horizon}-day horizon…"),
                None => format!(
                    "Analysing {} features over {} days…",
                    source.data.dataset.features.len(),
                    source.data.dataset.days
                ),
            }));
            leptos::task::spawn_local(async move {
                let analysis = run_engine(source.clone(), previous, horizon).await;
                // A newer request supersedes this one.
                if generation.get_value() == mine {
                    analysed.set_value(Some(source));
                    self.analysis.set(Some(Shared(Arc::new(analysis))));
                    self.busy.set(None);
                }
            });
        });
    }
}

/// The engine behind one async boundary: yields so the page can paint the progress
/// message, then runs the analysis, or only refits `previous` (an analysis of the same
/// data) for the new horizon.
pub async fn run_engine(
    source: Shared<Source>,
    previous: Option<Shared<Analysis>>,
    horizon: usize,
) -> Analysis {
    gloo_timers::future::TimeoutFuture::new(30).await;
    let config = crate::Config::default();
    let mut model = config.model;
    model.horizon = horizon;
    match previous {
        Some(previous) => previous.with_model(&model),
        None => prepare_shared(
            source.data.dataset.clone(),
            &source.data.events,
            &model,
            &config.slo,
        ),
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
    state.run_engine_on_changes();
    Effect::new(move |_| browser::replace_query(&state.view.with(|v| v.to_query())));
    Effect::new(move |_| browser::set_theme(state.dark.get()));
    data_source::load_bundled(state);

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
                {move || state.busy.get().map(|message| view! {
                    <p class="status" role="status" data-testid="status">
                        <span class="spinner" aria-hidden="true"></span>{message}
                    </p>
                })}
                {move || state.load_error.get().map(|message| view! {
                    <div class="status error" role="alert" data-testid="error">
                        <pre>{message}</pre>
                    </div>
                })}
                {move || match (state.view.with(|v| v.view), state.report.get()) {
                    (View::Data, _) => view! { <data_source::DataPanel/> }.into_any(),
                    (View::Series, _) => view! { <series::SeriesView/> }.into_any(),
                    (_, None) => view! { <p class="muted">"Waiting for data…"</p> }.into_any(),
                    (View::Overview, Some(report)) => view! { <overview::Overview report=report/> }.into_any(),
                    (View::Feature, Some(report)) => view! { <feature::FeatureView report=report/> }.into_any(),
                    (View::ModelCard, Some(report)) => view! { <model_card::ModelCardView report=report/> }.into_any(),
                }}
            </main>
        </div>
        <footer class="foot">
            <p>"All analysis runs in this browser: nothing you load here is uploaded anywhere."</p>
        </footer>
    }
}
