//! The engine end to end on generated data, through the library's entry points.

use super::small_params;
use feature_radar::analysis::labels::LabelSource;
use feature_radar::impact::Tier;
use feature_radar::synth::generate;
use feature_radar::telemetry::{write_events_csv, write_telemetry_csv};
use feature_radar::{analyze, load, Config};

/// The contract's `score` rows under `config`, made as `feature-radar score` makes them:
/// day by day while the analysis runs.
fn score_rows(
    dataset: &feature_radar::telemetry::Dataset,
    events: &[feature_radar::telemetry::EventRecord],
    config: &Config,
) -> Vec<feature_radar::report::ScoreRow> {
    let mut rows = Vec::new();
    feature_radar::report::prepare_scoring(
        std::sync::Arc::new(dataset.clone()),
        events,
        &config.model,
        &config.slo,
        &config.tiers,
        &config.impact,
        &mut |row| rows.push(row),
    );
    rows
}

#[test]
fn rows_made_while_the_analysis_runs_equal_those_of_the_finished_analysis() {
    // Cohorts (the model reads a cohort on some days), incidents or none, another
    // horizon, other budgets and weights, and more features than a block of kept
    // signals holds. The rows made while the analysis runs come in blocks of other
    // lengths than the finished analysis's (`block_days`), so this also checks that a
    // block's length changes no signal.
    let cases: [(u64, bool, bool, usize); 4] = [
        (3, true, true, 7),
        (4, false, false, 7),
        (5, true, false, 14),
        (6, true, true, 3),
    ];
    let mut above_monitor = 0;
    for (seed, cohorts, with_events, horizon) in cases {
        let mut params = small_params(seed);
        params.portfolio.cohorts = cohorts;
        if seed == 6 {
            params.features = 2_500;
            params.days = 60;
        }
        let loaded = generated(&params, with_events);
        let mut config = Config::default();
        config.model.horizon = horizon;
        if seed == 5 {
            config.tiers.investigate = 4.0;
            config.tiers.watch = 12.0;
            config.impact.usage = 0.5;
        }
        let streamed = score_rows(&loaded.dataset, &loaded.events, &config);
        let analysis = feature_radar::report::prepare(
            &loaded.dataset,
            &loaded.events,
            &config.model,
            &config.slo,
        );
        let after = analysis.score_rows(&config.tiers, &config.impact);
        assert_eq!(streamed.len(), after.len(), "seed {seed}");
        above_monitor += streamed.iter().filter(|r| r.tier != Tier::Monitor).count();
        for (a, b) in streamed.iter().zip(&after) {
            assert_eq!(a, b, "seed {seed}");
        }
        if cohorts {
            assert!(
                after
                    .iter()
                    .any(|r| r.reasons.iter().any(|t| t.contains(" only: "))),
                "seed {seed}: the model should read a cohort on some day"
            );
        }
    }
    assert!(above_monitor > 0, "the tiers should flag some rows");
}

/// The generator's data under `params`, written as the contract's files and loaded back.
fn generated(
    params: &feature_radar::synth::SynthParams,
    with_events: bool,
) -> feature_radar::LoadedData {
    let data = generate(params);
    let telemetry = write_telemetry_csv(&data.telemetry);
    let events = write_events_csv(&data.events);
    load(
        "telemetry.csv",
        telemetry.as_bytes(),
        with_events.then_some(("events.csv", events.as_bytes())),
    )
    .unwrap()
}

fn report_for(seed: u64, with_events: bool) -> feature_radar::Report {
    let loaded = generated(&small_params(seed), with_events);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    analyze(&loaded.dataset, &loaded.events, &Config::default())
}

