//! The page's side of a live source (`crate::live`; its words and controls are in
//! `live_view`): it reads the addresses the person gave at their interval, takes a new
//! version to the engine like an upload, records when it last looked and what it found,
//! backs off after failures (the data shown stays), and keeps the tiers the person last
//! saw, so that features that changed tier since are highlighted.
//!
//! Requests ask the browser's cache to check with the server (`cache: no-cache`): a
//! server that sends `ETag` or `Last-Modified` answers an unchanged file with
//! 304 Not Modified, and the file is neither transferred again nor analysed. Nothing is
//! sent: requests are plain GETs without credentials.

use super::{browser, engine, AppState, Shared};
use crate::engine::{Reply, SourceSpec};
use crate::impact::Tier;
use crate::live::{shown, tier_changes, tiers, timeout_secs, LiveSource, Validators};
use crate::report::Report;
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where following a live source stands, for the page to say.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStatus {
    pub source: LiveSource,
    /// A check is under way.
    pub checking: bool,
    /// When the last check ended (milliseconds since the epoch).
    pub checked_ms: Option<f64>,
    /// When a new version was last analysed.
    pub taken_ms: Option<f64>,
    /// Failed checks in a row, and the last one's reason.
    pub failures: u32,
    pub error: Option<String>,
    /// When the next check is due.
    pub next_ms: Option<f64>,
    /// Whether the server identifies its versions (ETag or Last-Modified); without them
    /// every check reads and analyses the whole file.
    pub validators: bool,
}

/// What the page remembers between checks (not drawn).
#[derive(Default)]
struct Follow {
    /// Bumped when following starts or stops, so that a check that outlived its source
    /// does nothing.
    generation: u64,
    /// The next check, or the running check's time limit.
    timer: Option<TimeoutHandle>,
    /// The check reading its files, if any (its number, and what aborts its requests):
    /// one at a time, so that a slow answer never lands after a newer one.
    reading: Option<(u64, web_sys::AbortController)>,
    checks: u64,
    /// A new version is being analysed (only one check runs at a time).
    analysing: bool,
    /// The versions last analysed: telemetry's, and events'.
    taken: Option<(Validators, Validators)>,
    /// Each feature's tier when the person last looked, and the report the latest live
    /// version gave (other reports, after a control changed, become what was seen).
    seen: Option<BTreeMap<String, Tier>>,
    live_report: Option<Shared<Report>>,
}

thread_local! {
    static FOLLOW: RefCell<Follow> = RefCell::new(Follow::default());
}

/// While another analysis runs (an upload, the start-up data), a due check waits this long.
const BUSY_WAIT: Duration = Duration::from_secs(2);

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Starts following `source` (in place of any other, whose check under way is abandoned),
/// and checks it now.
pub fn start(state: AppState, source: LiveSource) {
    let (generation, analysing) = FOLLOW.with_borrow_mut(|f| {
        if let Some(timer) = f.timer.take() {
            timer.clear();
        }
        if let Some((_, controller)) = f.reading.take() {
            controller.abort();
        }
        let analysing = f.analysing;
        *f = Follow {
            generation: f.generation + 1,
            checks: f.checks,
            ..Follow::default()
        };
        (f.generation, analysing)
    });
    if analysing && engine::cancel_analysis() {
        state.busy.set(None);
    }
    state.tier_changes.set(Vec::new());
    state.live.set(Some(LiveStatus {
        source: source.clone(),
        checking: false,
        checked_ms: None,
        taken_ms: None,
        failures: 0,
        error: None,
        next_ms: None,
        validators: true,
    }));
    if state
        .view
        .with_untracked(|v| v.live.as_ref() != Some(&source))
    {
        state.view.update(|v| v.live = Some(source));
    }
    check(state, generation);
}

/// Stops following (the data shown stays): the check under way is abandoned, its requests
/// aborted and its analysis cancelled.
pub fn stop(state: AppState) {
    let analysing = FOLLOW.with_borrow_mut(|f| {
        if let Some(timer) = f.timer.take() {
            timer.clear();
        }
        if let Some((_, controller)) = f.reading.take() {
            controller.abort();
        }
        f.generation += 1;
        f.taken = None;
        f.seen = None;
        f.live_report = None;
        std::mem::take(&mut f.analysing)
    });
    if analysing && engine::cancel_analysis() {
        state.busy.set(None);
    }
    if state.live.with_untracked(Option::is_some) {
        state.live.set(None);
    }
    state.tier_changes.set(Vec::new());
    if state.view.with_untracked(|v| v.live.is_some()) {
        state.view.update(|v| v.live = None);
    }
}

