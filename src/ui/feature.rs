//! The feature view: what is happening to one feature, why the model thinks so, and what
//! to do about it, in words first and charts second.

use super::chart::ChartView;
use super::compare::{capital, list};
use super::engine;
use super::table::{
    charts, esc, html, list_html, section, select, table_html, Cell, ChartSpec, Row, Table,
};
use super::{AppState, Shared};
use crate::analysis::drift::{summary, Drift};
use crate::analysis::inference::Difference;
use crate::charts::{
    adoption_chart, cohort_chart, cohort_share_chart, empty, metric_chart, risk_chart, why_chart,
};
use crate::cohorts::release::{Basis, Judgement, ReleaseComparison};
use crate::cohorts::{Breakdown, DimensionBreakdown, RECENT_DAYS, REFERENCE_DAYS};
use crate::detail::FeatureDetail;
use crate::engine::{Reply, Request};
use crate::insights::{counted, human_count};
use crate::report::FeatureStatus;
use crate::report::Report;
use crate::telemetry::{signed_significant, significant, EventKind, Metric};
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
            {
                let name = detail.feature.clone();
                view! {
                    <p class="small"><button class="link" data-testid="compare-with"
                        on:click=move |_| state.open_compare(Some(name.clone()))>"Compare with other features…"</button></p>
                }
            }
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
        {detail.cohorts.as_ref().map(|b| cohort_section(b, &slug))}
        {detail.release.as_ref().map(|r| release_section(r, &slug))}
        <section aria-labelledby="risk-title">
            <h2 id="risk-title">"Risk over time"</h2>
            <ChartView id=format!("chart-{slug}-risk") chart=risk_chart(&detail, &cutoffs) alt=risk_alt empty=empty::risk(&detail)/>
        </section>
        <section aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Metrics"</h2>
            {drift_words(&detail.drift)}
            <p class="muted small">"Shaded: the expected range (4-week baseline with the weekly pattern, give or take twice its usual day-to-day spread). Red dots: anomalous days. Brown lines: sustained changes of level or trend. Brown diamonds (hourly data): a day with an hour far from the usual for its time and weekday. Dashed lines: deploys; red spans: incidents (named under Recent events). Drag the slider under a chart, or hold Shift and scroll over it, to zoom."</p>
            {panels}
            <h3>"Past degradations of this feature, and how early it warned"</h3>
            {super::model_card::history_pending(&report)}
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

/// A share of sessions in percent, two significant digits.
fn share(v: f64) -> String {
    format!("{}%", significant(v * 100.0, 2))
}

