//! The controls: horizon, tier thresholds and the usage weight of the Impact Score. They
//! live in the URL; "Reset" returns to the defaults.

use super::AppState;
use crate::view_state::{ViewState, HORIZONS};
use leptos::prelude::*;

fn percent_input(
    id: &'static str,
    label: &'static str,
    help: &'static str,
    get: impl Fn(&ViewState) -> f64 + Copy + Send + Sync + 'static,
    set: impl Fn(&mut ViewState, f64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let value = move || state.view.with(|v| (get(v) * 100.0).round() as i64);
    view! {
        <div class="control">
            <label for=id>{label}": "<output for=id>{move || format!("{}%", value())}</output></label>
            <input
                id=id
                type="range"
                min="1"
                max="99"
                step="1"
                data-testid=id
                prop:value=move || value().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        state.view.update(|s| set(s, v / 100.0));
                    }
                }
            />
            <p class="help">{help}</p>
        </div>
    }
}

#[component]
pub fn Controls() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <h2 class="small">"Settings"</h2>
        <div class="control">
            <label for="horizon">"Horizon"</label>
            <select
                id="horizon"
                data-testid="horizon"
                on:change=move |ev| {
                    if let Ok(h) = event_target_value(&ev).parse::<usize>() {
                        state.view.update(|s| s.horizon = h);
                    }
                }
            >
                {HORIZONS
                    .iter()
                    .map(|h| {
                        let h = *h;
                        view! {
                            <option value=h.to_string() selected=move || state.view.with(|v| v.horizon == h)>
                                {format!("{h} days")}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="help">"How far ahead the risk looks. Changing it refits the model."</p>
        </div>
        {percent_input(
            "investigate",
            "Investigate at risk",
            "Features at or above this risk are in the investigate tier.",
            |v| v.tiers.investigate,
            |v, x| {
                v.tiers.investigate = x;
                v.tiers.watch = v.tiers.watch.min(x);
            },
        )}
        {percent_input(
            "watch",
            "Watch at risk",
            "Features at or above this risk (and below investigate) are watched.",
            |v| v.tiers.watch,
            |v, x| {
                v.tiers.watch = x;
                v.tiers.investigate = v.tiers.investigate.max(x);
            },
        )}
        <div class="control">
            <label for="usage">"Weight of usage in Impact: "
                <output for="usage">{move || state.view.with(|v| format!("{:.2}", v.weights.usage))}</output>
            </label>
            <input
                id="usage"
                type="range"
                min="0"
                max="1"
                step="0.05"
                data-testid="usage"
                prop:value=move || state.view.with(|v| v.weights.usage.to_string())
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        state.view.update(|s| s.weights.usage = v.clamp(0.0, 1.0));
                    }
                }
            />
            <p class="help">"Impact = risk x (weekly sessions)^weight. 1: expected sessions exposed; 0: risk alone."</p>
        </div>
        <button
            data-testid="reset"
            on:click=move |_| state.view.update(|s| {
                let defaults = ViewState::default();
                s.horizon = defaults.horizon;
                s.tiers = defaults.tiers;
                s.weights = defaults.weights;
            })
        >
            "Reset to defaults"
        </button>
    }
}
