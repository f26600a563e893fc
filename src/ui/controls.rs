//! The controls: horizon, tier thresholds and the usage weight of the Impact Score. They
//! live in the URL; "Reset" returns to the defaults.

use super::AppState;
use crate::view_state::{ViewState, HORIZONS};
use leptos::prelude::*;

/// How a slider maps onto a setting: its range in slider units, slider units per unit of
/// the setting, and how the value reads next to the label.
struct Range {
    min: &'static str,
    max: &'static str,
    step: &'static str,
    factor: f64,
    show: fn(f64) -> String,
}

const BUDGET: Range = Range {
    min: "0.5",
    max: "20",
    step: "0.5",
    factor: 1.0,
    show: |v| format!("{v:.1} per 100 feature-days"),
};

const WEIGHT: Range = Range {
    min: "0",
    max: "1",
    step: "0.05",
    factor: 1.0,
    show: |v| format!("{v:.2}"),
};

/// A labelled slider bound to one setting of the view state.
fn slider(
    id: &'static str,
    label: &'static str,
    help: &'static str,
    range: Range,
    get: impl Fn(&ViewState) -> f64 + Copy + Send + Sync + 'static,
    set: impl Fn(&mut ViewState, f64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let factor = range.factor;
    let show = range.show;
    let value = move || {
        state
            .view
            .with(|v| (get(v) * factor * 100.0).round() / 100.0)
    };
    view! {
        <div class="control">
            <label for=id>{label}": "<output for=id>{move || show(value())}</output></label>
            <input
                id=id
                type="range"
                min=range.min
                max=range.max
                step=range.step
                data-testid=id
                prop:value=move || value().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                        state.view.update(|s| set(s, v / factor));
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
                prop:value=move || state.view.with(|v| v.horizon.to_string())
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
        {slider(
            "investigate",
            "Investigate budget",
            "Alert budget: the riskiest feature-days of the last 28 days, this many per 100, are investigated (if at least twice the average risk).",
            BUDGET,
            |v| v.tiers.investigate,
            |v, x| {
                v.tiers.investigate = x;
                v.tiers.watch = v.tiers.watch.max(x);
            },
        )}
        {slider(
            "watch",
            "Watch budget",
            "The riskiest feature-days, this many per 100 (investigate included), are at least watched.",
            BUDGET,
            |v| v.tiers.watch,
            |v, x| {
                v.tiers.watch = x;
                v.tiers.investigate = v.tiers.investigate.min(x);
            },
        )}
        {slider(
            "usage",
            "Weight of usage in Impact",
            "Impact = risk x (weekly sessions)^weight. 1: expected sessions exposed; 0: risk alone.",
            WEIGHT,
            |v| v.weights.usage,
            |v, x| v.weights.usage = x.clamp(0.0, 1.0),
        )}
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
