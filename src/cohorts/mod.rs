//! Where a change lives: a feature's metrics broken down by cohort (platform, app version,
//! region), and a change in the feature's figure split into the part due to the cohorts'
//! own values and the part due to a shift in the mix of sessions between them.
//!
//! The latest change compares the last [`RECENT_DAYS`] days with the [`REFERENCE_DAYS`]
//! before them. Within a window, a cohort's figure is its days' values weighted by their
//! sessions (the rating by its ratings' count where given), its weight its sessions (or
//! ratings), and the feature's figure the weighted mean of its cohorts'. The change of
//! the feature's figure, `M' - M = sum w'm' - sum wm`, splits exactly (Kitagawa's
//! symmetric decomposition) into the cohorts' own changes, `sum (w + w')/2 (m' - m)`, and
//! the mix, `sum (m + m')/2 (w' - w)`; a cohort present in one window only counts in the
//! mix. A cohort's own change is *notable* when it is at least [`NOTABLE_CHANGE`] of its
//! earlier value (0.1 on the 1 to 5 rating) and its daily values differ between the windows
//! by the Mann-Whitney test at 5% for the whole dimension (Bonferroni: 5% divided by its
//! cohorts times the metrics tested); a feature's change is *real* when it is at least
//! [`NOTABLE_CHANGE`] too. A real change with notable cohorts is theirs; one without, of
//! which the mix is at least half, is a mix shift.

pub mod release;

use crate::analysis::inference::mann_whitney;
use crate::telemetry::{significant, CohortCells, CohortDimension, Dataset, Metric};
use serde::{Deserialize, Serialize};

/// Days of the recent window.
pub const RECENT_DAYS: usize = 7;
/// Days of the reference window, just before the recent one.
pub const REFERENCE_DAYS: usize = 28;
/// The least relative change called a change (a tenth of the rating's points).
pub const NOTABLE_CHANGE: f64 = 0.10;
/// Least days up to the breakdown's day: the recent week and a week before it.
pub const MIN_DAYS: usize = RECENT_DAYS + 7;
/// Days of each cohort's history sent for its charts.
pub const CHART_DAYS: usize = 180;

/// One feature's cohort breakdown as of one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub feature: String,
    /// The windows compared, as dates (`YYYY-MM-DD`, inclusive).
    pub reference: (String, String),
    pub recent: (String, String),
    pub dimensions: Vec<DimensionBreakdown>,
    /// The metrics whose recent change is real, each said once, by the dimension that
    /// explains it best.
    pub findings: Vec<Finding>,
}

/// One dimension (platform, app version, region) of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionBreakdown {
    pub dimension: String,
    /// The dimension's values, largest recent share first.
    pub cohorts: Vec<CohortShare>,
    pub metrics: Vec<MetricSplit>,
    /// Each cohort's daily history (last [`CHART_DAYS`] days), same order as `cohorts`.
    pub history: CohortHistory,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortShare {
    pub value: String,
    /// Share of the feature's sessions in each window.
    pub share_before: f64,
    pub share_after: f64,
    pub sessions_after: f64,
}

/// One metric's change in one dimension, split into the cohorts' own part and the mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSplit {
    pub metric: Metric,
    /// The feature's figure in each window (from the cohorts).
    pub before: f64,
    pub after: f64,
    /// The cohorts' own part and the mix's part of `after - before`.
    pub rates: f64,
    pub mix: f64,
    /// Same order as the dimension's cohorts.
    pub cohorts: Vec<CohortChange>,
    pub verdict: Verdict,
    pub sentence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortChange {
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// This cohort's part of the change through its own figure, and through its share.
    pub rate_part: f64,
    pub mix_part: f64,
    pub notable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// No real change of the feature's figure and no notable cohort.
    Unchanged,
    /// The change is the named cohorts' own (indices into the dimension's cohorts).
    Cohorts(Vec<usize>),
    /// The feature's figure moved because sessions moved between cohorts.
    MixShift,
    /// A real change that neither explains (each cohort a little).
    Spread,
    /// A cohort changed notably while the feature's figure did not really move.
    Hidden(Vec<usize>),
}

/// A metric's change said once for the feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub metric: Metric,
    pub dimension: String,
    pub sentence: String,
}