/// The person cancelled the analysis of a new version: the next check comes after the
/// interval (and may take that version again).
pub fn analysis_cancelled(state: AppState) {
    let generation =
        FOLLOW.with_borrow_mut(|f| std::mem::take(&mut f.analysing).then_some(f.generation));
    if let Some(generation) = generation {
        let every = state
            .live
            .with_untracked(|l| l.as_ref().map(|l| l.source.delay_secs(0)));
        state.live.update(|l| {
            if let Some(l) = l {
                l.checking = false;
            }
        });
        if let Some(every) = every {
            schedule(state, generation, Duration::from_secs(every.into()));
        }
    }
}

/// Checks now instead of at the next due time (nothing while a check runs).
pub fn check_now(state: AppState) {
    check(state, FOLLOW.with_borrow(|f| f.generation));
}

/// The tiers shown now become what the person has seen; no feature is highlighted.
pub fn mark_seen(state: AppState) {
    let now = state
        .report
        .with_untracked(|r| r.as_ref().map(|r| tiers(&r.0)));
    FOLLOW.with_borrow_mut(|f| f.seen = now);
    state.tier_changes.set(Vec::new());
}

fn current(generation: u64) -> bool {
    FOLLOW.with_borrow(|f| f.generation == generation)
}

fn schedule(state: AppState, generation: u64, after: Duration) {
    if !current(generation) {
        return;
    }
    let handle = set_timeout_with_handle(move || check(state, generation), after).ok();
    FOLLOW.with_borrow_mut(|f| {
        if let Some(old) = std::mem::replace(&mut f.timer, handle) {
            old.clear();
        }
    });
    let next = now_ms() + after.as_millis() as f64;
    state.live.update(|l| {
        if let Some(l) = l {
            l.next_ms = Some(next);
        }
    });
}

/// One check: both addresses read; a new version of either analysed; the next check set.
/// Never two at once: a check that is due while one runs is left out.
fn check(state: AppState, generation: u64) {
    let Some(source) = state
        .live
        .with_untracked(|l| l.as_ref().map(|l| l.source.clone()))
    else {
        return;
    };
    if !current(generation) || FOLLOW.with_borrow(|f| f.reading.is_some() || f.analysing) {
        return;
    }
    // Another analysis is running (files the person chose, the start-up data): wait.
    if state.busy.with_untracked(Option::is_some) {
        schedule(state, generation, BUSY_WAIT);
        return;
    }
    let Ok(controller) = web_sys::AbortController::new() else {
        return failed(
            state,
            generation,
            &source,
            "the browser cannot make requests here".into(),
        );
    };
    let signal = controller.signal();
    let id = FOLLOW.with_borrow_mut(|f| {
        f.checks += 1;
        f.reading = Some((f.checks, controller));
        f.checks
    });
    state.live.update(|l| {
        if let Some(l) = l {
            l.checking = true;
            l.next_ms = None;
        }
    });
    // A server that does not answer (or stalls) within the limit fails the check.
    let limit = timeout_secs(source.every_secs);
    let late_source = source.clone();
    let late = set_timeout_with_handle(
        move || {
            if let Some(controller) = take_reading(id) {
                controller.abort();
                let message = format!(
                    "{} did not answer within {limit} s.",
                    shown(&late_source.telemetry)
                );
                failed(state, generation, &late_source, message);
            }
        },
        Duration::from_secs(limit.into()),
    )
    .ok();
    FOLLOW.with_borrow_mut(|f| {
        if let Some(old) = std::mem::replace(&mut f.timer, late) {
            old.clear();
        }
    });
    leptos::task::spawn_local(async move {
        let read = read_all(&source, &signal).await;
        // Abandoned (stopped, restarted, or too late): nothing of it is used.
        if !current(generation) || take_reading(id).is_none() {
            return;
        }
        if let Some(timer) = FOLLOW.with_borrow_mut(|f| f.timer.take()) {
            timer.clear();
        }
        match read {
            Err(message) => failed(state, generation, &source, message),
            Ok(Read::Unchanged { known }) => succeeded(state, generation, &source, known, false),
            Ok(Read::New {
                files,
                versions,
                known,
            }) => analyse(state, generation, source, files, versions, known),
        }
    });
}

