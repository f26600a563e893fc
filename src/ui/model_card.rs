//! The model card: how the model was trained and measured, its figures, its calibration,
//! its coefficients in plain words, and its limits.

use super::chart::ChartView;
use super::Shared;
use crate::charts::{calibration_chart, empty, lead_time_chart};
use crate::insights::counted;
use crate::model::bootstrap::Interval;
use crate::model::compare::{with_interval, MethodFigures};
use crate::report::Report;
use leptos::prelude::*;

fn figure(value: Option<f64>, digits: usize) -> String {
    value.map_or("n/a".into(), |v| format!("{v:.digits$}"))
}

/// A figure's 95% interval in brackets, or nothing.
fn interval(value: Option<Interval>, digits: usize) -> String {
    value.map_or(String::new(), |i| format!(" ({})", i.describe(digits)))
}

/// When the report shown was made by the page under a new budget: a note that the figures
/// over the whole history are still the previous budget's (the engine's report follows).
pub fn history_pending(report: &Report) -> Option<impl IntoView> {
    report.tier_history_pending.then(|| {
        view! {
            <p class="pending" role="status" data-testid="tier-history-pending">
                "Being measured again under the new budget: until then, the lead time, the investigate tier's precision and alerts, the comparison and the backtest are the previous budget's."
            </p>
        }
    })
}

