//! A named family of portfolios for measuring the risk model on data it was not designed
//! on. Every member is realistic in the same ways (Zipf usage, weekly seasonality,
//! heavy-tailed latency noise, binomial crash and error counts, a quarter of incidents
//! sudden, decoys: deploys that move a level once, load spikes, campaigns, blips, slow
//! drifts) and each stresses one thing more, its *archetype*:
//!
//! | archetype | what it stresses |
//! |---|---|
//! | `frequent` | incidents about as often as the default generator (about 2.3 per feature-year) |
//! | `third` | a third of that rate |
//! | `rare` | 20 to 60 incidents a year over 150 to 300 features |
//! | `cohorts` | per-platform rows (android, ios, web); half the degradations hit one platform only, diluted in the feature's total |
//! | `small` | many small features (tens to a few thousand sessions a day): noisy binomial counts |
//! | `subtle` | weaker and slower build-ups, and more decoys |
//!
//! Sizes (60 to 300 features), lengths (90 to 365 days), start dates, noise, decoy rates
//! and precursor strengths are drawn from ranges by each member's seed, so no two members
//! are alike. The seeds come in three disjoint sets ([`Split`]): **Fit** members to fit a
//! shipped default on, **Tune** members to choose settings on, and **Report** members,
//! only for the printed benchmark.

use super::{PortfolioParams, SynthParams, Usage};
use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Which use a member is for. The three sets of seeds are disjoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// To fit a shipped default model on.
    Fit,
    /// To choose settings on.
    Tune,
    /// Only for the printed benchmark table.
    Report,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Fit => "fit",
            Split::Tune => "tune",
            Split::Report => "report",
        }
    }

    /// The first seed of the split; member `k` of archetype `a` has seed
    /// `base + 1000 * a + k`.
    fn base_seed(self) -> u64 {
        match self {
            Split::Fit => 710_000,
            Split::Tune => 720_000,
            Split::Report => 730_000,
        }
    }

    /// Members per archetype.
    fn per_archetype(self) -> usize {
        match self {
            Split::Fit => 3,
            Split::Tune => 1,
            Split::Report => 2,
        }
    }
}

/// The archetypes, in member order.
pub const ARCHETYPES: [&str; 6] = ["frequent", "third", "rare", "cohorts", "small", "subtle"];

/// One member of the family.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// For example `report-rare-1`.
    pub name: String,
    pub split: Split,
    pub archetype: &'static str,
    pub params: SynthParams,
}

/// Degradations per feature-year of the default generator (1.15 per feature in 180 days).
pub const DEFAULT_RATE_PER_FEATURE_YEAR: f64 = 1.15 * 365.0 / 180.0;

/// The members of one split, archetype by archetype.
pub fn members(split: Split) -> Vec<Member> {
    let mut out = Vec::new();
    for (a, archetype) in ARCHETYPES.iter().enumerate() {
        for k in 0..split.per_archetype() {
            let seed = split.base_seed() + 1000 * a as u64 + k as u64;
            out.push(Member {
                name: format!("{}-{archetype}-{}", split.as_str(), k + 1),
                split,
                archetype,
                params: member_params(archetype, seed),
            });
        }
    }
    out
}

