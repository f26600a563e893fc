//! Where the data comes from: the bundled dataset, a new synthetic one, or the person's
//! own telemetry.csv and events.csv (chosen or dropped; read in the browser, never sent
//! anywhere). Files are validated; a file that cannot be used leaves the previous data in
//! place and says why, by file, line and column.

use super::{browser, AppState};
use crate::engine::SourceSpec;
use leptos::prelude::*;

/// Loads the bundled dataset. The page does not download it: the engine's worker runs
/// the generator that made `data/telemetry.csv` and `data/events.csv`, with the same
/// seed, and reads the same files, bit for bit (a test checks it), like any upload. This
/// saves the first view about 290 KB of transfer.
pub fn load_bundled(state: AppState) {
    state.analyse(
        SourceSpec::Bundled,
        vec![],
        "Loading the bundled telemetry…".into(),
    );
}

/// Sorts chosen or dropped files into telemetry and events by name and hands them to the
/// engine, which reads them in its worker. Files over the size limit are refused here.
fn take_files(state: AppState, files: Vec<web_sys::File>) {
    let mut telemetry = None;
    let mut events = None;
    for file in files {
        if let Err(message) = browser::check_size(&file) {
            state.load_error.set(Some(format!(
                "{message}\nThe file was not loaded; the previous data stays."
            )));
            return;
        }
        if file.name().to_lowercase().contains("event") {
            events = Some(file);
        } else {
            telemetry = Some(file);
        }
    }
    let Some(telemetry) = telemetry else {
        state.load_error.set(Some(
            "Choose a telemetry file (and optionally an events file whose name contains \"event\"). The previous data stays.".into(),
        ));
        return;
    };
    let spec = SourceSpec::Files {
        telemetry: telemetry.name(),
        events: events.as_ref().map(|e| e.name()),
    };
    super::live::stop(state);
    let what = format!("Reading {}…", telemetry.name());
    let files = std::iter::once(telemetry).chain(events).collect();
    state.analyse(spec, files, what);
}

fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect())
        .unwrap_or_default()
}

/// The most features the Data view generates.
const MAX_GENERATED_FEATURES: usize = 10_000;

#[component]
pub fn DataPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let (seed, features, days) = state.generator;
    let dragging = RwSignal::new(false);
    let generate_now = move |_| {
        let spec = SourceSpec::Generated {
            seed: seed.get_untracked(),
            features: features.get_untracked().clamp(1, MAX_GENERATED_FEATURES),
            days: days.get_untracked().clamp(60, 730),
        };
        super::live::stop(state);
        state.analyse(spec, vec![], "Generating a synthetic dataset…".into());
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
                "Files you choose are read and analysed inside this browser and never leave it."</p>
            <p data-testid="source">{move || state.source.get().map_or("No data loaded yet.".to_string(), |s| {
                format!("Analysing {}: {}, {} to {}, {}.", s.label, crate::insights::counted(s.features, "feature", "features"), s.start, s.end, crate::insights::counted(s.events, "event", "events"))
            })}</p>
            {move || state.source.get().map(|s| {
                let problems = s.problems.clone();
                let more = s.problem_count.saturating_sub(problems.len());
                let ignored = s.ignored_columns.clone();
                view! {
                    {(!problems.is_empty()).then(|| view! {
                        <div class="problems" data-testid="problems">
                            <h3>{format!("{} row(s) skipped", s.problem_count)}</h3>
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
        <super::live_view::LivePanel/>
        <super::kept::KeptPanel/>
        <ContractColumns/>
        <section aria-labelledby="synth-title">
            <h2 id="synth-title">"Other data"</h2>
            <div class="inline-form">
                <label for="seed">"Seed"</label>
                <input id="seed" type="number" min="0" prop:value=move || seed.get().to_string()
                    on:change=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { seed.set(v) } }/>
                <label for="n-features">"Features"</label>
                <input id="n-features" type="number" min="1" max=MAX_GENERATED_FEATURES prop:value=move || features.get().to_string() on:change=number(features)/>
                <label for="n-days">"Days"</label>
                <input id="n-days" type="number" min="60" max="730" prop:value=move || days.get().to_string() on:change=number(days)/>
                <button data-testid="generate" on:click=generate_now>"Generate a synthetic dataset"</button>
            </div>
            <p><button on:click=move |_| { super::live::stop(state); load_bundled(state) }>"Back to the bundled dataset"</button></p>
        </section>
    }
}

/// One file's columns, from the core's table of the data contract (the readers take their
/// required columns from the same table).
fn columns_table(
    file: &'static str,
    columns: &'static [crate::telemetry::Column],
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="plain columns" data-testid=format!("columns-{}", file.trim_end_matches(".csv"))>
                <caption><code>{file}</code></caption>
                <thead><tr>
                    <th scope="col">"Column"</th><th scope="col">"Required"</th>
                    <th scope="col">"Written as"</th><th scope="col">"Meaning"</th>
                    <th scope="col">"Unit"</th>
                </tr></thead>
                <tbody>
                    {columns.iter().map(|c| view! {
                        <tr class:required=c.required>
                            <th scope="row"><code>{c.name}</code></th>
                            <td>{if c.required { "required" } else { "optional" }}</td>
                            <td>{c.format}</td>
                            <td>{c.meaning}</td>
                            <td>{c.unit}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The data contract's columns of telemetry.csv and events.csv, and templates of both to
/// download (made by the core, which checks that they read without a problem).
#[component]
fn ContractColumns() -> impl IntoView {
    use crate::telemetry::{
        events_template, telemetry_template, EVENTS_COLUMNS, TELEMETRY_COLUMNS,
    };
    let state = expect_context::<AppState>();
    let offer = move |name: &str, text: String| {
        if let Err(e) = browser::download_text(name, "text/csv", &text) {
            state
                .load_error
                .set(Some(format!("The template could not be downloaded: {e}.")));
        }
    };
    view! {
        <section aria-labelledby="contract-title" data-testid="contract">
            <h2 id="contract-title">"The columns your files need"</h2>
            <p>"Comma-separated, UTF-8, with a header row; columns in any order. A required column must be filled in every row; an empty optional cell is a missing value. A period with no row for a feature is a gap, not a zero."</p>
            {columns_table("telemetry.csv", &TELEMETRY_COLUMNS)}
            <p class="muted small">"With the cohort columns, the rows of one period and feature are its cohorts, combined weighted by sessions."</p>
            {columns_table("events.csv", &EVENTS_COLUMNS)}
            <p>
                "Start from a template: two features over a week, with deploys and an incident. "
                <button data-testid="template-telemetry" on:click=move |_| offer("telemetry.csv", telemetry_template())>
                    "Download a telemetry.csv template"
                </button>
                " "
                <button data-testid="template-events" on:click=move |_| offer("events.csv", events_template())>
                    "Download an events.csv template"
                </button>
            </p>
        </section>
    }
}
