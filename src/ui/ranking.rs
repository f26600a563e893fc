//! The prioritised table: sortable by any column, filterable by tier and text, navigable
//! by keyboard (arrow keys move between rows, Enter opens one).

use super::Shared;
use crate::impact::Tier;
use crate::insights::human_count;
use crate::report::{FeatureStatus, Report};
use crate::state::State;
use crate::view_state::{SortKey, ViewState};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// An inline SVG sparkline of p95 latency.
fn sparkline(values: &[Option<f64>]) -> impl IntoView {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = present
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = (hi - lo).max(1e-9);
    let n = values.len().max(2) as f64 - 1.0;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.map(|v| {
                format!(
                    "{:.1},{:.1}",
                    i as f64 / n * 80.0,
                    22.0 - (v - lo) / span * 20.0
                )
            })
        })
        .collect();
    let label = match (present.first(), present.last()) {
        (Some(a), Some(b)) => format!("p95 latency over 28 days, from {a:.0} to {b:.0} ms"),
        _ => "no latency data".to_string(),
    };
    view! {
        <svg class="spark" viewBox="0 0 80 24" width="80" height="24" role="img" aria-label=label>
            <polyline points=points.join(" ") fill="none" stroke="currentColor" stroke-width="1.5"/>
        </svg>
    }
}

fn move_focus(ev: &web_sys::KeyboardEvent, forward: bool) {
    let Some(row) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let next = if forward {
        row.next_element_sibling()
    } else {
        row.previous_element_sibling()
    };
    if let Some(next) = next.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = next.focus();
    }
}

/// Rows drawn at first, and added by each "Show more".
pub const ROWS_PER_PAGE: usize = 100;

