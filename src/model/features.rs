//! The model's inputs: a fixed vector of named signals per feature and day, and the words
//! that explain each signal to a person.

use crate::analysis::signals::{rate_at, relative_change, Signals};

/// The model's input signals, in vector order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    LatencyLevel,
    LatencyTrend7d,
    LatencyTrend4d,
    LatencyPersistence,
    LatencyRecentRise,
    LatencyClimb,
    LatencyToday,
    LatencyChange,
    CrashLevel,
    CrashToday,
    CrashRecentRise,
    CrashChange,
    CrashTrend7d,
    ErrorLevel,
    ErrorToday,
    FeedbackDrop,
    Divergence,
    MonitorRatio,
    RecentDeploy,
    LoadLevel,
}

pub const INPUTS: [Input; 20] = [
    Input::LatencyLevel,
    Input::LatencyTrend7d,
    Input::LatencyTrend4d,
    Input::LatencyPersistence,
    Input::LatencyRecentRise,
    Input::LatencyClimb,
    Input::LatencyToday,
    Input::LatencyChange,
    Input::CrashLevel,
    Input::CrashToday,
    Input::CrashRecentRise,
    Input::CrashChange,
    Input::CrashTrend7d,
    Input::ErrorLevel,
    Input::ErrorToday,
    Input::FeedbackDrop,
    Input::Divergence,
    Input::MonitorRatio,
    Input::RecentDeploy,
    Input::LoadLevel,
];

pub const N_INPUTS: usize = INPUTS.len();

impl Input {
    /// A stable identifier, for CSV and JSON.
    pub fn id(self) -> &'static str {
        match self {
            Input::LatencyLevel => "latency_z",
            Input::LatencyTrend7d => "latency_trend_7d",
            Input::LatencyTrend4d => "latency_trend_4d",
            Input::LatencyPersistence => "latency_persistence",
            Input::LatencyRecentRise => "latency_recent_rise",
            Input::LatencyClimb => "latency_climb",
            Input::LatencyToday => "latency_z_today",
            Input::CrashRecentRise => "crash_recent_rise",
            Input::LatencyChange => "latency_change",
            Input::CrashChange => "crash_change",
            Input::CrashLevel => "crash_z",
            Input::CrashToday => "crash_z_today",
            Input::CrashTrend7d => "crash_trend_7d",
            Input::ErrorLevel => "error_z",
            Input::ErrorToday => "error_z_today",
            Input::FeedbackDrop => "feedback_drop",
            Input::Divergence => "divergence",
            Input::MonitorRatio => "monitor_ratio",
            Input::RecentDeploy => "recent_deploy",
            Input::LoadLevel => "load_z",
        }
    }

    /// What the signal measures, in plain words (for the model card).
    pub fn meaning(self) -> &'static str {
        match self {
            Input::LatencyLevel => {
                "p95 latency of the last 3 days against its 4-week baseline, in noise units"
            }
            Input::LatencyRecentRise => "p95 latency of the last 2 days against the week before, in noise units: still climbing",
            Input::LatencyToday => "p95 latency of the day alone against its 4-week baseline, in noise units",
            Input::LatencyClimb => "p95 latency's rise over the last week less its largest one-day jump, in noise units: a steady build-up rather than a one-off step",
            Input::CrashRecentRise => "crash rate of the last 2 days against the week before, in noise units: still climbing",
            Input::LatencyChange => "relative change of p95 latency (last 3 days) against its 4-week baseline, on a log scale",
            Input::CrashChange => "change of the crash rate (last 3 days) against its 4-week baseline, on a log scale",
            Input::LatencyTrend7d => "p95 latency trend over 7 days, in noise units per day",
            Input::LatencyTrend4d => "p95 latency trend over 4 days, in noise units per day",
            Input::LatencyPersistence => {
                "share of the last 5 days with p95 latency over 2 noise units above baseline"
            }
            Input::CrashLevel => {
                "crash rate of the last 3 days against its 4-week baseline, in noise units"
            }
            Input::CrashToday => "crash rate of the day alone against its 4-week baseline, in noise units",
            Input::CrashTrend7d => "crash rate trend over 7 days, in noise units per day",
            Input::ErrorLevel => {
                "error rate of the last 3 days against its 4-week baseline, in noise units"
            }
            Input::ErrorToday => "error rate of the day alone against its 4-week baseline, in noise units",
            Input::FeedbackDrop => {
                "fall of the feedback score against its 4-week baseline, in noise units"
            }
            Input::Divergence => "latency or crashes rising while feedback falls",
            Input::MonitorRatio => "what a threshold monitor sees: p95 over 1.5x or crash rate over 2x their 28-day medians (1 = at the threshold)",
            Input::RecentDeploy => {
                "how recent the last deploy is (1 on its day, fading over about 3 days)"
            }
            Input::LoadLevel => {
                "sessions of the last 3 days against their 4-week baseline, in noise units"
            }
        }
    }
}

