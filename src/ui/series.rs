//! The Series view: one metric series (`timestamp,value`, the format of
//! `feature-radar detect`) scored for anomalies in the browser, with the same scores the
//! command-line tool writes, a summary in sentences, a chart and the scored CSV. A file
//! that cannot be read leaves the previous series in place and says why.

use super::chart::ChartView;
use super::{browser, AppState};
use crate::charts::series_chart;
use crate::series_summary::{summarize, SeriesSummary};
use crate::synth::series::{labelled_series, SERIES_KINDS};
use crate::telemetry::{parse_series, write_scored_series, SeriesPoint};
use leptos::prelude::*;
use std::sync::Arc;

/// A scored series on screen (kept in the page's state, so it survives a change of tab).
#[derive(Clone)]
pub struct Scored {
    name: String,
    points: Arc<Vec<SeriesPoint>>,
    summary: Arc<SeriesSummary>,
}

fn scored(name: String, points: Vec<SeriesPoint>) -> Scored {
    let summary = summarize(&points);
    Scored {
        name,
        points: Arc::new(points),
        summary: Arc::new(summary),
    }
}

/// A generated example series of one kind, in the detect format.
fn sample(kind: &str, seed: u64) -> Option<Scored> {
    let series = labelled_series(kind, seed)?;
    Some(scored(
        format!("example: {kind} (seed {seed})"),
        series.points(),
    ))
}

#[component]
pub fn SeriesView() -> impl IntoView {
    let current = expect_context::<AppState>().series;
    if current.with_untracked(Option::is_none) {
        current.set(sample("cpu-5min", 1));
    }
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let kind = RwSignal::new(SERIES_KINDS[0].to_string());
    let seed = RwSignal::new(1u64);
    let take = move |files: Option<web_sys::FileList>| {
        let Some(file) = files.and_then(|l| l.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let name = file.name();
            match browser::read_file(&file).await {
                Ok(bytes) => match parse_series(&name, bytes.as_slice()) {
                    Ok(points) if !points.is_empty() => {
                        error.set(None);
                        current.set(Some(scored(name, points)));
                    }
                    Ok(_) => error.set(Some(format!(
                        "{name}: the file has no rows. The previous series stays."
                    ))),
                    Err(e) => error.set(Some(format!("{e}\nThe previous series stays."))),
                },
                Err(message) => error.set(Some(message)),
            }
        });
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
                    error.set(None);
                    current.set(sample(&kind.get_untracked(), seed.get_untracked()));
                }>"Score the example"</button>
            </div>
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
                        <ChartView id="series-chart".to_string() chart=chart alt=alt height=360/>
                        <p><button data-testid="series-download" on:click=download>"Download the scores (CSV)"</button></p>
                    </div>
                }
            })}
        </section>
    }
}
