//! Intervals and two-sample tests for the cohort, release and drift analyses: a difference
//! of two proportions from counts (Newcombe's hybrid score interval, from Wilson's), a
//! mean difference from paired or independent daily values (Student's t, Welch's), and the
//! two-sample Kolmogorov-Smirnov test and the population stability index for drift.
//! The normal distribution and Student's t quantiles come from [`super::distributions`].

use super::distributions::{normal_cdf, t_upper_quantile};

/// The normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A difference (second minus first) with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Difference {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Difference {
    /// Whether the interval leaves out zero.
    pub fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// Wilson's 95% score interval for a proportion of `events` in `trials` (trials > 0).
pub fn wilson(events: f64, trials: f64) -> (f64, f64) {
    let p = events / trials;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * trials)) / (1.0 + z2 / trials);
    let half =
        Z95 * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt() / (1.0 + z2 / trials);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The difference of two proportions, `events_b / trials_b - events_a / trials_a`, with
/// Newcombe's hybrid score interval (his method 10), which keeps its coverage for rare
/// events and small counts where the Wald interval does not. None without trials.
pub fn proportion_difference(
    events_a: f64,
    trials_a: f64,
    events_b: f64,
    trials_b: f64,
) -> Option<Difference> {
    if !(trials_a > 0.0 && trials_b > 0.0) {
        return None;
    }
    let (pa, pb) = (events_a / trials_a, events_b / trials_b);
    let (la, ua) = wilson(events_a, trials_a);
    let (lb, ub) = wilson(events_b, trials_b);
    let estimate = pb - pa;
    Some(Difference {
        estimate,
        low: estimate - ((pb - lb).powi(2) + (ua - pa).powi(2)).sqrt(),
        high: estimate + ((ub - pb).powi(2) + (pa - la).powi(2)).sqrt(),
    })
}

/// Student's t quantile for a two-sided interval of error rate `alpha`.
fn t_quantile(df: f64, alpha: f64) -> f64 {
    t_upper_quantile(df, alpha / 2.0)
}

fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, variance)
}

/// The mean of paired differences (`b - a` day by day) with Student's t interval; None
/// below 3 pairs.
pub fn paired_difference(pairs: &[(f64, f64)]) -> Option<Difference> {
    if pairs.len() < 3 {
        return None;
    }
    let differences: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let (mean, variance) = mean_and_variance(&differences);
    let half = t_quantile(differences.len() as f64 - 1.0, 0.05)
        * (variance / differences.len() as f64).sqrt();
    Some(Difference {
        estimate: mean,
        low: mean - half,
        high: mean + half,
    })
}

/// The difference of two means (`b - a`) from independent samples, with Welch's 95%
/// interval; None below 3 values on either side.
pub fn welch_difference(a: &[f64], b: &[f64]) -> Option<Difference> {
    welch_difference_at(a, b, 0.05)
}

/// [`welch_difference`] with an interval of error rate `alpha` (for example 0.05 / k when
/// k comparisons are made at once, Bonferroni's correction).
pub fn welch_difference_at(a: &[f64], b: &[f64], alpha: f64) -> Option<Difference> {
    if a.len() < 3 || b.len() < 3 {
        return None;
    }
    let (ma, va) = mean_and_variance(a);
    let (mb, vb) = mean_and_variance(b);
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let se2 = sa + sb;
    let estimate = mb - ma;
    if se2 <= 0.0 {
        return Some(Difference {
            estimate,
            low: estimate,
            high: estimate,
        });
    }
    let df = se2 * se2
        / (sa * sa / (a.len() as f64 - 1.0) + sb * sb / (b.len() as f64 - 1.0))
            .max(f64::MIN_POSITIVE);
    let half = t_quantile(df, alpha) * se2.sqrt();
    Some(Difference {
        estimate,
        low: estimate - half,
        high: estimate + half,
    })
}

/// The two-sided p-value of the Mann-Whitney U test (Wilcoxon's rank-sum) that `a` and
/// `b` come from the same distribution, by the normal approximation with the correction
/// for ties; the test Kayenta-style canary judges use, robust to a few extreme days. None
/// below 3 values on either side.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() < 3 || b.len() < 3 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|v| (*v, true))
        .chain(b.iter().map(|v| (*v, false)))
        .collect();
    crate::sorting::sort_by(&mut all, |x, y| x.0.total_cmp(&y.0));
    let n = all.len() as f64;
    let (mut rank_sum_a, mut ties) = (0.0, 0.0);
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        let count = (j - i + 1) as f64;
        ties += count * count * count - count;
        rank_sum_a += rank * all[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let u = rank_sum_a - na * (na + 1.0) / 2.0;
    let mean = na * nb / 2.0;
    let variance = na * nb / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if variance <= 0.0 {
        return Some(1.0);
    }
    let z = ((u - mean).abs() - 0.5).max(0.0) / variance.sqrt();
    // The upper tail as the lower one, which keeps its digits where 1 - cdf would not.
    Some(2.0 * normal_cdf(-z))
}