/// The reading check's controller, if `id` is still the one reading (it no longer is).
fn take_reading(id: u64) -> Option<web_sys::AbortController> {
    FOLLOW.with_borrow_mut(|f| {
        if f.reading
            .as_ref()
            .is_some_and(|(running, _)| *running == id)
        {
            f.reading.take().map(|(_, controller)| controller)
        } else {
            None
        }
    })
}

enum Read {
    /// The versions last analysed, again.
    Unchanged { known: bool },
    /// New files to analyse, their versions, and whether the server names them.
    New {
        files: Vec<web_sys::File>,
        versions: (Validators, Validators),
        known: bool,
    },
}

/// Both addresses asked; the bodies read only when a version is new.
async fn read_all(source: &LiveSource, signal: &web_sys::AbortSignal) -> Result<Read, String> {
    let telemetry = read(&source.telemetry, signal).await?;
    let events = match &source.events {
        Some(address) => Some(read(address, signal).await?),
        None => None,
    };
    let versions = (
        telemetry.validators.clone(),
        events
            .as_ref()
            .map(|e| e.validators.clone())
            .unwrap_or_default(),
    );
    let known = versions.0.known() && (source.events.is_none() || versions.1.known());
    let unchanged = FOLLOW.with_borrow(|f| {
        f.taken.as_ref().is_some_and(|(t, e)| {
            versions.0.same_as(t) && (source.events.is_none() || versions.1.same_as(e))
        })
    });
    if unchanged {
        return Ok(Read::Unchanged { known });
    }
    let files = files(source, telemetry, events).await?;
    Ok(Read::New {
        files,
        versions,
        known,
    })
}

struct Fetched {
    response: web_sys::Response,
    validators: Validators,
}

/// Asks for `address`; the browser's cache asks the server whether its copy is current.
async fn read(address: &str, signal: &web_sys::AbortSignal) -> Result<Fetched, String> {
    let shown = shown(address);
    let window = web_sys::window().ok_or("the page has no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_cache(web_sys::RequestCache::NoCache);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_signal(Some(signal));
    let unreachable = || {
        format!(
            "{shown} could not be read: the network failed, the server is down, or it does not let this page read it (it must send Access-Control-Allow-Origin; the README says how)."
        )
    };
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(address, &init))
            .await
            .map_err(|_| unreachable())?
            .dyn_into()
            .map_err(|_| unreachable())?;
    if !response.ok() {
        let text = response.status_text();
        return Err(format!(
            "{shown} answered {}{}.",
            response.status(),
            if text.is_empty() {
                String::new()
            } else {
                format!(" {text}")
            }
        ));
    }
    let headers = response.headers();
    let header = |name: &str| headers.get(name).ok().flatten().filter(|v| !v.is_empty());
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    // Too large to read: said before anything is downloaded, when the server says its size.
    let size = header("content-length").and_then(|v| v.parse::<f64>().ok());
    if size.is_some_and(|bytes| bytes > crate::telemetry::MAX_FILE_BYTES as f64) {
        return Err(format!(
            "{shown}: {}",
            crate::telemetry::limits::Exceeded::FileBytes
        ));
    }
    Ok(Fetched {
        response,
        validators,
    })
}

/// The responses' bodies as files for the engine, each checked against the size limit.
async fn files(
    source: &LiveSource,
    telemetry: Fetched,
    events: Option<Fetched>,
) -> Result<Vec<web_sys::File>, String> {
    let mut out = Vec::new();
    let named =
        std::iter::once((&source.telemetry, telemetry)).chain(source.events.iter().zip(events));
    for (address, fetched) in named {
        let name = shown(address);
        let promise = fetched
            .response
            .blob()
            .map_err(|_| format!("{name} could not be read."))?;
        let blob: web_sys::Blob = JsFuture::from(promise)
            .await
            .map_err(|_| format!("{name} broke off while it was read."))?
            .dyn_into()
            .map_err(|_| format!("{name} could not be read."))?;
        let file = web_sys::File::new_with_blob_sequence(&js_sys::Array::of1(&blob), &name)
            .map_err(|_| format!("{name} could not be read."))?;
        browser::check_size(&file)?;
        out.push(file);
    }
    Ok(out)
}

