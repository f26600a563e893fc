//! The feature view: what is happening to one feature, why the model thinks so, and what
//! to do about it, in words first and charts second.

use super::chart::ChartView;
use super::engine;
use super::{AppState, Shared};
use crate::charts::{empty, metric_chart, risk_chart, why_chart};
use crate::detail::FeatureDetail;
use crate::engine::{Reply, Request};
use crate::insights::{counted, human_count};
use crate::report::FeatureStatus;
use crate::report::Report;
use crate::telemetry::EventKind;
use crate::why::{Group, VISIBLE};
use leptos::prelude::*;
use std::sync::Arc;

#[component]
pub fn FeatureView(report: Shared<Report>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let wanted = state.view.with_untracked(|v| v.feature.clone());
    let Some(status) = wanted
        .as_ref()
        .and_then(|f| report.ranking.iter().find(|r| &r.feature == f))
        .or(report.ranking.first())
        .cloned()
    else {
        return view! { <p>"No features in the data."</p> }.into_any();
    };
    // The detail comes from the engine's worker, which holds the analysis.
    let detail = RwSignal::new(None::<Result<Shared<FeatureDetail>, String>>);
    let asked = engine::ask(
        Request::Detail {
            status: Box::new(status.clone()),
        },
        |_, _| {},
        move |reply| {
            detail.set(Some(match reply {
                Reply::Detail(d) => Ok(Shared(Arc::new(*d))),
                Reply::Failed(message) | Reply::Crashed(message) => Err(message),
                _ => Err("the engine gave no detail".into()),
            }))
        },
    );
    if !asked {
        detail.set(Some(Err(
            "the analysis is being made again; the feature's detail shows when it is ready".into(),
        )));
    }
    view! {
        {move || match detail.get() {
            None => view! { <p class="muted" data-testid="feature-loading">{format!("Preparing the detail of {}…", status.feature)}</p> }.into_any(),
            Some(Err(message)) => view! { <p class="status error" role="alert">{format!("The feature's detail is not available: {message}.")}</p> }.into_any(),
            Some(Ok(d)) => render(state, report.clone(), status.clone(), d),
        }}
    }
    .into_any()
}

