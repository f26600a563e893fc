//! Insight sentences: what the numbers say, in words a product or reliability lead reads
//! at a glance, each with its figures.

use crate::analysis::signals::{rate_at, relative_change, Signals};
use crate::impact::Tier;
use crate::state::UnderWay;
use serde::{Deserialize, Serialize};

/// One sentence, and the feature it is about (None for a sentence about the whole set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    pub feature: Option<String>,
    pub tier: Option<Tier>,
    pub text: String,
}

/// A count with its noun in the number it takes: `counted(1, "day", "days")` is "1 day",
/// `counted(3, "day", "days")` "3 days".
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Names as a sentence lists them: "a", "a and b", "a, b and c".
pub fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// 1234 -> "1.2k", 1_250_000 -> "1.25M": counts as people say them.
pub fn human_count(value: f64) -> String {
    // Sums of nothing are -0.0 in Rust; people read 0.
    let v = if value > 0.0 { value } else { 0.0 };
    if v >= 1e9 {
        format!("{:.2}B", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// The evidence clauses for a feature today, strongest kinds first.
fn evidence(s: &Signals) -> Vec<String> {
    let mut clauses = Vec::new();
    let mut rising = None;
    if let Some(l) = s.latency_p95.filter(|l| l.z > 2.0) {
        let mut clause = format!(
            "p95 latency up {:.0}% on its 4-week level",
            relative_change(l.level - l.baseline) * 100.0
        );
        if l.slope_7d > 0.0 && l.slope_7d / l.scale > 0.3 {
            clause.push_str(&format!(
                " and still rising {:.1}% a day",
                relative_change(l.slope_7d) * 100.0
            ));
        }
        rising = Some(clause);
    }
    if let Some(c) = s.crash_rate.filter(|c| c.z > 2.0) {
        let clause = format!(
            "crash rate at {:.2}% against {:.2}% normally",
            rate_at(c.level) * 100.0,
            rate_at(c.baseline) * 100.0
        );
        rising = Some(match rising {
            Some(r) => format!("{r}, {clause}"),
            None => clause,
        });
    }
    if let Some(e) = s.error_rate.filter(|e| e.z > 2.0) {
        clauses.push(format!(
            "errors at {:.2}% against {:.2}% normally",
            rate_at(e.level) * 100.0,
            rate_at(e.baseline) * 100.0
        ));
    }
    let falling = s.feedback.filter(|f| f.z < -2.0).map(|f| {
        format!(
            "the feedback rating fell from {:.2} to {:.2}",
            f.baseline, f.level
        )
    });
    match (rising, falling) {
        (Some(r), Some(f)) => clauses.insert(0, format!("{r}, while {f}")),
        (Some(r), None) => clauses.insert(0, r),
        (None, Some(f)) => clauses.insert(0, f),
        (None, None) => {}
    }
    if let (Some(days), Some(title)) = (s.days_since_deploy, s.last_deploy.as_deref()) {
        if (0..=3).contains(&days) && !clauses.is_empty() {
            let when = match days {
                0 => "today".to_string(),
                1 => "1 day ago".to_string(),
                d => format!("{d} days ago"),
            };
            clauses.push(format!("deploy {title} went out {when}"));
        }
    }
    clauses
}

/// [`feature_sentence`] for a feature's status in a report: its risk, what is under way,
/// and its first reason that is not what is under way.
pub fn status_sentence(
    status: &crate::report::FeatureStatus,
    signals: &Signals,
    horizon_days: usize,
) -> String {
    feature_sentence(
        &status.feature,
        signals,
        status.risk,
        horizon_days,
        status
            .reasons
            .iter()
            .find(|r| !r.starts_with("degradation under way"))
            .map(String::as_str),
        status.under_way.as_ref(),
    )
}

/// The sentence for one feature. With a degradation under way: since when, what it is,
/// the evidence and the sessions it affects (the risk, a prediction that one *starts*,
/// is not its measure). Otherwise: the evidence, the risk that a degradation starts
/// within the horizon, and the sessions it would reach.
pub fn feature_sentence(
    feature: &str,
    signals: &Signals,
    risk: f64,
    horizon_days: usize,
    top_reason: Option<&str>,
    under_way: Option<&UnderWay>,
) -> String {
    let mut clauses = evidence(signals);
    if clauses.is_empty() {
        if let Some(reason) = top_reason {
            clauses.push(reason.to_string());
        }
    }
    let mut text = format!("{feature}: ");
    if let Some(u) = under_way {
        clauses.insert(0, u.text.clone());
    }
    if !clauses.is_empty() {
        text.push_str(&clauses.join("; "));
        text.push_str("; ");
    }
    match under_way {
        Some(_) => text.push_str(&format!(
            "{} weekly sessions affected.",
            human_count(signals.sessions_7d)
        )),
        None => text.push_str(&format!(
            "{:.0}% risk that a degradation starts within {} days; {} weekly sessions would be exposed.",
            risk * 100.0,
            horizon_days,
            human_count(signals.sessions_7d)
        )),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_number_of_their_noun() {
        assert_eq!(counted(0, "change", "changes"), "0 changes");
        assert_eq!(counted(1, "change", "changes"), "1 change");
        assert_eq!(counted(2, "feature", "features"), "2 features");
    }
    use crate::analysis::signals::MetricSignals;
    use expect_test::expect;

    fn metric(baseline: f64, level: f64, scale: f64, slope: f64) -> MetricSignals {
        MetricSignals {
            baseline,
            scale,
            level,
            z: (level - baseline) / scale,
            z_today: (level - baseline) / scale,
            slope_4d: slope,
            slope_7d: slope,
            slope_14d: slope,
            persistence: 1.0,
            recent_rise: 0.0,
            climb: 0.0,
            seasonal_offset: 0.0,
        }
    }

    fn quiet() -> Signals {
        Signals {
            latency_p95: Some(metric(5.0, 5.0, 0.05, 0.0)),
            crash_rate: None,
            error_rate: None,
            feedback: Some(metric(4.4, 4.4, 0.05, 0.0)),
            sessions: None,
            divergence: 0.0,
            days_since_deploy: Some(12),
            last_deploy: Some("v4.1.0".into()),
            sessions_7d: 1_234_567.0,
            usage_share: 0.2,
            monitor_ratio: 0.0,
        }
    }

    #[test]
    fn latency_rise_with_falling_feedback_after_a_deploy() {
        let mut s = quiet();
        s.latency_p95 = Some(metric(5.0, 5.0 + 1.38f64.ln(), 0.05, 0.04));
        s.feedback = Some(metric(4.4, 4.0, 0.05, -0.05));
        s.days_since_deploy = Some(2);
        s.last_deploy = Some("v4.2.0".into());
        let text = feature_sentence("checkout", &s, 0.62, 7, None, None);
        expect![[r#"checkout: p95 latency up 38% on its 4-week level and still rising 4.1% a day, while the feedback rating fell from 4.40 to 4.00; deploy v4.2.0 went out 2 days ago; 62% risk that a degradation starts within 7 days; 1.23M weekly sessions would be exposed."#]]
        .assert_eq(&text);
    }

    #[test]
    fn a_quiet_feature_falls_back_to_its_top_reason() {
        let text = feature_sentence(
            "search",
            &quiet(),
            0.2,
            7,
            Some("crash rate rising over 7 days (now 0.30%)"),
            None,
        );
        expect![[r#"search: crash rate rising over 7 days (now 0.30%); 20% risk that a degradation starts within 7 days; 1.23M weekly sessions would be exposed."#]]
        .assert_eq(&text);
    }

    #[test]
    fn counts_read_as_people_say_them() {
        assert_eq!(human_count(950.0), "950");
        assert_eq!(human_count(-0.0), "0");
        assert_eq!(human_count(1_250.0), "1.2k");
        assert_eq!(human_count(340_000.0), "340k");
        assert_eq!(human_count(1_250_000.0), "1.25M");
    }
}