/// Each cohort's daily figures for the charts, from `start` (a date) on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortHistory {
    pub start: String,
    pub days: usize,
    /// Per cohort: share of the feature's sessions per day.
    pub share: Vec<Vec<Option<f64>>>,
    /// Per metric of [`Metric::HEALTH`] with any value, per cohort, per day.
    pub metrics: Vec<(Metric, Vec<Vec<Option<f64>>>)>,
}

/// A cohort's figure over days `from..to`: the weighted mean of its daily values, the
/// weight, and the daily values themselves.
fn window(
    cells: &CohortCells,
    metric: Metric,
    from: usize,
    to: usize,
) -> (Option<f64>, f64, Vec<f64>) {
    let (mut sum, mut weight) = (0.0, 0.0);
    let mut daily = Vec::new();
    for t in from..to {
        let Some(day) = cells.on(t) else { continue };
        let Some(value) = day.metric(metric).filter(|v| v.is_finite()) else {
            continue;
        };
        let w = match metric {
            Metric::FeedbackScore => day.feedback_count.unwrap_or(day.sessions),
            _ => day.sessions,
        };
        sum += value * w;
        weight += w;
        daily.push(value);
    }
    ((weight > 0.0).then(|| sum / weight), weight, daily)
}

/// The breakdown of feature `f` as of day `end` (the recent window ends on it); None when
/// the feature has no cohort dimension with two values or more, or fewer than
/// [`MIN_DAYS`] days up to `end`.
pub fn breakdown(dataset: &Dataset, f: usize, end: usize) -> Option<Breakdown> {
    let dims = dataset.breakdown.get(f).filter(|d| !d.is_empty())?;
    if end + 1 < MIN_DAYS {
        return None;
    }
    let recent_from = end + 1 - RECENT_DAYS;
    let reference_from = recent_from.saturating_sub(REFERENCE_DAYS);
    let date = |t: usize| dataset.date(t).to_string();
    let dimensions: Vec<DimensionBreakdown> = dims
        .iter()
        .map(|d| dimension_breakdown(dataset, d, reference_from, recent_from, end + 1))
        .collect();
    let findings = findings(&dimensions);
    Some(Breakdown {
        feature: dataset.features[f].name.clone(),
        reference: (date(reference_from), date(recent_from.saturating_sub(1))),
        recent: (date(recent_from), date(end)),
        dimensions,
        findings,
    })
}

fn dimension_breakdown(
    dataset: &Dataset,
    d: &CohortDimension,
    reference_from: usize,
    recent_from: usize,
    to: usize,
) -> DimensionBreakdown {
    let sessions = |cells: &CohortCells, from: usize, to: usize| -> f64 {
        (from..to)
            .filter_map(|t| cells.on(t))
            .map(|c| c.sessions)
            .sum()
    };
    let before: Vec<f64> = d
        .values
        .iter()
        .map(|c| sessions(c, reference_from, recent_from))
        .collect();
    let after: Vec<f64> = d
        .values
        .iter()
        .map(|c| sessions(c, recent_from, to))
        .collect();
    let share = |v: &[f64], i: usize| {
        let total: f64 = v.iter().sum();
        if total > 0.0 {
            v[i] / total
        } else {
            0.0
        }
    };
    let mut order: Vec<usize> = (0..d.values.len()).collect();
    crate::sorting::sort_by(&mut order, |&a, &b| {
        after[b]
            .total_cmp(&after[a])
            .then(before[b].total_cmp(&before[a]))
    });
    let cohorts: Vec<CohortShare> = order
        .iter()
        .map(|&i| CohortShare {
            value: d.values[i].value.clone(),
            share_before: share(&before, i),
            share_after: share(&after, i),
            sessions_after: after[i],
        })
        .collect();
    let values: Vec<&CohortCells> = order.iter().map(|&i| &d.values[i]).collect();
    let metrics = Metric::HEALTH
        .iter()
        .filter_map(|&m| split(m, &values, &cohorts, reference_from, recent_from, to))
        .collect();
    DimensionBreakdown {
        dimension: d.dimension.replace('_', " "),
        history: history(dataset, &values, to),
        cohorts,
        metrics,
    }
}

