//! Release comparison, as a canary judge gives it: is a release worse than the one before?
//!
//! With `app_version` cohorts, the new release is compared with the previous one over the
//! same days (from the day the new one reached [`ROLLOUT_SHARE`] of the feature's sessions,
//! at most the last [`MAX_WINDOW_DAYS`]), so both meet the same traffic. Without versions,
//! a deploy in events.csv splits the feature's own days: up to [`MAX_WINDOW_DAYS`] after it
//! against as many before it (never past the next deploy or the previous one).
//!
//! Each metric gets the interval that suits it:
//! - crash and error rates, from counts: events = rate x sessions in each release, and the
//!   difference of the two proportions with Newcombe's hybrid score interval (it assumes
//!   sessions fail independently; days that swing together make the truth wider);
//! - p95 latency and the rating, from daily values: the mean of the day-by-day
//!   differences with Student's t interval (versions, paired by day), or Welch's interval
//!   (a deploy's before and after).
//!
//! A metric is *worse* (or *better*) when its interval leaves out zero on that side and
//! the difference is at least [`PRACTICAL_CHANGE`] of the previous value (0.1 on the
//! rating); *too little traffic* when, at the previous release's rate, the new one would
//! expect fewer than [`MIN_EXPECTED_EVENTS`] events (rates) or has fewer than
//! [`MIN_DAYS`] days (daily figures). The release is worse if any metric is; too small to
//! judge when its crash rate is and no other metric is worse; better if a metric is better
//! and none worse; otherwise no detectable change.

use crate::analysis::inference::{
    paired_difference, proportion_difference, welch_difference, Difference,
};
use crate::analysis::FeatureEvents;
use crate::telemetry::{
    signed_significant, significant, CohortCells, Dataset, Metric, OTHER_COHORT,
};
use serde::{Deserialize, Serialize};

/// A version counts as rolled out from its first day with this share of the feature's
/// sessions, or [`ROLLOUT_SESSIONS`] sessions (a canary on a large feature).
pub const ROLLOUT_SHARE: f64 = 0.01;
pub const ROLLOUT_SESSIONS: f64 = 100.0;
/// Most days compared.
pub const MAX_WINDOW_DAYS: usize = 28;
/// Least events expected in the new release, at the previous one's rate, for a rate.
pub const MIN_EXPECTED_EVENTS: f64 = 10.0;
/// Least days with both figures for a daily metric.
pub const MIN_DAYS: usize = 3;
/// Least relative difference called worse or better.
pub const PRACTICAL_CHANGE: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Judgement {
    Worse,
    Better,
    NoChange,
    TooSmall,
}

impl Judgement {
    pub fn words(self) -> &'static str {
        match self {
            Judgement::Worse => "worse",
            Judgement::Better => "better",
            Judgement::NoChange => "no detectable change",
            Judgement::TooSmall => "too little traffic yet",
        }
    }
}

/// How the two sides were chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Basis {
    /// Two app versions over the same days.
    Versions,
    /// Two app versions that did not run side by side: the previous one's weeks before
    /// the new one's rollout against the new one's days.
    VersionsBeforeAfter,
    /// The feature's days after a deploy against those before it.
    Deploy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: Metric,
    /// The previous and the new release's figure over the compared days.
    pub previous: f64,
    pub new: f64,
    /// New minus previous, with its 95% interval (None when too small to compute).
    pub difference: Option<Difference>,
    /// What the interval came from: "counts" or "daily values".
    pub method: String,
    pub judgement: Judgement,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseComparison {
    pub feature: String,
    pub basis: Basis,
    pub previous: String,
    pub new: String,
    /// The compared days (dates, inclusive) and the sessions on each side.
    pub from: String,
    pub to: String,
    pub previous_sessions: f64,
    pub new_sessions: f64,
    pub metrics: Vec<MetricComparison>,
    pub judgement: Judgement,
    pub sentence: String,
    /// The new release's share of the feature's sessions per day, from `adoption_start`
    /// (versions only).
    pub adoption_start: String,
    pub adoption: Vec<Option<f64>>,
}

/// The releases of feature `f` that can be compared: its app versions in the order they
/// rolled out (each from the first day it reached [`ROLLOUT_SHARE`]), or, without
/// versions, its deploys' titles.
pub fn releases(dataset: &Dataset, events: &FeatureEvents, f: usize) -> Vec<String> {
    if let Some(versions) = versions(dataset, f) {
        return versions.into_iter().map(|(_, c)| c.value.clone()).collect();
    }
    events
        .deploys
        .iter()
        .filter(|(day, _)| *day > 0 && (*day as usize) < dataset.days)
        .map(|(_, title)| title.to_string())
        .collect()
}

