//! Features side by side: two to four features' metrics, risk and impact on one time axis.
//! Metrics keep their units; each also comes *relative to the feature's own usual level*
//! (its value over the median of its last [`USUAL_DAYS`] days before the recent week), so
//! that features of different sizes (a 900 ms checkout beside a 120 ms search) can share a
//! chart.

use crate::report::{Analysis, FeatureStatus, Report};
use crate::telemetry::{percent_change, Metric, Values};
use serde::{Deserialize, Serialize};

/// Fewest and most features compared.
pub const MIN_FEATURES: usize = 2;
pub const MAX_FEATURES: usize = 4;
/// Days whose median is a feature's usual level (before the last 7).
pub const USUAL_DAYS: usize = 28;
/// Days of history compared.
pub const DAYS: usize = 180;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureComparison {
    /// The first date shown and the number of days.
    pub start: String,
    pub days: usize,
    pub features: Vec<ComparedFeature>,
    /// Per metric with values: per feature, its daily values, and the same relative to the
    /// feature's usual level.
    pub metrics: Vec<ComparedMetric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedFeature {
    pub name: String,
    pub status: FeatureStatus,
    /// The risk per day.
    pub risk: Vec<Option<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedMetric {
    pub metric: Metric,
    pub values: Vec<Vec<Option<f64>>>,
    pub relative: Vec<Vec<Option<f64>>>,
    /// Per feature: the usual level and the last 7 days' mean.
    pub usual: Vec<Option<f64>>,
    pub recent: Vec<Option<f64>>,
}

/// Compares the named features (2 to 4, each once) as of the report's day. The error
/// says which name is unknown, or how many are needed.
pub fn compare_features(
    analysis: &Analysis,
    report: &Report,
    names: &[String],
) -> Result<FeatureComparison, String> {
    let mut unique: Vec<&String> = Vec::new();
    for n in names {
        if !unique.contains(&n) {
            unique.push(n);
        }
    }
    if !(MIN_FEATURES..=MAX_FEATURES).contains(&unique.len()) {
        return Err(format!(
            "compare {MIN_FEATURES} to {MAX_FEATURES} different features; {} given",
            unique.len()
        ));
    }
    let dataset = &analysis.dataset;
    let mut indices = Vec::new();
    for name in &unique {
        let f = dataset
            .feature_index(name)
            .ok_or_else(|| format!("no feature named \"{name}\" in the telemetry"))?;
        indices.push(f);
    }
    let end = dataset.days - 1;
    let start = (end + 1).saturating_sub(DAYS);
    let features = indices
        .iter()
        .zip(&unique)
        .map(|(&f, name)| {
            let status = report
                .ranking
                .iter()
                .find(|s| &s.feature == *name)
                .cloned()
                .ok_or_else(|| format!("no feature named \"{name}\" in the report"))?;
            Ok(ComparedFeature {
                name: (*name).clone(),
                status,
                risk: (start..=end)
                    .map(|t| {
                        dataset.features[f]
                            .sessions
                            .has(t)
                            .then(|| analysis.run.risks[f][t])
                    })
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let recent_from = (end + 1).saturating_sub(7);
    let usual_from = recent_from.saturating_sub(USUAL_DAYS);
    let metrics = Metric::HEALTH
        .iter()
        .chain(&[Metric::Sessions])
        .filter_map(|&m| {
            let series: Vec<&Values> = indices
                .iter()
                .map(|&f| dataset.features[f].metric(m))
                .collect();
            if series
                .iter()
                .all(|s| s.slots(start..end + 1).all(|v| v.is_none()))
            {
                return None;
            }
            let present = |s: &Values, from: usize, to: usize| -> Vec<f64> {
                s.slots(from..to)
                    .flatten()
                    .filter(|v| v.is_finite())
                    .collect()
            };
            let usual: Vec<Option<f64>> = series
                .iter()
                .map(|s| crate::analysis::stats::median(&present(s, usual_from, recent_from)))
                .collect();
            let recent = series
                .iter()
                .map(|s| crate::analysis::stats::mean(&present(s, recent_from, end + 1)))
                .collect();
            let values: Vec<Vec<Option<f64>>> = series
                .iter()
                .map(|s| s.slots(start..end + 1).collect())
                .collect();
            let relative = values
                .iter()
                .zip(&usual)
                .map(|(v, u)| {
                    v.iter()
                        .map(|x| Some((*x)? / u.filter(|u| u.abs() > f64::MIN_POSITIVE)?))
                        .collect()
                })
                .collect();
            Some(ComparedMetric {
                metric: m,
                values,
                relative,
                usual,
                recent,
            })
        })
        .collect();
    Ok(FeatureComparison {
        start: dataset.date(start).to_string(),
        days: end + 1 - start,
        features,
        metrics,
    })
}

impl FeatureComparison {
    /// The comparison as a table, for `feature-radar compare --features`.
    pub fn to_text(&self) -> String {
        let width = self
            .features
            .iter()
            .map(|f| f.name.len())
            .max()
            .unwrap_or(7)
            .max(7);
        let mut out = format!(
            "{:<width$} {:>9} {:>8} {:>11} {:>10}",
            "feature", "tier", "risk", "impact", "state"
        );
        for m in &self.metrics {
            out.push_str(&format!(" {:>24}", m.metric.spoken()));
        }
        out.push('\n');
        for (i, f) in self.features.iter().enumerate() {
            let s = &f.status;
            out.push_str(&format!(
                "{:<width$} {:>9} {:>7.1}% {:>11.0} {:>10}",
                f.name,
                s.tier.as_str(),
                s.risk * 100.0,
                s.impact,
                s.state.as_str()
            ));
            for m in &self.metrics {
                let cell = match (m.recent[i], m.usual[i]) {
                    (Some(r), Some(u)) => {
                        format!("{} ({})", m.metric.show(r), percent_change(u, r))
                    }
                    (Some(r), None) => m.metric.show(r),
                    _ => "-".into(),
                };
                out.push_str(&format!(" {cell:>24}"));
            }
            out.push('\n');
        }
        out.push_str(&format!(
            "(metrics: the last 7 days' mean, and its change from the median of the {USUAL_DAYS} days before)\n"
        ));
        out
    }
}