/// The model beside its baselines, on the same evaluated feature-days.
#[component]
fn BaselineTable(model: MethodFigures, baselines: Vec<MethodFigures>) -> impl IntoView {
    let rows = std::iter::once(model)
        .chain(baselines)
        .map(|m| {
            view! {
                <tr data-testid="baseline-row">
                    <th scope="row">{m.method.clone()}<br/><small>{m.description.clone()}</small></th>
                    <td class="num">{with_interval(m.roc_auc, m.roc_auc_interval, 3)}</td>
                    <td class="num">{with_interval(m.average_precision, m.average_precision_interval, 3)}</td>
                    <td class="num">{m.investigate_precision.map_or("no alerts".to_string(), |_| with_interval(m.investigate_precision, m.investigate_precision_interval, 2))}</td>
                    <td class="num">{figure(m.investigate_alerts_per_100_feature_days, 2)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="plain" data-testid="baselines">
                <caption>"The model beside two baselines, measured on the same feature-days (95% intervals in brackets)"</caption>
                <thead><tr>
                    <th scope="col">"Method"</th>
                    <th scope="col" class="num">"ROC AUC"</th>
                    <th scope="col" class="num">"Average precision"</th>
                    <th scope="col" class="num">"Alert precision"</th>
                    <th scope="col" class="num">"Alerts per 100 feature-days"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The backtest table: past degradations, newest first (at most 25), and how early
/// each tier warned.
#[component]
pub fn BacktestTable(
    rows: Vec<crate::report::BacktestRow>,
    caption: &'static str,
) -> impl IntoView {
    let lead = |date: Option<chrono::NaiveDate>, days: Option<usize>| match (date, days) {
        (Some(d), Some(n)) => format!("{d} ({n} day{} ahead)", if n == 1 { "" } else { "s" }),
        _ => "not warned".to_string(),
    };
    let body = rows
        .iter()
        .rev()
        .take(25)
        .map(|r| {
            let warm = !r.evaluable;
            view! {
                <tr>
                    <th scope="row">{r.feature.clone()}</th>
                    <td>{r.start.to_string()}</td>
                    <td>{if warm { "not checked: no day to rank before it".to_string() } else { lead(r.first_watch, r.watch_lead_days) }}</td>
                    <td>{if warm { String::new() } else { lead(r.first_investigate, r.investigate_lead_days) }}</td>
                    <td class="num">{r.risk_day_before.map_or(String::new(), |v| format!("{:.0}%", v * 100.0))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="plain" data-testid="backtest">
                <caption>{caption}</caption>
                <thead><tr>
                    <th scope="col">"Feature"</th><th scope="col">"Started"</th>
                    <th scope="col">"Watch from"</th><th scope="col">"Investigate from"</th>
                    <th scope="col" class="num">"Risk the day before"</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn ModelCardView(report: Shared<Report>) -> impl IntoView {
    let c = &report.model_card;
    // Without a refit or an evaluated day, the card says so rather than print empty
    // figures; why there was no refit is the core's sentence below (default_and_learned).
    let refits = match c.first_fit {
        Some(first) => format!(
            "{}, the first on {first}",
            counted(c.fits, "refit", "refits")
        ),
        None => "no refit yet".to_string(),
    };
    let measured = if c.evaluated_rows == 0 {
        format!(
            "No figure below can be measured yet: a day's outcome is known only {} days later, and no scored feature-day's outcome is known.",
            c.horizon_days
        )
    } else {
        format!(
            "Every figure below is measured on those walk-forward scores ({}, {} followed by a degradation within {} days).",
            counted(c.evaluated_rows, "feature-day", "feature-days"),
            c.evaluated_positives,
            c.horizon_days,
        )
    };
    let trained = format!(
        "A logistic regression over {} that starts from a shipped default model and is refitted every {} days on this data's known degradations ({refits}). Each day is scored by the latest model fitted on or before it, using only degradations that were already known then. {measured}",
        counted(crate::model::features::N_INPUTS, "signal", "signals"),
        c.retrain_every_days,
    );
    let label_source = c.label_source.describe(&report.config.slo);
    let label_notes = c.label_notes.clone();
    let lead = &c.lead_time;
    let lead_explained = lead.describe(c.horizon_days);
    let lead_alt = format!(
        "{} of {} checked had their feature in the investigate tier at least a day before (median warning {} days); {} missed.",
        lead.warned,
        counted(lead.evaluated, "degradation", "degradations"),
        figure(lead.median_lead_days, 1),
        lead.missed,
    );
    let model_row = MethodFigures {
        method: "Feature Radar (this model)".to_string(),
        description: "the walk-forward risk; alerts are its investigate tier".to_string(),
        roc_auc: c.roc_auc,
        roc_auc_interval: c.roc_auc_interval,
        average_precision: c.average_precision,
        average_precision_interval: c.average_precision_interval,
        investigate_precision: c.investigate_precision,
        investigate_precision_interval: c.investigate_precision_interval,
        investigate_alerts_per_100_feature_days: c.investigate_alerts_per_100_feature_days,
    };
    let calibration_alt = format!(
        "Predicted against observed degradation rates per risk band; expected calibration error {}. {}",
        figure(c.expected_calibration_error, 3),
        c.calibration
            .iter()
            .filter(|b| b.count > 0)
            .map(crate::charts::calibration_bin_words)
            .collect::<Vec<_>>()
            .join("; ")
    );
    let calibration_rows = c
        .calibration
        .iter()
        .filter(|b| b.count > 0)
        .map(|b| {
            view! {
                <tr data-testid="calibration-bin">
                    <th scope="row">{format!("{:.0}-{:.0}%", b.from * 100.0, b.to * 100.0)}</th>
                    <td class="num">{b.count}</td>
                    <td class="num">{b.positives}</td>
                    <td class="num">{format!("{:.1}%", b.mean_predicted * 100.0)}</td>
                    <td class="num">{format!("{:.1}%", b.observed_rate * 100.0)}</td>
                </tr>
            }
        })
        .collect_view();
    let mut coefficients = c.coefficients.clone();
    crate::sorting::sort_by(&mut coefficients, |a, b| {
        b.weight.abs().total_cmp(&a.weight.abs())
    });
    view! {
        <section aria-labelledby="card-title" data-testid="model-card">
            <h2 id="card-title">"Model card"</h2>
            <p>{trained}</p>
            <p data-testid="default-and-learned">{c.default_and_learned.clone()}</p>
            <p data-testid="tier-rule">{c.tier_rule.clone()}</p>
            {history_pending(&report)}
            <p>"Degradations are "{label_source}"."</p>
            <ul class="label-notes" data-testid="label-notes">
                {label_notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
            <dl class="figures">
                <div><dt>"ROC AUC"</dt><dd><span data-testid="auc">{figure(c.roc_auc, 3)}</span><span data-testid="auc-interval">{interval(c.roc_auc_interval, 3)}</span></dd></div>
                <div><dt>"Average precision"</dt><dd>{figure(c.average_precision, 3)}{interval(c.average_precision_interval, 3)}</dd></div>
                <div><dt>"Brier score"</dt><dd>{figure(c.brier, 4)}</dd></div>
                <div><dt>"Brier of the base rate"</dt><dd>{figure(c.brier_of_base_rate, 4)}</dd></div>
                <div><dt>"Calibration error"</dt><dd>{figure(c.expected_calibration_error, 3)}</dd></div>
                <div><dt>"Warned a day or more ahead"</dt><dd>{format!("{} of {}", lead.warned, lead.evaluated)}</dd></div>
                <div><dt>"Missed"</dt><dd data-testid="missed">{lead.missed}</dd></div>
                <div><dt>"Median lead time"</dt><dd>{format!("{} days", figure(lead.median_lead_days, 1))}</dd></div>
                <div><dt>"Investigate precision"</dt><dd>{figure(c.investigate_precision, 2)}{interval(c.investigate_precision_interval, 2)}</dd></div>
                <div><dt>"Investigate alerts per 100 feature-days"</dt><dd>{figure(c.investigate_alerts_per_100_feature_days, 2)}</dd></div>
            </dl>
            <p>"ROC AUC is the chance that a feature-day followed by a degradation is ranked above one that is not (0.5: no better than chance). Average precision sums up how many of the top-ranked feature-days were followed by a degradation, from the top down; ranking at random gives the base rate. Alert precision is the share of alerts followed by a degradation within "{c.horizon_days}" days."</p>
            <p data-testid="intervals-note">{c.intervals_note.clone()}</p>
            <BaselineTable model=model_row baselines=c.baselines.clone()/>
            <p data-testid="comparison">{c.comparison.clone()}</p>
        </section>
        <section aria-labelledby="calibration-title">
            <h2 id="calibration-title">"Calibration and lead time"</h2>
            <ChartView
                id="chart-calibration".to_string()
                chart=calibration_chart(&c.calibration)
                alt=calibration_alt
                empty=empty::calibration(&c.calibration)
            />
            <div class="table-wrap">
                <table class="plain" data-testid="calibration-table">
                    <caption>"Risk bands: how many evaluated feature-days each holds and how many were followed by a degradation"</caption>
                    <thead><tr>
                        <th scope="col">"Risk band"</th>
                        <th scope="col" class="num">"Feature-days"</th>
                        <th scope="col" class="num">"Followed by a degradation"</th>
                        <th scope="col" class="num">"Predicted"</th>
                        <th scope="col" class="num">"Observed"</th>
                    </tr></thead>
                    <tbody>{calibration_rows}</tbody>
                </table>
            </div>
            <ChartView
                id="chart-lead-time".to_string()
                chart=lead_time_chart(&lead.lead_days, c.horizon_days, lead.missed)
                alt=lead_alt
                empty=empty::lead_time(&lead.lead_days, lead.evaluated)
            />
            <p data-testid="lead-explained">{lead_explained}</p>
        </section>
        <section aria-labelledby="coef-title">
            <h2 id="coef-title">"What the model learned"</h2>
            <table class="plain">
                <caption>"Coefficients of the latest fit: how the odds of a degradation change per standard deviation of each signal"</caption>
                <thead><tr><th scope="col">"Signal"</th><th scope="col">"Meaning"</th><th scope="col" class="num">"Odds per SD"</th></tr></thead>
                <tbody>
                    {coefficients
                        .into_iter()
                        .map(|k| view! {
                            <tr>
                                <th scope="row">{k.signal}</th>
                                <td>{k.meaning}</td>
                                <td class="num">{format!("x{:.2}", k.odds_ratio)}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
        <section aria-labelledby="backtest-title">
            <h2 id="backtest-title">"Backtest: how early it would have warned"</h2>
            <p>{format!(
                "For each past degradation, the first day in the {} days before it on which the feature was in the watch tier or higher, and in the investigate tier. The most recent {} of {}:",
                c.horizon_days,
                report.backtest.len().min(25),
                report.backtest.len()
            )}</p>
            {history_pending(&report)}
            <BacktestTable rows=report.backtest.clone() caption="Warnings before past degradations (newest first)"/>
        </section>
        <section aria-labelledby="limits-title">
            <h2 id="limits-title">"Limits"</h2>
            <ul>{c.limits.iter().map(|l| view! { <li>{l.clone()}</li> }).collect_view()}</ul>
        </section>
    }
}
