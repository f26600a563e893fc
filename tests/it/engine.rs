//! The engine end to end on generated data, through the library's entry points.

use super::small_params;
use feature_radar::analysis::labels::LabelSource;
use feature_radar::impact::Tier;
use feature_radar::synth::generate;
use feature_radar::telemetry::{write_events_csv, write_telemetry_csv};
use feature_radar::{analyze, load, Config};

fn report_for(seed: u64, with_events: bool) -> feature_radar::Report {
    let data = generate(&small_params(seed));
    let telemetry = write_telemetry_csv(&data.telemetry);
    let events = write_events_csv(&data.events);
    let loaded = load(
        "telemetry.csv",
        telemetry.as_bytes(),
        with_events.then_some(("events.csv", events.as_bytes())),
    )
    .unwrap();
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    analyze(&loaded.dataset, &loaded.events, &Config::default())
}

#[test]
fn the_model_learns_warning_signs_on_unseen_seeds() {
    // Seeds the model was never tuned on; the walk-forward AUC must beat chance clearly.
    for seed in [101, 202] {
        let report = report_for(seed, true);
        let card = &report.model_card;
        assert_eq!(card.label_source, LabelSource::Incidents);
        assert!(card.fits >= 5, "seed {seed}: {} fits", card.fits);
        let auc = card.roc_auc.unwrap();
        assert!(auc > 0.6, "seed {seed}: ROC AUC {auc}");
        assert!(
            card.brier.unwrap() < card.brier_of_base_rate.unwrap() * 1.05,
            "seed {seed}"
        );
        assert!(card.lead_time.evaluated > 5);
    }
}

#[test]
fn ranking_is_by_tier_then_impact_and_sentences_name_their_feature() {
    let report = report_for(7, true);
    assert_eq!(report.ranking.len(), 30);
    for pair in report.ranking.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.tier < b.tier || (a.tier == b.tier && a.impact >= b.impact));
    }
    for status in &report.ranking {
        assert_eq!(status.tier, report.config.tiers.tier(status.risk));
        assert!((status.impact - status.risk * status.sessions_7d).abs() < 1e-6);
    }
    for insight in report.insights.iter().skip(1) {
        let feature = insight.feature.as_deref().unwrap();
        assert!(insight.text.starts_with(&format!("{feature}: ")));
        assert!(insight.text.contains("risk of degradation within 7 days"));
        assert_ne!(insight.tier, Some(Tier::Monitor));
    }
}

#[test]
fn without_incidents_the_service_level_rule_defines_degradations() {
    let report = report_for(7, false);
    assert_eq!(report.dataset.label_source, LabelSource::SloBreach);
    assert!(report.dataset.degradations > 0);
}

#[test]
fn changing_the_tier_thresholds_changes_tiers_not_risks() {
    let data = generate(&small_params(5));
    let loaded = load(
        "t.csv",
        write_telemetry_csv(&data.telemetry).as_bytes(),
        Some(("e.csv", write_events_csv(&data.events).as_bytes())),
    )
    .unwrap();
    let base = analyze(&loaded.dataset, &loaded.events, &Config::default());
    let mut strict = Config::default();
    strict.tiers.investigate = 0.99;
    strict.tiers.watch = 0.98;
    let strict = analyze(&loaded.dataset, &loaded.events, &strict);
    assert_eq!(
        base.rows.iter().map(|r| r.risk).collect::<Vec<_>>(),
        strict.rows.iter().map(|r| r.risk).collect::<Vec<_>>()
    );
    assert!(strict
        .rows
        .iter()
        .all(|r| r.tier == Tier::Monitor || r.risk >= 0.98));
}

#[test]
fn the_backtest_covers_every_past_degradation_and_feeds_the_lead_time() {
    let report = report_for(9, true);
    assert_eq!(report.backtest.len(), report.dataset.degradations);
    let fitted: Vec<_> = report.backtest.iter().filter(|r| r.model_existed).collect();
    assert_eq!(report.model_card.lead_time.evaluated, fitted.len());
    let warned = fitted
        .iter()
        .filter(|r| r.investigate_lead_days.is_some())
        .count();
    assert_eq!(report.model_card.lead_time.warned, warned);
    for row in &report.backtest {
        if let (Some(w), Some(i)) = (row.first_watch, row.first_investigate) {
            assert!(w <= i, "watch comes no later than investigate");
        }
        if let Some(days) = row.investigate_lead_days {
            assert!((1..=7).contains(&days));
            assert!(row.risk_day_before.is_some());
        }
    }
}
