//! The two distribution functions the intervals and tests need: the standard normal CDF
//! and Student's t quantile for any real degrees of freedom (Welch's are fractional).
//! Written here rather than taken from a statistics crate, whose general machinery cost
//! the engine's wasm more than these two functions do. `erfc` and `lgamma` come from
//! `libm` (FreeBSD's, accurate to about an ulp).

/// The standard normal distribution function, `P(Z <= z)`.
pub fn normal_cdf(z: f64) -> f64 {
    // erfc keeps its relative accuracy far into the lower tail, where 1 - erf would not.
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Student's t quantile of an upper tail: the `t` with `P(T > t) = tail` for `df` degrees
/// of freedom (`df > 0`, any real; `0 < tail <= 0.5`). NaN outside those ranges.
///
/// Newton's method on `ln P(T > t)` against `ln t`, where the tail is nearly straight for
/// few degrees of freedom and concave for many, so a handful of steps reach full
/// precision; every step keeps a bracket of the root and bisects when Newton's would
/// leave it.
pub fn t_upper_quantile(df: f64, tail: f64) -> f64 {
    if !(df > 0.0 && df.is_finite() && tail > 0.0 && tail <= 0.5) {
        return f64::NAN;
    }
    if tail == 0.5 {
        return 0.0;
    }
    let ln_target = tail.ln();
    let ln_beta_half = ln_beta(df / 2.0, 0.5);
    // Bracket of ln t: the tail falls as ln t grows.
    let (mut low, mut high) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut u = 2.0f64.ln();
    for _ in 0..200 {
        let t = u.exp();
        let upper = t_upper_tail(df, t, ln_beta_half);
        let gap = upper.ln() - ln_target;
        if gap == 0.0 {
            return t;
        }
        if gap > 0.0 {
            low = u;
        } else {
            high = u;
        }
        // d ln P(T > t) / d ln t = -t f(t) / P(T > t).
        let slope = -t * t_density(df, t, ln_beta_half) / upper;
        let mut next = u - gap / slope;
        if !(next > low && next < high) {
            next = match (low.is_finite(), high.is_finite()) {
                (true, true) => 0.5 * (low + high),
                (true, false) => low + 1.0,
                _ => high - 1.0,
            };
        }
        // A step in ln t is a relative step in t; Newton's next one would be its square.
        if (next - u).abs() < 1e-10 {
            return next.exp();
        }
        u = next;
    }
    u.exp()
}

/// `P(T > t)` for `t >= 0`: half the regularized incomplete beta `I_x(df/2, 1/2)` at
/// `x = df / (df + t^2)`, with `1 - x` computed apart so that neither loses digits.
fn t_upper_tail(df: f64, t: f64, ln_beta_half: f64) -> f64 {
    let t2 = t * t;
    let (x, y) = (df / (df + t2), t2 / (df + t2));
    0.5 * incomplete_beta(df / 2.0, 0.5, x, y, ln_beta_half)
}

/// Student's t density at `t`.
fn t_density(df: f64, t: f64, ln_beta_half: f64) -> f64 {
    (-(df + 1.0) / 2.0 * (t * t / df).ln_1p() - 0.5 * df.ln() - ln_beta_half).exp()
}

/// `ln B(a, b)`.
fn ln_beta(a: f64, b: f64) -> f64 {
    libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
}

/// The regularized incomplete beta function `I_x(a, b)`, with `y = 1 - x` given by the
/// caller and `ln_beta_ab = ln B(a, b)`. The continued fraction converges quickly below
/// `x = (a + 1) / (a + b + 2)`; above it, `I_x(a, b) = 1 - I_y(b, a)`.
fn incomplete_beta(a: f64, b: f64, x: f64, y: f64, ln_beta_ab: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // ln x and ln y each from the smaller of the two, which is exact.
    let (ln_x, ln_y) = if x < 0.5 {
        (x.ln(), (-x).ln_1p())
    } else {
        ((-y).ln_1p(), y.ln())
    };
    let front = (a * ln_x + b * ln_y - ln_beta_ab).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, y) / b
    }
}

