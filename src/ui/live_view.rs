//! The live source's words and controls (`live` does the following): the status line
//! above the results and the tier changes since the person last looked, the Data view's
//! form, and the question a link's live source raises.

use super::live::{check_now, mark_seen, start, stop, LiveStatus};
use super::AppState;
use crate::live::{changes_sentence, shown, LiveSource};
use leptos::prelude::*;

/// "14:02:05", in the browser's time zone.
pub fn clock(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    format!(
        "{:02}:{:02}:{:02}",
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

/// What following stands at, in a sentence or two.
pub fn describe(status: &LiveStatus) -> String {
    let every = &status.source.every_secs;
    let mut out = format!(
        "Following {} every {every} s.",
        shown(&status.source.telemetry)
    );
    if status.checking {
        out.push_str(" Checking now…");
    } else if let Some(checked) = status.checked_ms {
        out.push_str(&format!(" Last checked at {}", clock(checked)));
        match (status.failures, status.taken_ms) {
            (0, Some(taken)) => {
                out.push_str(&format!("; data last refreshed at {}.", clock(taken)))
            }
            (0, None) => out.push('.'),
            (n, taken) => {
                out.push_str(&format!(
                    ": it failed ({}). ",
                    crate::insights::counted(n as usize, "failure", "failures in a row")
                ));
                out.push_str(match taken {
                    Some(_) => "The last good data stays.",
                    None => "The data shown stays.",
                });
            }
        }
    }
    if let Some(next) = status.next_ms.filter(|_| !status.checking) {
        let word = if status.failures > 0 {
            "next try"
        } else {
            "next check"
        };
        out.push_str(&format!(" The {word} is at {}.", clock(next)));
    }
    if !status.validators && status.checked_ms.is_some() {
        out.push_str(" The page cannot read an ETag or Last-Modified for every file, so each check reads and analyses the whole files. (Across sites the server must also send Access-Control-Expose-Headers: ETag, Last-Modified.)");
    }
    out
}

/// The line above the results while following: the status, its error, and the features
/// whose tier changed since the person last looked.
#[component]
pub fn LiveBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        {move || state.live.get().map(|status| view! {
            <div class="status live" role="status" data-testid="live-status">
                <p>{describe(&status)}</p>
                {status.error.clone().map(|e| view! { <p class="live-error" data-testid="live-error">{e}</p> })}
                <button on:click=move |_| check_now(state) disabled=status.checking>"Check now"</button>
                " "
                <button data-testid="live-stop" on:click=move |_| stop(state)>"Stop following"</button>
            </div>
        })}
        {move || {
            let changes = state.tier_changes.get();
            (!changes.is_empty()).then(|| view! {
                <div class="status notice" role="status" data-testid="tier-changes">
                    <p>{changes_sentence(&changes, 5)}</p>
                    <button data-testid="mark-seen" on:click=move |_| mark_seen(state)>"Mark as seen"</button>
                </div>
            })
        }}
    }
}

/// The Data view's part: the addresses, the interval, and follow or stop.
#[component]
pub fn LivePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let initial = state
        .live
        .with_untracked(|l| l.as_ref().map(|l| l.source.clone()));
    let telemetry = RwSignal::new(
        initial
            .as_ref()
            .map(|s| s.telemetry.clone())
            .unwrap_or_default(),
    );
    let events = RwSignal::new(
        initial
            .as_ref()
            .and_then(|s| s.events.clone())
            .unwrap_or_default(),
    );
    let every = RwSignal::new(
        initial
            .map_or(crate::live::DEFAULT_EVERY_SECS, |s| s.every_secs)
            .to_string(),
    );
    let problem = RwSignal::new(None::<String>);
    let follow = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let source = crate::live::parse_every(&every.get_untracked()).and_then(|secs| {
            LiveSource::new(&telemetry.get_untracked(), &events.get_untracked(), secs)
        });
        match source {
            Ok(source) => {
                problem.set(None);
                every.set(source.every_secs.to_string());
                start(state, source);
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    view! {
        <section aria-labelledby="live-title" data-testid="live-panel">
            <h2 id="live-title">"Live source"</h2>
            <p>"Point the page at a telemetry.csv that your warehouse or object store refreshes (and optionally an events.csv). The page reads it at the interval you set, asks the server only whether it changed, analyses each new version, and highlights the features whose tier changed. It only reads: nothing is sent. A server on another site must allow this page to read it (CORS); the README says how."</p>
            <form class="live-form" novalidate=true on:submit=follow>
                <label for="live-telemetry">"telemetry.csv address"</label>
                <input id="live-telemetry" type="url" data-testid="live-telemetry" placeholder="https://exports.example.com/telemetry.csv"
                    prop:value=move || telemetry.get() on:input=move |ev| telemetry.set(event_target_value(&ev))/>
                <label for="live-events">"events.csv address (optional)"</label>
                <input id="live-events" type="url" data-testid="live-events"
                    prop:value=move || events.get() on:input=move |ev| events.set(event_target_value(&ev))/>
                <label for="live-every">"Check every (seconds)"</label>
                <input id="live-every" type="number" data-testid="live-every" min=crate::live::MIN_EVERY_SECS max=crate::live::MAX_EVERY_SECS
                    prop:value=move || every.get() on:input=move |ev| every.set(event_target_value(&ev))/>
                <button type="submit" data-testid="live-follow">"Follow"</button>
            </form>
            {move || problem.get().map(|p| view! { <p class="live-error" role="alert" data-testid="live-problem">{p}</p> })}
            {move || state.live.get().map(|status| view! { <p class="muted">{describe(&status)}</p> })}
        </section>
    }
}

/// The question a link's live source raises, above the results until answered; or, when
/// the page may not read its address, why it is not followed, until dismissed.
#[component]
pub fn LiveOffer() -> impl IntoView {
    let state = expect_context::<AppState>();
    let refused = move || {
        state.live_refused.get().map(|why| {
            view! {
                <div class="status notice" role="status" data-testid="live-refused">
                    <p>{format!("This link asked the page to follow a live source it does not read. {why}")}</p>
                    <button on:click=move |_| state.live_refused.set(None)>"Dismiss"</button>
                </div>
            }
        })
    };
    let offer = move || {
        state.live_offer.get().map(|source| {
            let follow = source.clone();
            view! {
                <div class="status notice" role="status" data-testid="live-offer">
                    <p>{format!("This link follows the live source {}, every {} s. Your browser will read it from there; nothing is sent.", shown(&source.telemetry), source.every_secs)}</p>
                    <button data-testid="live-offer-follow" on:click=move |_| {
                        state.live_offer.set(None);
                        start(state, follow.clone());
                    }>"Follow it"</button>
                    <button on:click=move |_| {
                        state.live_offer.set(None);
                        state.view.update(|v| v.live = None);
                    }>"Not now"</button>
                </div>
            }
        })
    };
    view! { {refused} {offer} }
}