/// The feature's versions with their first day of rollout, in rollout order.
fn versions(dataset: &Dataset, f: usize) -> Option<Vec<(usize, &CohortCells)>> {
    let dim = dataset
        .breakdown
        .get(f)?
        .iter()
        .find(|d| d.dimension == "app_version")?;
    let total = |t: usize| -> f64 {
        dim.values
            .iter()
            .filter_map(|c| c.on(t))
            .map(|c| c.sessions)
            .sum()
    };
    let mut out: Vec<(usize, &CohortCells)> = dim
        .values
        .iter()
        .filter(|c| c.value != OTHER_COHORT)
        .filter_map(|c| {
            let rolled_out = c.iter().find(|(t, day)| {
                day.sessions > 0.0
                    && (day.sessions >= ROLLOUT_SHARE * total(*t)
                        || day.sessions >= ROLLOUT_SESSIONS)
            });
            // A version that never got that far starts on its first day with sessions
            // (and will most likely be too small to judge).
            let start = rolled_out
                .or_else(|| c.iter().find(|(_, day)| day.sessions > 0.0))?
                .0;
            Some((start, c))
        })
        .collect();
    crate::sorting::sort_by(&mut out, |a, b| {
        a.0.cmp(&b.0).then_with(|| a.1.value.cmp(&b.1.value))
    });
    (out.len() >= 2).then_some(out)
}

