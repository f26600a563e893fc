//! The person's files kept between visits. At start-up the page analyses the files kept
//! in this browser, if any, instead of the demo data, and a link made with uploaded files
//! that are not here says so (`kept::plan_start`); files analysed from an upload are kept
//! (`storage`), and "Forget my files" on the Data view removes them and returns to the
//! demo data. Storage that fails never stops the page: it says so and goes on.

use super::{data_source, storage, AppState, Busy};
use crate::engine::{Reply, SourceSpec};
use crate::kept::{
    kept_not_analysed, not_kept_reason, plan_start, Found, Keeping, KeptFiles, Start,
};
use leptos::prelude::*;
use wasm_bindgen_futures::spawn_local;

/// How long start-up waits for the browser's storage before it starts with the demo data.
const STORAGE_PATIENCE_MS: u32 = 4_000;

/// Starts the page's data: the files kept in this browser, or the demo data.
pub fn start(state: AppState) {
    state.keeping.set(Keeping::Checking);
    state.busy.set(Some(Busy {
        message: "Looking for files kept in this browser…".into(),
        percent: None,
        cancel: None,
    }));
    spawn_local(async move {
        let (found, files) = storage::within(STORAGE_PATIENCE_MS, storage::load())
            .await
            .unwrap_or_else(|| {
                let why = "its storage did not answer".to_string();
                (Found::Unavailable(why), vec![])
            });
        let plan = plan_start(state.view.with_untracked(|v| v.data), &found);
        state.notice.set(plan.notice);
        if plan.forget {
            forget_quietly();
        }
        state.keeping.set(match &found {
            Found::Files(kept) => Keeping::Kept(kept.clone()),
            Found::Unavailable(why) => Keeping::Unavailable(why.clone()),
            Found::Nothing | Found::Unreadable(_) => Keeping::Nothing,
        });
        state.busy.set(None);
        match (plan.start, found) {
            (Start::Kept, Found::Files(kept)) => open_kept(state, kept, files, true),
            _ => data_source::load_bundled(state),
        }
    });
}

fn forget_quietly() {
    spawn_local(async {
        if let Err((name, message)) = storage::forget().await {
            leptos::logging::warn!("the kept files could not be removed: {name}: {message}");
        }
    });
}

fn spec_of(kept: &KeptFiles) -> SourceSpec {
    SourceSpec::Files {
        telemetry: kept.telemetry.clone(),
        events: kept.events.clone(),
    }
}

/// Analyses the kept files. At start-up (`starting`), files that cannot be analysed give
/// way to the demo data with a notice; later, the previous data stays, as for any upload.
fn open_kept(state: AppState, kept: KeptFiles, files: Vec<web_sys::File>, starting: bool) {
    state.kept_files.set_value(files.clone());
    let what = format!("Reading {} (kept in this browser)…", kept.names());
    if !starting {
        state.analyse(spec_of(&kept), files, what);
        return;
    }
    let names = kept.names();
    state.analyse_or(
        spec_of(&kept),
        files,
        what,
        Box::new(move |reply| {
            let (why, removed) = match reply {
                // The engine refuses these files: it would at every visit.
                Reply::Failed(message) => (message, true),
                Reply::Crashed(message) => (format!("the engine stopped: {message}"), false),
                _ => return,
            };
            state
                .notice
                .set(Some(kept_not_analysed(&names, &why, removed)));
            if removed {
                forget_quietly();
                state.kept_files.set_value(Vec::new());
                state.keeping.set(Keeping::Nothing);
            }
            data_source::load_bundled(state);
        }),
    );
}

/// After an analysis of the person's `files` succeeded: keeps them, unless they are the
/// files already kept.
pub fn keep_after_analysis(state: AppState, spec: &SourceSpec, files: Vec<web_sys::File>) {
    let SourceSpec::Files { .. } = spec else {
        return;
    };
    let Some(telemetry) = files.first() else {
        return;
    };
    if state.kept_files.with_value(|kept| *kept == files) {
        return;
    }
    let kept = KeptFiles {
        telemetry: telemetry.name(),
        events: files.get(1).map(|f| f.name()),
        loaded_at_ms: js_sys::Date::now(),
        bytes: files.iter().map(|f| f.size()).sum(),
    };
    state.keeping.set(Keeping::Saving(kept.clone()));
    spawn_local(async move {
        let saved = storage::save(&files, kept.loaded_at_ms).await;
        // A later upload may have started keeping other files meanwhile; it decides.
        if state
            .keeping
            .with_untracked(|k| *k != Keeping::Saving(kept.clone()))
        {
            return;
        }
        match saved {
            Ok(()) => {
                state.kept_files.set_value(files);
                state.keeping.set(Keeping::Kept(kept));
            }
            Err((name, message)) => {
                // What was kept before is older than what is shown: a reload must not
                // bring it back in place of these files.
                forget_quietly();
                state.kept_files.set_value(Vec::new());
                state.keeping.set(Keeping::NotKept {
                    why: not_kept_reason(&name, &message, kept.bytes),
                    files: kept,
                });
            }
        }
    });
}

/// Removes the kept files and, if they are what the page shows, returns to the demo data.
fn forget(state: AppState) {
    spawn_local(async move {
        match storage::forget().await {
            Ok(()) => {
                state.kept_files.set_value(Vec::new());
                state.keeping.set(Keeping::Nothing);
                let showing_files = state.source.with_untracked(|s| {
                    s.as_ref()
                        .is_some_and(|s| matches!(s.spec, SourceSpec::Files { .. }))
                });
                if showing_files {
                    data_source::load_bundled(state);
                }
            }
            Err((name, message)) => state.load_error.set(Some(format!(
                "The kept files could not be removed ({name}: {message}); they are still kept in this browser."
            ))),
        }
    });
}

/// The Data view's part about the files kept in this browser: what is kept, since when,
/// and the buttons to open or forget them.
#[component]
pub fn KeptPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let warning = move || {
        state
            .keeping
            .with(|k| matches!(k, Keeping::NotKept { .. } | Keeping::Unavailable(_)))
    };
    let showing = move |kept: &KeptFiles| {
        state.source.with(|s| match s.as_ref().map(|s| &s.spec) {
            Some(SourceSpec::Files { telemetry, events }) => kept.are(telemetry, events.as_deref()),
            _ => false,
        })
    };
    view! {
        <section aria-labelledby="kept-title" data-testid="kept">
            <h2 id="kept-title">"Kept in this browser"</h2>
            <p class:status=warning class:error=warning data-testid="kept-status">
                {move || state.keeping.with(Keeping::describe)}
            </p>
            {move || state.keeping.with(|k| k.kept().cloned()).map(|kept| {
                let open = (!showing(&kept)).then(|| {
                    let kept = kept.clone();
                    view! {
                        <button data-testid="open-kept" on:click=move |_| {
                            let files = state.kept_files.get_value();
                            open_kept(state, kept.clone(), files, false);
                        }>{format!("Analyse {} again", kept.names())}</button>
                    }
                });
                view! {
                    <p class="inline-form">
                        {open}
                        <button data-testid="forget" on:click=move |_| forget(state)>"Forget my files"</button>
                    </p>
                }
            })}
        </section>
    }
}
