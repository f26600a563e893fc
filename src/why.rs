//! Why a feature's risk is what it is, in plain words.
//!
//! The model reads 20 inputs, many of them views of the same metric (p95 latency alone
//! has eight: its level, the day alone, trends, persistence, ...). Their weights are fitted
//! together, so one of them may push the risk down while the metric rises, because a
//! sibling pushes it up more. Shown one by one they contradict the metric; shown by
//! group, summed, they say what the metric did and what that does to the risk. Each
//! group's change is told in the metric's own units ("p95 latency up 148% on its 4-week
//! level"), its effect in words ("raises the risk"); the per-input contributions stay
//! available as technical detail.

use crate::analysis::signals::{rate_at, relative_change, MetricSignals, Signals};
use std::sync::Arc;

/// What the words read of one metric's signals (see [`MetricSignals`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moved {
    pub baseline: f64,
    pub scale: f64,
    pub level: f64,
    pub z: f64,
    pub slope_7d: f64,
}

/// What the words of [`change`] read of a day's [`Signals`], and nothing else: five
/// figures of each metric, the divergence, the threshold monitor and the last deploy.
/// `score` keeps these for the days whose rows wait for the fits, instead of the whole
/// signals (under half their size); that the words can read nothing else is what makes
/// the kept and the whole give the same rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Phrasing {
    pub latency_p95: Option<Moved>,
    pub crash_rate: Option<Moved>,
    pub error_rate: Option<Moved>,
    pub feedback: Option<Moved>,
    pub sessions: Option<Moved>,
    pub divergence: f64,
    pub monitor_ratio: f64,
    pub days_since_deploy: Option<i64>,
    pub last_deploy: Option<Arc<str>>,
}

impl From<&MetricSignals> for Moved {
    fn from(m: &MetricSignals) -> Self {
        Moved {
            baseline: m.baseline,
            scale: m.scale,
            level: m.level,
            z: m.z,
            slope_7d: m.slope_7d,
        }
    }
}

impl From<&Signals> for Phrasing {
    fn from(s: &Signals) -> Self {
        let moved = |m: &Option<MetricSignals>| m.as_ref().map(Moved::from);
        Phrasing {
            latency_p95: moved(&s.latency_p95),
            crash_rate: moved(&s.crash_rate),
            error_rate: moved(&s.error_rate),
            feedback: moved(&s.feedback),
            sessions: moved(&s.sessions),
            divergence: s.divergence,
            monitor_ratio: s.monitor_ratio,
            days_since_deploy: s.days_since_deploy,
            last_deploy: s.last_deploy.clone(),
        }
    }
}
use crate::model::features::{Input, INPUTS, N_INPUTS};
use serde::{Deserialize, Serialize};

/// A group of correlated inputs: one metric, or one kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Latency,
    Crashes,
    Errors,
    Feedback,
    Threshold,
    Deploys,
    Usage,
}

pub const GROUPS: [Group; 7] = [
    Group::Latency,
    Group::Crashes,
    Group::Errors,
    Group::Feedback,
    Group::Threshold,
    Group::Deploys,
    Group::Usage,
];

impl Group {
    /// The group an input belongs to.
    pub fn of(input: Input) -> Group {
        match input {
            Input::LatencyLevel
            | Input::LatencyTrend7d
            | Input::LatencyTrend4d
            | Input::LatencyPersistence
            | Input::LatencyRecentRise
            | Input::LatencyClimb
            | Input::LatencyToday
            | Input::LatencyChange => Group::Latency,
            Input::CrashLevel
            | Input::CrashToday
            | Input::CrashRecentRise
            | Input::CrashChange
            | Input::CrashTrend7d => Group::Crashes,
            Input::ErrorLevel | Input::ErrorToday => Group::Errors,
            Input::FeedbackDrop | Input::Divergence => Group::Feedback,
            Input::MonitorRatio => Group::Threshold,
            Input::RecentDeploy => Group::Deploys,
            Input::LoadLevel => Group::Usage,
        }
    }

