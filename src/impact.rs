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

/// Risk thresholds of the tiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TierThresholds {
    /// Risk at or above which a feature is in the investigate tier.
    pub investigate: f64,
    /// Risk at or above which a feature is at least in the watch tier.
    pub watch: f64,
}

impl Default for TierThresholds {
    fn default() -> Self {
        TierThresholds {
            investigate: 0.40,
            watch: 0.15,
        }
    }
}

impl TierThresholds {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_the_thresholds_inclusively() {
        let t = TierThresholds::default();
        assert_eq!(t.tier(0.40), Tier::Investigate);
        assert_eq!(t.tier(0.399), Tier::Watch);
        assert_eq!(t.tier(0.15), Tier::Watch);
        assert_eq!(t.tier(0.149), Tier::Monitor);
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
