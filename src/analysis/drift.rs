//! Drift: whether a metric's recent daily values come from another distribution than its
//! reference period's. The last [`RECENT_DAYS`] days are compared with the
//! [`REFERENCE_DAYS`] days before them by the population stability index (PSI, over the
//! reference's deciles) and the two-sample Kolmogorov-Smirnov test. Both must agree:
//! drift is *major* at PSI >= 0.25 with a KS p-value below 0.01, *moderate* at PSI >= 0.10
//! with a p-value below 0.05, and none otherwise (the usual PSI reading: under 0.10 stable,
//! 0.10 to 0.25 a moderate shift, over 0.25 a major one). Whole weeks on both sides, so the
//! weekly cycle weighs the same in each.

use super::inference::{kolmogorov_smirnov, population_stability};
use crate::telemetry::{Metric, Values};
use serde::{Deserialize, Serialize};

/// Days compared with the reference.
pub const RECENT_DAYS: usize = 14;
/// Days before the recent ones that they are compared with.
pub const REFERENCE_DAYS: usize = 56;
/// Least days with a value on each side: 7 recent, 21 reference.
pub const MIN_RECENT: usize = 7;
pub const MIN_REFERENCE: usize = 21;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DriftLevel {
    None,
    Moderate,
    Major,
}

impl DriftLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftLevel::None => "none",
            DriftLevel::Moderate => "moderate",
            DriftLevel::Major => "major",
        }
    }
}

/// One metric's drift.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub metric: Metric,
    pub psi: f64,
    /// The Kolmogorov-Smirnov statistic and its p-value.
    pub ks: f64,
    pub p_value: f64,
    pub level: DriftLevel,
    /// Medians of the reference and the recent days.
    pub reference_median: f64,
    pub recent_median: f64,
    pub recent_days: usize,
    pub reference_days: usize,
}

/// The level that a PSI and a KS p-value give together.
pub fn level(psi: f64, p_value: f64) -> DriftLevel {
    if psi >= 0.25 && p_value < 0.01 {
        DriftLevel::Major
    } else if psi >= 0.10 && p_value < 0.05 {
        DriftLevel::Moderate
    } else {
        DriftLevel::None
    }
}

/// The drift of one metric's daily values `series` as of day `end` (inclusive); None
/// when either side has too few days with a value.
pub fn drift(metric: Metric, series: &Values, end: usize) -> Option<Drift> {
    let recent_start = (end + 1).checked_sub(RECENT_DAYS)?;
    let reference_start = recent_start.saturating_sub(REFERENCE_DAYS);
    let values = |from: usize, to: usize| -> Vec<f64> {
        series
            .slots(from..to.min(series.len()))
            .flatten()
            .filter(|v| v.is_finite())
            .collect()
    };
    let recent = values(recent_start, end + 1);
    let reference = values(reference_start, recent_start);
    if recent.len() < MIN_RECENT || reference.len() < MIN_REFERENCE {
        return None;
    }
    let psi = population_stability(&reference, &recent)?;
    let (ks, p_value) = kolmogorov_smirnov(&reference, &recent)?;
    Some(Drift {
        metric,
        psi,
        ks,
        p_value,
        level: level(psi, p_value),
        reference_median: crate::analysis::stats::median(&reference).unwrap_or(f64::NAN),
        recent_median: crate::analysis::stats::median(&recent).unwrap_or(f64::NAN),
        recent_days: recent.len(),
        reference_days: reference.len(),
    })
}

impl Drift {
    /// The drift in words: "p95 latency drifted (major): median 212 ms over the last 14
    /// days against 180 ms over the 56 before (PSI 0.41, KS D 0.71, p 0.0003)".
    pub fn sentence(&self) -> String {
        format!(
            "{} {}: median {} over the last {} days against {} over the {} before (PSI {:.2}, KS D {:.2}, p {})",
            self.metric.spoken(),
            match self.level {
                DriftLevel::None => "did not drift".to_string(),
                level => format!("drifted ({})", level.as_str()),
            },
            self.metric.show(self.recent_median),
            RECENT_DAYS,
            self.metric.show(self.reference_median),
            REFERENCE_DAYS,
            self.psi,
            self.ks,
            crate::telemetry::significant(self.p_value, 2)
        )
    }
}

/// The drift of a feature's metrics in a few words: those that drifted, each in a
/// sentence, or that none did.
pub fn summary(drifts: &[Drift]) -> String {
    let drifted: Vec<String> = drifts
        .iter()
        .filter(|d| d.level != DriftLevel::None)
        .map(|d| format!("  {}.", d.sentence()))
        .collect();
    if drifts.is_empty() {
        "Drift: too few days to compare the last 14 with the 56 before.".into()
    } else if drifted.is_empty() {
        format!(
            "Drift: none; the last {RECENT_DAYS} days of {} look like the {REFERENCE_DAYS} before (PSI under 0.10 or KS p 0.05 or more).",
            crate::insights::and_list(&drifts.iter().map(|d| d.metric.spoken()).collect::<Vec<_>>())
        )
    } else {
        format!(
            "Drift (PSI >= 0.10 and KS p < 0.05 moderate, PSI >= 0.25 and p < 0.01 major):\n{}",
            drifted.join("\n")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekly(days: usize, level: f64) -> Vec<Option<f64>> {
        (0..days)
            .map(|t| Some(level + [0.0, 3.0, -2.0, 1.0, 4.0, -1.0, 2.0][t % 7]))
            .collect()
    }

    #[test]
    fn identical_distributions_do_not_drift() {
        let series = weekly(70, 100.0);
        let d = drift(Metric::LatencyP95, &series.clone().into(), 69).unwrap();
        assert_eq!(d.level, DriftLevel::None, "{d:?}");
        assert!(d.psi < 0.01 && d.p_value > 0.5, "{d:?}");
    }

    #[test]
    fn a_level_shift_drifts() {
        let mut series = weekly(70, 100.0);
        for v in series.iter_mut().skip(56) {
            *v = v.map(|v| v + 30.0);
        }
        let d = drift(Metric::LatencyP95, &series.clone().into(), 69).unwrap();
        assert_eq!(d.level, DriftLevel::Major, "{d:?}");
    }

    #[test]
    fn too_few_days_say_nothing() {
        let series = weekly(20, 100.0);
        assert!(drift(Metric::LatencyP95, &series.clone().into(), 19).is_none());
    }
}
