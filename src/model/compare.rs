//! The model card's comparison: the model beside two baselines on exactly the feature-days
//! the card evaluates, and the bootstrap intervals of its figures (`bootstrap.rs`).
//!
//! - **threshold monitor** (`threshold.rs`): what a team without this tool has.
//! - **base rate**: the same risk every day, the share of evaluated feature-days followed
//!   by a degradation. It ranks nothing: ROC AUC 0.5 and average precision equal to the
//!   base rate, by definition.
//!
//! What does not depend on the tiers (every ranking figure, the monitor's alerts) is
//! computed once per analysis ([`Comparison::new`], kept by `report::Analysis`); the
//! model's investigate tier, which the tiers' budget moves, per report
//! ([`Comparison::investigate`]).

use super::bootstrap::{
    percentile_interval, resample_weights, weighted_share, Interval, Ranked, MIN_POSITIVE_FEATURES,
    RESAMPLES, SEED,
};
use super::evaluate::{average_precision_in, descending, roc_auc_in};
use super::threshold;
use crate::analysis::labels::Degradations;
use crate::telemetry::Dataset;
use serde::{Deserialize, Serialize};

/// Calls `each(f, t)` for every feature-day the model card evaluates, days in order and
/// features within a day: days whose label is known by the data's last day, features
/// with signals that day and not already in a degradation.
pub fn for_each_evaluated(
    days: usize,
    features: usize,
    valid: &[Vec<bool>],
    degradations: &Degradations,
    horizon: usize,
    mut each: impl FnMut(usize, usize),
) {
    for t in 0..days {
        if degradations.label_known_on(t, horizon) >= days {
            break;
        }
        for f in 0..features {
            if super::eligible(valid, degradations, f, t) {
                each(f, t);
            }
        }
    }
}

/// One method's figures on the card's evaluated feature-days, with 95% intervals where
/// the data allows one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodFigures {
    /// "threshold monitor", "base rate".
    pub method: String,
    /// What the method does, in a sentence.
    pub description: String,
    pub roc_auc: Option<f64>,
    pub roc_auc_interval: Option<Interval>,
    pub average_precision: Option<f64>,
    pub average_precision_interval: Option<Interval>,
    /// Share of its alerts (its investigate tier) followed by a degradation within the
    /// horizon; None when it raised none.
    pub investigate_precision: Option<f64>,
    pub investigate_precision_interval: Option<Interval>,
    pub investigate_alerts_per_100_feature_days: Option<f64>,
}

/// What a report reads of the comparison: computed once per analysis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comparison {
    /// Per feature, its cluster (features with at least one evaluated row), else None.
    cluster_of: Vec<Option<u32>>,
    pub clusters: usize,
    /// Clusters with at least one positive row.
    pub positive_clusters: usize,
    pub rows: usize,
    /// The model's ROC AUC and average precision on the evaluated feature-days (the
    /// card's point estimates, from the same order as its resamples).
    pub model_roc_auc: Option<f64>,
    pub model_average_precision: Option<f64>,
    pub model_roc_auc_interval: Option<Interval>,
    pub model_average_precision_interval: Option<Interval>,
    /// The model's ROC AUC and average precision less the monitor's, per resample.
    pub roc_auc_difference: Option<Interval>,
    pub average_precision_difference: Option<Interval>,
    pub threshold: Option<MethodFigures>,
    pub base_rate: Option<MethodFigures>,
}

impl Comparison {
    /// Whether intervals can be given: enough features had a degradation.
    pub fn intervals_given(&self) -> bool {
        self.positive_clusters >= MIN_POSITIVE_FEATURES
    }

