//! Seeded single-metric series with labelled anomalies, for measuring `detect`.
//!
//! These are deliberately unlike the telemetry generator: different sampling steps
//! (a minute to a day), shapes (daily and weekly cycles, trends, random walks, counts,
//! mostly flat queues) and noise (normal, autocorrelated, heavy-tailed, Poisson), with the
//! kinds of anomaly that server, network, traffic and business metrics show: spikes,
//! level shifts, outages, surges, a stuck sensor, a ramp. Each anomaly comes with its
//! window, where a detector that alarms counts as right: the anomaly itself (its end is a
//! change too) and 2% of the series after it.

use crate::telemetry::SeriesPoint;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};

/// One labelled series.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSeries {
    pub name: String,
    /// Seconds since 1970 (the series starts 2026-01-05, a Monday).
    pub times: Vec<i64>,
    pub values: Vec<f64>,
    /// Anomaly windows, as index ranges `[start, end)`.
    pub windows: Vec<(usize, usize)>,
}

impl LabelledSeries {
    /// The series as `detect` reads it: NAB timestamps, values written with 3 decimals
    /// (and scored as written, so a download scores the same on the command line).
    pub fn points(&self) -> Vec<SeriesPoint> {
        self.times
            .iter()
            .zip(&self.values)
            .map(|(t, v)| {
                let timestamp = chrono::DateTime::from_timestamp(*t, 0)
                    .map(|d| d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default();
                let value_text = format!("{v:.3}");
                SeriesPoint {
                    timestamp,
                    value: value_text.parse().ok(),
                    value_text,
                }
            })
            .collect()
    }
}

/// The kinds of series generated, one of each per seed.
pub const SERIES_KINDS: [&str; 6] = [
    "cpu-5min",
    "traffic-hourly",
    "revenue-daily",
    "latency-1min",
    "queue-5min",
    "temperature-5min",
];

const START: i64 = 1_767_571_200; // 2026-01-05T00:00:00Z

/// Generates the series of `kind` for `seed`; None for an unknown kind.
pub fn labelled_series(kind: &str, seed: u64) -> Option<LabelledSeries> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(7919) ^ kind.len() as u64);
    let normal = Normal::new(0.0, 1.0).expect("valid");
    let (step, n) = match kind {
        "cpu-5min" | "queue-5min" | "temperature-5min" => (300, 4032),
        "traffic-hourly" => (3600, 1680),
        "revenue-daily" => (86_400, 730),
        "latency-1min" => (60, 6000),
        _ => return None,
    };
    let per_day = 86_400 / step;
    let hour_of = |i: usize| (i % per_day) as f64 * 24.0 / per_day as f64;
    let weekend = |i: usize| (i / per_day) % 7 >= 5;
    let mut values = vec![0.0; n];
    let mut windows = Vec::new();
    // Anomalies go after the first 20% (a detector's learning period) and apart.
    let place = |rng: &mut ChaCha8Rng, k: usize, count: usize| {
        let first = n / 5;
        let slot = (n - first) / count;
        first + k * slot + rng.gen_range(slot / 5..slot * 3 / 5)
    };
    let window_len = (n / 50).max(3);
    match kind {
        "cpu-5min" => {
            let mut ar = 0.0;
            for (i, v) in values.iter_mut().enumerate() {
                ar = 0.7 * ar + 0.3 * normal.sample(&mut rng);
                let busy = if weekend(i) { 0.5 } else { 1.0 };
                let shape = (-((hour_of(i) - 14.0) / 4.0).powi(2)).exp();
                *v = 20.0 + 40.0 * busy * shape + 3.0 * ar;
            }
            let spike = place(&mut rng, 0, 3);
            values[spike] += 45.0;
            windows.push((spike, spike + 1 + window_len));
            let shift = place(&mut rng, 1, 3);
            for v in &mut values[shift..shift + per_day] {
                *v += 15.0;
            }
            // The shift lasts a day: its end is as much a change as its start.
            windows.push((shift, shift + per_day + window_len));
            let stuck = place(&mut rng, 2, 3);
            let held = values[stuck - 1];
            for v in &mut values[stuck..stuck + 36] {
                *v = held;
            }
            windows.push((stuck, stuck + 36 + window_len));
        }
        "traffic-hourly" => {
            for (i, v) in values.iter_mut().enumerate() {
                let busy = if weekend(i) { 0.6 } else { 1.0 };
                let shape = 1.0 + 0.7 * ((hour_of(i) - 8.0) / 24.0 * std::f64::consts::TAU).sin();
                let mean = 400.0 * busy * shape;
                *v = Poisson::new(mean).expect("positive").sample(&mut rng);
            }
            let outage = place(&mut rng, 0, 2);
            for v in &mut values[outage..outage + 4] {
                *v *= 0.2;
            }
            windows.push((outage, outage + 4 + window_len));
            let surge = place(&mut rng, 1, 2);
            for v in &mut values[surge..surge + 3] {
                *v *= 2.2;
            }
            windows.push((surge, surge + 3 + window_len));
        }
        "revenue-daily" => {
            for (i, v) in values.iter_mut().enumerate() {
                let weekly = [1.0, 1.02, 1.04, 1.03, 1.1, 0.7, 0.6][i % 7];
                let trend = 1.0 + 0.4 * i as f64 / n as f64;
                *v = 10_000.0 * weekly * trend * (1.0 + 0.04 * normal.sample(&mut rng));
            }
            let drop = place(&mut rng, 0, 2);
            for v in &mut values[drop..drop + 3] {
                *v *= 0.7;
            }
            windows.push((drop, drop + 3 + window_len));
            let spike = place(&mut rng, 1, 2);
            values[spike] *= 1.5;
            windows.push((spike, spike + 1 + window_len));
        }
        "latency-1min" => {
            let mut level: f64 = 0.0;
            for v in values.iter_mut() {
                level = 0.999 * level + 0.01 * normal.sample(&mut rng);
                // Log-normal noise with occasional ordinary slow requests.
                let slow = if rng.gen_bool(0.02) { 0.8 } else { 0.0 };
                *v = 120.0 * (level + 0.15 * normal.sample(&mut rng) + slow).exp();
            }
            let regression = place(&mut rng, 0, 2);
            for v in &mut values[regression..regression + 120] {
                *v *= 1.6;
            }
            windows.push((regression, regression + 120 + window_len));
            let ramp = place(&mut rng, 1, 2);
            for (k, v) in values[ramp..ramp + 90].iter_mut().enumerate() {
                *v *= 1.0 + 1.5 * k as f64 / 90.0;
            }
            windows.push((ramp, ramp + 90 + window_len));
        }
        "queue-5min" => {
            let calm = Poisson::new(0.3).expect("positive");
            for v in values.iter_mut() {
                *v = 2.0 + calm.sample(&mut rng);
            }
            let burst = place(&mut rng, 0, 2);
            for v in &mut values[burst..burst + 5] {
                *v = 20.0 + rng.gen_range(0.0..5.0f64).round();
            }
            windows.push((burst, burst + 5 + window_len));
            let backlog = place(&mut rng, 1, 2);
            for (k, v) in values[backlog..backlog + 24].iter_mut().enumerate() {
                *v += (k as f64 / 3.0).round();
            }
            windows.push((backlog, backlog + 24 + window_len));
        }
        "temperature-5min" => {
            let mut walk = 0.0;
            for (i, v) in values.iter_mut().enumerate() {
                walk = 0.995 * walk + 0.05 * normal.sample(&mut rng);
                let daily = 1.5 * ((hour_of(i) - 9.0) / 24.0 * std::f64::consts::TAU).sin();
                *v = 70.0 + daily + walk + 0.1 * normal.sample(&mut rng);
            }
            let failure = place(&mut rng, 0, 2);
            for (k, v) in values[failure..failure + 48].iter_mut().enumerate() {
                *v -= 6.0 * (1.0 - (-(k as f64) / 6.0).exp());
            }
            windows.push((failure, failure + 48 + window_len));
            let glitch = place(&mut rng, 1, 2);
            values[glitch] += 5.0;
            windows.push((glitch, glitch + 1 + window_len));
        }
        _ => unreachable!("kinds matched above"),
    }
    for w in &mut windows {
        w.1 = w.1.min(n);
    }
    Some(LabelledSeries {
        name: format!("{kind}-{seed}"),
        times: (0..n as i64).map(|i| START + i * step as i64).collect(),
        values,
        windows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_seeded_and_labelled_after_the_learning_period() {
        for kind in SERIES_KINDS {
            let a = labelled_series(kind, 7).unwrap();
            assert_eq!(a, labelled_series(kind, 7).unwrap());
            assert_ne!(a.values, labelled_series(kind, 8).unwrap().values);
            assert_eq!(a.times.len(), a.values.len());
            assert!(a.values.iter().all(|v| v.is_finite()));
            assert!(a.windows.len() >= 2);
            for (s, e) in &a.windows {
                assert!(*s >= a.values.len() / 5 && s < e && *e <= a.values.len());
            }
        }
        assert!(labelled_series("nope", 1).is_none());
        let series = labelled_series("traffic-hourly", 3).unwrap();
        let points = series.points();
        assert_eq!(points.len(), series.values.len());
        assert_eq!(points[1].timestamp, "2026-01-05 01:00:00");
        assert_eq!(points[1].value, Some(points[1].value_text.parse().unwrap()));
    }
}
