//! The ranked table: one row per feature, most urgent first.

use crate::insights::human_count;
use crate::report::FeatureStatus;
use leptos::prelude::*;

#[component]
pub fn RankingTable(ranking: Vec<FeatureStatus>) -> impl IntoView {
    let rows = ranking
        .into_iter()
        .map(|r| {
            let tier = r.tier.as_str();
            let change = r.risk_7d_ago.map_or(String::new(), |old| {
                let points = ((r.risk - old) * 100.0).round();
                if points == 0.0 {
                    " (unchanged in 7 days)".to_string()
                } else {
                    format!(" ({points:+.0} pts in 7 days)")
                }
            });
            view! {
                <tr data-testid="ranking-row" class=format!("tier-{tier}")>
                    <th scope="row">{r.feature.clone()}</th>
                    <td><span class=format!("badge {tier}")>{tier}</span></td>
                    <td class="num">{format!("{:.0}%", r.risk * 100.0)}<span class="muted">{change}</span></td>
                    <td class="num">{human_count(r.impact)}</td>
                    <td class="num">{human_count(r.sessions_7d)}</td>
                    <td>{r.reasons.join("; ")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="ranking" data-testid="ranking">
            <caption>"Features by tier, then by Impact Score (risk x weekly sessions)"</caption>
            <thead>
                <tr>
                    <th scope="col">"Feature"</th>
                    <th scope="col">"Tier"</th>
                    <th scope="col">"Risk (7 days)"</th>
                    <th scope="col">"Impact"</th>
                    <th scope="col">"Weekly sessions"</th>
                    <th scope="col">"Reasons"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
