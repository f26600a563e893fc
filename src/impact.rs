//! The Impact Score and the tiers.
//!
//! Impact = risk x sessions over the last 7 days (by default; the usage weight can temper it): the expected number of sessions that a
//! degradation starting within the horizon would reach, if the coming week looks like the
//! last one. It ranks features by potential user harm. The tier answers a different
//! question, "is this feature likely to break soon?", and comes from the risk alone, so that
//! the investigate tier keeps a precision that the model card can measure; within a tier,
//! features are ordered by impact.

use serde::{Deserialize, Serialize};

/// The three tiers, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Investigate,
    Watch,
    Monitor,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Investigate => "investigate",
            Tier::Watch => "watch",
            Tier::Monitor => "monitor",
        }
    }
}

/// The tier rule: an alert budget. Degradations are rare and their base rate differs
/// from one portfolio to the next, so fixed probability thresholds either never fire or
/// fire everywhere. Instead, on each day the investigate tier takes the features whose
/// risk is in the top `investigate` per 100 of all feature-days of the last
/// [`WINDOW_DAYS`] days (that day included, nothing after it), and the watch tier the
/// top `watch` per 100; a feature must also have at least [`MIN_LIFT`] times the
/// window's average risk (when nothing stands out, nothing is flagged).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TierThresholds {
    /// Investigate alerts per 100 feature-days.
    pub investigate: f64,
    /// Watch-or-higher per 100 feature-days.
    pub watch: f64,
}

impl Default for TierThresholds {
    fn default() -> Self {
        TierThresholds {
            investigate: 1.5,
            watch: 5.0,
        }
    }
}

/// Days of risks the budget's cut-offs are taken from.
pub const WINDOW_DAYS: usize = 28;
/// The least lift over the window's average risk that any tier above monitor needs.
pub const MIN_LIFT: f64 = 2.0;

/// The risks at or above which a day's features are in each tier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskCutoffs {
    pub investigate: f64,
    pub watch: f64,
}

impl TierThresholds {
    /// The cut-offs from the risks of a window (reordered in place).
    pub fn cutoffs(&self, risks: &mut [f64]) -> RiskCutoffs {
        let n = risks.len();
        let mean = window_mean(risks);
        self.cutoffs_from(n, mean, |k| {
            Some(*risks.select_nth_unstable_by(n - k, |a, b| a.total_cmp(b)).1)
        })
        .expect("a whole window answers every budget")
    }

    /// The cut-offs of a window of `n` risks whose mean is `mean`, where `kth_largest(k)`
    /// gives its `k`-th largest risk (`1 <= k <= n`), or `None` when it does not hold it.
    fn cutoffs_from(
        &self,
        n: usize,
        mean: f64,
        mut kth_largest: impl FnMut(usize) -> Option<f64>,
    ) -> Option<RiskCutoffs> {
        if n == 0 {
            return Some(RiskCutoffs::NONE);
        }
        let mut top = |per_100: f64| -> Option<f64> {
            // The value that `per_100` per 100 of the window reach or exceed.
            let k = ((per_100.clamp(0.0, 100.0) / 100.0) * n as f64).floor() as usize;
            if k == 0 {
                return Some(f64::INFINITY);
            }
            kth_largest(k.min(n))
        };
        let investigate = top(self.investigate)?.max(MIN_LIFT * mean);
        let watch = top(self.watch)?.max(MIN_LIFT * mean).min(investigate);
        Some(RiskCutoffs { investigate, watch })
    }

    /// Whether the budgets are usable: each in (0, 100], watch at least investigate.
    pub fn validate(&self) -> Result<(), String> {
        let ok = |v: f64| v.is_finite() && v > 0.0 && v <= 100.0;
        if !ok(self.investigate) || !ok(self.watch) || self.watch < self.investigate {
            return Err(format!(
                "tier budgets are alerts per 100 feature-days, in (0, 100], with watch ({}) at least investigate ({})",
                self.watch, self.investigate
            ));
        }
        Ok(())
    }
}

/// The mean of a window's risks, summed in the window's order.
fn window_mean(risks: &[f64]) -> f64 {
    risks.iter().sum::<f64>() / risks.len() as f64
}

