//! The model card a sceptic accepts: baselines on the same feature-days, bootstrap
//! intervals, calibration counts and missed degradations, on hand-made data with known
//! answers and on generated data.

use super::small_params;
use feature_radar::analysis::labels::{Degradations, LabelSource};
use feature_radar::analysis::signals::monitor_ratio;
use feature_radar::benchmark::{dataset_of, measure, threshold_scores};
use feature_radar::model::bootstrap::{percentile_interval, Interval, MIN_POSITIVE_FEATURES};
use feature_radar::model::compare::{comparison_sentence, Comparison};
use feature_radar::model::threshold::monitor_scores;
use feature_radar::report::prepare;
use feature_radar::synth::generate;
use feature_radar::telemetry::{Dataset, FeatureSeries, Granularity};
use feature_radar::Config;

const DAYS: usize = 40;

/// A feature whose p95 latency is `level` every day but for `spikes` (day, value); no
/// other metric.
fn series(name: &str, level: f64, spikes: &[(usize, f64)]) -> FeatureSeries {
    let mut p95 = vec![Some(level); DAYS];
    for (day, value) in spikes {
        p95[*day] = Some(*value);
    }
    FeatureSeries {
        name: name.to_string(),
        sessions: vec![Some(1000.0); DAYS].into(),
        latency_p95_ms: p95.into(),
        latency_p50_ms: vec![None; DAYS].into(),
        crash_rate: vec![None; DAYS].into(),
        error_rate: vec![None; DAYS].into(),
        feedback_score: vec![None; DAYS].into(),
        feedback_count: vec![None; DAYS].into(),
    }
}

fn dataset(features: Vec<FeatureSeries>) -> Dataset {
    let n = features.len();
    Dataset {
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        days: DAYS,
        features,
        granularity: Granularity::Days,
        had_cohorts: false,
        cohorts: vec![Vec::new(); n],
        breakdown: vec![Vec::new(); n],
        hourly: Vec::new(),
    }
}

/// Degradations starting on `starts` (per feature), each active on its start day only,
/// known at once.
fn degradations(starts: Vec<Vec<usize>>) -> Degradations {
    let mut active = vec![vec![false; DAYS]; starts.len()];
    for (f, days) in starts.iter().enumerate() {
        for d in days {
            active[f][*d] = true;
        }
    }
    Degradations {
        source: LabelSource::Incidents,
        incidents_from: Some(0),
        known_after: 0,
        breaches: vec![Vec::new(); starts.len()],
        starts,
        active,
    }
}

/// Signals on days 30 to 33 only.
fn valid(features: usize) -> Vec<Vec<bool>> {
    vec![(0..DAYS).map(|t| (30..=33).contains(&t)).collect(); features]
}

#[test]
fn the_threshold_monitor_is_one_implementation_equal_to_the_signal_day_by_day() {
    let data = generate(&small_params(8));
    let dataset = dataset_of(&data);
    for s in &dataset.features {
        let one_pass = monitor_scores(s);
        for (t, score) in one_pass.iter().enumerate() {
            assert_eq!(*score, monitor_ratio(s, t), "{} day {t}", s.name);
        }
    }
}