fn render(
    state: AppState,
    report: Shared<Report>,
    status: FeatureStatus,
    detail: Shared<FeatureDetail>,
) -> AnyView {
    let tier = status.tier.as_str();
    // Why, in words: each group of signals' change and its effect on the risk.
    let why: Vec<String> = detail
        .why
        .iter()
        .filter(|e| e.log_odds.abs() >= VISIBLE)
        .take(5)
        .map(|e| e.text.clone())
        .collect();
    // The technical detail, one click away: each group's and each input's push.
    let technical: Vec<(String, Vec<String>)> = detail
        .why
        .iter()
        .map(|e| {
            let inputs: Vec<String> = detail
                .contributions
                .iter()
                .filter(|c| {
                    crate::model::features::INPUTS
                        .iter()
                        .find(|i| i.id() == &*c.signal)
                        .is_some_and(|i| Group::of(*i) == e.group)
                })
                .map(|c| {
                    format!(
                        "{}: {:+.2} log-odds{}",
                        c.signal,
                        c.log_odds,
                        c.description
                            .as_ref()
                            .map_or(String::new(), |d| format!(" ({d})"))
                    )
                })
                .collect();
            (
                format!(
                    "{}: {:+.2} log-odds in all (odds x{:.2})",
                    e.group.name(),
                    e.log_odds,
                    e.log_odds.exp()
                ),
                inputs,
            )
        })
        .collect();
    let weights = report.config.impact;
    let impact_meaning = weights.meaning();
    let events: Vec<String> = detail
        .events
        .iter()
        .rev()
        .take(6)
        .map(|e| match e.kind {
            EventKind::Incident => {
                format!("{}: incident \"{}\" (until {})", e.start, e.title, e.end)
            }
            _ => format!("{}: deploy {}", e.start, e.title),
        })
        .collect();
    let slug: String = detail
        .feature
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let cutoffs = report.cutoffs_today;
    let risk_alt = format!(
        "Risk of {} over time: {:.1}% today; under the alert budget, today's investigate cut-off is {:.1}% and watch {:.1}%.",
        detail.feature,
        status.risk * 100.0,
        cutoffs.investigate * 100.0,
        cutoffs.watch * 100.0
    );
    let panels = detail
        .panels
        .iter()
        .map(|panel| {
            let last = panel.values.iter().rev().flatten().next().copied();
            let alt = format!(
                "{} of {} over {}; latest {}; {}, {} and {} (level or trend) marked{}.",
                panel.title,
                detail.feature,
                counted(detail.dates.len(), "day", "days"),
                last.map_or("none".into(), |v| format!("{v:.2} {}", panel.unit)),
                counted(panel.anomalies.len(), "anomalous day", "anomalous days"),
                counted(
                    panel.anomalous_hours.len(),
                    "day with an anomalous hour",
                    "days with an anomalous hour"
                ),
                counted(
                    panel.changepoints.len(),
                    "sustained change",
                    "sustained changes"
                ),
                if panel.changepoints.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        panel
                            .changepoints
                            .iter()
                            .map(|(d, text)| format!("{} {text}", detail.dates[*d]))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
            view! {
                <ChartView
                    id=format!("chart-{slug}-{:?}", panel.metric).to_lowercase()
                    chart=metric_chart(&detail, panel)
                    alt=alt
                />
            }
        })
        .collect_view();
    let others: Vec<String> = report.ranking.iter().map(|r| r.feature.clone()).collect();
    view! {
        <section aria-labelledby="feature-title" data-testid="feature-view">
            <div class="section-head">
                <h2 id="feature-title">{detail.feature.clone()}" "<span class=format!("badge {tier}")>{tier}</span></h2>
                <label>
                    "Feature "
                    <select on:change=move |ev| state.open_feature(event_target_value(&ev))>
                        {others
                            .into_iter()
                            .map(|name| {
                                let selected = name == detail.feature;
                                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            <p class="lead" data-testid="feature-sentence">{detail.sentence.clone()}</p>
            <p class=format!("action {tier}") data-testid="feature-action"><strong>"Recommended: "</strong>{detail.action.clone()}</p>
            <dl class="figures">
                {status.under_way.clone().map(|u| view! {
                    <div class="under-way"><dt>"Under way since"</dt><dd data-testid="under-way-since">{u.since.to_string()}</dd></div>
                })}
                <div><dt>{if status.under_way.is_some() { "Risk that a new degradation starts within 7 days" } else { "Risk that a degradation starts within 7 days" }.replace("7", &report.config.model.horizon.to_string())}</dt><dd>{format!("{:.0}%", status.risk * 100.0)}</dd></div>
                <div><dt>"7 days ago"</dt><dd>{status.risk_7d_ago.map_or("n/a".into(), |r| format!("{:.0}%", r * 100.0))}</dd></div>
                <div title=impact_meaning.clone()><dt>"Impact"</dt><dd>{weights.show(status.impact)}</dd><dd class="small muted">{impact_meaning.clone()}</dd></div>
                <div><dt>"Weekly sessions"</dt><dd>{human_count(status.sessions_7d)}</dd></div>
                <div><dt>"Share of usage"</dt><dd>{format!("{:.1}%", status.usage_share * 100.0)}</dd></div>
            </dl>
        </section>
        <section aria-labelledby="why-title">
            <h2 id="why-title">"Why: what the signals did, and what that does to the risk"</h2>
            {detail.biggest_lever.clone().map(|text| view! { <p data-testid="lever"><strong>{text}</strong></p> })}
            {detail.hourly_note.clone().map(|text| view! { <p data-testid="hourly-note">{text}</p> })}
            <ul data-testid="contributions">
                {if why.is_empty() {
                    view! { <li>"No signal moves the risk much today."</li> }.into_any()
                } else {
                    why.into_iter().map(|p| view! { <li>{p}</li> }).collect_view().into_any()
                }}
            </ul>
            <ChartView
                id=format!("chart-{slug}-contributions")
                chart=why_chart(&detail.why)
                alt="Each group of signals' push on today's risk: bars to the right raise it, to the left lower it; the list above says the same in words.".to_string()
                height=260
                empty=empty::why(&detail.why)
            />
            <details data-testid="why-details">
                <summary>"Technical detail: the model's inputs and their pushes"</summary>
                <p class="muted small">"Each push is a change in log-odds against an average day (the odds multiply by e to that power); the inputs of a group are read together, so one may push against its group. Levels are in noise units: distances from the 4-week baseline in the metric's own robust spread."</p>
                <ul>
                    {technical
                        .into_iter()
                        .map(|(group, inputs)| view! {
                            <li>{group}<ul>{inputs.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul></li>
                        })
                        .collect_view()}
                </ul>
            </details>
        </section>
        <section aria-labelledby="risk-title">
            <h2 id="risk-title">"Risk over time"</h2>
            <ChartView id=format!("chart-{slug}-risk") chart=risk_chart(&detail, &cutoffs) alt=risk_alt empty=empty::risk(&detail)/>
        </section>
        <section aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Metrics"</h2>
            <p class="muted small">"Shaded: the expected range (4-week baseline with the weekly pattern, give or take twice its usual day-to-day spread). Red dots: anomalous days. Brown lines: sustained changes of level or trend. Brown diamonds (hourly data): a day with an hour far from the usual for its time and weekday. Dashed lines: deploys; red spans: incidents (named under Recent events). Drag the slider under a chart, or hold Shift and scroll over it, to zoom."</p>
            {panels}
            <h3>"Past degradations of this feature, and how early it warned"</h3>
            {
                let own: Vec<crate::report::BacktestRow> = report
                    .backtest
                    .iter()
                    .filter(|r| r.feature == detail.feature)
                    .cloned()
                    .collect();
                if own.is_empty() {
                    view! { <p class="muted">"None in the data."</p> }.into_any()
                } else {
                    view! {
                        <super::model_card::BacktestTable rows=own caption="Backtest of this feature"/>
                    }.into_any()
                }
            }
            <h3>"Recent events"</h3>
            {if events.is_empty() {
                view! { <p class="muted" data-testid="no-events">"No deploys or incidents recorded for this feature."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="events">{events.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