    /// Ranks the model's risks, the threshold monitor's scores and the base rate on the
    /// evaluated feature-days, and resamples them.
    pub fn new(
        dataset: &Dataset,
        risks: &[Vec<f64>],
        valid: &[Vec<bool>],
        degradations: &Degradations,
        horizon: usize,
    ) -> Comparison {
        let features = dataset.features.len();
        let monitor: Vec<Vec<Option<f64>>> = dataset
            .features
            .iter()
            .map(threshold::monitor_scores)
            .collect();
        let mut cluster_of: Vec<Option<u32>> = vec![None; features];
        let mut clusters = 0u32;
        let (mut model, mut scores, mut labels, mut row_cluster) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        // Per cluster: rows, positives, the monitor's alerts and hits.
        let (mut rows, mut positives, mut alerts, mut hits) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for_each_evaluated(
            dataset.days,
            features,
            valid,
            degradations,
            horizon,
            |f, t| {
                let c = *cluster_of[f].get_or_insert_with(|| {
                    clusters += 1;
                    rows.push(0u64);
                    positives.push(0u64);
                    alerts.push(0u64);
                    hits.push(0u64);
                    clusters - 1
                }) as usize;
                let label = degradations.label(f, t, horizon);
                model.push(risks[f][t]);
                scores.push(threshold::ranking_score(monitor[f][t]));
                labels.push(label);
                row_cluster.push(c as u32);
                rows[c] += 1;
                positives[c] += u64::from(label);
                if threshold::alerts(monitor[f][t]) {
                    alerts[c] += 1;
                    hits[c] += u64::from(label);
                }
            },
        );
        let clusters = clusters as usize;
        let positive_clusters = positives.iter().filter(|p| **p > 0).count();
        let n = labels.len();
        let mut comparison = Comparison {
            cluster_of,
            clusters,
            positive_clusters,
            rows: n,
            ..Comparison::default()
        };
        if n == 0 {
            return comparison;
        }
        let total_alerts: u64 = alerts.iter().sum();
        let total_hits: u64 = hits.iter().sum();
        let base_rate = labels.iter().filter(|l| **l).count() as f64 / n as f64;
        // Each method's order, made once for its figures and its resamples.
        let model_order = descending(&model);
        comparison.model_roc_auc = roc_auc_in(&model_order, &model, &labels);
        comparison.model_average_precision = average_precision_in(&model_order, &labels);
        let monitor_order = descending(&scores);
        let mut threshold_figures = MethodFigures {
            method: "threshold monitor".to_string(),
            description: "alerts when p95 latency is over 1.5x its median of the last 28 days or the crash rate over 2x its own; ranks by how far over".to_string(),
            roc_auc: roc_auc_in(&monitor_order, &scores, &labels),
            roc_auc_interval: None,
            average_precision: average_precision_in(&monitor_order, &labels),
            average_precision_interval: None,
            investigate_precision: (total_alerts > 0)
                .then(|| total_hits as f64 / total_alerts as f64),
            investigate_precision_interval: None,
            investigate_alerts_per_100_feature_days: Some(total_alerts as f64 * 100.0 / n as f64),
        };
        let mut base_figures = MethodFigures {
            method: "base rate".to_string(),
            description: "the same risk every day (the share of these feature-days followed by a degradation): ranking at random".to_string(),
            roc_auc: Some(0.5),
            roc_auc_interval: None,
            average_precision: Some(base_rate),
            average_precision_interval: None,
            investigate_precision: None,
            investigate_precision_interval: None,
            investigate_alerts_per_100_feature_days: None,
        };
        if comparison.intervals_given() {
            let ranked_model = Ranked::in_order(&model_order, &model, &labels, &row_cluster);
            let ranked_monitor = Ranked::in_order(&monitor_order, &scores, &labels, &row_cluster);
            let resamples = resample_weights(clusters, RESAMPLES, SEED);
            let of_model = ranked_model.weighted_all(&resamples);
            let of_monitor = ranked_monitor.weighted_all(&resamples);
            let mut draws: [Vec<f64>; 8] = Default::default();
            let nan = f64::NAN;
            for ((weights, (m_auc, m_ap)), (t_auc, t_ap)) in
                resamples.iter().zip(of_model).zip(of_monitor)
            {
                draws[0].push(m_auc.unwrap_or(nan));
                draws[1].push(m_ap.unwrap_or(nan));
                draws[2].push(t_auc.unwrap_or(nan));
                draws[3].push(t_ap.unwrap_or(nan));
                draws[4].push(m_auc.zip(t_auc).map_or(nan, |(a, b)| a - b));
                draws[5].push(m_ap.zip(t_ap).map_or(nan, |(a, b)| a - b));
                draws[6].push(weighted_share(&hits, &alerts, weights).unwrap_or(nan));
                draws[7].push(weighted_share(&positives, &rows, weights).unwrap_or(nan));
            }
            let [m_auc, m_ap, t_auc, t_ap, d_auc, d_ap, t_precision, base] =
                draws.map(|values| percentile_interval(values, RESAMPLES));
            comparison.model_roc_auc_interval = m_auc;
            comparison.model_average_precision_interval = m_ap;
            comparison.roc_auc_difference = d_auc;
            comparison.average_precision_difference = d_ap;
            threshold_figures.roc_auc_interval = t_auc;
            threshold_figures.average_precision_interval = t_ap;
            threshold_figures.investigate_precision_interval = t_precision;
            base_figures.average_precision_interval = base;
        }
        comparison.threshold = Some(threshold_figures);
        comparison.base_rate = Some(base_figures);
        comparison
    }

