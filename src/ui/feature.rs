//! The feature view: what is happening to one feature, why the model thinks so, and what
//! to do about it, in words first and charts second.

use super::chart::ChartView;
use super::engine;
use super::{AppState, Shared};
use crate::charts::{contributions_chart, empty, metric_chart, risk_chart};
use crate::detail::FeatureDetail;
use crate::engine::{Reply, Request};
use crate::insights::{counted, human_count};
use crate::report::FeatureStatus;
use crate::report::Report;
use crate::telemetry::EventKind;
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
    let pushes: Vec<String> = detail
        .contributions
        .iter()
        .filter(|c| c.log_odds.abs() >= 0.1)
        .take(5)
        .map(|c| {
            let what = c
                .description
                .clone()
                .unwrap_or_else(|| c.signal.to_string());
            let direction = if c.log_odds > 0.0 { "raises" } else { "lowers" };
            format!(
                "{what}: {direction} the risk (odds x{:.2})",
                c.log_odds.exp()
            )
        })
        .collect();
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
                <div><dt>"Risk"</dt><dd>{format!("{:.0}%", status.risk * 100.0)}</dd></div>
                <div><dt>"7 days ago"</dt><dd>{status.risk_7d_ago.map_or("n/a".into(), |r| format!("{:.0}%", r * 100.0))}</dd></div>
                <div><dt>"Impact"</dt><dd>{human_count(status.impact)}</dd></div>
                <div><dt>"Weekly sessions"</dt><dd>{human_count(status.sessions_7d)}</dd></div>
                <div><dt>"Share of usage"</dt><dd>{format!("{:.1}%", status.usage_share * 100.0)}</dd></div>
            </dl>
        </section>
        <section aria-labelledby="why-title">
            <h2 id="why-title">"Why: the signals behind today's risk"</h2>
            {detail.biggest_lever.clone().map(|text| view! { <p data-testid="lever"><strong>{text}</strong></p> })}
            {detail.hourly_note.clone().map(|text| view! { <p data-testid="hourly-note">{text}</p> })}
            <ul data-testid="contributions">
                {if pushes.is_empty() {
                    view! { <li>"No signal moves the risk much today."</li> }.into_any()
                } else {
                    pushes.into_iter().map(|p| view! { <li>{p}</li> }).collect_view().into_any()
                }}
            </ul>
            <ChartView
                id=format!("chart-{slug}-contributions")
                chart=contributions_chart(&detail.contributions)
                alt="Each signal's push on today's risk, in log-odds; the list above says the same in words.".to_string()
                height=320
                empty=empty::contributions(&detail.contributions)
            />
        </section>
        <section aria-labelledby="risk-title">
            <h2 id="risk-title">"Risk over time"</h2>
            <ChartView id=format!("chart-{slug}-risk") chart=risk_chart(&detail, &cutoffs) alt=risk_alt empty=empty::risk(&detail)/>
        </section>
        <section aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Metrics"</h2>
            <p class="muted small">"Shaded: the expected range (4-week baseline with the weekly pattern, +- 2 noise units). Red dots: anomalous days. Orange lines: sustained changes of level or trend. Orange diamonds (hourly data): a day with an hour far from the usual for its time and weekday. Dashed lines: deploys; red spans: incidents (hover to name them)."</p>
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