#[component]
pub fn RankingTable(
    /// The report whose ranking is shown (None before the first one).
    report: Signal<Option<Shared<Report>>>,
    view: RwSignal<ViewState>,
    on_open: Callback<String>,
) -> impl IntoView {
    // Features whose tier changed since the person last looked at a live source: a few
    // words beside the tier, by feature (none without the page's state, as in tests).
    let live_changes = use_context::<super::AppState>().map(|state| state.tier_changes);
    let changed = Memo::new(move |_| {
        live_changes.map_or_else(std::collections::HashMap::new, |changes| {
            changes.with(|changes| {
                changes
                    .iter()
                    .map(|c| (c.feature.clone(), (c.up(), c.short())))
                    .collect::<std::collections::HashMap<_, _>>()
            })
        })
    });
    let header = move |key: SortKey, label: &'static str, numeric: bool| {
        let sorted = move || view.with(|v| v.sort == key);
        view! {
            <th
                scope="col"
                role="columnheader"
                class:num=numeric
                aria-sort=move || {
                    if !sorted() {
                        "none"
                    } else if view.with(|v| v.descending) == (key != SortKey::Feature) {
                        "descending"
                    } else {
                        "ascending"
                    }
                }
            >
                <button
                    class="sort"
                    data-testid=format!("sort-{}", key.id())
                    on:click=move |_| view.update(|v| {
                        if v.sort == key {
                            v.descending = !v.descending;
                        } else {
                            v.sort = key;
                            v.descending = true;
                        }
                    })
                >
                    {label}
                    <span aria-hidden="true">{move || if sorted() { if view.with(|v| v.descending) { " ▼" } else { " ▲" } } else { "" }}</span>
                </button>
            </th>
        }
    };
    // The table's order: positions in the ranking of the rows that pass the filter, in
    // the order chosen. A few numbers per change of the ranking or the view; when they
    // are the same as before (a new weight under the priority order), nothing follows.
    let order = Memo::new(move |_| {
        report.with(|report| {
            report.as_ref().map_or_else(Vec::new, |report| {
                view.with(|v| v.table_order(&report.0.ranking))
            })
        })
    });
    // The usage weight gives Impact its unit; rows hear of it only when it changes.
    let weights = Memo::new(move |_| {
        report.with(|r| r.as_ref().map(|r| r.0.config.impact).unwrap_or_default())
    });
    // Rows are drawn a page at a time, so that a portfolio of thousands of features stays
    // quick to sort and filter; the rest are a click away. Row i shows the i-th feature of
    // the table: a new report or another order changes the rows' text in place, and no
    // row is made, moved or dropped unless the number shown changes.
    let limit = RwSignal::new(ROWS_PER_PAGE);
    let drawn = move || 0..order.with(Vec::len).min(limit.get());
    let status_at = move |place: usize| {
        let at = order.with_untracked(|o| o.get(place).copied())?;
        report.with_untracked(|r| r.as_ref().and_then(|r| r.0.ranking.get(at).cloned()))
    };
    // Each row's status is a signal of its own, which one effect sets when it changes: a
    // row's cells listen to their row alone, so a new report does not make hundreds of
    // rows unsubscribe from it and subscribe again.
    let owner = Owner::current().expect("the table has an owner");
    let slots: StoredValue<Vec<RwSignal<Option<FeatureStatus>>>> = StoredValue::new(Vec::new());
    let slot = move |place: usize| {
        slots.update_value(|slots| {
            while slots.len() <= place {
                let status = status_at(slots.len());
                slots.push(owner.with(|| RwSignal::new(status)));
            }
        });
        slots.with_value(|slots| slots[place])
    };
    let follow = slot.clone();
    Effect::new(move |_| {
        let shown = drawn();
        report.track();
        for place in shown {
            let status = follow(place);
            let now = status_at(place);
            if status.with_untracked(|s| *s != now) {
                status.set(now);
            }
        }
    });
    let row = move |place: usize| {
        let status = slot(place);
        let cell = move |text: fn(&FeatureStatus) -> String| {
            move || status.with(|s| s.as_ref().map(text).unwrap_or_default())
        };
        let latency = Memo::new(move |_| {
            status.with(|s| {
                s.as_ref()
                    .map(|s| s.latency_p95_28d.clone())
                    .unwrap_or_default()
            })
        });
        let tier = move || status.with(|s| s.as_ref().map_or("monitor", |s| s.tier.as_str()));
        let change = move || {
            status.with(|s| {
                let feature = &s.as_ref()?.feature;
                changed.with(|c| c.get(feature).cloned())
            })
        };
        // Impact with its unit, which depends on the usage weight.
        let impact = move || {
            let weights = weights.get();
            status.with(|s| {
                s.as_ref()
                    .map(|s| weights.show(s.impact))
                    .unwrap_or_default()
            })
        };
        let state_class =
            move || status.with(|s| s.as_ref().map_or("normal", |s| s.state.as_str()));
        let open = move || {
            if let Some(feature) = status.with_untracked(|s| s.as_ref().map(|s| s.feature.clone()))
            {
                on_open.run(feature);
            }
        };
        view! {
            <tr
                role="row"
                data-testid="ranking-row"
                class=move || format!("tier-{}{}", tier(), if change().is_some() { " changed" } else { "" })
                tabindex="0"
                aria-label=move || {
                    let moved = change().map(|(_, text)| format!(" ({text})")).unwrap_or_default();
                    status.with(|s| s.as_ref().map(|s| format!("{}: {}, {}{moved}, risk {:.0}%", s.feature, s.state.label(), s.tier.as_str(), s.risk * 100.0)).unwrap_or_default())
                }
                on:click=move |_| open()
                on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                    "Enter" | " " => {
                        ev.prevent_default();
                        open();
                    }
                    "ArrowDown" => move_focus(&ev, true),
                    "ArrowUp" => move_focus(&ev, false),
                    _ => {}
                }
            >
                <th scope="row" role="rowheader">{cell(|r| r.feature.clone())}</th>
                <td role="cell"><span class=move || format!("badge {}", tier())>{tier}</span>{move || change().map(|(up, text)| view! {
                    <span class=if up { "tier-move up" } else { "tier-move down" } data-testid="tier-move">{text}</span>
                })}</td>
                <td role="cell" class=move || format!("state {}", state_class()) data-testid="ranking-state">{cell(|r| match (&r.under_way, r.state) {
                    (Some(u), _) => format!("under way since {}", u.since),
                    (None, State::AtRisk) => "at risk".to_string(),
                    _ => String::new(),
                })}</td>
                <td role="cell" class="num">{cell(|r| format!("{:.0}%", r.risk * 100.0))}</td>
                <td role="cell" class="num muted">{cell(|r| r.risk_7d_ago.map_or(String::new(), |old| {
                    let (now, then) = ((r.risk * 100.0).round(), (old * 100.0).round());
                    if now == then {
                        "unchanged".to_string()
                    } else if now > then {
                        format!("up from {then:.0}%")
                    } else {
                        format!("down from {then:.0}%")
                    }
                }))}</td>
                <td role="cell" class="num">{impact}</td>
                <td role="cell" class="num">{cell(|r| human_count(r.sessions_7d))}</td>
                <td role="cell" class="reasons">{cell(|r| r.reasons.iter().take(2).cloned().collect::<Vec<_>>().join("; "))}</td>
                <td role="cell">{move || latency.with(|values| sparkline(values))}</td>
            </tr>
        }
    };
    let rows = view! { <For each=drawn key=|place| *place children=row/> };
    let shown = move || order.with(Vec::len);
    let total = move || report.with(|r| r.as_ref().map_or(0, |r| r.0.ranking.len()));
    view! {
        <div class="filters" role="search">
            <label for="tier-filter">"Tier"</label>
            <select
                id="tier-filter"
                data-testid="tier-filter"
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    view.update(|v| {
                        v.tier_filter = [Tier::Investigate, Tier::Watch, Tier::Monitor]
                            .into_iter()
                            .find(|t| t.as_str() == value)
                    });
                }
            >
                <option value="" selected=move || view.with(|v| v.tier_filter.is_none())>"All tiers"</option>
                {[Tier::Investigate, Tier::Watch, Tier::Monitor]
                    .into_iter()
                    .map(|t| view! {
                        <option value=t.as_str() selected=move || view.with(|v| v.tier_filter == Some(t))>{t.as_str()}</option>
                    })
                    .collect_view()}
            </select>
            <label for="text-filter">"Search"</label>
            <input
                id="text-filter"
                type="search"
                data-testid="text-filter"
                placeholder="feature or reason"
                prop:value=move || view.with(|v| v.text_filter.clone())
                on:input=move |ev| view.update(|v| v.text_filter = event_target_value(&ev))
            />
            <span class="muted" aria-live="polite">{move || format!("{} of {}", shown(), crate::insights::counted(total(), "feature", "features"))}</span>
        </div>
        {move || {
            let nothing = shown() == 0 && total() > 0;
            nothing.then(|| {
                let said = view.with(|v| {
                    let search = v.text_filter.trim();
                    let of = format!("No feature of {}", total());
                    match (v.tier_filter, search.is_empty()) {
                        (Some(tier), true) => format!("{of} is in the {} tier.", tier.as_str()),
                        (Some(tier), false) => format!(
                            "{of} in the {} tier matches the search \"{search}\".",
                            tier.as_str()
                        ),
                        (None, _) => format!("{of} matches the search \"{search}\"."),
                    }
                });
                view! {
                    <div class="empty-state" role="status" data-testid="no-match">
                        <p>{said}</p>
                        <p>
                            "Choose another tier or search, or "
                            <button
                                data-testid="clear-filter"
                                on:click=move |_| view.update(|v| {
                                    v.tier_filter = None;
                                    v.text_filter.clear();
                                })
                            >
                                "Clear the filter"
                            </button>
                            " to see every feature again."
                        </p>
                    </div>
                }
            })
        }}
        // The table stays mounted while nothing matches (its rows follow the filter), but
        // an empty table says nothing, so it is hidden.
        <div class="table-wrap" hidden=move || shown() == 0>
            <table class="ranking" role="table" data-testid="ranking">
                <caption>{move || {
                    let meaning = weights.with(|w| w.meaning());
                    format!("Features by priority: tier, then Impact ({meaning}). Now: a degradation under way (an open incident or a breach of the service level) or a feature at risk (the risk that one starts within the horizon). Select a row (or press Enter on it) to open the feature.")
                }}</caption>
                <thead role="rowgroup">
                    <tr role="row">
                        {header(SortKey::Feature, "Feature", false)}
                        {header(SortKey::Priority, "Tier", false)}
                        <th scope="col" role="columnheader">"Now"</th>
                        {header(SortKey::Risk, "Risk", true)}
                        {header(SortKey::RiskChange, "7-day change", true)}
                        {header(SortKey::Impact, "Impact", true)}
                        {header(SortKey::Sessions, "Weekly sessions", true)}
                        <th scope="col" role="columnheader">"Top reasons"</th>
                        <th scope="col" role="columnheader">"p95, 28 days"</th>
                    </tr>
                </thead>
                <tbody role="rowgroup">{rows}</tbody>
            </table>
        </div>
        {move || {
            let hidden = shown().saturating_sub(limit.get());
            (hidden > 0).then(|| view! {
                <p class="more">
                    {format!("{hidden} more not shown. ")}
                    <button data-testid="more-rows" on:click=move |_| limit.update(|l| *l += ROWS_PER_PAGE)>
                        {format!("Show {} more", hidden.min(ROWS_PER_PAGE))}
                    </button>
                    " "
                    <button on:click=move |_| limit.set(usize::MAX)>"Show all"</button>
                </p>
            })
        }}
    }
}