/// Compares release `new` (by default the latest) of feature `f` with the one before it,
/// on data up to day `end`. None when the feature has fewer than two releases (or `new` is
/// not one of them, or is the first).
pub fn compare_release(
    dataset: &Dataset,
    events: &FeatureEvents,
    f: usize,
    new: Option<&str>,
    end: usize,
) -> Option<ReleaseComparison> {
    let feature = dataset.features[f].name.clone();
    if let Some(versions) = versions(dataset, f) {
        let k = match new {
            Some(name) => versions.iter().position(|(_, c)| c.value == name)?,
            None => versions.len() - 1,
        };
        let (start, new_cells) = versions[k];
        if k == 0 {
            return None;
        }
        let from = start.max((end + 1).saturating_sub(MAX_WINDOW_DAYS));
        let sessions = |c: &CohortCells, days: std::ops::Range<usize>| -> f64 {
            days.filter_map(|t| c.on(t)).map(|d| d.sessions).sum()
        };
        // The baseline is the earlier version with the most sessions on the new one's days
        // (a canary's baseline); failing that, the one with the most in the weeks before.
        let earlier = &versions[..k];
        let busiest = |days: std::ops::Range<usize>| {
            earlier
                .iter()
                .map(|(_, c)| (sessions(c, days.clone()), *c))
                .filter(|(n, _)| *n > 0.0)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, c)| c)
        };
        let before = start.saturating_sub(MAX_WINDOW_DAYS)..start;
        let previous_cells = busiest(from..end + 1).or_else(|| busiest(before.clone()))?;
        let shared = (from..=end)
            .filter(|&t| {
                previous_cells.on(t).is_some_and(|d| d.sessions > 0.0)
                    && new_cells.on(t).is_some_and(|d| d.sessions > 0.0)
            })
            .count();
        // Over the same days when both ran on enough of them; otherwise the previous
        // version's last weeks before the new one's rollout against the new one's days.
        let concurrent = shared >= MIN_DAYS;
        let side = |cells: &CohortCells,
                    days: std::ops::Range<usize>|
         -> Vec<Option<crate::telemetry::CohortDay>> {
            days.map(|t| cells.on(t).copied()).collect()
        };
        let (a, b) = if concurrent {
            (
                side(previous_cells, from..end + 1),
                side(new_cells, from..end + 1),
            )
        } else {
            (
                side(previous_cells, before.clone()),
                side(new_cells, from..end + 1),
            )
        };
        let dim = dataset.breakdown[f]
            .iter()
            .find(|d| d.dimension == "app_version")?;
        let adoption_from = start.min(end);
        let adoption = (adoption_from..=end)
            .map(|t| {
                let total: f64 = dim
                    .values
                    .iter()
                    .filter_map(|c| c.on(t))
                    .map(|c| c.sessions)
                    .sum();
                (total > 0.0).then(|| new_cells.on(t).map_or(0.0, |c| c.sessions) / total)
            })
            .collect();
        let mut out = judge(
            feature,
            if concurrent {
                Basis::Versions
            } else {
                Basis::VersionsBeforeAfter
            },
            &previous_cells.value,
            &new_cells.value,
            &a,
            &b,
            concurrent,
        );
        out.from = dataset
            .date(if concurrent { from } else { before.start })
            .to_string();
        out.to = dataset.date(end).to_string();
        out.adoption_start = dataset.date(adoption_from).to_string();
        out.adoption = adoption;
        return Some(out);
    }
    // A deploy splits the feature's own days.
    // Deploys of one day are one change ("v2 + v3"), so none has an empty day before it.
    let mut deploys: Vec<(usize, String)> = Vec::new();
    for (day, title) in events
        .deploys
        .iter()
        .filter(|(day, _)| *day > 0 && (*day as usize) <= end)
    {
        match deploys.last_mut() {
            Some((d, t)) if *d == *day as usize => {
                t.push_str(" + ");
                t.push_str(title);
            }
            _ => deploys.push((*day as usize, title.to_string())),
        }
    }
    let k = match new {
        Some(name) => deploys
            .iter()
            .rposition(|(_, t)| t == name || t.split(" + ").any(|part| part == name))?,
        None => deploys.len().checked_sub(1)?,
    };
    let (day, title) = (deploys[k].0, deploys[k].1.as_str());
    let previous_day = k.checked_sub(1).map_or(0, |j| deploys[j].0);
    let next_day = deploys.get(k + 1).map_or(end + 1, |d| d.0);
    let after_to = next_day.min(day + MAX_WINDOW_DAYS).min(end + 1);
    let before_from = previous_day.max(
        day.saturating_sub(after_to - day)
            .max(day.saturating_sub(MAX_WINDOW_DAYS)),
    );
    let series = &dataset.features[f];
    let day_of = |t: usize| -> Option<crate::telemetry::CohortDay> {
        Some(crate::telemetry::CohortDay {
            sessions: series.sessions.at(t)?,
            latency_p95_ms: series.latency_p95_ms.at(t),
            latency_p50_ms: series.latency_p50_ms.at(t),
            crash_rate: series.crash_rate.at(t),
            error_rate: series.error_rate.at(t),
            feedback_score: series.feedback_score.at(t),
            feedback_count: series.feedback_count.at(t),
        })
    };
    let a: Vec<_> = (before_from..day).map(day_of).collect();
    let b: Vec<_> = (day..after_to).map(day_of).collect();
    let previous = match k.checked_sub(1) {
        Some(j) if deploys[j].0 >= before_from => deploys[j].1.clone(),
        _ => format!("before {title}"),
    };
    let mut out = judge(feature, Basis::Deploy, &previous, title, &a, &b, false);
    out.from = dataset.date(before_from).to_string();
    out.to = dataset
        .date(after_to.saturating_sub(1).max(day))
        .to_string();
    out.adoption_start = dataset.date(day).to_string();
    Some(out)
}

type Day = Option<crate::telemetry::CohortDay>;

fn judge(
    feature: String,
    basis: Basis,
    previous: &str,
    new: &str,
    a: &[Day],
    b: &[Day],
    paired: bool,
) -> ReleaseComparison {
    let sessions = |side: &[Day]| side.iter().flatten().map(|d| d.sessions).sum::<f64>();
    let (sa, sb) = (sessions(a), sessions(b));
    let mut metrics = Vec::new();
    for metric in [
        Metric::CrashRate,
        Metric::ErrorRate,
        Metric::LatencyP95,
        Metric::FeedbackScore,
    ] {
        let comparison = match metric {
            Metric::CrashRate | Metric::ErrorRate => rate(metric, a, b),
            _ => daily(metric, a, b, paired),
        };
        metrics.extend(comparison);
    }
    let any = |j: Judgement| metrics.iter().any(|m| m.judgement == j);
    let small = |metric: Metric| {
        metrics
            .iter()
            .find(|m| m.metric == metric)
            .is_none_or(|m| m.judgement == Judgement::TooSmall)
    };
    let judgement = if any(Judgement::Worse) {
        Judgement::Worse
    } else if small(Metric::CrashRate) || small(Metric::LatencyP95) {
        Judgement::TooSmall
    } else if any(Judgement::Better) {
        Judgement::Better
    } else {
        Judgement::NoChange
    };
    let named = |j: Judgement| -> Vec<String> {
        metrics
            .iter()
            .filter(|m| m.judgement == j)
            .map(|m| m.note.clone())
            .collect()
    };
    let sentence = match judgement {
        Judgement::Worse => format!("{new} is worse than {previous}: {}.", named(Judgement::Worse).join("; ")),
        Judgement::Better => format!("{new} is better than {previous}: {}.", named(Judgement::Better).join("; ")),
        Judgement::NoChange => format!(
            "{new} shows no detectable change from {previous} on {} sessions against {}.",
            significant(sb, 3),
            significant(sa, 3)
        ),
        Judgement::TooSmall => format!(
            "{new} has too little traffic to judge yet ({} sessions against {} for {previous}): {}.",
            significant(sb, 3),
            significant(sa, 3),
            named(Judgement::TooSmall).join("; ")
        ),
    };
    ReleaseComparison {
        feature,
        basis,
        previous: previous.to_string(),
        new: new.to_string(),
        from: String::new(),
        to: String::new(),
        previous_sessions: sa,
        new_sessions: sb,
        metrics,
        judgement,
        sentence,
        adoption_start: String::new(),
        adoption: Vec::new(),
    }
}