fn split(
    metric: Metric,
    values: &[&CohortCells],
    cohorts: &[CohortShare],
    reference_from: usize,
    recent_from: usize,
    to: usize,
) -> Option<MetricSplit> {
    // One test per cohort and metric: Bonferroni's correction keeps the chance of naming
    // a cohort that did not change at 5% for the whole dimension. (Chosen on the family's
    // tune members: with a 5% test per cohort and metric, a third of quiet feature-weeks
    // named some platform.)
    let alpha = 0.05 / (values.len() * Metric::HEALTH.len()) as f64;
    let windows: Vec<_> = values
        .iter()
        .map(|c| {
            (
                window(c, metric, reference_from, recent_from),
                window(c, metric, recent_from, to),
            )
        })
        .collect();
    let total = |w: Vec<(Option<f64>, f64)>| -> Option<(f64, Vec<f64>)> {
        let weight: f64 = w.iter().filter(|(m, _)| m.is_some()).map(|(_, w)| w).sum();
        if weight <= 0.0 {
            return None;
        }
        let shares: Vec<f64> = w
            .iter()
            .map(|(m, x)| if m.is_some() { x / weight } else { 0.0 })
            .collect();
        let figure = w
            .iter()
            .zip(&shares)
            .filter_map(|((m, _), s)| m.map(|m| m * s))
            .sum();
        Some((figure, shares))
    };
    let (before, w0) = total(windows.iter().map(|(b, _)| (b.0, b.1)).collect())?;
    let (after, w1) = total(windows.iter().map(|(_, a)| (a.0, a.1)).collect())?;
    let mut changes = Vec::with_capacity(values.len());
    for (i, ((b, _, b_daily), (a, _, a_daily))) in windows.iter().enumerate() {
        let (rate_part, mix_part) = match (b, a) {
            (Some(b), Some(a)) => (
                (w0[i] + w1[i]) / 2.0 * (a - b),
                (b + a) / 2.0 * (w1[i] - w0[i]),
            ),
            (Some(b), None) => (0.0, -b * w0[i]),
            (None, Some(a)) => (0.0, a * w1[i]),
            (None, None) => (0.0, 0.0),
        };
        let notable = match (b, a) {
            (Some(b), Some(a)) => {
                big_enough(metric, *b, *a)
                    && mann_whitney(b_daily, a_daily).is_some_and(|p| p < alpha)
            }
            _ => false,
        };
        changes.push(CohortChange {
            before: *b,
            after: *a,
            rate_part,
            mix_part,
            notable,
        });
    }
    let rates: f64 = changes.iter().map(|c| c.rate_part).sum();
    let mix: f64 = changes.iter().map(|c| c.mix_part).sum();
    let change = after - before;
    let real = big_enough(metric, before, after);
    let notable: Vec<usize> = (0..changes.len()).filter(|&i| changes[i].notable).collect();
    let verdict = if !real {
        if notable.is_empty() {
            Verdict::Unchanged
        } else {
            Verdict::Hidden(notable)
        }
    } else {
        // The cohorts whose own change goes the feature's way.
        let mut drivers: Vec<usize> = notable
            .into_iter()
            .filter(|&i| changes[i].rate_part * change > 0.0)
            .collect();
        crate::sorting::sort_by(&mut drivers, |&a, &b| {
            changes[b]
                .rate_part
                .abs()
                .total_cmp(&changes[a].rate_part.abs())
        });
        if !drivers.is_empty() && rates * change > 0.0 && rates.abs() >= 0.5 * change.abs() {
            Verdict::Cohorts(drivers)
        } else if mix * change > 0.0 && mix.abs() >= 0.5 * change.abs() {
            Verdict::MixShift
        } else if !drivers.is_empty() {
            Verdict::Cohorts(drivers)
        } else {
            Verdict::Spread
        }
    };
    let sentence = sentence(metric, before, after, &verdict, &changes, cohorts);
    Some(MetricSplit {
        metric,
        before,
        after,
        rates,
        mix,
        cohorts: changes,
        verdict,
        sentence,
    })
}

/// Whether `before` to `after` is a change worth a word: [`NOTABLE_CHANGE`] of the value
/// (of the rating's points for the rating).
fn big_enough(metric: Metric, before: f64, after: f64) -> bool {
    match metric {
        Metric::FeedbackScore => (after - before).abs() >= NOTABLE_CHANGE,
        _ => (after - before).abs() >= NOTABLE_CHANGE * before.abs().max(f64::MIN_POSITIVE),
    }
}

