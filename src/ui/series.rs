//! The Series view: one metric series (`timestamp,value`, the format of
//! `feature-radar detect`) scored for anomalies in the browser, with the same scores the
//! command-line tool writes, a summary in sentences, a chart and the scored CSV. A file
//! that cannot be read leaves the previous series in place and says why.

use super::chart::ChartView;
use super::{browser, engine, AppState, Shared};
use crate::charts::{empty, series_chart};
use crate::engine::{Reply, Request, ScoredSeries, SeriesSource};
use crate::synth::series::SERIES_KINDS;
use crate::telemetry::write_scored_series;
use leptos::prelude::*;
use std::sync::Arc;

/// A scored series on screen (kept in the page's state, so it survives a change of tab).
pub type Scored = Shared<ScoredSeries>;

/// Scores a series in a worker of its own; the previous series stays until it is done,
/// or stays for good if this one fails.
fn score(
    source: SeriesSource,
    files: &[web_sys::File],
    current: RwSignal<Option<Scored>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
) {
    busy.set(true);
    let request = Request::Series { source };
    engine::run_once(request, files, move |reply| {
        busy.set(false);
        match reply {
            Reply::Series(scored) => {
                error.set(None);
                current.set(Some(Shared(Arc::new(*scored))));
            }
            Reply::Failed(message) | Reply::Crashed(message) => {
                error.set(Some(format!("{message}\nThe previous series stays.")))
            }
            _ => {}
        }
    });
}

#[component]
pub fn SeriesView() -> impl IntoView {
    let current = expect_context::<AppState>().series;
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let kind = RwSignal::new(SERIES_KINDS[0].to_string());
    let seed = RwSignal::new(1u64);
    if current.with_untracked(Option::is_none) {
        let first = SeriesSource::Example {
            kind: "cpu-5min".into(),
            seed: 1,
        };
        score(first, &[], current, error, busy);
    }
    let take = move |files: Option<web_sys::FileList>| {
        let Some(file) = files.and_then(|l| l.get(0)) else {
            return;
        };
        if let Err(message) = browser::check_size(&file) {
            error.set(Some(format!("{message}\nThe previous series stays.")));
            return;
        }
        let source = SeriesSource::File { name: file.name() };
        score(source, &[file], current, error, busy);
    };
    let download = move |_| {
        if let Some(s) = current.get_untracked() {
            let csv = write_scored_series(&s.points, &s.summary.scores);
            if let Err(e) = browser::download_text("scores.csv", "text/csv", &csv) {
                error.set(Some(e));
            }
        }
    };
    view! {
        <section aria-labelledby="series-title" data-testid="series-view">
            <h2 id="series-title">"One series: anomalies"</h2>
            <p>"Score any metric series, "<code>"timestamp,value"</code>" (the Numenta Anomaly Benchmark's format), the way "
                <code>"feature-radar detect"</code>" does: each value against the values before it only, with a baseline that learns the time of day and the weekday from the timestamps. Nothing is uploaded."</p>
            <div class="inline-form">
                <label for="series-file">"Your series: "</label>
                <input id="series-file" type="file" accept=".csv,text/csv" data-testid="series-input"
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        take(input.files());
                    }/>
            </div>
            <div class="inline-form">
                <label for="series-kind">"Or an example"</label>
                <select id="series-kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {SERIES_KINDS.iter().map(|k| view! { <option value=*k>{*k}</option> }).collect_view()}
                </select>
                <label for="series-seed">"Seed"</label>
                <input id="series-seed" type="number" min="0" prop:value=move || seed.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { seed.set(v) } }/>
                <button data-testid="series-sample" on:click=move |_| {
                    let source = SeriesSource::Example { kind: kind.get_untracked(), seed: seed.get_untracked() };
                    score(source, &[], current, error, busy);
                }>"Score the example"</button>
            </div>
            {move || busy.get().then(|| view! {
                <p class="status" role="status" data-testid="series-busy"><span class="spinner" aria-hidden="true"></span>"Scoring the series…"</p>
            })}
            {move || error.get().map(|message| view! {
                <div class="status error" role="alert" data-testid="series-error"><pre>{message}</pre></div>
            })}
            {move || current.get().map(|s| {
                let chart = series_chart(&s.name, &s.points, &s.summary);
                let alt = format!("{}: {} values (left axis) and their anomaly scores from 0 to 1 (right axis); anomalous episodes marked: {}.", s.name, s.points.len(), s.summary.episodes.len());
                view! {
                    <div data-testid="series-summary">
                        <h3>{s.name.clone()}</h3>
                        <ul class="sentences">
                            {s.summary.sentences.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}
                        </ul>
                        <ChartView id="series-chart".to_string() chart=chart alt=alt height=360 empty=empty::series(&s.points)/>
                        <p><button data-testid="series-download" on:click=download>"Download the scores (CSV)"</button></p>
                    </div>
                }
            })}
        </section>
    }
}