    /// The 95% interval of an investigate-tier precision, from each feature's alerts and
    /// those followed by a degradation (indexed by feature), under the same resamples.
    pub fn precision_interval(&self, alerts: &[u64], hits: &[u64]) -> Option<Interval> {
        if !self.intervals_given() {
            return None;
        }
        let (mut a, mut h) = (vec![0u64; self.clusters], vec![0u64; self.clusters]);
        for (f, c) in self.cluster_of.iter().enumerate() {
            if let Some(c) = c {
                a[*c as usize] += alerts.get(f).copied().unwrap_or(0);
                h[*c as usize] += hits.get(f).copied().unwrap_or(0);
            }
        }
        let values = resample_weights(self.clusters, RESAMPLES, SEED)
            .iter()
            .map(|w| weighted_share(&h, &a, w).unwrap_or(f64::NAN))
            .collect();
        percentile_interval(values, RESAMPLES)
    }
}

/// A figure with its interval: "0.73 (0.69-0.77)", or the figure alone.
pub fn with_interval(value: Option<f64>, interval: Option<Interval>, digits: usize) -> String {
    match (value, interval) {
        (Some(v), Some(i)) => format!("{v:.digits$} ({})", i.describe(digits)),
        (Some(v), None) => format!("{v:.digits$}"),
        _ => "n/a".to_string(),
    }
}

/// How the model compares with the threshold monitor, honestly, in a sentence or two.
pub fn comparison_sentence(
    model_auc: Option<f64>,
    model_ap: Option<f64>,
    model_precision: Option<f64>,
    model_alerts_per_100: Option<f64>,
    comparison: &Comparison,
) -> String {
    let (Some(t), Some(base)) = (&comparison.threshold, &comparison.base_rate) else {
        return "No comparison yet: no evaluated feature-day.".to_string();
    };
    let mut out = String::new();
    if let (Some(m), Some(th)) = (model_auc, t.roc_auc) {
        let verdict = match comparison.roc_auc_difference {
            Some(d) if d.low > 0.0 => "ranks feature-days better than",
            Some(d) if d.high < 0.0 => "ranks feature-days worse than",
            Some(_) => "ranks feature-days about as well as",
            None if (m - th).abs() < 0.02 => "ranks feature-days about as well as",
            None if m > th => "ranks feature-days somewhat better than",
            None => "ranks feature-days somewhat worse than",
        };
        out.push_str(&format!(
            "The model {verdict} the threshold monitor (ROC AUC {m:.2} vs {th:.2}"
        ));
        match comparison.roc_auc_difference {
            Some(d) => out.push_str(&format!(
                "; the difference's 95% interval over resampled features is {:+.2} to {:+.2})",
                d.low, d.high
            )),
            None => out.push_str(", too few features with a degradation to tell reliably)"),
        }
    }
    let ranked = !out.is_empty();
    if !ranked {
        out.push_str("The model's ranking cannot be compared with the threshold monitor's yet (the evaluated feature-days hold one outcome only)");
    }
    match (
        model_precision,
        t.investigate_precision,
        model_alerts_per_100,
        t.investigate_alerts_per_100_feature_days,
    ) {
        (Some(mp), Some(tp), Some(ma), Some(ta)) if tp > 0.0 && ta > 0.0 => out.push_str(&format!(
            ", with {:.1}x its precision ({mp:.2} vs {tp:.2} of alerts followed by a degradation) at {:.1}x its alerts ({ma:.1} vs {ta:.1} per 100 feature-days).",
            mp / tp,
            ma / ta
        )),
        (Some(mp), _, Some(ma), Some(ta)) => out.push_str(&format!(
            "; its investigate tier's precision is {mp:.2} at {ma:.1} alerts per 100 feature-days, the monitor's {} at {ta:.1}.",
            t.investigate_precision.map_or("not measurable (no alert)".to_string(), |p| format!("{p:.2}"))
        )),
        _ => out.push_str(", and its investigate tier raised no alert on these days to compare."),
    }
    if let (Some(m), Some(th), Some(b)) = (model_ap, t.average_precision, base.average_precision) {
        out.push_str(&format!(
            " Average precision {m:.2} against the monitor's {th:.2}, where ranking at random gives the base rate, {b:.3}."
        ));
    }
    out
}