fn share_words(share: f64) -> String {
    format!("{}%", significant(share * 100.0, 2))
}

fn sentence(
    metric: Metric,
    before: f64,
    after: f64,
    verdict: &Verdict,
    changes: &[CohortChange],
    cohorts: &[CohortShare],
) -> String {
    let head = format!(
        "{} {} ({} to {})",
        metric.spoken(),
        metric.show_change(before, after),
        metric.show(before),
        metric.show(after)
    );
    let own = |i: usize| {
        let c = &changes[i];
        format!(
            "{} {} on {} of sessions",
            cohorts[i].value,
            match (c.before, c.after) {
                (Some(b), Some(a)) => metric.show_change(b, a),
                _ => "new".into(),
            },
            share_words(cohorts[i].share_after)
        )
    };
    let unchanged_others = |named: &[usize]| -> String {
        let rest: Vec<&str> = (0..changes.len())
            .filter(|i| !named.contains(i) && !changes[*i].notable && changes[*i].after.is_some())
            .map(|i| cohorts[i].value.as_str())
            .collect();
        match rest.len() {
            0 => String::new(),
            1 => format!("; {} unchanged", rest[0]),
            _ => format!("; {} unchanged", crate::insights::and_list(&rest)),
        }
    };
    match verdict {
        Verdict::Unchanged => format!("{} {}: no real change", metric.spoken(), metric.show(after)),
        Verdict::Cohorts(drivers) => {
            let named: Vec<String> = drivers.iter().take(3).map(|&i| own(i)).collect();
            format!("{head}: {}{}", named.join(", "), unchanged_others(drivers))
        }
        Verdict::Hidden(notable) => {
            let named: Vec<String> = notable.iter().take(3).map(|&i| own(i)).collect();
            format!(
                "{} {} overall, but {}",
                metric.spoken(),
                metric.show_change(before, after),
                named.join(", ")
            )
        }
        Verdict::MixShift => {
            // The cohorts whose share moved the figure most.
            let mut movers: Vec<usize> = (0..changes.len()).collect();
            crate::sorting::sort_by(&mut movers, |&a, &b| {
                let change = after - before;
                (changes[b].mix_part * change.signum())
                    .total_cmp(&(changes[a].mix_part * change.signum()))
            });
            let mover = movers[0];
            match (changes[mover].before, changes[mover].after) {
                // A cohort that is new in the recent week brings its own figure with it.
                (None, Some(value)) => format!(
                    "{head}: {} is new, on {} of sessions, at {}; the other cohorts' own {} did not change",
                    cohorts[mover].value,
                    share_words(cohorts[mover].share_after),
                    metric.show(value),
                    metric.spoken()
                ),
                _ => format!(
                    "{head}, from a shift of sessions: {} went from {} to {} of sessions, and no cohort's own {} changed",
                    cohorts[mover].value,
                    share_words(cohorts[mover].share_before),
                    share_words(cohorts[mover].share_after),
                    metric.spoken()
                ),
            }
        }
        Verdict::Spread => format!("{head}, spread over the cohorts with no one cohort behind it"),
    }
}

/// Each real change said once: by the dimension where one cohort explains the most of it,
/// or, when it is a mix shift everywhere, by the dimension whose mix moved it most.
fn findings(dimensions: &[DimensionBreakdown]) -> Vec<Finding> {
    let mut out = Vec::new();
    for metric in Metric::HEALTH {
        let candidates = dimensions.iter().filter_map(|d| {
            let m = d.metrics.iter().find(|m| m.metric == metric)?;
            let change = m.after - m.before;
            let strength = match &m.verdict {
                Verdict::Cohorts(drivers) => {
                    2.0 + (m.cohorts[drivers[0]].rate_part / change).abs().min(1.0)
                }
                Verdict::Hidden(_) => 1.5,
                Verdict::MixShift => 1.0 + (m.mix / change).abs().min(1.0) / 2.0,
                Verdict::Spread => 0.5,
                Verdict::Unchanged => return None,
            };
            Some((strength, d, m))
        });
        if let Some((_, d, m)) = candidates.max_by(|a, b| a.0.total_cmp(&b.0)) {
            out.push(Finding {
                metric,
                dimension: d.dimension.clone(),
                sentence: format!("By {}: {}.", d.dimension, m.sentence),
            });
        }
    }
    out
}

