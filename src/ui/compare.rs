//! The comparison view: two to four features side by side on one time axis, a table of
//! where each stands first, then their risk and each metric as a line per feature.

use super::engine;
use super::table::{charts, esc, html, section, table_html, Cell, ChartSpec, Row, Table};
use super::{AppState, Shared};
use crate::charts::{comparison_metric_chart, comparison_risk_chart, metric_unit};
use crate::comparison::{FeatureComparison, MAX_FEATURES, MIN_FEATURES};
use crate::engine::{Reply, Request};
use crate::impact::Tier;
use crate::insights::counted;
use crate::report::Report;
use crate::telemetry::{percent_change, significant};
use leptos::prelude::*;
use std::sync::Arc;

/// What the view shows under the picker: nothing asked yet, the engine at work, its
/// answer, or why there is none.
#[derive(Clone)]
enum Answer {
    Idle,
    Asking,
    Ready(Shared<FeatureComparison>),
    Failed(String),
}

#[component]
pub fn CompareView(report: Shared<Report>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let names: Vec<String> = report.ranking.iter().map(|r| r.feature.clone()).collect();
    let picked = Memo::new(move |_| state.view.with(|v| v.compare.clone()));
    let answer = RwSignal::new(Answer::Idle);
    // Each ask has a number; an answer to an earlier one is dropped.
    let asked = StoredValue::new(0u64);
    let known = names.clone();
    Effect::new(move |_| {
        let wanted: Vec<String> = picked
            .get()
            .into_iter()
            .filter(|f| known.contains(f))
            .collect();
        let serial = asked.get_value() + 1;
        asked.set_value(serial);
        if wanted.len() < MIN_FEATURES {
            answer.set(Answer::Idle);
            return;
        }
        answer.set(Answer::Asking);
        let sent = engine::ask(
            Request::Compare { features: wanted },
            |_, _| {},
            move |reply| {
                if asked.try_get_value() != Some(serial) {
                    return;
                }
                answer.set(match reply {
                    Reply::Compared(c) => Answer::Ready(Shared(Arc::new(*c))),
                    Reply::Failed(message) | Reply::Crashed(message) => Answer::Failed(message),
                    _ => Answer::Failed("the engine gave no comparison".into()),
                });
            },
        );
        if !sent {
            answer.set(Answer::Failed(
                "the analysis is being made again; the comparison shows when it is ready".into(),
            ));
        }
    });
    let ranking = report.clone();
    let missing = move || {
        state.view.with(|v| {
            let missing = v.missing_compared(&ranking.ranking);
            (!missing.is_empty()).then(|| {
                format!(
                    "Not in the data shown, so left out: {}.",
                    missing
                        .iter()
                        .map(|f| format!("\u{201c}{f}\u{201d}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })
    };
    view! {
        <section aria-labelledby="compare-title" data-testid="compare-view">
            <h2 id="compare-title">"Compare features"</h2>
            <p class="muted">{format!(
                "Pick {MIN_FEATURES} to {MAX_FEATURES} features to see them side by side: where each stands today, then their risk and metrics on one time axis."
            )}</p>
            <Picker names=names.clone()/>
            {move || missing().map(|m| html("", format!("<p class=\"status notice\" role=\"status\" data-testid=\"compare-missing\">{}</p>", esc(&m)))).unwrap_or_else(|| html("", String::new()))}
        </section>
        {move || {
            // One element for every message: its class, role, test id and text.
            let (class, role, testid, text) = match answer.get() {
                Answer::Ready(c) => return render(report.clone(), c),
                Answer::Idle => {
                    let n = picked.with_untracked(|p| p.iter().filter(|f| names.contains(f)).count());
                    let text = if n == 0 {
                        format!("No feature picked yet: add {MIN_FEATURES} to {MAX_FEATURES} above.")
                    } else {
                        format!("{} picked: add at least one more to compare.", counted(n, "feature", "features"))
                    };
                    ("empty-state", "status", "compare-empty", text)
                }
                Answer::Asking => ("muted", "status", "compare-loading", "Comparing…".to_string()),
                Answer::Failed(message) => (
                    "status error",
                    "alert",
                    "compare-error",
                    format!("The comparison is not available: {message}."),
                ),
            };
            html("", format!("<p class=\"{class}\" role=\"{role}\" data-testid=\"{testid}\">{}</p>", esc(&text)))
        }}
    }
}

/// The features picked, each with a button that removes it, and a search box (with the
/// data's feature names as suggestions) that adds one.
#[component]
fn Picker(names: Vec<String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let known = StoredValue::new(names.clone());
    // Copy: it holds only signals and stored values, so every handler can have it.
    let add = move || {
        let name = text.get_untracked().trim().to_string();
        if name.is_empty() {
            return;
        }
        if !known.with_value(|k| k.contains(&name)) {
            problem.set(Some(format!(
                "No feature named \u{201c}{name}\u{201d} in the data."
            )));
            return;
        }
        let mut added = false;
        state.view.update(|v| added = v.pick(name.clone()));
        if added {
            text.set(String::new());
            problem.set(None);
        } else if state.view.with_untracked(|v| v.compare.contains(&name)) {
            problem.set(Some(format!("{name} is already compared.")));
        } else {
            problem.set(Some(format!(
                "At most {MAX_FEATURES} features at once: remove one first."
            )));
        }
    };
    let full = move || state.view.with(|v| v.compare.len() >= MAX_FEATURES);
    view! {
        <ul class="picked" data-testid="compare-picked">
            {move || state.view.with(|v| v.compare.clone()).into_iter().map(|name| {
                let gone = name.clone();
                let open = name.clone();
                view! {
                    <li>
                        <button class="link" title="Open this feature's view" on:click=move |_| state.open_feature(open.clone())>{name.clone()}</button>
                        <button class="remove" aria-label=format!("Remove {name} from the comparison")
                            on:click=move |_| state.view.update(|v| v.compare.retain(|f| *f != gone))>"×"</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <form class="inline-form picker" on:submit=move |ev| { ev.prevent_default(); add(); }>
            <label for="compare-add">"Add a feature"</label>
            <input id="compare-add" type="search" list="compare-names" autocomplete="off"
                data-testid="compare-input"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:change=move |ev| {
                    // Picking a suggestion adds it at once.
                    let value = event_target_value(&ev);
                    if known.with_value(|k| k.contains(&value)) {
                        text.set(value);
                        add();
                    }
                }/>
            <datalist id="compare-names">
                {names.iter().map(|n| view! { <option value=n.clone()></option> }).collect_view()}
            </datalist>
            <button type="submit" data-testid="compare-add" disabled=full>"Add"</button>
        </form>
        {move || html("", problem.get().map_or(String::new(), |p| format!("<p class=\"small\" role=\"status\" data-testid=\"compare-problem\">{}</p>", esc(&p))))}
    }
}

fn render(report: Shared<Report>, c: Shared<FeatureComparison>) -> AnyView {
    let weights = report.config.impact;
    let names: Vec<String> = c.features.iter().map(|f| f.name.clone()).collect();
    let relative = RwSignal::new(false);
    let mut head = vec![
        Cell::text("Feature"),
        Cell::text("Tier"),
        Cell::num("Risk"),
        Cell::num("Impact"),
        Cell::text("State"),
    ];
    head.extend(c.metrics.iter().map(|m| {
        Cell::num(format!(
            "{} ({})",
            m.metric.spoken(),
            metric_unit(m.metric).1
        ))
    }));
    let rows = c
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let s = &f.status;
            let mut cells = vec![
                Cell::class(
                    s.tier.as_str(),
                    match s.tier {
                        Tier::Investigate => "tier investigate",
                        Tier::Watch => "tier watch",
                        Tier::Monitor => "tier monitor",
                    },
                ),
                Cell::num(format!("{:.0}%", s.risk * 100.0)),
                Cell::num(weights.show(s.impact)),
                Cell::class(
                    match &s.under_way {
                        Some(u) => format!("under way since {}", u.since),
                        None => s.state.label().to_string(),
                    },
                    if s.under_way.is_some() {
                        "state under_way"
                    } else {
                        "state"
                    },
                ),
            ];
            cells.extend(c.metrics.iter().map(|m| {
                Cell::num(match (m.recent[i], m.usual[i]) {
                    (Some(r), Some(u)) => {
                        format!("{} ({})", m.metric.show(r), percent_change(u, r))
                    }
                    (Some(r), None) => m.metric.show(r),
                    _ => "no data".into(),
                })
            }));
            Row {
                head: f.name.clone(),
                cells,
                class: "",
            }
        })
        .collect();
    let table = table_html(&Table {
        testid: "compare-table",
        row_testid: "compare-row",
        class: "compare",
        label: "The compared features, a row each".into(),
        caption: "The compared features today".into(),
        head,
        rows,
    });
    let risk_alt = format!(
        "Risk of {} over time, {}, a line each; today {}.",
        list(&names),
        counted(c.days, "day", "days"),
        c.features
            .iter()
            .map(|f| format!("{} {:.0}%", f.name, f.status.risk * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let risk_empty = c
        .features
        .iter()
        .all(|f| f.risk.iter().all(Option::is_none))
        .then(|| {
            "No day of these features has a risk yet, so there is no risk over time to draw."
                .to_string()
        });
    let risk_chart = comparison_risk_chart(&c);
    let metric_charts = move || {
        let relative = relative.get();
        let specs = c
            .metrics
            .iter()
            .map(|m| {
                let spoken = m.metric.spoken();
                let series = if relative { &m.relative } else { &m.values };
                let latest = names
                    .iter()
                    .zip(series)
                    .map(
                        |(name, values)| match values.iter().rev().flatten().next() {
                            Some(v) if relative => format!("{name} {}x usual", significant(*v, 3)),
                            Some(v) => format!("{name} {}", m.metric.show(*v)),
                            None => format!("{name} no value"),
                        },
                    )
                    .collect::<Vec<_>>()
                    .join(", ");
                let alt = format!(
                    "{} of {} over time{}, a line each; latest: {latest}.",
                    capital(spoken),
                    list(&names),
                    if relative {
                        ", relative to each feature's usual level"
                    } else {
                        ""
                    }
                );
                let empty = series
                    .iter()
                    .all(|v| v.iter().all(Option::is_none))
                    .then(|| format!("No {spoken} to chart in the days compared."));
                ChartSpec {
                    id: format!("chart-compare-{:?}", m.metric).to_lowercase(),
                    chart: comparison_metric_chart(&c, m, relative),
                    alt,
                    height: 280,
                    empty,
                }
            })
            .collect();
        charts(specs)
    };
    let mut risk = charts(vec![ChartSpec {
        id: "chart-compare-risk".into(),
        chart: risk_chart,
        alt: risk_alt,
        height: 280,
        empty: risk_empty,
    }]);
    let toggle = view! {
        <label class="toggle">
            <input type="checkbox" data-testid="compare-relative"
                on:change=move |ev| relative.set(event_target_checked(&ev))/>
            " Relative to each feature's usual level"
        </label>
    }
    .into_any();
    risk = (risk, toggle, html("", "<p class=\"muted small\">In their own units, or, when units or sizes differ, relative to each feature's usual level (1 is as usual, 1.5 half as much again). Drag the slider under a chart, or hold Shift and scroll over it, to zoom.</p>".into()), metric_charts.into_any()).into_any();
    (
        section(
            "compare-table-title",
            "compare-results",
            format!(
                "<h2 id=\"compare-table-title\">Where each stands</h2><p class=\"muted small\">Today's tier, risk, impact and state; each metric as the last 7 days' mean, with its change from the feature's usual level (the median of the {} days before).</p>{table}",
                crate::comparison::USUAL_DAYS
            ),
            ().into_any(),
            ().into_any(),
        ),
        section(
            "compare-charts-title",
            "compare-charts",
            "<h2 id=\"compare-charts-title\">Risk and metrics over time</h2>".into(),
            ().into_any(),
            risk,
        ),
    )
        .into_any()
}

/// Names as a sentence lists them: "a, b and c".
pub(super) fn list(names: &[String]) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    crate::insights::and_list(&names)
}

pub(super) fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |f| f.to_uppercase().chain(chars).collect())
}