#[test]
fn the_baselines_equal_a_hand_computation_on_a_tiny_case() {
    // Horizon 1. Evaluated rows (days 30-33, A's day 32 inside its degradation):
    // A: 30 ratio 2/3, 31 ratio 1.2 (alert; A degrades on 32: positive), 33 ratio 2/3;
    // B: 30, 31 ratio 2/3, 32 ratio 1.1 (alert, negative), 33 ratio 2/3 (B degrades on
    // 34: positive).
    let data = dataset(vec![
        series("a", 100.0, &[(31, 180.0), (32, 120.0)]),
        series("b", 200.0, &[(32, 330.0)]),
    ]);
    let labels = degradations(vec![vec![32], vec![34]]);
    let valid = valid(2);
    // A perfect model: 0.9 on the two positives, 0.1 elsewhere.
    let mut risks = vec![vec![0.1; DAYS]; 2];
    risks[0][31] = 0.9;
    risks[1][33] = 0.9;
    let c = Comparison::new(&data, &risks, &valid, &labels, 1);
    assert_eq!(c.rows, 7);
    assert_eq!((c.clusters, c.positive_clusters), (2, 2));
    let t = c.threshold.as_ref().unwrap();
    // Positives 1.2 and 2/3; negatives 2/3 x4 and 1.1: (5 + 4 x 0.5) / 10.
    assert!((t.roc_auc.unwrap() - 0.7).abs() < 1e-12, "{:?}", t.roc_auc);
    // Ranked: 1.2 (hit, 1/1), 1.1, then the ties in row order, B's day 33 last (2/7).
    assert!((t.average_precision.unwrap() - (1.0 + 2.0 / 7.0) / 2.0).abs() < 1e-12);
    assert_eq!(t.investigate_precision, Some(0.5));
    assert!((t.investigate_alerts_per_100_feature_days.unwrap() - 200.0 / 7.0).abs() < 1e-12);
    let base = c.base_rate.as_ref().unwrap();
    assert_eq!(base.roc_auc, Some(0.5));
    assert!((base.average_precision.unwrap() - 2.0 / 7.0).abs() < 1e-12);
    // Two features with a degradation are too few for an interval.
    assert!(!c.intervals_given());
    assert_eq!(c.model_roc_auc_interval, None);
    assert_eq!(t.roc_auc_interval, None);
    assert_eq!(c.precision_interval(&[1, 1], &[1, 0]), None);
    // The sentence says how the model compares, and that too few degraded to be sure.
    let words = comparison_sentence(Some(1.0), Some(1.0), Some(1.0), Some(100.0 / 7.0), &c);
    assert!(
        words.contains(
            "somewhat better than the threshold monitor (ROC AUC 1.00 vs 0.70, too few features"
        ),
        "{words}"
    );
    assert!(
        words.contains("2.0x its precision (1.00 vs 0.50") && words.contains("0.5x its alerts"),
        "{words}"
    );
}

/// `n` features alike but for their degradation days; the model knows every positive.
fn many(n: usize) -> (Dataset, Degradations, Vec<Vec<bool>>, Vec<Vec<f64>>) {
    let data = dataset(
        (0..n)
            .map(|i| series(&format!("f{i:02}"), 100.0, &[]))
            .collect(),
    );
    // Each feature degrades on day 32 + i % 3 (positive the day before, horizon 1).
    let starts: Vec<Vec<usize>> = (0..n).map(|i| vec![32 + i % 3]).collect();
    let mut risks = vec![vec![0.1; DAYS]; n];
    for (f, s) in starts.iter().enumerate() {
        risks[f][s[0] - 1] = 0.9 - 0.01 * f as f64;
    }
    (data, degradations(starts), valid(n), risks)
}

#[test]
fn a_perfect_rankers_interval_is_one_to_one_and_every_interval_holds_its_estimate() {
    let (data, labels, valid, risks) = many(12);
    let c = Comparison::new(&data, &risks, &valid, &labels, 1);
    assert!(c.intervals_given());
    let one = Some(Interval {
        low: 1.0,
        high: 1.0,
    });
    assert_eq!(c.model_roc_auc_interval, one);
    assert_eq!(c.model_average_precision_interval, one);
    // The monitor sees a flat line: every feature-day ties, ROC AUC 0.5 in every resample.
    let t = c.threshold.as_ref().unwrap();
    assert_eq!(t.roc_auc, Some(0.5));
    assert_eq!(
        t.roc_auc_interval,
        Some(Interval {
            low: 0.5,
            high: 0.5
        })
    );
    // The model beats it in every resample.
    let d = c.roc_auc_difference.unwrap();
    assert!(
        (d.low - 0.5).abs() < 1e-12 && (d.high - 0.5).abs() < 1e-12,
        "{d:?}"
    );
    let base = c.base_rate.as_ref().unwrap();
    let (b, i) = (
        base.average_precision.unwrap(),
        base.average_precision_interval.unwrap(),
    );
    assert!(i.low <= b && b <= i.high && i.low < i.high, "{b} {i:?}");
    // Alerts: one per feature, half of them hits.
    let alerts = vec![1u64; 12];
    let hits: Vec<u64> = (0..12).map(|f| (f % 2) as u64).collect();
    let p = c.precision_interval(&alerts, &hits).unwrap();
    assert!(p.low <= 0.5 && 0.5 <= p.high && p.low < p.high, "{p:?}");
    // Deterministic.
    assert_eq!(c, Comparison::new(&data, &risks, &valid, &labels, 1));
}