/// The input vector of one feature and day. A signal whose metric is missing is 0, the
/// value of an unremarkable day.
pub fn input_vector(s: &Signals) -> [f64; N_INPUTS] {
    let clip = |v: f64, lo: f64, hi: f64| v.clamp(lo, hi);
    let lat = s.latency_p95;
    let crash = s.crash_rate;
    [
        lat.map_or(0.0, |m| clip(m.z, -6.0, 12.0)),
        lat.map_or(0.0, |m| clip(m.slope_7d / m.scale, -3.0, 3.0)),
        lat.map_or(0.0, |m| clip(m.slope_4d / m.scale, -4.0, 4.0)),
        lat.map_or(0.0, |m| m.persistence),
        lat.map_or(0.0, |m| clip(m.recent_rise, -4.0, 8.0)),
        lat.map_or(0.0, |m| clip(m.climb, -4.0, 8.0)),
        lat.map_or(0.0, |m| clip(m.z_today, -6.0, 12.0)),
        lat.map_or(0.0, |m| clip(m.level - m.baseline, -1.0, 2.0)),
        crash.map_or(0.0, |m| clip(m.z, -6.0, 12.0)),
        crash.map_or(0.0, |m| clip(m.z_today, -6.0, 12.0)),
        crash.map_or(0.0, |m| clip(m.recent_rise, -4.0, 8.0)),
        crash.map_or(0.0, |m| clip(m.level - m.baseline, -2.0, 3.0)),
        crash.map_or(0.0, |m| clip(m.slope_7d / m.scale, -3.0, 3.0)),
        s.error_rate.map_or(0.0, |m| clip(m.z, -6.0, 12.0)),
        s.error_rate.map_or(0.0, |m| clip(m.z_today, -6.0, 12.0)),
        s.feedback.map_or(0.0, |m| clip(-m.z, -6.0, 12.0)),
        clip(s.divergence, 0.0, 10.0),
        clip(s.monitor_ratio, 0.0, 4.0),
        s.days_since_deploy
            .filter(|d| *d >= 0)
            .map_or(0.0, |d| (-(d as f64) / 3.0).exp()),
        s.sessions.map_or(0.0, |m| clip(m.z, -6.0, 12.0)),
    ]
}

fn percent(fraction: f64) -> String {
    format!("{:+.0}%", fraction * 100.0)
}

/// A short phrase with the numbers behind `input` on this day, for reasons strings.
pub fn describe(input: Input, s: &Signals) -> Option<String> {
    let lat = s.latency_p95;
    Some(match input {
        // The level in noise units and the change in percent are separate signals; their
        // phrases say which one is meant, so that they never read as the same thing.
        Input::LatencyLevel => {
            format!("p95 latency {:.1} noise units from its usual level", lat?.z)
        }
        Input::LatencyTrend7d => format!(
            "p95 latency trending {}/day over 7 days",
            percent(relative_change(lat?.slope_7d))
        ),
        Input::LatencyTrend4d => format!(
            "p95 latency trending {}/day over 4 days",
            percent(relative_change(lat?.slope_4d))
        ),
        Input::LatencyPersistence => format!(
            "p95 latency elevated on {} of the last 5 days",
            (lat?.persistence * 5.0).round() as u32
        ),
        Input::LatencyRecentRise => {
            let m = lat?;
            format!(
                "p95 latency {} on the week before",
                percent(relative_change(m.recent_rise * m.scale))
            )
        }
        Input::LatencyToday => format!(
            "p95 latency today {:.1} noise units from its usual level",
            lat?.z_today
        ),
        Input::LatencyClimb => {
            let m = lat?;
            format!(
                "p95 latency climbing day after day: {} over the week beyond its largest jump",
                percent(relative_change(m.climb * m.scale))
            )
        }
        Input::LatencyChange => {
            let m = lat?;
            format!(
                "p95 latency {} vs 4-week baseline",
                percent(relative_change(m.level - m.baseline))
            )
        }
        Input::CrashChange => {
            let m = s.crash_rate?;
            format!(
                "crash rate x{:.1} its baseline ({:.2}%)",
                rate_at(m.level) / rate_at(m.baseline).max(1e-9),
                rate_at(m.level) * 100.0
            )
        }
        Input::CrashRecentRise => {
            let m = s.crash_rate?;
            format!("crash rate climbing: {:.2}% now", rate_at(m.level) * 100.0)
        }
        Input::CrashLevel => {
            let m = s.crash_rate?;
            format!(
                "crash rate {:.1} noise units from its usual level ({:.2}% vs {:.2}%)",
                m.z,
                rate_at(m.level) * 100.0,
                rate_at(m.baseline) * 100.0
            )
        }
        Input::CrashToday => format!(
            "crash rate today {:.1} noise units from its usual level",
            s.crash_rate?.z_today
        ),
        Input::CrashTrend7d => {
            let m = s.crash_rate?;
            format!(
                "crash rate rising over 7 days (now {:.2}%)",
                rate_at(m.level) * 100.0
            )
        }
        Input::ErrorLevel => {
            let m = s.error_rate?;
            format!(
                "error rate {:.2}% vs baseline {:.2}%",
                rate_at(m.level) * 100.0,
                rate_at(m.baseline) * 100.0
            )
        }
        Input::ErrorToday => format!(
            "error rate today {:.1} noise units from its usual level",
            s.error_rate?.z_today
        ),
        Input::FeedbackDrop => {
            let m = s.feedback?;
            format!(
                "feedback {:+.2} points vs baseline {:.2}",
                m.level - m.baseline,
                m.baseline
            )
        }
        Input::Divergence => "latency or crashes rising while feedback falls".to_string(),
        Input::MonitorRatio => format!(
            "at {:.0}% of a typical alert threshold (1.5x p95 or 2x crashes)",
            s.monitor_ratio * 100.0
        ),
        Input::RecentDeploy => {
            let days = s.days_since_deploy?;
            let title = s.last_deploy.as_deref().unwrap_or("a deploy");
            match days {
                0 => format!("deploy {title} today"),
                1 => format!("deploy {title} 1 day ago"),
                d => format!("deploy {title} {d} days ago"),
            }
        }
        Input::LoadLevel => {
            let m = s.sessions?;
            format!(
                "sessions {} vs 4-week baseline",
                percent(relative_change(m.level - m.baseline))
            )
        }
    })
}
