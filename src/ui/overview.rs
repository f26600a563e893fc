//! The overview: headline figures, the most important sentences (each linking to its
//! feature), the exports, and the ranked table.

use super::{browser, ranking::RankingTable, AppState, Shared};
use crate::engine::{Reply, Request, SourceSpec};
use crate::insights::human_count;
use crate::report::Report;
use leptos::prelude::*;

/// The overview of the report shown. Its summary is drawn again for each new report; the
/// ranked table stays and follows it (see [`RankingTable`]).
#[component]
pub fn Overview() -> impl IntoView {
    let state = expect_context::<AppState>();
    let summary = move || {
        state
            .report
            .get()
            .map(|report| view! { <Summary report=report/> })
    };
    let export = move |name: &str, mime: &str, text: String| {
        if let Err(e) = browser::download_text(name, mime, &text) {
            leptos::logging::warn!("export: {e}");
        }
    };
    let export_csv = move |_| {
        if let Some(report) = state.report.get_untracked() {
            export(
                "feature-radar-ranking.csv",
                "text/csv",
                report.ranking_csv(),
            );
        }
    };
    // The page holds the report without the signal contributions; the whole report is
    // the worker's.
    let export_json = move |_| {
        let asked = super::engine::ask(
            Request::ReportJson,
            |_, _| {},
            move |reply| match reply {
                Reply::Text(json) => export("feature-radar-report.json", "application/json", json),
                Reply::Failed(message) | Reply::Crashed(message) => state.load_error.set(Some(
                    format!("The report could not be exported: {message}."),
                )),
                _ => {}
            },
        );
        if !asked {
            state.load_error.set(Some(
                "The report could not be exported: the analysis is being made again.".into(),
            ));
        }
    };
    view! {
        {summary}
        <section aria-labelledby="ranking-title">
            <div class="section-head">
                <h2 id="ranking-title">"Ranking"</h2>
                <div class="exports">
                    <button on:click=export_csv>"Export table (CSV)"</button>
                    <button on:click=export_json>"Export report (JSON)"</button>
                </div>
            </div>
            <RankingTable
                report=state.report.into()
                view=state.view
                on_open=Callback::new(move |f| state.open_feature(f))
            />
        </section>
    }
}

/// The headline figures, the most important sentences and what the data is.
#[component]
fn Summary(report: Shared<Report>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let h = report.headline();
    let changed = if h.changed.is_empty() {
        "no tier changes since the previous day".to_string()
    } else {
        let list: Vec<String> = h
            .changed
            .iter()
            .take(5)
            .map(|(f, from, to)| format!("{f} ({} -> {})", from.as_str(), to.as_str()))
            .collect();
        let more = h.changed.len().saturating_sub(5);
        format!(
            "{} changed tier since the previous day: {}{}",
            h.changed.len(),
            list.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    let insights: Vec<(Option<String>, String)> = report
        .insights
        .iter()
        .take(5)
        .map(|i| (i.feature.clone(), i.text.clone()))
        .collect();
    let data_line = format!(
        "Data: {}. Risk is the chance that a degradation starts within {} days; a degradation under way (an open incident, or a breach of the service level that has lasted {}) is shown as such, not as a risk.",
        report.dataset.describe(),
        report.config.model.horizon,
        crate::insights::counted(report.config.slo.confirm_days, "day", "days")
    );
    // What the data is and how recent: demo data is never mistaken for one's own.
    let end = report.dataset.end;
    let source = move || {
        state.source.with(|source| {
            let (kind, what) = match source.as_ref().map(|s| &s.0.spec) {
                Some(SourceSpec::Bundled) | None => (
                    "demo",
                    "Demo data: the synthetic dataset bundled with the page".to_string(),
                ),
                Some(SourceSpec::Generated { seed, .. }) => (
                    "demo",
                    format!("Demo data: a generated synthetic dataset (seed {seed})"),
                ),
                Some(SourceSpec::Files { telemetry, events }) => {
                    let names = match events {
                        Some(events) => format!("Your data: {telemetry} and {events}"),
                        None => format!("Your data: {telemetry}"),
                    };
                    // Whether a reload or a link opened in this browser shows them again.
                    let kept = state
                        .keeping
                        .with(|k| k.of_files_shown(telemetry, events.as_deref()));
                    let what = if kept.is_empty() {
                        names
                    } else {
                        format!("{names} ({kept})")
                    };
                    ("own", what)
                }
                Some(SourceSpec::Live { telemetry, .. }) => {
                    ("own", format!("Your data, live from {telemetry}"))
                }
            };
            view! {
                <p class=format!("data-source {kind}") data-testid="data-source">
                    {format!("{what}, telemetry up to {end}.")}
                </p>
            }
        })
    };
    view! {
        <section aria-labelledby="overview-title">
            {source}
            <h2 id="overview-title">"What needs attention"</h2>
            <dl class="figures" data-testid="headline">
                <div><dt>"Features monitored"</dt><dd>{h.features}</dd></div>
                <div class="under-way"><dt>"Degradation under way now"</dt><dd data-testid="count-under-way">{h.under_way}</dd></div>
                <div class="at-risk"><dt>"At risk, nothing under way"</dt><dd data-testid="count-at-risk">{h.at_risk}</dd></div>
                <div class="investigate"><dt>"Investigate"</dt><dd data-testid="count-investigate">{h.investigate}</dd></div>
                <div class="watch"><dt>"Watch"</dt><dd>{h.watch}</dd></div>
                <div><dt>"Monitor"</dt><dd>{h.monitor}</dd></div>
                <div><dt>"Weekly sessions on investigate features"</dt><dd>{human_count(h.sessions_exposed)}</dd></div>
            </dl>
            <p class="muted">{changed}</p>
            <ol class="insights">
                {insights
                    .into_iter()
                    .map(|(feature, text)| {
                        let link = feature.map(|f| {
                            let label = format!("Open {f}");
                            view! {
                                <button class="link" aria-label=label on:click=move |_| state.open_feature(f.clone())>
                                    "Open"
                                </button>
                            }
                        });
                        view! { <li data-testid="insight">{text}" "{link}</li> }
                    })
                    .collect_view()}
            </ol>
            <p class="muted small">{data_line}</p>
        </section>
    }
}