    /// The group's name, for headings.
    pub fn name(self) -> &'static str {
        match self {
            Group::Latency => "latency",
            Group::Crashes => "crashes",
            Group::Errors => "errors",
            Group::Feedback => "feedback",
            Group::Threshold => "alert threshold",
            Group::Deploys => "deploys",
            Group::Usage => "usage",
        }
    }

    /// What "back to normal" means for the group, for the biggest lever.
    fn back_to_normal(self) -> &'static str {
        match self {
            Group::Latency => "p95 latency back to its usual level",
            Group::Crashes => "the crash rate back to its usual level",
            Group::Errors => "the error rate back to its usual level",
            Group::Feedback => "the feedback rating back to its usual level",
            Group::Threshold => "the metrics back well under a typical alert threshold",
            Group::Deploys => "the recent deploy's days behind it",
            Group::Usage => "sessions back to their usual level",
        }
    }
}

/// Which way a group's metric moved: the way that goes with trouble (latency, crashes or
/// errors up, feedback down, a deploy just out, more load), the other way, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Worse,
    Better,
    Steady,
}

/// A group's change today and its push on the risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEffect {
    pub group: Group,
    /// The metric's change in its own units: "p95 latency up 148% on its 4-week level".
    pub change: String,
    pub direction: Direction,
    /// The group's summed push on the risk, in log-odds against an average day
    /// (technical detail; the words say the same).
    pub log_odds: f64,
    /// The change and its effect on the risk, in words.
    pub text: String,
}

/// How large a push must be, in log-odds, to be said to move the risk at all.
pub const VISIBLE: f64 = 0.1;

/// How large a group's push must be to count among a row's reasons.
pub const REASON: f64 = 0.25;

fn percent_up_down(pct: f64) -> (&'static str, f64) {
    if pct >= 0.0 {
        ("up", pct)
    } else {
        ("down", -pct)
    }
}

/// Whether a metric moved beyond its noise: at least one noise scale and `min_pct`.
fn moved(m: &Moved, pct: f64, min_pct: f64) -> Option<bool> {
    (m.z.abs() >= 1.0 && pct.abs() >= min_pct).then_some(pct > 0.0)
}

/// The trend over the last week: Some(true) rising, Some(false) falling.
fn trending(m: &Moved) -> Option<bool> {
    let per_scale = m.slope_7d / m.scale;
    (per_scale.abs() > 0.3).then_some(per_scale > 0.0)
}

fn direction(up: Option<bool>, rising: Option<bool>, up_is_worse: bool) -> Direction {
    let worse = |u: bool| if up_is_worse { u } else { !u };
    match (up, rising) {
        (Some(u), _) => {
            if worse(u) {
                Direction::Worse
            } else if rising.is_some_and(worse) {
                Direction::Steady
            } else {
                Direction::Better
            }
        }
        (None, Some(r)) if worse(r) => Direction::Worse,
        (None, Some(_)) => Direction::Better,
        (None, None) => Direction::Steady,
    }
}

/// A rate's change: "crash rate up to 0.45% of sessions from 0.12% on its 4-week level".
fn rate_change(name: &str, per: &str, m: &Moved) -> (String, Direction) {
    let (now, usual) = (rate_at(m.level) * 100.0, rate_at(m.baseline) * 100.0);
    let pct = if usual > 0.0 {
        (now / usual - 1.0) * 100.0
    } else if now > 0.0 {
        100.0
    } else {
        0.0
    };
    let up = moved(m, pct, 10.0);
    let rising = trending(m);
    let mut text = match up {
        Some(u) => format!(
            "{name} {} to {now:.2}% of {per} from {usual:.2}% on its 4-week level",
            if u { "up" } else { "down" }
        ),
        None => format!("{name} near its 4-week level ({now:.2}% of {per})"),
    };
    if let Some(r) = rising {
        text.push_str(if r {
            " and rising over the last week"
        } else {
            " and falling over the last week"
        });
    }
    (text, direction(up, rising, true))
}