fn value(metric: Metric, d: &crate::telemetry::CohortDay) -> Option<f64> {
    d.metric(metric).filter(|v| v.is_finite())
}

fn direction(metric: Metric, previous: f64, d: &Difference) -> Judgement {
    let practical = match metric {
        Metric::FeedbackScore => d.estimate.abs() >= 0.1,
        _ => d.estimate.abs() >= PRACTICAL_CHANGE * previous.abs(),
    };
    if !d.excludes_zero() || !practical {
        return Judgement::NoChange;
    }
    if (d.estimate > 0.0) == metric.higher_is_worse() {
        Judgement::Worse
    } else {
        Judgement::Better
    }
}

fn rate(metric: Metric, a: &[Day], b: &[Day]) -> Option<MetricComparison> {
    let counts = |side: &[Day]| -> (f64, f64) {
        side.iter()
            .flatten()
            .filter_map(|d| value(metric, d).map(|v| (v * d.sessions, d.sessions)))
            .fold((0.0, 0.0), |(e, n), (de, dn)| (e + de, n + dn))
    };
    let ((ea, na), (eb, nb)) = (counts(a), counts(b));
    if na <= 0.0 && nb <= 0.0 {
        return None;
    }
    let (pa, pb) = (
        ea / na.max(f64::MIN_POSITIVE),
        eb / nb.max(f64::MIN_POSITIVE),
    );
    let expected = pa * nb;
    let noun = if metric == Metric::CrashRate {
        "crashes"
    } else {
        "errors"
    };
    let too_small = |note: String| MetricComparison {
        metric,
        previous: pa,
        new: pb,
        difference: None,
        method: "counts".into(),
        judgement: Judgement::TooSmall,
        note,
    };
    if na <= 0.0 || nb <= 0.0 {
        return Some(too_small(format!(
            "{}: no sessions of the {} release on these days",
            metric.spoken(),
            if na <= 0.0 { "previous" } else { "new" }
        )));
    }
    let difference = proportion_difference(
        ea.round(),
        na.round().max(1.0),
        eb.round(),
        nb.round().max(1.0),
    )?;
    // Few sessions can still show a clear difference (a canary crashing half its
    // sessions); only when they do not is the release too small to tell.
    if direction(metric, pa, &difference) == Judgement::NoChange && expected < MIN_EXPECTED_EVENTS {
        return Some(too_small(format!(
            "{} {} to {}, too few sessions to tell ({} {noun} expected at the previous rate, {MIN_EXPECTED_EVENTS} needed)",
            metric.spoken(),
            metric.show(pa),
            metric.show(pb),
            significant(expected, 2)
        )));
    }
    let judgement = direction(metric, pa, &difference);
    Some(MetricComparison {
        metric,
        previous: pa,
        new: pb,
        note: format!(
            "{} {} against {} ({}, 95% interval {} to {} points)",
            metric.spoken(),
            metric.show(pb),
            metric.show(pa),
            ratio_words(pa, pb),
            significant(difference.low * 100.0, 2),
            significant(difference.high * 100.0, 2)
        ),
        difference: Some(difference),
        method: "counts".into(),
        judgement,
    })
}

fn ratio_words(previous: f64, new: f64) -> String {
    if previous > 0.0 {
        format!("{}x", significant(new / previous, 2))
    } else {
        "from none".into()
    }
}

