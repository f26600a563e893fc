//! The feature view in words: a sustained change, the recommended action, and the whole
//! view as text for `feature-radar explain`.

use super::{DeployChange, FeatureDetail};
use crate::analysis::changepoints::{ChangeKind, Changepoint};
use crate::analysis::signals::{untransform, Signals};
use crate::impact::Tier;
use crate::report::{BacktestRow, Contribution, FeatureStatus};
use crate::telemetry::Metric;
use crate::why::{GroupEffect, VISIBLE};
use chrono::NaiveDate;

impl FeatureDetail {
    /// The feature view in plain text (for `feature-radar explain`): its standing, the
    /// sentence, the action, the biggest lever, the signals behind the risk, the sustained
    /// changes, the recent anomalies, the hourly note, and how early each of its past
    /// degradations was warned.
    pub fn to_text(&self, backtest: &[BacktestRow]) -> String {
        let s = &self.status;
        let mut out = format!(
            "{}: {} on {} (risk {:.0}% that a degradation starts within the horizon, impact {:.0} sessions, {:.0} sessions in 7 days)\nState: {}\n{}\nRecommended: {}\n",
            self.feature,
            s.tier.as_str(),
            s.date,
            s.risk * 100.0,
            s.impact,
            s.sessions_7d,
            match &s.under_way {
                Some(u) => u.text.clone(),
                None => s.state.label().to_string(),
            },
            self.sentence,
            self.action
        );
        if let Some(lever) = &self.biggest_lever {
            out.push_str(&format!("{lever}\n"));
        }
        let why: Vec<&GroupEffect> = self
            .why
            .iter()
            .filter(|e| e.log_odds.abs() >= VISIBLE)
            .collect();
        if !why.is_empty() {
            out.push_str("\nWhy:\n");
            for e in why {
                out.push_str(&format!("  {}\n", e.text));
            }
        }
        let pushes: Vec<&Contribution> = self
            .contributions
            .iter()
            .filter(|c| c.log_odds.abs() >= 0.05)
            .collect();
        if !pushes.is_empty() {
            out.push_str(
                "\nTechnical detail, each signal's push (log-odds against an average day):\n",
            );
            for c in pushes {
                out.push_str(&format!(
                    "  {:+.2}  {}{}\n",
                    c.log_odds,
                    c.signal,
                    c.description
                        .as_ref()
                        .map_or(String::new(), |d| format!(": {d}"))
                ));
            }
        }
        let date = |day: usize| self.dates[day];
        let mut changes: Vec<(usize, String)> = self
            .panels
            .iter()
            .flat_map(|p| {
                p.changepoints
                    .iter()
                    .map(move |(day, text)| (*day, format!("  {} {}: {text}", date(*day), p.title)))
            })
            .collect();
        crate::sorting::sort_by_key(&mut changes, |(day, _)| *day);
        out.push_str("\nSustained changes (level or trend):\n");
        if changes.is_empty() {
            out.push_str("  none\n");
        }
        for (_, line) in changes {
            out.push_str(&format!("{line}\n"));
        }
        let recent = self.dates.len().saturating_sub(14);
        let anomalies: Vec<String> = self
            .panels
            .iter()
            .filter_map(|p| {
                let days: Vec<String> = p
                    .anomalies
                    .iter()
                    .filter(|d| **d >= recent)
                    .map(|d| date(*d).to_string())
                    .collect();
                (!days.is_empty()).then(|| format!("  {}: {}", p.title, days.join(", ")))
            })
            .collect();
        out.push_str("\nAnomalous days in the last 14:\n");
        if anomalies.is_empty() {
            out.push_str("  none\n");
        }
        for line in anomalies {
            out.push_str(&format!("{line}\n"));
        }
        if let Some(note) = &self.hourly_note {
            out.push_str(&format!("\n{note}\n"));
        }
        if let Some(cohorts) = &self.cohorts {
            out.push_str("\nBy cohort (the last 7 days against the 28 before):\n");
            if cohorts.findings.is_empty() {
                out.push_str("  no metric changed by 10% or more, overall or in any cohort\n");
            }
            for f in &cohorts.findings {
                out.push_str(&format!("  {}\n", f.sentence));
            }
        }
        if let Some(release) = &self.release {
            out.push_str(&format!("\nLatest release: {}\n", release.sentence));
        }
        out.push_str(&format!(
            "\n{}\n",
            crate::analysis::drift::summary(&self.drift)
        ));
        let own: Vec<&BacktestRow> = backtest
            .iter()
            .filter(|b| b.feature == self.feature)
            .collect();
        if !own.is_empty() {
            out.push_str("\nPast degradations, and how early the tool warned:\n");
            for b in own {
                let lead = |first: Option<NaiveDate>, days: Option<usize>| match (first, days) {
                    (Some(d), Some(n)) => format!("from {d} ({n} days ahead)"),
                    _ => "not ahead".to_string(),
                };
                out.push_str(&format!(
                    "  {}{}: watch {}; investigate {}{}\n",
                    b.start,
                    b.title.as_ref().map_or(String::new(), |t| format!(" {t}")),
                    lead(b.first_watch, b.watch_lead_days),
                    lead(b.first_investigate, b.investigate_lead_days),
                    if b.model_existed {
                        ""
                    } else {
                        " (the model was still warming up)"
                    }
                ));
            }
        }
        out
    }
}