/// The continued fraction of `I_x(a, b)` (Abramowitz and Stegun 26.5.8), evaluated by the
/// modified Lentz method.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    // Keeps a denominator that happens to be zero from dividing by zero.
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0));
    let mut fraction = d;
    for m in 1..10_000 {
        let m = m as f64;
        // The even term d_2m, then the odd term d_2m+1.
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / nonzero(1.0 + even * d);
        c = nonzero(1.0 + even / c);
        fraction *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / nonzero(1.0 + odd * d);
        c = nonzero(1.0 + odd / c);
        let step = d * c;
        fraction *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, relative: f64) -> bool {
        (got - want).abs() <= relative * want.abs()
    }

    #[test]
    fn normal_cdf_matches_published_values() {
        // Abramowitz and Stegun, table 26.1 (digits past the table's from mpmath at 40).
        for (z, want) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (1.96, 0.975_002_104_851_779_6),
            (3.0, 0.998_650_101_968_369_9),
            (-3.0, 0.001_349_898_031_630_094_5),
            (6.0, 0.999_999_999_013_412_4),
            (-6.0, 9.865_876_450_376_98e-10),
        ] {
            let got = normal_cdf(z);
            assert!(close(got, want, 1e-12), "z {z}: {got} against {want}");
        }
    }

    #[test]
    fn t_quantiles_match_published_values() {
        // The two-sided 95% points (0.975 quantiles) of the usual tables (12.706, 4.303,
        // 3.182, 2.571, 2.228, 2.042, 1.980), to 16 digits from mpmath's regularized
        // incomplete beta at 40 digits.
        for (df, want) in [
            (1.0, 12.706_204_736_174_705),
            (2.0, 4.302_652_729_749_464),
            (3.0, 3.182_446_305_283_71),
            (5.0, 2.570_581_835_636_315_5),
            (10.0, 2.228_138_851_986_275),
            (30.0, 2.042_272_456_301_238),
            (120.0, 1.979_930_405_082_441),
        ] {
            let got = t_upper_quantile(df, 0.025);
            assert!(close(got, want, 1e-12), "df {df}: {got} against {want}");
        }
    }

    #[test]
    fn t_quantiles_have_closed_forms_for_one_and_two_degrees() {
        // df 1 is Cauchy's, tan(pi (1/2 - tail)); df 2 has t = (1 - 2p) / sqrt(2p (1 - p)).
        for tail in [0.25, 0.1, 0.025, 1e-3, 5e-7] {
            let cauchy = (std::f64::consts::PI * (0.5 - tail)).tan();
            let got = t_upper_quantile(1.0, tail);
            assert!(
                close(got, cauchy, 1e-10),
                "tail {tail}: {got} against {cauchy}"
            );
            let two = (1.0 - 2.0 * tail) / (2.0 * tail * (1.0 - tail)).sqrt();
            let got = t_upper_quantile(2.0, tail);
            assert!(close(got, two, 1e-10), "tail {tail}: {got} against {two}");
        }
    }

    #[test]
    fn t_quantiles_at_fractional_degrees_and_small_error_rates() {
        // Welch's degrees of freedom are fractional; a Bonferroni-corrected alpha can be
        // small. Reference values from mpmath (its regularized incomplete beta, 40 digits).
        for (df, tail, want) in [
            (2.5, 0.025, 3.574_654_842_003_683),
            (7.3, 0.025, 2.345_066_736_547_704),
            (17.8, 0.005, 2.882_202_182_724_359_7),
            (1.5, 5e-7, 8_285.391_195_025_038),
            (60.0, 5e-7, 5.448_947_832_286_069),
            (5.0, 0.25, 0.726_686_843_800_422_7),
        ] {
            let got = t_upper_quantile(df, tail);
            assert!(
                close(got, want, 1e-10),
                "df {df}, tail {tail}: {got} against {want}"
            );
        }
    }

    #[test]
    fn t_quantiles_approach_the_normal_one() {
        let z = 1.959_963_984_540_054;
        let got = t_upper_quantile(1e7, 0.025);
        // mpmath: 1.9599642217672055.
        assert!(close(got, 1.959_964_221_767_205_5, 1e-9), "{got}");
        assert!(got > z);
        // The quantile falls with the degrees of freedom.
        let mut last = f64::INFINITY;
        for df in [1.0, 1.3, 2.0, 3.7, 9.0, 40.0, 500.0, 1e4] {
            let t = t_upper_quantile(df, 0.025);
            assert!(t < last && t > z, "df {df}: {t}");
            last = t;
        }
    }

    #[test]
    fn t_quantile_refuses_what_it_cannot_answer() {
        assert!(t_upper_quantile(0.0, 0.025).is_nan());
        assert!(t_upper_quantile(f64::NAN, 0.025).is_nan());
        assert!(t_upper_quantile(5.0, 0.0).is_nan());
        assert!(t_upper_quantile(5.0, 0.7).is_nan());
        assert_eq!(t_upper_quantile(5.0, 0.5), 0.0);
    }
}