fn daily(metric: Metric, a: &[Day], b: &[Day], paired: bool) -> Option<MetricComparison> {
    let va: Vec<Option<f64>> = a
        .iter()
        .map(|d| d.as_ref().and_then(|d| value(metric, d)))
        .collect();
    let vb: Vec<Option<f64>> = b
        .iter()
        .map(|d| d.as_ref().and_then(|d| value(metric, d)))
        .collect();
    let (difference, previous, new, n) = if paired {
        let pairs: Vec<(f64, f64)> = va
            .iter()
            .zip(&vb)
            .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let n = pairs.len() as f64;
        let previous = pairs.iter().map(|p| p.0).sum::<f64>() / n;
        let new = pairs.iter().map(|p| p.1).sum::<f64>() / n;
        (paired_difference(&pairs), previous, new, pairs.len())
    } else {
        let xa: Vec<f64> = va.iter().flatten().copied().collect();
        let xb: Vec<f64> = vb.iter().flatten().copied().collect();
        if xa.is_empty() || xb.is_empty() {
            return None;
        }
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        (
            welch_difference(&xa, &xb),
            mean(&xa),
            mean(&xb),
            xa.len().min(xb.len()),
        )
    };
    let method = if paired {
        "daily values, paired by day"
    } else {
        "daily values"
    };
    let Some(difference) = difference.filter(|_| n >= MIN_DAYS) else {
        return Some(MetricComparison {
            metric,
            previous,
            new,
            difference: None,
            method: method.into(),
            judgement: Judgement::TooSmall,
            note: format!(
                "{} over {n} day{} only ({MIN_DAYS} needed)",
                metric.spoken(),
                if n == 1 { "" } else { "s" }
            ),
        });
    };
    let judgement = direction(metric, previous, &difference);
    let shown = |v: f64| match metric {
        Metric::FeedbackScore => format!("{v:+.2}"),
        _ => format!(
            "{}{}",
            if v >= 0.0 { "+" } else { "-" },
            metric.show(v.abs())
        ),
    };
    Some(MetricComparison {
        metric,
        previous,
        new,
        note: format!(
            "{} {} against {} ({} a day, 95% interval {} to {}, {n} days)",
            metric.spoken(),
            metric.show(new),
            metric.show(previous),
            shown(difference.estimate),
            shown(difference.low),
            shown(difference.high)
        ),
        difference: Some(difference),
        method: method.into(),
        judgement,
    })
}

impl ReleaseComparison {
    /// The comparison as text, for `feature-radar compare`.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}: {} against {} ({} to {}{})\n{}\n\n",
            self.feature,
            self.new,
            self.previous,
            self.from,
            self.to,
            match self.basis {
                Basis::Versions => ", the same days",
                Basis::VersionsBeforeAfter => ", before and after the new version's rollout",
                Basis::Deploy => ", the feature's days before and after the deploy",
            },
            self.sentence
        );
        out.push_str(&format!(
            "  {:<16} {:>12} {:>12} {:>26}  {}\n",
            "metric", "previous", "new", "difference (95%)", "verdict"
        ));
        for m in &self.metrics {
            let diff = m.difference.map_or("-".to_string(), |d| {
                let unit = |v: f64| match m.metric {
                    Metric::CrashRate | Metric::ErrorRate => signed_significant(v * 100.0, 2),
                    Metric::FeedbackScore => format!("{v:+.2}"),
                    _ => signed_significant(v, 3),
                };
                format!("{} [{}, {}]", unit(d.estimate), unit(d.low), unit(d.high))
            });
            out.push_str(&format!(
                "  {:<16} {:>12} {:>12} {:>26}  {}\n",
                m.metric.spoken(),
                m.metric.show(m.previous),
                m.metric.show(m.new),
                diff,
                m.judgement.words()
            ));
        }
        out.push_str("  (rates: difference in percentage points, from counts of sessions; latency and rating: from daily values)\n");
        if let (Some(first), Some(last)) = (self.adoption.first(), self.adoption.last()) {
            out.push_str(&format!(
                "  adoption of {}: {} of sessions on {}, {} on {}\n",
                self.new,
                first.map_or("-".into(), |s| format!("{}%", significant(s * 100.0, 2))),
                self.adoption_start,
                last.map_or("-".into(), |s| format!("{}%", significant(s * 100.0, 2))),
                self.to
            ));
        }
        out
    }
}