fn analyse(
    state: AppState,
    generation: u64,
    source: LiveSource,
    files: Vec<web_sys::File>,
    versions: (Validators, Validators),
    known: bool,
) {
    let spec = SourceSpec::Live {
        telemetry: shown(&source.telemetry),
        events: source.events.as_deref().map(shown),
    };
    let source_now = source.clone();
    FOLLOW.with_borrow_mut(|f| f.analysing = true);
    state.analyse_live(
        spec,
        files,
        "Reading the live source's new data…".into(),
        Box::new(move || {
            if current(generation) {
                FOLLOW.with_borrow_mut(|f| {
                    f.taken = Some(versions);
                    f.analysing = false;
                });
                succeeded(state, generation, &source_now, known, true);
            }
        }),
        Box::new(move |reply| {
            if !current(generation) {
                return;
            }
            FOLLOW.with_borrow_mut(|f| f.analysing = false);
            if let Reply::Failed(message) | Reply::Crashed(message) = reply {
                failed(state, generation, &source, message);
            }
        }),
    );
}

fn succeeded(state: AppState, generation: u64, source: &LiveSource, known: bool, taken: bool) {
    let now = now_ms();
    if taken {
        let report = state.report.get_untracked();
        let tiers_now = report.as_ref().map(|r| tiers(&r.0));
        let changes = FOLLOW.with_borrow_mut(|f| {
            f.live_report = report;
            match (&f.seen, tiers_now) {
                (Some(seen), Some(now)) => tier_changes(seen, &now),
                (None, now) => {
                    f.seen = now;
                    Vec::new()
                }
                _ => Vec::new(),
            }
        });
        state.tier_changes.set(changes);
    }
    state.live.update(|l| {
        if let Some(l) = l {
            l.checking = false;
            l.checked_ms = Some(now);
            if taken {
                l.taken_ms = Some(now);
            }
            l.failures = 0;
            l.error = None;
            l.validators = known;
        }
    });
    schedule(
        state,
        generation,
        Duration::from_secs(source.delay_secs(0).into()),
    );
}

fn failed(state: AppState, generation: u64, source: &LiveSource, message: String) {
    let failures = state
        .live
        .with_untracked(|l| l.as_ref().map_or(0, |l| l.failures))
        .saturating_add(1);
    state.live.update(|l| {
        if let Some(l) = l {
            l.checking = false;
            l.checked_ms = Some(now_ms());
            l.failures = failures;
            l.error = Some(message);
        }
    });
    schedule(
        state,
        generation,
        Duration::from_secs(source.delay_secs(failures).into()),
    );
}

/// Keeps what counts as seen in step with the report shown: a report that a control gave
/// (another horizon or budget), not a new version, is what the person sees now, so its
/// tiers become the ones seen.
pub fn watch_reports(state: AppState) {
    Effect::new(move |_| {
        let report = state.report.get();
        let rebased = FOLLOW.with_borrow_mut(|f| {
            let from_controls = f.seen.is_some() && report.is_some() && report != f.live_report;
            if from_controls {
                f.seen = report.as_ref().map(|r| tiers(&r.0));
                f.live_report = report.clone();
            }
            from_controls
        });
        if rebased && state.tier_changes.with_untracked(|c| !c.is_empty()) {
            state.tier_changes.set(Vec::new());
        }
    });
}

/// A link that names a live source: the page reads another site only when the person
/// agrees, so it asks first.
pub fn offer_from_link(state: AppState) {
    if let Some(source) = state.view.with_untracked(|v| v.live.clone()) {
        state.live_offer.set(Some(source));
    } else if let Some(Err(why)) = crate::view_state::live_asked(&browser::query()) {
        // The link's address is not one the page reads: said, not silently dropped.
        state.live_refused.set(Some(why));
    }
}