/// The budgets, in alerts per 100 feature-days, up to which a [`BudgetWindow`] answers:
/// the page's sliders stop there.
pub const PAGE_MAX_BUDGET: f64 = 20.0;

/// A window's risks kept only as far as the tiers under any budget up to
/// [`PAGE_MAX_BUDGET`] read them, so that the page can apply another budget to a report
/// at once: the window's size and mean, and its largest risks, highest first, up to the
/// most that budget counts, and only those at least [`MIN_LIFT`] times the mean (a cut-off
/// is never below that). Its cut-offs equal [`TierThresholds::cutoffs`] of the whole
/// window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetWindow {
    pub n: usize,
    pub mean: f64,
    pub top: Vec<f64>,
    /// The most risks a budget up to [`PAGE_MAX_BUDGET`] counts.
    pub most: usize,
}

impl BudgetWindow {
    /// The window of `risks` (reordered in place).
    pub fn of(risks: &mut [f64]) -> BudgetWindow {
        let n = risks.len();
        let mean = if n == 0 { 0.0 } else { window_mean(risks) };
        let most = (((PAGE_MAX_BUDGET / 100.0) * n as f64).floor() as usize).min(n);
        let floor = MIN_LIFT * mean;
        let mut top: Vec<f64> = risks
            .iter()
            .copied()
            .filter(|r| r.total_cmp(&floor).is_ge())
            .collect();
        // The sort the report's other lists use (one compiled sort for all).
        crate::sorting::sort_by(&mut top, |a, b| b.total_cmp(a));
        top.truncate(most);
        BudgetWindow { n, mean, top, most }
    }

    /// The cut-offs under `tiers`, or `None` for a budget past [`PAGE_MAX_BUDGET`].
    pub fn cutoffs(&self, tiers: &TierThresholds) -> Option<RiskCutoffs> {
        if !self.mean.is_finite() {
            return None;
        }
        tiers.cutoffs_from(self.n, self.mean, |k| {
            // Past the risks kept, the k-th largest is below the floor, which the cut-off
            // then is.
            (k <= self.most).then(|| self.top.get(k - 1).copied().unwrap_or(f64::NEG_INFINITY))
        })
    }
}

/// Each day's cut-offs under `tiers`: `risks_on(d, out)` pushes the risks of day `d`,
/// and day `t`'s cut-offs come from days `t - WINDOW_DAYS + 1 ..= t`.
pub fn daily_cutoffs(
    tiers: &TierThresholds,
    days: usize,
    mut risks_on: impl FnMut(usize, &mut Vec<f64>),
) -> Vec<RiskCutoffs> {
    let mut window = Vec::new();
    (0..days)
        .map(|t| {
            window.clear();
            for d in t.saturating_sub(WINDOW_DAYS - 1)..=t {
                risks_on(d, &mut window);
            }
            tiers.cutoffs(&mut window)
        })
        .collect()
}

impl RiskCutoffs {
    /// Cut-offs that nothing reaches (no risk known yet).
    pub const NONE: RiskCutoffs = RiskCutoffs {
        investigate: f64::INFINITY,
        watch: f64::INFINITY,
    };

    pub fn tier(&self, risk: f64) -> Tier {
        if risk >= self.investigate {
            Tier::Investigate
        } else if risk >= self.watch {
            Tier::Watch
        } else {
            Tier::Monitor
        }
    }
}

/// How much usage counts in the Impact Score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImpactWeights {
    /// Exponent of weekly sessions: 1 (the default) makes the score the expected sessions
    /// exposed to a degradation; 0 ranks by risk alone; values between temper the pull of
    /// the biggest features.
    pub usage: f64,
}

impl Default for ImpactWeights {
    fn default() -> Self {
        ImpactWeights { usage: 1.0 }
    }
}

impl ImpactWeights {
    /// risk x (weekly sessions)^usage.
    pub fn score(&self, risk: f64, sessions_7d: f64) -> f64 {
        (risk * sessions_7d.max(0.0).powf(self.usage.clamp(0.0, 1.0))).max(0.0)
    }