#[test]
fn the_model_learns_warning_signs_on_unseen_seeds() {
    // Seeds the model was never tuned on; the walk-forward AUC must beat chance clearly.
    for seed in [101, 202] {
        let report = report_for(seed, true);
        let card = &report.model_card;
        // The generated incidents start a few days in: the service-level rule stands in
        // until the first one.
        assert_eq!(card.label_source, LabelSource::SloUntilIncidents);
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
        assert_eq!(status.tier, report.cutoffs_today.tier(status.risk));
        assert!((status.impact - status.risk * status.sessions_7d).abs() < 1e-6);
    }
    // The overview's sentences, then one per feature: a degradation under way told as
    // such, a feature at risk with the risk that one starts.
    for insight in report.insights.iter().filter(|i| i.feature.is_some()) {
        let feature = insight.feature.as_deref().unwrap();
        assert!(insight.text.starts_with(&format!("{feature}: ")));
        let status = report
            .ranking
            .iter()
            .find(|s| s.feature == feature)
            .unwrap();
        if status.under_way.is_some() {
            assert!(insight.text.contains("degradation under way since"));
            assert!(!insight.text.contains("risk that a degradation starts"));
        } else {
            assert!(insight
                .text
                .contains("risk that a degradation starts within 7 days"));
            assert_ne!(insight.tier, Some(Tier::Monitor));
        }
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
    let base_rows = score_rows(&loaded.dataset, &loaded.events, &Config::default());
    let mut strict = Config::default();
    strict.tiers.investigate = 0.5;
    strict.tiers.watch = 1.0;
    let strict_rows = score_rows(&loaded.dataset, &loaded.events, &strict);
    assert_eq!(
        base_rows.iter().map(|r| r.risk).collect::<Vec<_>>(),
        strict_rows.iter().map(|r| r.risk).collect::<Vec<_>>()
    );
    let investigated = |rows: &[feature_radar::report::ScoreRow]| {
        rows.iter().filter(|r| r.tier == Tier::Investigate).count()
    };
    assert!(investigated(&strict_rows) < investigated(&base_rows));
    // The budget holds on the days it counts (features not already in a degradation):
    // about that many alerts per 100 feature-days. It is taken from trailing windows, so
    // a risk that rises over the months can go a little over it.
    let per_100 = base
        .model_card
        .investigate_alerts_per_100_feature_days
        .unwrap();
    assert!(
        per_100 > 0.75 && per_100 <= 2.25,
        "{per_100} investigate alerts per 100 feature-days"
    );
}

#[test]
fn the_backtest_covers_every_past_degradation_and_feeds_the_lead_time() {
    let report = report_for(9, true);
    assert_eq!(report.backtest.len(), report.dataset.degradations);
    let fitted: Vec<_> = report.backtest.iter().filter(|r| r.evaluable).collect();
    assert!(fitted.iter().all(|r| r.model_existed));
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

/// Odd but valid inputs a person may load: one day, a few days, one feature, events for
/// features that are not in the telemetry, every value missing but the required ones.
/// None of them may panic, and each gives a report with its own feature view.
#[test]
fn tiny_and_odd_inputs_still_give_a_report() {
    let cases = [
        "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,10,100,0\n",
        "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,0,0,0\n2026-01-03,a,0,0,0\n2026-01-02,b,5,1,1\n",
        "date,feature,sessions,latency_p95_ms,crash_rate,feedback_score\n2026-01-01T05:00:00Z,a,1,1,0.5,\n2026-01-01T06:00:00Z,a,1,1,0.5,1\n",
    ];
    let events = "timestamp,feature,kind,title\n2025-12-01,zzz,incident,old\n2026-01-02,*,deploy,v1\n2030-01-01,a,incident,future\n";
    for telemetry in cases {
        for with_events in [false, true] {
            let loaded = load(
                "telemetry.csv",
                telemetry.as_bytes(),
                with_events.then_some(("events.csv", events.as_bytes())),
            )
            .unwrap();
            let analysis = feature_radar::report::prepare(
                &loaded.dataset,
                &loaded.events,
                &Config::default().model,
                &Config::default().slo,
            );
            let config = Config::default();
            let report = analysis.report(&config.tiers, &config.impact);
            assert!(!report.ranking.is_empty());
            let rows = analysis.score_rows(&config.tiers, &config.impact);
            assert!(rows.iter().all(|r| (0.0..=1.0).contains(&r.risk)));
            for status in &report.ranking {
                let f = loaded.dataset.feature_index(&status.feature).unwrap();
                let detail = analysis.feature_detail(f, status);
                for panel in &detail.panels {
                    let _ = feature_radar::charts::metric_chart(&detail, panel);
                }
                let _ = feature_radar::charts::risk_chart(&detail, &report.cutoffs_today);
            }
            let _ = feature_radar::report::scores_csv(&rows);
            let _ = report.backtest_csv();
            let _ = report.headline();
        }
    }
}

/// The first whole number in `text` after `before`.
fn number_after(text: &str, before: &str) -> usize {
    let at = text
        .find(before)
        .unwrap_or_else(|| panic!("{before:?} not in {text}"))
        + before.len();
    text[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {before:?} in {text}"))
}

#[test]
fn a_short_upload_says_why_no_refit_was_possible_and_how_many_days_one_needs() {
    let full = generate(&small_params(31));
    let days_of = |n: i64| {
        let start = full.telemetry[0].period_start;
        let rows: Vec<_> = full
            .telemetry
            .iter()
            .filter(|r| (r.period_start - start).num_days() < n)
            .cloned()
            .collect();
        let telemetry = write_telemetry_csv(&rows);
        let loaded = load("telemetry.csv", telemetry.as_bytes(), None::<(&str, &[u8])>).unwrap();
        analyze(&loaded.dataset, &loaded.events, &Config::default())
    };
    for (days, with_signals) in [(12, false), (20, true)] {
        let card = days_of(days).model_card;
        assert_eq!(card.fits, 0);
        let said = &card.default_and_learned;
        assert!(said.starts_with("No refit was possible yet"), "{said}");
        assert_eq!(number_after(said, "this data has"), days as usize, "{said}");
        let needed = number_after(said, "the first refit needs");
        assert!(needed > days as usize, "{said}");
        assert!(
            said.contains("No day has signals yet") != with_signals,
            "{said}"
        );
        assert!(
            !said.contains("(not yet)") && !said.contains("0 signals"),
            "{said}"
        );
        // Data that long has its first refit, on its last day.
        if with_signals {
            let card = days_of(needed as i64).model_card;
            assert_eq!(card.fits, 1, "{}", card.default_and_learned);
            let card = days_of(needed as i64 - 1).model_card;
            assert_eq!(card.fits, 0, "{}", card.default_and_learned);
        }
    }
}

mod no_look_ahead {
    use super::*;
    use chrono::{Days, NaiveDate};
    use feature_radar::telemetry::{EventKind, EventRecord};
    use proptest::prelude::*;

    /// Where an extra incident is placed, relative to the data and the cut.
    #[derive(Debug, Clone, Copy)]
    enum Extra {
        Nothing,
        NoIncidents,
        BeforeTheData,
        InsideBeforeTheCut,
        AfterTheCut,
        AfterTheData,
    }

    fn incident(day: NaiveDate, feature: &str) -> EventRecord {
        let timestamp = day.and_hms_opt(0, 0, 0).unwrap();
        EventRecord {
            timestamp,
            day: timestamp.date(),
            feature: feature.to_string(),
            kind: EventKind::Incident,
            title: "added".into(),
            severity: None,
            end: None,
            line: 0,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

        /// Cutting the input at any date, with incidents or none, and with an incident
        /// before, inside or after the data, leaves every row up to the cut unchanged.
        #[test]
        fn rows_up_to_a_cut_do_not_depend_on_what_follows(
            cut_day in 20usize..140,
            extra in prop_oneof![
                Just(Extra::Nothing), Just(Extra::NoIncidents), Just(Extra::BeforeTheData),
                Just(Extra::InsideBeforeTheCut), Just(Extra::AfterTheCut), Just(Extra::AfterTheData),
            ],
        ) {
            let mut params = small_params(31);
            params.features = 12;
            let data = generate(&params);
            let start = params.start;
            let cut = start + Days::new(cut_day as u64);
            let mut events = data.events.clone();
            let feature = data.telemetry[0].feature.clone();
            match extra {
                Extra::Nothing => {}
                Extra::NoIncidents => events.retain(|e| e.kind != EventKind::Incident),
                Extra::BeforeTheData => events.push(incident(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), &feature)),
                Extra::InsideBeforeTheCut => events.push(incident(cut - Days::new(5), &feature)),
                Extra::AfterTheCut => {
                    events.retain(|e| e.kind != EventKind::Incident);
                    events.push(incident(cut + Days::new(3), &feature));
                }
                Extra::AfterTheData => events.push(incident(start + Days::new(400), &feature)),
            }
            let config = Config::default();
            let full = score_rows(
                &feature_radar::telemetry::Dataset::from_records(&data.telemetry, feature_radar::telemetry::Granularity::Days).unwrap(),
                &events,
                &config,
            );
            let kept_telemetry: Vec<_> = data.telemetry.iter().filter(|r| r.period_start.date() <= cut).cloned().collect();
            let kept_events: Vec<_> = events.iter().filter(|e| e.day() <= cut).cloned().collect();
            let partial = score_rows(
                &feature_radar::telemetry::Dataset::from_records(&kept_telemetry, feature_radar::telemetry::Granularity::Days).unwrap(),
                &kept_events,
                &config,
            );
            let early: Vec<_> = full.iter().filter(|r| r.date <= cut).collect();
            prop_assert_eq!(early.len(), partial.len());
            for (a, b) in early.iter().zip(&partial) {
                prop_assert_eq!(*a, b, "{:?}: rows differ on {}", extra, a.date);
            }
        }
    }
}

/// A new user's own small file, with no events at all: the feature whose p95 latency
/// climbs over the last ten days is ranked first from day one, by the default model, and
/// its reasons say why.
#[test]
fn a_building_regression_ranks_first_with_no_incident_ever_recorded() {
    let mut csv = String::from("date,feature,sessions,latency_p95_ms,crash_rate\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    for day in 0..60u64 {
        let date = start + chrono::Days::new(day);
        for (i, feature) in ["checkout", "search", "login", "profile", "feed"]
            .iter()
            .enumerate()
        {
            // Ordinary noise, a little different for each feature and day.
            let wobble = 1.0 + 0.04 * (((day * 7 + i as u64 * 13) % 11) as f64 / 5.0 - 1.0);
            let mut p95 = (200.0 + 40.0 * i as f64) * wobble;
            if *feature == "checkout" && day >= 50 {
                p95 *= 1.0 + 0.11 * (day - 49) as f64;
            }
            let sessions = 20_000 - 3_000 * i as u64;
            csv.push_str(&format!("{date},{feature},{sessions},{p95:.1},0.0010\n"));
        }
    }
    let loaded = load("telemetry.csv", csv.as_bytes(), None::<(&str, &[u8])>).unwrap();
    let report = analyze(&loaded.dataset, &loaded.events, &Config::default());
    let top = &report.ranking[0];
    assert_eq!(top.feature, "checkout", "{:?}", report.ranking);
    assert_ne!(top.tier, Tier::Monitor);
    assert!(
        top.reasons.iter().any(|r| r.contains("p95 latency")),
        "{:?}",
        top.reasons
    );
    assert!(report.ranking[1..].iter().all(|s| s.risk < top.risk / 2.0));
}

/// A degradation on one platform, diluted in the feature's totals: the feature still
/// ranks first, and its reasons name the platform.
#[test]
fn a_one_cohort_degradation_raises_the_feature_and_names_the_cohort() {
    let mut csv = String::from("date,feature,platform,sessions,latency_p95_ms,crash_rate\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let platforms = [("android", 50_000u64), ("web", 30_000), ("ios", 12_000)];
    for day in 0..70u64 {
        let date = start + chrono::Days::new(day);
        for (i, feature) in ["checkout", "search", "login", "profile"]
            .iter()
            .enumerate()
        {
            for (k, (platform, sessions)) in platforms.iter().enumerate() {
                let wobble = 1.0
                    + 0.05 * (((day * 7 + i as u64 * 13 + k as u64 * 5) % 11) as f64 / 5.0 - 1.0);
                let mut p95 = (250.0 + 30.0 * i as f64) * wobble;
                if *feature == "checkout" && *platform == "ios" && day >= 60 {
                    p95 *= 1.0 + 0.12 * (day - 59) as f64;
                }
                csv.push_str(&format!(
                    "{date},{feature},{platform},{sessions},{p95:.1},0.0010\n"
                ));
            }
        }
    }
    let loaded = load("telemetry.csv", csv.as_bytes(), None::<(&str, &[u8])>).unwrap();
    let report = analyze(&loaded.dataset, &loaded.events, &Config::default());
    let top = &report.ranking[0];
    assert_eq!(top.feature, "checkout", "{:#?}", report.ranking);
    assert!(
        top.reasons.iter().any(|r| r.starts_with("ios only: ")),
        "{:?}",
        top.reasons
    );
    assert!(report.ranking[1..].iter().all(|s| s.risk < top.risk / 2.0));
}

/// Hourly telemetry gets one output row per input hour, and an hour's row never depends on
/// anything at or after that hour: it carries the risk of the last complete day before it.
#[test]
fn hourly_telemetry_scores_each_input_hour_without_look_ahead() {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let mut lines = vec!["date,feature,sessions,latency_p95_ms,crash_rate".to_string()];
    for hour in 0..24 * 20u64 {
        let t = start.and_hms_opt(0, 0, 0).unwrap() + chrono::Duration::hours(hour as i64);
        for (i, feature) in ["checkout", "search"].iter().enumerate() {
            // search skips every fifth hour: a gap, not a zero, and no output row.
            if i == 1 && hour % 5 == 0 {
                continue;
            }
            let daily = 1.0 + 0.3 * ((hour % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
            let climb = if i == 0 && hour > 24 * 14 {
                (hour - 24 * 14) as f64
            } else {
                0.0
            };
            lines.push(format!(
                "{},{feature},{},{:.1},0.001",
                t.format("%Y-%m-%dT%H:%M:%SZ"),
                (400.0 * daily) as u64,
                200.0 * daily + climb
            ));
        }
    }
    let report = |lines: &[String]| {
        let text = lines.join("\n");
        let loaded = load("hours.csv", text.as_bytes(), None::<(&str, &[u8])>).unwrap();
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        score_rows(&loaded.dataset, &loaded.events, &Config::default())
    };
    let full = report(&lines);
    assert_eq!(full.len(), lines.len() - 1, "one row per input row");
    let csv = feature_radar::report::scores_csv(&full);
    let second = csv.lines().nth(1).unwrap();
    assert!(
        second.starts_with("2026-04-01T00:00:00Z,checkout,"),
        "{second}"
    );
    assert!(full.iter().all(|r| r.hour.is_some()));
    // Within a day every hour carries the same (previous day's) risk.
    let day5: Vec<f64> = full
        .iter()
        .filter(|r| r.feature == "checkout" && r.date == start + chrono::Days::new(5))
        .map(|r| r.risk)
        .collect();
    assert_eq!(day5.len(), 24);
    assert!(day5.iter().all(|&r| r == day5[0]));
    // Cut in the middle of day 16, 13:00: the rows before the cut are unchanged.
    let cut = 1 + (24 * 16 + 13) * 2 - (24 * 16 + 13) / 5;
    let partial = report(&lines[..cut]);
    assert_eq!(partial.len(), cut - 1);
    for (a, b) in full.iter().zip(&partial) {
        assert_eq!(a, b, "hour {:?}", a.hour);
    }
}

/// A horizon change refits reusing the views, the labels and the latest signals, and gives exactly what a
/// full analysis with that horizon gives.
#[test]
fn refitting_for_another_horizon_equals_a_full_analysis() {
    let data = generate(&small_params(13));
    let dataset = feature_radar::telemetry::Dataset::from_records(
        &data.telemetry,
        feature_radar::telemetry::Granularity::Days,
    )
    .unwrap();
    let config = Config::default();
    let first = feature_radar::report::prepare(&dataset, &data.events, &config.model, &config.slo);
    let mut longer = config.model;
    longer.horizon = 14;
    let refitted = first.with_model(&longer);
    let full = feature_radar::report::prepare(&dataset, &data.events, &longer, &config.slo);
    assert!(std::sync::Arc::ptr_eq(&first.view, &refitted.view));
    assert!(std::sync::Arc::ptr_eq(&first.latest, &refitted.latest));
    assert_eq!(refitted.run, full.run);
    assert_ne!(refitted.run, first.run, "the horizon changes the fits");
    assert_eq!(
        refitted.report(&config.tiers, &config.impact),
        full.report(&config.tiers, &config.impact)
    );
}

/// The page makes the bundled dataset rather than downloading it: what it makes must be
/// the files in `data/`, byte for byte.
#[test]
fn the_generator_makes_the_bundled_files_byte_for_byte() {
    let (telemetry, events) = feature_radar::synth::bundled_files();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    assert!(telemetry == std::fs::read_to_string(root.join("telemetry.csv")).unwrap());
    assert!(events == std::fs::read_to_string(root.join("events.csv")).unwrap());
}

/// The page's worker makes the bundled data without writing and reading the telemetry's
/// text: what it makes must be what reading `data/` gives, dataset and events.
#[test]
fn the_bundled_data_made_directly_is_what_reading_its_files_gives() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let telemetry = std::fs::read(root.join("telemetry.csv")).unwrap();
    let events = std::fs::read(root.join("events.csv")).unwrap();
    let read = feature_radar::load(
        "telemetry.csv",
        telemetry.as_slice(),
        Some(("events.csv", events.as_slice())),
    )
    .unwrap();
    let made = feature_radar::synth::bundled_data();
    assert!(*made.dataset == *read.dataset, "the dataset differs");
    assert_eq!(made.dataset.cohorts, read.dataset.cohorts);
    assert_eq!(made.events, read.events);
    assert!(made.problems.is_empty() && read.problems.is_empty());
    assert!(made.ignored_columns.is_empty() && read.ignored_columns.is_empty());
}

/// The engine's results on a fixed data set, the bundled one, to the accuracy `score`
/// writes (risk to 4 decimals, impact to 0.1): every feature's risk, impact and tier on
/// every tenth day and the last, kept in `tests/it/expected/bundled_scores.csv`. A change
/// meant to be invisible (speed, memory) must leave it as it is; a change of the model
/// updates it on purpose (`UPDATE_EXPECT=1 cargo test --test it`) and says so.
#[test]
fn the_bundled_data_scores_as_recorded() {
    let telemetry = std::fs::read("data/telemetry.csv").unwrap();
    let events = std::fs::read("data/events.csv").unwrap();
    let data = feature_radar::load(
        "telemetry.csv",
        telemetry.as_slice(),
        Some(("events.csv", events.as_slice())),
    )
    .unwrap();
    let config = feature_radar::Config::default();
    let analysis =
        feature_radar::report::prepare(&data.dataset, &data.events, &config.model, &config.slo);
    let last = data.dataset.end();
    let mut text = String::from("date,feature,risk,impact,tier\n");
    for row in analysis.score_rows(&config.tiers, &config.impact) {
        let day = (row.date - data.dataset.start).num_days();
        if day % 10 == 0 || row.date == last {
            text.push_str(&format!(
                "{},{},{:.4},{:.1},{}\n",
                row.date,
                row.feature,
                row.risk,
                row.impact,
                row.tier.as_str()
            ));
        }
    }
    expect_test::expect_file!["expected/bundled_scores.csv"].assert_eq(&text);
}
