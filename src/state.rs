//! What is happening to a feature now, kept apart from what may happen: a degradation
//! **under way** (an incident open that day, or a breach of its service level confirmed
//! and still lasting), a feature **at risk** (the model's prediction puts it in the watch
//! or investigate tier), or neither. The risk is a prediction, that a degradation *starts*
//! within the horizon; it never stands for one already under way.

use crate::analysis::labels::{
    Degradations, SloRule, BREACH_CRASHES, BREACH_ERRORS, BREACH_LATENCY,
};
use crate::analysis::FeatureEvents;
use crate::impact::Tier;
use crate::telemetry::Dataset;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A feature's state on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// A degradation is under way: an open incident or a confirmed breach.
    UnderWay,
    /// Nothing under way, but the risk puts the feature in the watch or investigate tier.
    AtRisk,
    /// Neither.
    Normal,
}

impl State {
    /// The state from what is under way and the risk's tier.
    pub fn of(under_way: bool, tier: Tier) -> State {
        if under_way {
            State::UnderWay
        } else if tier == Tier::Monitor {
            State::Normal
        } else {
            State::AtRisk
        }
    }

    /// A stable identifier, for CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            State::UnderWay => "under_way",
            State::AtRisk => "at_risk",
            State::Normal => "normal",
        }
    }

    /// As people say it.
    pub fn label(self) -> &'static str {
        match self {
            State::UnderWay => "under way",
            State::AtRisk => "at risk",
            State::Normal => "normal",
        }
    }
}

/// A degradation under way on a day: since when, and what it is and affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnderWay {
    /// Its first day: the incident's start, or the breach's first day.
    pub since: NaiveDate,
    /// The open incident's title, if an incident is open.
    pub incident: Option<String>,
    /// The incident's severity (1 to 4), when given.
    pub severity: Option<u8>,
    /// The metrics past their service level that day, as people name them.
    pub breaching: Vec<String>,
    /// All of it in words: "degradation under way since 2026-11-24: incident
    /// \"checkout 500s\" (sev2); p95 latency over 1.5x its 28-day median".
    pub text: String,
}

/// What is under way for feature `f` on day `t` (None: nothing), from what is known on
/// `t`: an incident whose days include `t`, or a breach of the service level confirmed on
/// or before `t` and lasting on `t`.
pub fn under_way(
    dataset: &Dataset,
    events: &FeatureEvents,
    degradations: &Degradations,
    slo: &SloRule,
    f: usize,
    t: usize,
) -> Option<UnderWay> {
    let day = t as i64;
    let incident = events
        .incidents
        .iter()
        .filter(|i| i.start <= day && day <= i.end)
        .max_by_key(|i| i.start);
    let breach = degradations.breach_on(f, t);
    if incident.is_none() && breach.is_none() {
        return None;
    }
    let mask = breach.map_or(0, |(_, mask)| mask);
    let rules = [
        (BREACH_LATENCY, "p95 latency", slo.latency_ratio),
        (BREACH_CRASHES, "crash rate", slo.crash_ratio),
        (BREACH_ERRORS, "error rate", slo.error_ratio),
    ];
    let breaching: Vec<String> = rules
        .iter()
        .filter(|(bit, _, _)| mask & bit != 0)
        .map(|(_, name, _)| name.to_string())
        .collect();
    let past: Vec<String> = rules
        .iter()
        .filter(|(bit, _, _)| mask & bit != 0)
        .map(|(_, name, ratio)| format!("{name} over {ratio:.1}x its 28-day median"))
        .collect();
    let date_of = |d: i64| dataset.start + chrono::Duration::days(d);
    Some(match incident {
        Some(i) => {
            let since = date_of(i.start);
            let mut text = format!(
                "degradation under way since {since}: incident \"{}\"",
                i.title
            );
            if let Some(s) = i.severity {
                text.push_str(&format!(" (sev{s})"));
            }
            if !past.is_empty() {
                text.push_str(&format!("; {}", past.join(" and ")));
            }
            UnderWay {
                since,
                incident: Some(i.title.clone()),
                severity: i.severity,
                breaching,
                text,
            }
        }
        None => {
            let (run, _) = breach.expect("a breach when no incident is open");
            let since = date_of(run.start as i64);
            UnderWay {
                since,
                incident: None,
                severity: None,
                text: format!(
                    "degradation under way since {since}: {} (its service level breached; no incident logged)",
                    past.join(" and ")
                ),
                breaching,
            }
        }
    })
}