/// A sustained change in words: "level +40%", or "trend +3.1%/day (was +0.0%/day)".
pub(super) fn describe_change(metric: Metric, change: &Changepoint) -> String {
    match change.kind {
        ChangeKind::Level => describe_shift(metric, change.before, change.after),
        ChangeKind::Trend => {
            let per_day = |slope: f64| match metric {
                Metric::LatencyP95 | Metric::LatencyP50 | Metric::Sessions => {
                    format!("{:+.1}%/day", (slope.exp() - 1.0) * 100.0)
                }
                Metric::CrashRate | Metric::ErrorRate => format!(
                    "{:+.3} points/day",
                    (untransform(metric, change.at + slope) - untransform(metric, change.at))
                        * 100.0
                ),
                Metric::FeedbackScore => format!("{slope:+.3}/day"),
            };
            format!(
                "trend {} (was {})",
                per_day(change.after),
                per_day(change.before)
            )
        }
    }
}

fn describe_shift(metric: Metric, before: f64, after: f64) -> String {
    match metric {
        Metric::LatencyP95 | Metric::LatencyP50 | Metric::Sessions => {
            format!("level {:+.0}%", ((after - before).exp() - 1.0) * 100.0)
        }
        Metric::CrashRate | Metric::ErrorRate => format!(
            "level {:.2}% -> {:.2}%",
            untransform(metric, before) * 100.0,
            untransform(metric, after) * 100.0
        ),
        Metric::FeedbackScore => format!("level {before:.2} -> {after:.2}"),
    }
}