fn history(dataset: &Dataset, values: &[&CohortCells], to: usize) -> CohortHistory {
    let start = to.saturating_sub(CHART_DAYS);
    let days = to - start;
    let totals: Vec<f64> = (start..to)
        .map(|t| {
            values
                .iter()
                .filter_map(|c| c.on(t))
                .map(|c| c.sessions)
                .sum()
        })
        .collect();
    let share = values
        .iter()
        .map(|c| {
            (start..to)
                .zip(&totals)
                .map(|(t, total)| {
                    c.on(t)
                        .filter(|_| *total > 0.0)
                        .map(|day| day.sessions / total)
                })
                .collect()
        })
        .collect();
    let metrics = Metric::HEALTH
        .iter()
        .filter_map(|&m| {
            let per: Vec<Vec<Option<f64>>> = values
                .iter()
                .map(|c| {
                    (start..to)
                        .map(|t| c.on(t).and_then(|d| d.metric(m)))
                        .collect()
                })
                .collect();
            per.iter()
                .flatten()
                .any(Option::is_some)
                .then_some((m, per))
        })
        .collect();
    CohortHistory {
        start: dataset.date(start).to_string(),
        days,
        share,
        metrics,
    }
}

impl Breakdown {
    /// The breakdown as text, for `feature-radar cohorts`.
    pub fn to_text(&self) -> String {
        let reference_days = chrono::NaiveDate::parse_from_str(&self.reference.1, "%Y-%m-%d")
            .ok()
            .zip(chrono::NaiveDate::parse_from_str(&self.reference.0, "%Y-%m-%d").ok())
            .map_or(REFERENCE_DAYS as i64, |(to, from)| {
                (to - from).num_days() + 1
            });
        let mut out = format!(
            "{}: the last {} days ({} to {}) against the {} before ({} to {})\n",
            self.feature,
            RECENT_DAYS,
            self.recent.0,
            self.recent.1,
            reference_days,
            self.reference.0,
            self.reference.1
        );
        if self.findings.is_empty() {
            out.push_str("No metric changed by 10% or more, overall or in any cohort.\n");
        }
        for f in &self.findings {
            out.push_str(&format!("- {}\n", f.sentence));
        }
        for d in &self.dimensions {
            out.push_str(&format!("\nBy {}:\n", d.dimension));
            let mut header = format!("  {:<16} {:>8} {:>8}", "cohort", "share", "earlier");
            for m in &d.metrics {
                header.push_str(&format!(" {:>22}", m.metric.spoken()));
            }
            out.push_str(header.trim_end());
            out.push('\n');
            for (i, c) in d.cohorts.iter().enumerate() {
                let mut line = format!(
                    "  {:<16} {:>8} {:>8}",
                    c.value,
                    share_words(c.share_after),
                    share_words(c.share_before)
                );
                for m in &d.metrics {
                    let cell = match (m.cohorts[i].before, m.cohorts[i].after) {
                        (Some(b), Some(a)) => format!(
                            "{} ({}){}",
                            m.metric.show(a),
                            m.metric.show_change(b, a),
                            if m.cohorts[i].notable { "*" } else { "" }
                        ),
                        (None, Some(a)) => format!("{} (new)", m.metric.show(a)),
                        (Some(_), None) => "gone".into(),
                        (None, None) => "-".into(),
                    };
                    line.push_str(&format!(" {cell:>22}"));
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
            for m in &d.metrics {
                out.push_str(&format!(
                    "  {}: {}; own rates {}, mix {}\n",
                    m.metric.spoken(),
                    m.sentence,
                    signed(m.metric, m.rates),
                    signed(m.metric, m.mix)
                ));
            }
        }
        out.push_str(
            "\n* a cohort's own change of 10% or more that its daily values confirm (Welch, 95%)\n",
        );
        out
    }
}

/// A part of a change in the metric's unit, signed.
fn signed(metric: Metric, part: f64) -> String {
    let shown = metric.show(part.abs());
    if part < 0.0 {
        format!("-{shown}")
    } else {
        format!("+{shown}")
    }
}
