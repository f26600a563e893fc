//! Where the data comes from: the bundled dataset, a new synthetic one, or the person's
//! own telemetry.csv and events.csv (chosen or dropped; read in the browser, never sent
//! anywhere). Files are validated; a file that cannot be used leaves the previous data in
//! place and says why, by file, line and column.

use super::{browser, AppState, Shared, Source};
use crate::synth::{generate, SynthParams};
use crate::telemetry::{Dataset, Granularity};
use crate::{load, LoadedData};
use leptos::prelude::*;
use std::sync::Arc;

/// Replaces the data being analysed.
fn use_source(state: AppState, label: String, data: LoadedData) {
    state.load_error.set(None);
    state
        .source
        .set(Some(Shared(Arc::new(Source { label, data }))));
}

/// Loads the bundled dataset. The page does not download it: the generator that made
/// `data/telemetry.csv` and `data/events.csv` runs here with the same seed and writes the
/// same files, bit for bit (a test checks it), which are then read like any upload. This
/// saves the first view about 290 KB of transfer.
pub fn load_bundled(state: AppState) {
    state
        .busy
        .set(Some("Loading the bundled telemetry…".into()));
    leptos::task::spawn_local(async move {
        // Let the page paint the message first.
        gloo_timers::future::TimeoutFuture::new(0).await;
        let (telemetry, events) = crate::synth::bundled_files();
        match load(
            "telemetry.csv",
            telemetry.as_bytes(),
            Some(("events.csv", events.as_bytes())),
        ) {
            Ok(data) => use_source(state, "the bundled synthetic dataset".into(), data),
            Err(error) => {
                state.busy.set(None);
                state.load_error.set(Some(error.to_string()));
            }
        }
    });
}

/// Loads the person's own files (events optional).
pub fn load_files(
    state: AppState,
    telemetry: (String, Vec<u8>),
    events: Option<(String, Vec<u8>)>,
) {
    let result = load(
        &telemetry.0,
        telemetry.1.as_slice(),
        events
            .as_ref()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice())),
    );
    match result {
        Ok(data) => {
            let label = match &events {
                Some((e, _)) => format!("your files {} and {e}", telemetry.0),
                None => format!("your file {}", telemetry.0),
            };
            use_source(state, label, data);
        }
        Err(error) => state.load_error.set(Some(format!(
            "{error}\nThe file was not loaded; the analysis still shows the previous data."
        ))),
    }
}

/// Sorts chosen or dropped files into telemetry and events by name, reads them, loads.
fn take_files(state: AppState, files: Vec<web_sys::File>) {
    leptos::task::spawn_local(async move {
        let mut telemetry = None;
        let mut events = None;
        for file in files {
            match browser::read_file(&file).await {
                Ok(text) => {
                    let name = file.name();
                    if name.to_lowercase().contains("event") {
                        events = Some((name, text));
                    } else {
                        telemetry = Some((name, text));
                    }
                }
                Err(message) => {
                    state.load_error.set(Some(message));
                    return;
                }
            }
        }
        match telemetry {
            Some(telemetry) => load_files(state, telemetry, events),
            None => state.load_error.set(Some(
                "Choose a telemetry file (and optionally an events file whose name contains \"event\"). The previous data stays.".into(),
            )),
        }
    });
}

fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}

#[component]
pub fn DataPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let seed = RwSignal::new(7u64);
    let features = RwSignal::new(80usize);
    let days = RwSignal::new(180usize);
    let dragging = RwSignal::new(false);
    let generate_now = move |_| {
        let params = SynthParams {
            seed: seed.get_untracked(),
            features: features.get_untracked().clamp(1, 500),
            days: days.get_untracked().clamp(60, 730),
            ..SynthParams::default()
        };
        let data = generate(&params);
        if let Some(dataset) = Dataset::from_records(&data.telemetry, Granularity::Days) {
            use_source(
                state,
                format!(
                    "a synthetic dataset (seed {}, {} features, {} days)",
                    params.seed, params.features, params.days
                ),
                LoadedData {
                    dataset: Arc::new(dataset),
                    events: data.events,
                    problems: vec![],
                    ignored_columns: vec![],
                },
            );
        }
    };
    let number = |signal: RwSignal<usize>| {
        move |ev| {
            if let Ok(v) = event_target_value(&ev).parse() {
                signal.set(v)
            }
        }
    };
    view! {
        <section aria-labelledby="data-title" data-testid="data-panel">
            <h2 id="data-title">"Data"</h2>
            <p class="privacy"><strong>"Nothing is uploaded. "</strong>
                "Files you choose are read and analysed inside this browser tab and never leave it."</p>
            <p data-testid="source">{move || state.source.get().map_or("No data loaded yet.".to_string(), |s| {
                let d = &s.data.dataset;
                format!("Analysing {}: {} features, {} to {}, {} events.", s.label, d.features.len(), d.start, d.end(), s.data.events.len())
            })}</p>
            {move || state.source.get().map(|s| {
                let problems: Vec<String> = s.data.problems.iter().take(50).map(|p| p.to_string()).collect();
                let more = s.data.problems.len().saturating_sub(50);
                let ignored: Vec<String> = s.data.ignored_columns.iter().map(|(f, c)| format!("{f}: {c}")).collect();
                view! {
                    {(!problems.is_empty()).then(|| view! {
                        <div class="problems" data-testid="problems">
                            <h3>{format!("{} row(s) skipped", s.data.problems.len())}</h3>
                            <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
                            {(more > 0).then(|| view! { <p>{format!("… and {more} more.")}</p> })}
                        </div>
                    })}
                    {(!ignored.is_empty()).then(|| view! {
                        <p class="muted" data-testid="ignored">"Ignored columns (not in the data contract): "{ignored.join(", ")}</p>
                    })}
                }
            })}
        </section>
        <section aria-labelledby="own-title">
            <h2 id="own-title">"Your own telemetry"</h2>
            <p>"Choose telemetry.csv, and optionally events.csv (its name must contain \"event\"), in the data contract's format. Columns may come in any order; extra columns are ignored."</p>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                data-testid="dropzone"
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    take_files(state, file_list(ev.data_transfer().and_then(|d| d.files())));
                }
            >
                <label for="files">"Drop the files here, or choose them: "</label>
                <input
                    id="files"
                    type="file"
                    accept=".csv,text/csv"
                    multiple=true
                    data-testid="file-input"
                    on:change=move |ev| {
                        let input: web_sys::HtmlInputElement = event_target(&ev);
                        take_files(state, file_list(input.files()));
                    }
                />
            </div>
        </section>
        <section aria-labelledby="synth-title">
            <h2 id="synth-title">"Other data"</h2>
            <div class="inline-form">
                <label for="seed">"Seed"</label>
                <input id="seed" type="number" min="0" prop:value=move || seed.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { seed.set(v) } }/>
                <label for="n-features">"Features"</label>
                <input id="n-features" type="number" min="1" max="500" prop:value=move || features.get().to_string() on:change=number(features)/>
                <label for="n-days">"Days"</label>
                <input id="n-days" type="number" min="60" max="730" prop:value=move || days.get().to_string() on:change=number(days)/>
                <button data-testid="generate" on:click=generate_now>"Generate a synthetic dataset"</button>
            </div>
            <p><button on:click=move |_| load_bundled(state)>"Back to the bundled dataset"</button></p>
        </section>
    }
}