/// The change of `group`'s metric today, in words, and its direction (None: the
/// metric is missing).
pub fn change(group: Group, s: &Phrasing) -> Option<(String, Direction)> {
    Some(match group {
        Group::Latency => {
            let m = s.latency_p95?;
            let pct = relative_change(m.level - m.baseline) * 100.0;
            let up = moved(&m, pct, 5.0);
            let per_day = relative_change(m.slope_7d) * 100.0;
            let rising = trending(&m).filter(|_| per_day.abs() >= 0.5);
            let mut text = match up {
                Some(_) => {
                    let (way, size) = percent_up_down(pct);
                    format!("p95 latency {way} {size:.0}% on its 4-week level")
                }
                None => format!("p95 latency near its 4-week level ({pct:+.0}%)"),
            };
            if let Some(r) = rising {
                text.push_str(&format!(
                    " and {} {:.1}% a day over the last week",
                    if r { "rising" } else { "falling" },
                    per_day.abs()
                ));
            }
            (text, direction(up, rising, true))
        }
        Group::Crashes => rate_change("crash rate", "sessions", s.crash_rate.as_ref()?),
        Group::Errors => rate_change("error rate", "requests", s.error_rate.as_ref()?),
        Group::Feedback => {
            let m = s.feedback?;
            let up = moved(&m, (m.level - m.baseline) * 100.0, 5.0);
            let mut text = match up {
                Some(u) => format!(
                    "feedback rating {} from {:.2} to {:.2} (of 5) on its 4-week level",
                    if u { "up" } else { "down" },
                    m.baseline,
                    m.level
                ),
                None => format!(
                    "feedback rating near its 4-week level ({:.2} of 5)",
                    m.level
                ),
            };
            let diverging = s.divergence >= 1.0;
            if diverging {
                text.push_str(", while latency or crashes rise");
            }
            let d = direction(up, None, false);
            (
                text,
                if diverging && d != Direction::Better {
                    Direction::Worse
                } else {
                    d
                },
            )
        }
        Group::Threshold => {
            let r = s.monitor_ratio;
            if r >= 1.0 {
                (
                    "p95 latency or crash rate past a typical alert threshold (1.5x or 2x its 28-day median)".to_string(),
                    Direction::Worse,
                )
            } else if r >= 0.5 {
                (
                    format!(
                        "p95 latency and crash rate below a typical alert threshold (at {:.0}% of it)",
                        r * 100.0
                    ),
                    Direction::Steady,
                )
            } else {
                (
                    "p95 latency and crash rate well below a typical alert threshold".to_string(),
                    Direction::Better,
                )
            }
        }
        Group::Deploys => match (s.days_since_deploy.filter(|d| *d >= 0), &s.last_deploy) {
            (Some(d), title) => {
                let title = title.as_deref().unwrap_or("a deploy");
                let when = match d {
                    0 => "today".to_string(),
                    1 => "1 day ago".to_string(),
                    d => format!("{d} days ago"),
                };
                if d <= 3 {
                    (format!("deploy {title} {when}"), Direction::Worse)
                } else {
                    (format!("last deploy {title} {when}"), Direction::Better)
                }
            }
            (None, _) => ("no deploy recorded".to_string(), Direction::Better),
        },
        Group::Usage => {
            let m = s.sessions?;
            let pct = relative_change(m.level - m.baseline) * 100.0;
            let up = moved(&m, pct, 5.0);
            let text = match up {
                Some(_) => {
                    let (way, size) = percent_up_down(pct);
                    format!("sessions {way} {size:.0}% on their 4-week level")
                }
                None => format!("sessions near their 4-week level ({pct:+.0}%)"),
            };
            (text, direction(up, None, true))
        }
    })
}

/// A change and its effect on the risk, in words: "p95 latency up 148% on its 4-week
/// level: raises the risk". When the model's push goes against the way the metric moved,
/// the words say so plainly instead of pretending they agree.
pub fn effect_text(change: &str, direction: Direction, log_odds: f64) -> String {
    let raises = log_odds > 0.0;
    let verb = if raises { "raises" } else { "lowers" };
    if log_odds.abs() < VISIBLE {
        return format!("{change}: little effect on the risk");
    }
    let agrees = match direction {
        Direction::Worse => raises,
        Direction::Better => !raises,
        Direction::Steady => log_odds.abs() < REASON,
    };
    let learned = if raises {
        "days like this were more often followed by a degradation"
    } else {
        "days like this were less often followed by a degradation"
    };
    if direction == Direction::Steady && !agrees {
        return format!("{change}: {verb} the risk ({learned})");
    }
    if agrees {
        let strength = if log_odds.abs() < 0.5 {
            "slightly "
        } else if log_odds.abs() > 1.5 {
            "strongly "
        } else {
            ""
        };
        format!("{change}: {strength}{verb} the risk")
    } else {
        format!("{change}, yet on balance this {verb} the risk ({learned})")
    }
}

/// Each group's summed push on the risk (in [`GROUPS`]' order), from per-input
/// contributions in log-odds against an average day; a non-finite one adds nothing.
pub fn group_sums(contributions: &[f64; N_INPUTS]) -> [f64; GROUPS.len()] {
    let mut sums = [0.0; GROUPS.len()];
    for (input, c) in INPUTS.iter().zip(contributions) {
        if c.is_finite() {
            let g = GROUPS
                .iter()
                .position(|g| *g == Group::of(*input))
                .expect("every group is listed");
            sums[g] += c;
        }
    }
    sums
}