/// What to do about a feature, from its state first (a degradation under way is worked
/// now, not warned about), then its tier, its strongest group of signals and the deploys:
/// a deploy that the charts tie to a metric's current level or trend is named, so the
/// advice never says there was none while a chart says otherwise. `tied` are the metrics'
/// latest changes that the charts tie to a deploy, oldest first; `began_after`, the
/// deploy a degradation under way began on or after (its title and the days between).
pub fn recommended_action(
    status: &FeatureStatus,
    signals: &Signals,
    why: &[GroupEffect],
    tied: &[DeployChange],
    began_after: Option<(&str, i64)>,
) -> String {
    let top = why
        .iter()
        .filter(|e| e.log_odds >= VISIBLE)
        .max_by(|a, b| a.log_odds.total_cmp(&b.log_odds))
        .map(|e| e.change.clone());
    let recent = match (signals.days_since_deploy, signals.last_deploy.as_deref()) {
        (Some(days), Some(title)) if (0..=7).contains(&days) => Some(format!(
            "{title}, deployed {days} day{} ago",
            if days == 1 { "" } else { "s" }
        )),
        _ => None,
    };
    let deploys = match (began_after, tied.last(), &recent) {
        (Some((title, 0)), _, _) => format!(
            "It began on the day of deploy {title}: check that deploy first, and be ready to roll it back. "
        ),
        (Some((title, days)), _, _) => format!(
            "It began {} after deploy {title}: check that deploy first, and be ready to roll it back. ",
            crate::insights::counted(days as usize, "day", "days")
        ),
        (None, Some(last), _) => {
            // Every metric whose current level or trend began after that deploy.
            let same: Vec<&DeployChange> =
                tied.iter().filter(|c| c.deploy == last.deploy).collect();
            let mut metrics: Vec<&str> = same.iter().map(|c| c.metric.as_str()).collect();
            metrics.dedup();
            let began = same.iter().map(|c| c.date).min().unwrap_or(last.date);
            format!(
                "The charts tie the change in {} that began on {began} to deploy {}, and it has lasted since: check that deploy first, and be ready to roll it back. ",
                metrics.join(" and "),
                last.deploy
            )
        }
        (None, None, Some(d)) => {
            format!("Check whether it began with {d}, and be ready to roll it back. ")
        }
        (None, None, None) => "No deploy in the last week, and the charts tie none to the metrics' current levels and trends: look at dependencies, traffic mix and configuration changes. ".to_string(),
    };
    if let Some(u) = &status.under_way {
        let mut text = String::from("Act now, it is under way: ");
        match &u.incident {
            Some(title) => text.push_str(&format!(
                "work the open incident \"{title}\" (since {}). ",
                u.since
            )),
            None => text.push_str(&format!(
                "{} past its service level since {}, with no incident logged: open one. ",
                u.breaching.join(" and "),
                u.since
            )),
        }
        if let Some(t) = &top {
            text.push_str(&format!("The clearest sign: {t}. "));
        }
        text.push_str(&deploys);
        text.push_str("Keep support and the affected users informed until it ends.");
        return text;
    }
    match status.tier {
        Tier::Investigate => {
            let mut text = String::from("Investigate now: ");
            match &top {
                Some(t) => text.push_str(&format!("start with the strongest signal ({t}). ")),
                None => text.push_str("look at the metrics below for the first sign of change. "),
            }
            text.push_str(&deploys);
            text.push_str("Tell the owning team before users feel it.");
            text
        }
        Tier::Watch => {
            let mut text = String::from("Watch: re-check tomorrow");
            if let Some(t) = &top {
                text.push_str(&format!(", with an eye on {t}"));
            }
            text.push_str("; review the next deploy of this feature closely.");
            text
        }
        Tier::Monitor => "Monitor: nothing stands out; it stays on the daily scan.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detail::fixtures::{detail_with_deploy, wiggle};
    use crate::report::Contribution;

    fn status(tier: Tier) -> FeatureStatus {
        FeatureStatus {
            feature: "checkout".into(),
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            tier,
            previous_tier: None,
            risk: 0.5,
            risk_7d_ago: None,
            impact: 1.0,
            sessions_7d: 2.0,
            usage_share: 0.1,
            state: crate::state::State::of(false, tier),
            under_way: None,
            reasons: vec![],
            contributions: vec![Contribution {
                signal: "latency_trend_7d",
                log_odds: 1.2,
                description: Some("p95 latency trending +4%/day over 7 days".into()),
            }],
            latency_p95_28d: vec![],
        }
    }

    fn signals(days_since_deploy: Option<i64>) -> Signals {
        Signals {
            latency_p95: None,
            crash_rate: None,
            error_rate: None,
            feedback: None,
            sessions: None,
            divergence: 0.0,
            days_since_deploy,
            last_deploy: days_since_deploy.map(|_| "v4.2.0".into()),
            sessions_7d: 2.0,
            usage_share: 0.1,
            monitor_ratio: 0.0,
        }
    }

    fn latency_up(log_odds: f64) -> Vec<GroupEffect> {
        vec![GroupEffect {
            group: crate::why::Group::Latency,
            change: "p95 latency up 40% on its 4-week level".into(),
            direction: crate::why::Direction::Worse,
            log_odds,
            text: "p95 latency up 40% on its 4-week level: raises the risk".into(),
        }]
    }

    #[test]
    fn the_biggest_lever_removes_the_strongest_push() {
        use crate::why::biggest_lever;
        // Without a log-odds push of 1.2, even odds become 1:e^1.2, about 23%.
        assert_eq!(
            biggest_lever(&latency_up(1.2), 0.5).unwrap(),
            "What would lower the risk most: p95 latency back to its usual level (p95 latency up 40% on its 4-week level), risk 50% -> 23%."
        );
        // Near certainty, one push of 1.2 changes nothing a person would see.
        assert_eq!(
            biggest_lever(&latency_up(1.2), 0.9995).unwrap(),
            "No single group of signals carries this risk: with p95 latency back to its usual level it would still be 100%; several point the same way."
        );
        assert_eq!(biggest_lever(&latency_up(-0.3), 0.5), None);
    }

    #[test]
    fn the_text_view_names_standing_signals_changes_and_past_warnings() {
        let creep = |i: usize| 200.0 * 1.03f64.powf(i.saturating_sub(55) as f64) * wiggle(i);
        let detail = detail_with_deploy(creep, 55, "v5.0.1");
        let backtest = vec![crate::report::BacktestRow {
            feature: "checkout".into(),
            start: NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            title: Some("checkout slow".into()),
            model_existed: true,
            evaluable: true,
            first_watch: NaiveDate::from_ymd_opt(2026, 3, 16),
            first_investigate: NaiveDate::from_ymd_opt(2026, 3, 18),
            watch_lead_days: Some(4),
            investigate_lead_days: Some(2),
            risk_day_before: Some(0.6),
        }];
        let text = detail.to_text(&backtest);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("checkout: "), "{text}");
        assert!(lines[0].contains(" on 2026-03-31 (risk "), "{text}");
        assert!(text.contains("Recommended: "), "{text}");
        assert!(text.contains("Latency p95: trend +3."), "{text}");
        assert!(text.contains("after deploy v5.0.1"), "{text}");
        assert!(
            text.contains("2026-03-20 checkout slow: watch from 2026-03-16 (4 days ahead); investigate from 2026-03-18 (2 days ahead)"),
            "{text}"
        );
    }

    #[test]
    fn the_recommended_action_fits_the_tier_and_names_the_evidence() {
        let why = latency_up(1.2);
        let investigate = recommended_action(
            &status(Tier::Investigate),
            &signals(Some(2)),
            &why,
            &[],
            None,
        );
        assert_eq!(
            investigate,
            "Investigate now: start with the strongest signal (p95 latency up 40% on its 4-week level). Check whether it began with v4.2.0, deployed 2 days ago, and be ready to roll it back. Tell the owning team before users feel it."
        );
        let no_deploy =
            recommended_action(&status(Tier::Investigate), &signals(None), &why, &[], None);
        assert!(no_deploy.contains("No deploy in the last week"));
        let watch = recommended_action(&status(Tier::Watch), &signals(None), &why, &[], None);
        assert!(watch.starts_with("Watch: re-check tomorrow, with an eye on p95 latency"));
        let monitor = recommended_action(&status(Tier::Monitor), &signals(None), &why, &[], None);
        assert!(monitor.starts_with("Monitor:"));
    }

    #[test]
    fn a_change_the_charts_tie_to_a_deploy_is_named_never_denied() {
        let tied = [DeployChange {
            day: 30,
            date: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap(),
            metric: "p95 latency".into(),
            change: "trend +3.1%/day (was +0.0%/day)".into(),
            deploy: "v5.0.1".into(),
        }];
        let text = recommended_action(
            &status(Tier::Investigate),
            &signals(None),
            &latency_up(1.2),
            &tied,
            None,
        );
        assert!(!text.contains("No deploy"), "{text}");
        assert!(
            text.contains("The charts tie the change in p95 latency that began on 2026-01-31 to deploy v5.0.1, and it has lasted since"),
            "{text}"
        );
    }
}