    /// What an impact is under these weights, in words that stay true for any usage
    /// weight: sessions only at weight 1, the risk alone at 0, a score for ordering between.
    pub fn meaning(&self) -> String {
        let w = self.usage.clamp(0.0, 1.0);
        if w >= 0.999 {
            "the sessions a degradation would reach: risk x weekly sessions".to_string()
        } else if w <= 0.001 {
            "the risk alone (usage weight 0)".to_string()
        } else {
            format!("a score for ordering only, risk x weekly sessions to the power {w:.2}: not a number of sessions")
        }
    }

    /// An impact as shown, with its unit: "41k sessions" at usage weight 1, the risk in %
    /// at 0, and a bare score between (see [`ImpactWeights::meaning`]).
    pub fn show(&self, impact: f64) -> String {
        let w = self.usage.clamp(0.0, 1.0);
        if w >= 0.999 {
            format!("{} sessions", crate::insights::human_count(impact))
        } else if w <= 0.001 {
            format!("{:.0}%", impact * 100.0)
        } else {
            format!("{} (score)", crate::insights::human_count(impact))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_sets_the_share_flagged_whatever_the_base_rate() {
        let t = TierThresholds::default();
        for base in [0.001, 0.01, 0.1] {
            // 1,000 feature-days whose risks spread around the base rate.
            let risks: Vec<f64> = (0..1000)
                .map(|i| base * (0.2 + 3.0 * (i as f64 / 1000.0).powi(3)))
                .collect();
            let cut = t.cutoffs(&mut risks.clone());
            let investigate = risks
                .iter()
                .filter(|r| cut.tier(**r) == Tier::Investigate)
                .count();
            let watch = risks
                .iter()
                .filter(|r| cut.tier(**r) != Tier::Monitor)
                .count();
            assert_eq!(investigate, 15, "base rate {base}");
            assert_eq!(watch, 50, "base rate {base}");
        }
    }

    #[test]
    fn a_budget_window_gives_the_whole_window_s_cut_offs_up_to_the_page_s_budgets() {
        // Windows with many ties, with nothing above twice the mean, and empty.
        let spread: Vec<f64> = (0..2900)
            .map(|i| 0.002 * (1.0 + ((i * 7919) % 1000) as f64 / 50.0).powi(2))
            .collect();
        let ties: Vec<f64> = (0..613).map(|i| [0.01, 0.05, 0.2][i % 3]).collect();
        let flat = vec![0.03; 300];
        for risks in [spread, ties, flat, Vec::new()] {
            let window = BudgetWindow::of(&mut risks.clone());
            assert!(window.top.len() <= window.most);
            for investigate in (1..=40).map(|i| i as f64 / 2.0) {
                for watch in [investigate, 5.0f64.max(investigate), 20.0] {
                    let tiers = TierThresholds { investigate, watch };
                    assert_eq!(
                        window.cutoffs(&tiers),
                        Some(tiers.cutoffs(&mut risks.clone())),
                        "{tiers:?} on {} risks",
                        risks.len()
                    );
                }
            }
            let past = TierThresholds {
                investigate: 1.0,
                watch: 40.0,
            };
            let needed = (0.4 * risks.len() as f64).floor() as usize;
            assert_eq!(window.cutoffs(&past).is_none(), needed > window.most);
        }
    }

    #[test]
    fn when_nothing_stands_out_nothing_is_flagged() {
        let t = TierThresholds::default();
        let mut flat = vec![0.01; 500];
        let cut = t.cutoffs(&mut flat);
        assert_eq!(cut.tier(0.01), Tier::Monitor);
        assert!(TierThresholds {
            investigate: 6.0,
            watch: 5.0
        }
        .validate()
        .is_err());
        assert!(TierThresholds {
            investigate: f64::NAN,
            watch: 5.0
        }
        .validate()
        .is_err());
        assert!(t.validate().is_ok());
    }

    #[test]
    fn impact_is_risk_times_weekly_sessions_by_default() {
        let w = ImpactWeights::default();
        assert_eq!(w.score(0.5, 10_000.0), 5_000.0);
        assert_eq!(w.score(0.0, 10_000.0), 0.0);
        let risk_only = ImpactWeights { usage: 0.0 };
        assert_eq!(risk_only.score(0.5, 10_000.0), 0.5);
    }
}