/// The parameters of a member of `archetype`, drawn from its ranges by `seed` (also the
/// generator's seed).
pub fn member_params(archetype: &str, seed: u64) -> SynthParams {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x00fa_3117_0000_0000);
    let small = archetype == "small";
    let rare = archetype == "rare";
    let features: usize = if rare || small {
        rng.gen_range(150..=300)
    } else {
        rng.gen_range(60..=240)
    };
    let days: usize = match archetype {
        "rare" => rng.gen_range(270..=365),
        "frequent" => rng.gen_range(90..=240),
        _ => rng.gen_range(120..=365),
    };
    let start =
        NaiveDate::from_ymd_opt(2025, 1, 6).expect("valid date") + Days::new(rng.gen_range(0..365));
    // Degradations per feature over the run.
    let per_feature_year = match archetype {
        "frequent" => DEFAULT_RATE_PER_FEATURE_YEAR * rng.gen_range(0.8..1.1),
        "third" => DEFAULT_RATE_PER_FEATURE_YEAR / 3.0 * rng.gen_range(0.85..1.15),
        "rare" => rng.gen_range(20.0..60.0) / features as f64,
        "cohorts" => DEFAULT_RATE_PER_FEATURE_YEAR * rng.gen_range(0.33..0.8),
        "small" => DEFAULT_RATE_PER_FEATURE_YEAR / 3.0 * rng.gen_range(0.7..1.3),
        _ => DEFAULT_RATE_PER_FEATURE_YEAR / 2.0 * rng.gen_range(0.7..1.3),
    };
    let per_feature = per_feature_year * days as f64 / 365.0;
    let sudden_share = 0.25;
    let subtle = archetype == "subtle";
    let usage = if small {
        Usage::Zipf {
            top: rng.gen_range(3_000.0..20_000.0),
            exponent: rng.gen_range(0.8..1.1),
        }
    } else {
        Usage::Zipf {
            top: rng.gen_range(2.0e5..2.0e6),
            exponent: rng.gen_range(0.9..1.3),
        }
    };
    let portfolio = PortfolioParams {
        usage,
        creeps_per_feature: per_feature * (1.0 - sudden_share),
        suddens_per_feature: per_feature * sudden_share,
        build_up_days: if subtle { (7, 22) } else { (4, 15) },
        precursor_strength: if subtle {
            rng.gen_range(0.3..0.6)
        } else {
            rng.gen_range(0.5..1.0)
        },
        noise_scale: rng.gen_range(1.0..1.6),
        noise_tail_df: Some(rng.gen_range(3.0..6.0)),
        count_noise: true,
        spikes_per_feature: rng.gen_range(0.8..1.6),
        shift_probability: if subtle {
            rng.gen_range(0.5..0.7)
        } else {
            rng.gen_range(0.3..0.5)
        },
        shift_size: (1.1, rng.gen_range(1.3..1.6)),
        drift_probability: rng.gen_range(0.2..0.4),
        campaigns_per_feature: if subtle {
            rng.gen_range(1.0..2.0)
        } else {
            rng.gen_range(0.4..1.2)
        },
        blips_per_feature: if subtle {
            rng.gen_range(1.5..3.0)
        } else {
            rng.gen_range(0.5..1.5)
        },
        cohorts: archetype == "cohorts",
        one_cohort_share: if archetype == "cohorts" { 0.5 } else { 0.0 },
    };
    SynthParams {
        seed,
        features,
        days,
        start,
        portfolio,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::generate;
    use crate::telemetry::{Dataset, Granularity};
    use std::collections::HashSet;

    #[test]
    fn the_splits_are_disjoint_and_their_parameters_differ() {
        let all: Vec<Member> = [Split::Fit, Split::Tune, Split::Report]
            .iter()
            .flat_map(|s| members(*s))
            .collect();
        let seeds: HashSet<u64> = all.iter().map(|m| m.params.seed).collect();
        assert_eq!(seeds.len(), all.len(), "a seed is shared between members");
        let names: HashSet<&str> = all.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names.len(), all.len());
        let fit = members(Split::Fit);
        for report in members(Split::Report) {
            assert!(fit.iter().all(|f| f.params != report.params));
            assert!((60..=300).contains(&report.params.features));
            assert!((90..=365).contains(&report.params.days));
        }
        assert_eq!(members(Split::Report), members(Split::Report));
    }

    #[test]
    fn a_one_cohort_degradation_shows_only_in_its_cohorts_rows() {
        let mut params = member_params("cohorts", 99);
        params.features = 60;
        params.days = 200;
        // Plain noise and no level shifts, so that one day's rows can be compared.
        params.portfolio.noise_tail_df = None;
        params.portfolio.noise_scale = 1.0;
        params.portfolio.shift_probability = 0.0;
        params.portfolio.usage = Usage::Zipf {
            top: 1.0e6,
            exponent: 0.3,
        };
        let data = generate(&params);
        let one_cohort = |e: &&crate::synth::Episode| e.kind.is_degradation() && e.cohort.is_some();
        assert!(data.episodes.iter().any(|e| one_cohort(&e)));
        assert!(data
            .episodes
            .iter()
            .any(|e| e.kind.is_degradation() && e.cohort.is_none()));
        // Every row is a platform cohort.
        assert!(data.telemetry.iter().all(|r| r
            .cohort
            .as_ref()
            .and_then(|c| c.platform.as_deref())
            .is_some()));
        let last = params.start + chrono::Days::new(params.days as u64 - 1);
        let suddens: Vec<_> = data
            .episodes
            .iter()
            .filter(one_cohort)
            .filter(|e| e.kind == crate::synth::EpisodeKind::Sudden)
            .filter(|e| e.incident.is_some_and(|d| d <= last))
            .collect();
        assert!(!suddens.is_empty(), "no one-cohort sudden failure");
        // On a sudden one-cohort failure's day, its platform's p95 jumps against that
        // platform's week before; the other platforms' do not move.
        for episode in suddens {
            let platform = episode.cohort.as_deref().unwrap();
            let day = episode.incident.unwrap();
            let ratio = |p: &str| -> f64 {
                let p95 = |d: chrono::NaiveDate| {
                    data.telemetry
                        .iter()
                        .find(|r| {
                            r.feature == episode.feature
                                && r.period_start.date() == d
                                && r.cohort.as_ref().and_then(|c| c.platform.as_deref()) == Some(p)
                        })
                        .map(|r| r.latency_p95_ms)
                };
                let mut before: Vec<f64> = (8..15)
                    .filter_map(|k| p95(day - chrono::Days::new(k)))
                    .collect();
                before.sort_by(f64::total_cmp);
                p95(day).unwrap() / before[before.len() / 2]
            };
            let hit = ratio(platform);
            assert!(hit > 1.6, "{platform} moved only x{hit:.2}");
            for other in crate::synth::PLATFORMS.iter().filter(|p| **p != platform) {
                let o = ratio(other);
                assert!(o < 1.3, "{other} moved x{o:.2} with {platform}'s failure");
            }
        }
        // The dataset combines the cohorts into one series per feature.
        let dataset = Dataset::from_records(&data.telemetry, Granularity::Days).unwrap();
        assert!(dataset.had_cohorts);
        assert_eq!(dataset.features.len(), 60);
    }
}