#[test]
fn too_few_features_with_a_degradation_give_no_interval() {
    let (data, mut labels, valid, risks) = many(MIN_POSITIVE_FEATURES + 3);
    // All but 9 features lose their degradation.
    for f in MIN_POSITIVE_FEATURES - 1..labels.starts.len() {
        labels.starts[f].clear();
        labels.active[f] = vec![false; DAYS];
    }
    let c = Comparison::new(&data, &risks, &valid, &labels, 1);
    assert_eq!(c.positive_clusters, MIN_POSITIVE_FEATURES - 1);
    assert!(!c.intervals_given());
    assert_eq!(c.model_roc_auc_interval, None);
    assert_eq!(c.model_average_precision_interval, None);
    assert!(c.threshold.unwrap().average_precision_interval.is_none());
    assert_eq!(percentile_interval(vec![f64::NAN; 10], 10), None);
}

#[test]
fn the_card_shows_baselines_intervals_calibration_counts_and_missed_degradations() {
    let mut params = small_params(31);
    params.features = 60;
    let data = generate(&params);
    let config = Config::default();
    let dataset = dataset_of(&data);
    let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
    let report = analysis.report(&config.tiers, &config.impact);
    let c = &report.model_card;

    // Calibration bins hold every evaluated feature-day and every positive.
    assert_eq!(
        c.calibration.iter().map(|b| b.count).sum::<usize>(),
        c.evaluated_rows
    );
    assert_eq!(
        c.calibration.iter().map(|b| b.positives).sum::<usize>(),
        c.evaluated_positives
    );

    // The lead time's counts add up, and the backtest says which were checked.
    let lead = &c.lead_time;
    assert_eq!(lead.degradations, report.dataset.degradations);
    assert_eq!(lead.evaluated + lead.not_evaluable, lead.degradations);
    assert_eq!(lead.warned + lead.missed, lead.evaluated);
    assert!(lead.missed_without_watch <= lead.missed);
    assert_eq!(
        report.backtest.iter().filter(|r| r.evaluable).count(),
        lead.evaluated
    );
    let words = lead.describe(c.horizon_days);
    assert!(
        words.contains(&format!("{} missed", lead.missed)),
        "{words}"
    );

    // The threshold monitor's row equals the benchmark's measurement on the same days.
    assert_eq!(c.baselines.len(), 2);
    let t = &c.baselines[0];
    assert_eq!(t.method, "threshold monitor");
    let bench = measure(
        &threshold_scores(&dataset),
        &analysis,
        &data,
        config.model.horizon,
    );
    assert_eq!(bench.evaluated_days, c.evaluated_rows);
    assert!((bench.roc_auc.unwrap() - t.roc_auc.unwrap()).abs() < 1e-9);
    assert_eq!(
        bench.alerts_per_100(),
        t.investigate_alerts_per_100_feature_days
    );
    assert_eq!(bench.investigate_precision(), t.investigate_precision);
    let base = &c.baselines[1];
    assert_eq!(base.roc_auc, Some(0.5));
    assert_eq!(base.average_precision, c.base_rate);

    // Intervals hold their estimates (enough features degraded here).
    assert!(c.features_with_degradation >= MIN_POSITIVE_FEATURES);
    assert_eq!(c.bootstrap_resamples, 200);
    let holds = |v: Option<f64>, i: Option<Interval>| {
        let (v, i) = (v.unwrap(), i.unwrap());
        assert!(i.low <= v && v <= i.high && i.low < i.high, "{v} {i:?}");
    };
    holds(c.roc_auc, c.roc_auc_interval);
    holds(c.average_precision, c.average_precision_interval);
    holds(c.investigate_precision, c.investigate_precision_interval);
    holds(t.roc_auc, t.roc_auc_interval);
    assert!(
        c.comparison.contains("threshold monitor"),
        "{}",
        c.comparison
    );
    assert!(c.intervals_note.contains("95%"), "{}", c.intervals_note);

    // New fields are in the JSON report.
    let json = serde_json::to_value(&report).unwrap();
    let card = &json["model_card"];
    assert!(card["roc_auc_interval"]["low"].is_number());
    assert!(card["baselines"][0]["roc_auc"].is_number());
    assert!(card["calibration"][0]["positives"].is_number());
    assert!(card["lead_time"]["missed"].is_number());
}