/// Group `group`'s effect, whose summed push is `log_odds` (None: its metric is missing).
pub fn effect(group: Group, log_odds: f64, signals: &Phrasing) -> Option<GroupEffect> {
    let (change, direction) = change(group, signals)?;
    Some(GroupEffect {
        group,
        text: effect_text(&change, direction, log_odds),
        change,
        direction,
        log_odds,
    })
}

/// Each group's summed push on the risk and its change in words, largest push first.
/// `contributions` are per input, in log-odds against an average day.
pub fn group_effects(contributions: &[f64; N_INPUTS], signals: &Phrasing) -> Vec<GroupEffect> {
    let sums = group_sums(contributions);
    let mut effects: Vec<GroupEffect> = GROUPS
        .iter()
        .zip(sums)
        .filter_map(|(&group, log_odds)| effect(group, log_odds, signals))
        .collect();
    crate::sorting::sort_by(&mut effects, |a, b| {
        b.log_odds.abs().total_cmp(&a.log_odds.abs())
    });
    effects
}

/// The reasons a risk is raised, in words: the groups pushing it up by at least
/// [`REASON`] whose metric moved the way trouble goes, strongest first, at most `most`;
/// when none did, the strongest other group, whose words say plainly how it raises the
/// risk.
pub fn raising(
    contributions: &[f64; N_INPUTS],
    signals: &Phrasing,
    most: usize,
) -> Vec<GroupEffect> {
    let sums = group_sums(contributions);
    let mut order: Vec<usize> = (0..GROUPS.len()).filter(|g| sums[*g] >= REASON).collect();
    crate::sorting::sort_by(&mut order, |a, b| sums[*b].total_cmp(&sums[*a]));
    let effects: Vec<GroupEffect> = order
        .into_iter()
        .filter_map(|g| effect(GROUPS[g], sums[g], signals))
        .collect();
    let worse: Vec<GroupEffect> = effects
        .iter()
        .filter(|e| e.direction == Direction::Worse)
        .take(most)
        .cloned()
        .collect();
    if worse.is_empty() {
        effects.into_iter().take(most.min(1)).collect()
    } else {
        worse
    }
}

/// "What would lower the risk most": the group pushing the risk up hardest, and the risk
/// if it were back at an average day's (all else equal).
pub fn biggest_lever(effects: &[GroupEffect], risk: f64) -> Option<String> {
    let top = effects
        .iter()
        .filter(|e| e.log_odds > 0.05)
        .max_by(|a, b| a.log_odds.total_cmp(&b.log_odds))?;
    let clamped = risk.clamp(1e-9, 1.0 - 1e-9);
    let logit = (clamped / (1.0 - clamped)).ln() - top.log_odds;
    let lowered = 1.0 / (1.0 + (-logit).exp());
    let what = top.group.back_to_normal();
    let (now, after) = ((risk * 100.0).round(), (lowered * 100.0).round());
    Some(if after >= now {
        format!(
            "No single group of signals carries this risk: with {what} it would still be {after:.0}%; several point the same way."
        )
    } else {
        format!(
            "What would lower the risk most: {what} ({}), risk {now:.0}% -> {after:.0}%.",
            top.change
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_has_a_group_and_every_group_an_input() {
        for group in GROUPS {
            assert!(INPUTS.iter().any(|i| Group::of(*i) == group), "{group:?}");
        }
    }

    #[test]
    fn words_follow_the_metric_and_say_plainly_when_the_push_goes_against_it() {
        assert_eq!(
            effect_text(
                "p95 latency up 148% on its 4-week level",
                Direction::Worse,
                2.0
            ),
            "p95 latency up 148% on its 4-week level: strongly raises the risk"
        );
        let against = effect_text(
            "p95 latency up 148% on its 4-week level",
            Direction::Worse,
            -1.0,
        );
        assert!(
            against.contains(", yet on balance this lowers the risk"),
            "{against}"
        );
        assert_eq!(
            effect_text(
                "sessions near their 4-week level (+1%)",
                Direction::Steady,
                0.05
            ),
            "sessions near their 4-week level (+1%): little effect on the risk"
        );
    }
}