/// The two-sample Kolmogorov-Smirnov statistic D (the largest gap between the two
/// empirical distribution functions) and its asymptotic p-value, with the small-sample
/// correction of Stephens (1970): `Q((sqrt(n) + 0.12 + 0.11 / sqrt(n)) D)`, n the
/// effective size `n_a n_b / (n_a + n_b)`. None when either sample is empty.
pub fn kolmogorov_smirnov(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    let n = na * nb / (na + nb);
    let lambda = (n.sqrt() + 0.12 + 0.11 / n.sqrt()) * d;
    Some((d, kolmogorov_q(lambda)))
}

/// The Kolmogorov distribution's tail, `2 sum (-1)^(k-1) exp(-2 k^2 x^2)`.
fn kolmogorov_q(x: f64) -> f64 {
    if x < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * x * x).exp();
        sum += sign * term;
        if term < 1e-12 {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// The population stability index of `recent` against `reference`: the reference's
/// deciles as bins (equal edges merged), each bin's share in both, a share of zero
/// counted as half a value (bins empty on both sides left out), and
/// `sum (r - q) ln(r / q)`. None when either is empty.
pub fn population_stability(reference: &[f64], recent: &[f64]) -> Option<f64> {
    if reference.is_empty() || recent.is_empty() {
        return None;
    }
    let mut sorted = reference.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut edges: Vec<f64> = (1..10)
        .map(|k| sorted[(k * sorted.len() / 10).min(sorted.len() - 1)])
        .collect();
    edges.dedup();
    let counts = |values: &[f64]| -> Vec<f64> {
        let mut counts = vec![0.0f64; edges.len() + 1];
        for v in values {
            counts[edges.partition_point(|e| e < v)] += 1.0;
        }
        counts
    };
    let (q, r) = (counts(reference), counts(recent));
    let (nq, nr) = (reference.len() as f64, recent.len() as f64);
    Some(
        q.iter()
            .zip(&r)
            // A bin empty on both sides says nothing.
            .filter(|(q, r)| **q > 0.0 || **r > 0.0)
            .map(|(q, r)| {
                let (q, r) = (q.max(0.5) / nq, r.max(0.5) / nr);
                (r - q) * (r / q).ln()
            })
            .sum(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_published_value() {
        // Newcombe (1998), table II: 81/263 gives 0.2553 to 0.3662.
        let (l, u) = wilson(81.0, 263.0);
        assert!(
            (l - 0.2553).abs() < 5e-4 && (u - 0.3662).abs() < 5e-4,
            "{l} {u}"
        );
    }

    #[test]
    fn newcombe_matches_a_published_value() {
        // Newcombe (1998), table II example (a): 56/70 and 48/80, difference 0.2 with
        // method 10 interval 0.0524 to 0.3339 (first minus second).
        let d = proportion_difference(48.0, 80.0, 56.0, 70.0).unwrap();
        assert!((d.estimate - 0.2).abs() < 1e-12);
        assert!(
            (d.low - 0.0524).abs() < 5e-4 && (d.high - 0.3339).abs() < 5e-4,
            "{d:?}"
        );
    }

    #[test]
    fn paired_interval_is_the_t_interval() {
        let pairs = [(10.0, 11.0), (10.0, 13.0), (10.0, 12.0), (10.0, 12.0)];
        let d = paired_difference(&pairs).unwrap();
        // mean 2, sd 0.8165, se 0.4082, t(3) 3.1824.
        assert!((d.estimate - 2.0).abs() < 1e-12);
        assert!((d.high - (2.0 + 3.1824 * 0.408_248)).abs() < 1e-3, "{d:?}");
    }

    #[test]
    fn identical_samples_do_not_differ() {
        let a: Vec<f64> = (0..40).map(|i| (i as f64 * 0.37).sin()).collect();
        let (d, p) = kolmogorov_smirnov(&a, &a).unwrap();
        assert_eq!(d, 0.0);
        assert_eq!(p, 1.0);
        assert!(population_stability(&a, &a).unwrap().abs() < 1e-12);
    }

    #[test]
    fn shifted_samples_differ() {
        let a: Vec<f64> = (0..56).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = a.iter().take(14).map(|v| v + 3.0).collect();
        let (d, p) = kolmogorov_smirnov(&a, &b).unwrap();
        assert_eq!(d, 1.0);
        assert!(p < 1e-4, "{p}");
        assert!(population_stability(&a, &b).unwrap() > 0.25);
    }

    #[test]
    fn mann_whitney_matches_a_worked_example() {
        // Two samples with no overlap: U = 0, z = (18 - 0.5) / 6.245, p about 0.005.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0];
        let p = mann_whitney(&a, &b).unwrap();
        assert!((p - 0.00507).abs() < 2e-4, "{p}");
        assert!(mann_whitney(&a, &a).unwrap() > 0.9);
    }

    #[test]
    fn ks_p_value_matches_the_asymptotic_table() {
        // Q(1.36) is about 0.049, the 5% point of the Kolmogorov distribution.
        assert!((kolmogorov_q(1.358) - 0.05).abs() < 1e-3);
    }
}