/// "By cohort": the findings in sentences first, then the chosen dimension's and metric's
/// cohorts in a compact table, over time and by share of sessions.
fn cohort_section(breakdown: &Breakdown, slug: &str) -> AnyView {
    let b = Arc::new(breakdown.clone());
    let windows = format!(
        "The last {RECENT_DAYS} days ({} to {}) against the {REFERENCE_DAYS} before ({} to {}).",
        b.recent.0, b.recent.1, b.reference.0, b.reference.1
    );
    let findings: Vec<String> = if b.findings.is_empty() {
        vec!["No metric changed by 10% or more, overall or in any cohort.".into()]
    } else {
        b.findings.iter().map(|f| f.sentence.clone()).collect()
    };
    // The dimension shown, and its metric (a position in its history's metrics): first
    // the dimension and metric of the first finding, if any.
    let metric_of = |d: &DimensionBreakdown, m: Option<Metric>| {
        d.history
            .metrics
            .iter()
            .position(|(h, _)| Some(*h) == m)
            .unwrap_or(0)
    };
    let first = b.findings.first();
    let d0 = first
        .and_then(|f| b.dimensions.iter().position(|d| d.dimension == f.dimension))
        .unwrap_or(0);
    let m0 = b
        .dimensions
        .get(d0)
        .map_or(0, |d| metric_of(d, first.map(|f| f.metric)));
    let chosen = RwSignal::new((d0, m0));
    let dimension_picker = (b.dimensions.len() > 1).then(|| {
        let bb = b.clone();
        select(
            "Cohorts by ",
            "cohort-dimension",
            b.dimensions.iter().map(|d| d.dimension.clone()).collect(),
            d0,
            Box::new(move |i| {
                // The metric stays when the new dimension has it.
                let (d, m) = chosen.get_untracked();
                let metric = bb
                    .dimensions
                    .get(d)
                    .and_then(|d| d.history.metrics.get(m))
                    .map(|(m, _)| *m);
                let m = bb.dimensions.get(i).map_or(0, |d| metric_of(d, metric));
                chosen.set((i, m));
            }),
        )
    });
    let slug = slug.to_string();
    let body = move || {
        let (di, mi) = chosen.get();
        let Some(d) = b.dimensions.get(di) else {
            return html(
                "",
                "<p class=\"muted\">No cohort dimension to show.</p>".into(),
            );
        };
        let history = d.history.metrics.get(mi);
        let metric = history.map(|(m, _)| *m);
        let split = metric.and_then(|m| d.metrics.iter().find(|s| s.metric == m));
        let metric_picker = (d.history.metrics.len() > 1).then(|| {
            // Drawn anew with the dimension; the dimension's select stays.
            select(
                "Metric ",
                "cohort-metric",
                d.history
                    .metrics
                    .iter()
                    .map(|(m, _)| m.spoken().to_string())
                    .collect(),
                mi,
                Box::new(move |i| chosen.update(|c| c.1 = i)),
            )
        });
        let names: Vec<String> = d.cohorts.iter().map(|c| c.value.clone()).collect();
        let (chart, alt, empty_chart) = match history {
            Some((m, per)) => {
                let latest: Vec<String> = d
                    .cohorts
                    .iter()
                    .zip(per)
                    .map(|(c, values)| match values.iter().rev().flatten().next() {
                        Some(v) => format!("{} {}", c.value, m.show(*v)),
                        None => format!("{} no value", c.value),
                    })
                    .collect();
                let alt = format!(
                    "{} of {} by {} over time, a line per cohort ({}); latest: {}.{}",
                    capital(m.spoken()),
                    b.feature,
                    d.dimension,
                    list(&names),
                    latest.join(", "),
                    split.map_or(String::new(), |s| format!(" {}.", s.sentence))
                );
                (cohort_chart(d, *m), alt, None)
            }
            None => (
                cohort_share_chart(d),
                String::new(),
                Some(
                    "No health metric has values by cohort, so there is nothing to chart."
                        .to_string(),
                ),
            ),
        };
        let share_alt = format!(
            "Share of {}'s sessions by {} over time, a line per cohort; over the last {RECENT_DAYS} days {}.",
            b.feature,
            d.dimension,
            d.cohorts
                .iter()
                .map(|c| format!("{} {} (earlier {})", c.value, share(c.share_after), share(c.share_before)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let share_empty = d
            .history
            .share
            .iter()
            .all(|s| s.iter().all(Option::is_none))
            .then(|| {
                "No sessions by cohort in these days, so there are no shares to chart.".to_string()
            });
        let metric_head = metric.map_or("metric", |m| m.spoken());
        let rows = d
            .cohorts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let change = split.and_then(|s| s.cohorts.get(i).map(|x| (s.metric, x)));
                let (now, moved, notable) = match change {
                    Some((m, x)) => (
                        x.after.map_or("no data".into(), |a| m.show(a)),
                        match (x.before, x.after) {
                            (Some(b), Some(a)) => m.show_change(b, a),
                            (None, Some(_)) => "new".into(),
                            (Some(_), None) => "gone".into(),
                            (None, None) => String::new(),
                        },
                        x.notable,
                    ),
                    None => ("no data".into(), String::new(), false),
                };
                Row {
                    head: c.value.clone(),
                    cells: vec![
                        Cell::num(share(c.share_after)),
                        Cell::num(share(c.share_before)),
                        Cell::num(now),
                        Cell::num(moved),
                        Cell::text(if notable { "notable" } else { "" }),
                    ],
                    class: if notable { "notable" } else { "" },
                }
            })
            .collect();
        let table = table_html(&Table {
            testid: "cohort-table",
            row_testid: "cohort-row",
            class: "cohorts",
            label: format!("Cohorts by {}", d.dimension),
            caption: format!("Cohorts by {}", d.dimension),
            head: vec![
                Cell::text("Cohort"),
                Cell::num("Share now"),
                Cell::num("Earlier"),
                Cell::num(format!("{} now", capital(metric_head))),
                Cell::num("Change"),
                Cell::text("Notable"),
            ],
            rows,
        });
        let note = format!(
            "<p class=\"small\">{}Share of sessions over the last {RECENT_DAYS} days and the {REFERENCE_DAYS} before; {metric_head} over the last {RECENT_DAYS} days with its change. Notable: a change of 10% or more (0.1 on the rating) that the cohort's daily values confirm (Welch's test, 95%).</p>{table}",
            split.map_or(String::new(), |s| esc(&format!("By {}: {}. ", d.dimension, s.sentence)))
        );
        let specs = vec![
            ChartSpec {
                id: format!("chart-{slug}-cohort-metric"),
                chart,
                alt,
                height: 280,
                empty: empty_chart,
            },
            ChartSpec {
                id: format!("chart-{slug}-cohort-share"),
                chart: cohort_share_chart(d),
                alt: share_alt,
                height: 240,
                empty: share_empty,
            },
        ];
        (
            metric_picker.unwrap_or_else(|| ().into_any()),
            html("", note),
            charts(specs),
        )
            .into_any()
    };
    section(
        "cohorts-title",
        "cohorts",
        format!(
            "<h2 id=\"cohorts-title\">By cohort</h2><p class=\"muted small\">{}</p>{}",
            esc(&windows),
            list_html("cohort-findings", &findings)
        ),
        dimension_picker.unwrap_or_else(|| ().into_any()),
        body.into_any(),
    )
}

/// A release's difference with its 95% interval, in the table's units: rates in
/// percentage points, the rating in points, latencies in ms.
fn difference_words(metric: Metric, d: &Difference) -> String {
    let unit = |v: f64| match metric {
        Metric::CrashRate | Metric::ErrorRate => signed_significant(v * 100.0, 2),
        Metric::FeedbackScore => format!("{v:+.2}"),
        _ => signed_significant(v, 3),
    };
    let suffix = match metric {
        Metric::CrashRate | Metric::ErrorRate => " points",
        Metric::LatencyP95 | Metric::LatencyP50 => " ms",
        _ => "",
    };
    format!(
        "{}{suffix} ({} to {})",
        unit(d.estimate),
        unit(d.low),
        unit(d.high)
    )
}

/// "Latest release": its verdict in a sentence, the metrics in a table, and for versions
/// the new one's adoption over time.
fn release_section(release: &ReleaseComparison, slug: &str) -> AnyView {
    let class = match release.judgement {
        Judgement::Worse => "badge investigate",
        Judgement::Better => "badge monitor",
        _ => "badge neutral",
    };
    let basis = match release.basis {
        Basis::Versions | Basis::VersionsBeforeAfter => format!(
            "{} against {} {}, {} to {} ({} and {} sessions).",
            release.new,
            release.previous,
            if release.basis == Basis::Versions {
                "over the same days"
            } else {
                "before and after the new version's rollout (they did not run side by side)"
            },
            release.from,
            release.to,
            human_count(release.new_sessions),
            human_count(release.previous_sessions)
        ),
        Basis::Deploy => format!(
            "The feature's days after the deploy {} against those before it, {} to {} ({} sessions after, {} before).",
            release.new,
            release.from,
            release.to,
            human_count(release.new_sessions),
            human_count(release.previous_sessions)
        ),
    };
    let rows = release
        .metrics
        .iter()
        .map(|m| Row {
            head: m.metric.spoken().to_string(),
            cells: vec![
                Cell::num(m.metric.show(m.previous)),
                Cell::num(m.metric.show(m.new)),
                Cell::num(
                    m.difference
                        .as_ref()
                        .map_or("too few to say".to_string(), |d| {
                            difference_words(m.metric, d)
                        }),
                ),
                Cell::class(
                    m.judgement.words(),
                    match m.judgement {
                        Judgement::Worse => "verdict worse",
                        Judgement::Better => "verdict better",
                        _ => "verdict",
                    },
                ),
            ],
            class: "",
        })
        .collect();
    let table = table_html(&Table {
        testid: "release-table",
        row_testid: "release-row",
        class: "release",
        label: "The release's metrics".into(),
        caption: format!(
            "{} (new) against {} (previous)",
            release.new, release.previous
        ),
        head: vec![
            Cell::text("Metric"),
            Cell::num("Previous"),
            Cell::num("New"),
            Cell::num("Difference (95% interval)"),
            Cell::text("Verdict"),
        ],
        rows,
    });
    let text = format!(
        "<h2 id=\"release-title\">Latest release <span class=\"{class}\" data-testid=\"release-verdict\">{}</span></h2><p class=\"lead\" data-testid=\"release-sentence\">{}</p><p class=\"muted small\">{} Difference: new minus previous, with its 95% interval (rates in percentage points, from counts of sessions; latency and rating from daily values). Worse or better when the interval leaves out zero on that side and the difference is at least 5% of the previous value.</p>{table}",
        release.judgement.words(),
        esc(&release.sentence),
        esc(&basis)
    );
    let mut specs = Vec::new();
    if release.basis == Basis::Versions && release.adoption.iter().any(Option::is_some) {
        let last = release.adoption.iter().rev().flatten().next().copied();
        let first = release.adoption.iter().flatten().next().copied();
        specs.push(ChartSpec {
            id: format!("chart-{slug}-adoption"),
            chart: adoption_chart(release),
            alt: format!(
                "Adoption of {} over time: its share of {}'s sessions, from {} on {} to {} on {}.",
                release.new,
                release.feature,
                first.map_or("none".into(), share),
                release.adoption_start,
                last.map_or("none".into(), share),
                release.to
            ),
            height: 240,
            empty: None,
        });
    }
    section(
        "release-title",
        "release",
        text,
        ().into_any(),
        charts(specs),
    )
}

/// The drift of the feature's metrics in words: the summary's first line, and each
/// drifting metric's sentence under it (none listed when nothing drifted).
fn drift_words(drift: &[Drift]) -> AnyView {
    let text = summary(drift);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let head = lines.next().unwrap_or_default().to_string();
    let items: Vec<String> = lines.map(str::to_string).collect();
    let list = if items.is_empty() {
        String::new()
    } else {
        list_html("drifted", &items)
    };
    html(
        "drift",
        format!("<p data-testid=\"drift\">{}</p>{list}", esc(&head)),
    )
}
