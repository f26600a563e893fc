//! The page: Leptos components over the core's [`Report`]. Thin on purpose: it fetches
//! the bundled files, hands them to the same engine the command-line tool uses, and
//! shows the result. Only this module (and `main.rs`) knows about the browser.

mod fetch;
pub mod ranking;

use crate::report::Report;
use crate::{analyze, load, Config};
use leptos::prelude::*;
use std::sync::Arc;

/// What the page shows: loading, a finished analysis, or why there is none.
#[derive(Clone)]
pub enum Status {
    Loading(String),
    Ready(Arc<Report>),
    Failed(String),
}

/// Sets a panic hook that shows the failure on the page instead of a blank screen, and
/// mounts the app.
pub fn mount() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("fatal"))
        {
            el.set_text_content(Some(&format!(
                "Feature Radar stopped on an internal error; please reload the page. ({info})"
            )));
            let _ = el.set_attribute("class", "fatal shown");
        }
    }));
    leptos::mount::mount_to_body(App);
}

/// Reads the bundled data and runs the engine on it.
async fn analyse_bundled() -> Result<Report, String> {
    let telemetry = fetch::text("data/telemetry.csv").await?;
    let events = fetch::text("data/events.csv").await?;
    // Let the browser paint the progress message before the engine runs.
    gloo_timers::future::TimeoutFuture::new(0).await;
    let data = load(
        "telemetry.csv",
        telemetry.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .map_err(|e| e.to_string())?;
    Ok(analyze(&data.dataset, &data.events, &Config::default()))
}

#[component]
pub fn App() -> impl IntoView {
    let (status, set_status) = signal(Status::Loading(
        "Loading the bundled telemetry…".to_string(),
    ));
    leptos::task::spawn_local(async move {
        set_status.set(Status::Loading("Analysing…".to_string()));
        match analyse_bundled().await {
            Ok(report) => set_status.set(Status::Ready(Arc::new(report))),
            Err(message) => set_status.set(Status::Failed(message)),
        }
    });
    view! {
        <header class="top">
            <h1>"Feature Radar"</h1>
            <p class="tagline">"Which features are about to degrade, why, and which to fix first."</p>
        </header>
        <main id="main">
            {move || match status.get() {
                Status::Loading(message) => view! {
                    <p class="status" role="status" data-testid="status">{message}</p>
                }.into_any(),
                Status::Failed(message) => view! {
                    <p class="status error" role="alert" data-testid="error">{message}</p>
                }.into_any(),
                Status::Ready(report) => view! { <ReportView report=report/> }.into_any(),
            }}
        </main>
        <footer class="foot">
            <p>"All analysis runs in this browser; no data leaves it."</p>
        </footer>
    }
}

/// The analysis: headline sentences, then the ranked table.
#[component]
pub fn ReportView(report: Arc<Report>) -> impl IntoView {
    let d = &report.dataset;
    let summary = format!(
        "{} features, {} to {}, {} degradations and {} deploys in the data.",
        d.features, d.start, d.end, d.degradations, d.deploys
    );
    let insights: Vec<String> = report
        .insights
        .iter()
        .take(6)
        .map(|i| i.text.clone())
        .collect();
    view! {
        <section aria-labelledby="insights-title">
            <h2 id="insights-title">"What needs attention"</h2>
            <p class="summary">{summary}</p>
            <ul class="insights">
                {insights.into_iter().map(|text| view! { <li data-testid="insight">{text}</li> }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="ranking-title">
            <h2 id="ranking-title">"Ranking"</h2>
            <ranking::RankingTable ranking=report.ranking.clone()/>
        </section>
    }
}
