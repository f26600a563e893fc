//! The engine as the page's Web Worker runs it (`feature_radar::engine`): requests in,
//! progress and replies out, messages that survive their trip as bytes, and uploads that
//! fail while the data analysed before stays.

use feature_radar::engine::{
    for_page, Engine, Envelope, Knobs, Reply, Request, SeriesSource, SourceSpec,
};
use feature_radar::report::{prepare, FeatureStatus, Report};
use feature_radar::telemetry::{Dataset, Granularity};
use feature_radar::view_state::ViewState;
use feature_radar::{load, Config, LoadedData};

fn knobs() -> Knobs {
    Knobs::of_view(&ViewState::default())
}

/// Handles `request`, returning the reply and the progress percentages reported.
fn ask(engine: &mut Engine, request: Request, files: &[Vec<u8>]) -> (Reply, Vec<f64>) {
    let mut seen = Vec::new();
    let reply = engine.handle(request, files, &mut |stage, percent| {
        assert!(!stage.is_empty());
        seen.push(percent);
    });
    (reply, seen)
}

fn report_of(reply: Reply) -> Report {
    match reply {
        Reply::Analysed { report, .. } | Reply::Report(report) => *report,
        other => panic!("expected a report, got {other:?}"),
    }
}

fn failure(reply: Reply) -> String {
    match reply {
        Reply::Failed(message) => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// An upload of one telemetry file (its bytes go beside the request).
fn upload() -> Request {
    Request::Analyse {
        source: SourceSpec::Files {
            telemetry: "telemetry.csv".into(),
            events: None,
        },
        knobs: knobs(),
    }
}

/// The bundled data, loaded as the command line loads it.
fn bundled_data() -> LoadedData {
    let (telemetry, events) = feature_radar::synth::bundled_files();
    load(
        "telemetry.csv",
        telemetry.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .unwrap()
}

fn analysed_bundled(engine: &mut Engine) -> Report {
    let request = Request::Analyse {
        source: SourceSpec::Bundled,
        knobs: knobs(),
    };
    report_of(ask(engine, request, &[]).0)
}

#[test]
fn the_bundled_data_gives_the_same_report_as_the_command_line_with_progress_to_the_end() {
    let mut engine = Engine::default();
    let (reply, progress) = ask(
        &mut engine,
        Request::Analyse {
            source: SourceSpec::Bundled,
            knobs: knobs(),
        },
        &[],
    );
    let Reply::Analysed { source, report } = reply else {
        panic!("not analysed: {reply:?}");
    };
    assert_eq!(source.label, "the bundled synthetic dataset");
    assert_eq!(source.features, 80);
    assert!(source.events > 0 && source.problem_count == 0);

    let data = bundled_data();
    let config = Config::default();
    let direct = prepare(&data.dataset, &data.events, &config.model, &config.slo);
    let k = knobs();
    let whole = direct.report(&k.tiers, &k.weights);
    assert_eq!(*report, for_page(&whole));
    assert!(report.ranking.iter().all(|s| s.contributions.is_empty()));
    assert!(whole.ranking.iter().all(|s| !s.contributions.is_empty()));

    // The JSON export is the whole report, contributions included, without the table
    // that only the page's budget sliders read.
    let Reply::Text(json) = ask(&mut engine, Request::ReportJson, &[]).0 else {
        panic!("no JSON");
    };
    assert!(whole.budget.is_some());
    let exported = Report {
        budget: None,
        ..whole.clone()
    };
    assert_eq!(json, serde_json::to_string(&exported).unwrap());

    assert!(progress.len() >= 5, "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    assert!(*progress.last().unwrap() >= 99.0, "{progress:?}");
}

#[test]
fn replies_cross_as_bytes_unchanged() {
    let mut engine = Engine::default();
    let report = analysed_bundled(&mut engine);
    let status: FeatureStatus = report.ranking[0].clone();
    let (detail, _) = ask(
        &mut engine,
        Request::Detail {
            status: Box::new(status.clone()),
        },
        &[],
    );
    // Features side by side, for the report shown, without contributions.
    let names: Vec<String> = report.ranking[..3]
        .iter()
        .map(|s| s.feature.clone())
        .collect();
    let (compared, _) = ask(
        &mut engine,
        Request::Compare {
            features: names.clone(),
        },
        &[],
    );
    let Reply::Compared(c) = &compared else {
        panic!("no comparison: {compared:?}");
    };
    assert_eq!(
        c.features
            .iter()
            .map(|f| f.name.clone())
            .collect::<Vec<_>>(),
        names
    );
    assert!(c.features.iter().all(|f| f.status.contributions.is_empty()));
    assert_eq!(c.features[0].status.risk, report.ranking[0].risk);
    let Reply::Failed(message) = ask(
        &mut engine,
        Request::Compare {
            features: vec![names[0].clone()],
        },
        &[],
    )
    .0
    else {
        panic!("one feature compared");
    };
    assert!(message.contains("2 to 4"), "{message}");
    for reply in [Reply::Report(Box::new(report)), detail, compared] {
        let envelope = Envelope { id: 7, body: reply };
        let back = Envelope::<Reply>::from_bytes(&envelope.to_bytes()).unwrap();
        assert_eq!(back, envelope);
    }
    let request = Envelope {
        id: 8,
        body: Request::Detail {
            status: Box::new(status),
        },
    };
    assert_eq!(
        Envelope::<Request>::from_bytes(&request.to_bytes()).unwrap(),
        request
    );
    assert!(Envelope::<Request>::from_bytes(&[0xff, 0xff, 0xff])
        .unwrap_err()
        .contains("malformed"));
}

#[test]
fn controls_and_horizon_answer_from_the_analysis_held() {
    let mut engine = Engine::default();
    let first = analysed_bundled(&mut engine);

    // Another usage weight: a new report, no refit (the fits are the same).
    let mut by_risk = knobs();
    by_risk.weights.usage = 0.0;
    let report = report_of(ask(&mut engine, Request::Report { knobs: by_risk }, &[]).0);
    assert_eq!(report.model_card, first.model_card);
    assert_eq!(report.config.impact.usage, 0.0);
    for pair in report.ranking.windows(2) {
        if pair[0].tier == pair[1].tier {
            assert!(pair[0].impact >= pair[1].impact);
            assert!(pair[0].risk >= pair[1].risk, "usage 0 ranks by risk");
        }
    }

    // Another horizon: a refit, which reports its progress and matches a fresh analysis.
    let mut longer = knobs();
    longer.horizon = 14;
    let (reply, progress) = ask(&mut engine, Request::Refit { knobs: longer }, &[]);
    let refitted = report_of(reply);
    assert!(!progress.is_empty());
    assert_eq!(refitted.config.model.horizon, 14);
    let data = bundled_data();
    let mut model = Config::default().model;
    model.horizon = 14;
    let fresh = prepare(&data.dataset, &data.events, &model, &Config::default().slo);
    let whole = fresh.report(&longer.tiers, &longer.weights);
    assert_eq!(refitted, for_page(&whole));

    // A feature's detail is for the feature asked.
    let status = refitted.ranking[2].clone();
    let (reply, _) = ask(
        &mut engine,
        Request::Detail {
            status: Box::new(status.clone()),
        },
        &[],
    );
    let Reply::Detail(detail) = reply else {
        panic!("no detail: {reply:?}");
    };
    assert_eq!(detail.feature, status.feature);
    // The page's status has no contributions; the detail has the whole status's.
    assert!(status.contributions.is_empty());
    assert_eq!(detail.contributions, whole.ranking[2].contributions);
    assert!(!detail.contributions.is_empty());
    assert_eq!(detail.dates.len(), data.dataset.days);
    let mut unknown = status;
    unknown.feature = "no such feature".into();
    let (reply, _) = ask(
        &mut engine,
        Request::Detail {
            status: Box::new(unknown),
        },
        &[],
    );
    assert!(failure(reply).contains("no such feature"));
}

#[test]
fn nothing_is_answered_before_data_is_analysed() {
    let mut engine = Engine::default();
    let (reply, _) = ask(&mut engine, Request::Report { knobs: knobs() }, &[]);
    assert!(failure(reply).contains("no data"));
}

#[test]
fn uploads_that_fail_are_named_by_file_and_line_and_the_previous_data_stays() {
    let mut engine = Engine::default();
    let before = analysed_bundled(&mut engine);
    let head = "date,feature,sessions,latency_p95_ms,crash_rate\n";
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"date,feature,sessions\n2026-01-01,a,10\n".to_vec(),
            "telemetry.csv: line 1: missing required column(s): latency_p95_ms, crash_rate",
        ),
        (
            format!("{head}2026-01-01T05:00:00Z,a,1,100,0\n2026-01-02,a,1,100,0\n").into_bytes(),
            "telemetry.csv: line 3, column 1 (date): 2026-01-02 is a day but line 2 is hourly",
        ),
        (
            format!("{head}0001-01-01,a,1,100,0\n9999-01-01,a,1,100,0\n").into_bytes(),
            "telemetry.csv",
        ),
    ];
    for (bytes, expected) in cases {
        let (reply, _) = ask(&mut engine, upload(), &[bytes]);
        let message = failure(reply);
        assert!(message.contains(expected), "{message}");
        let (reply, _) = ask(&mut engine, Request::Report { knobs: knobs() }, &[]);
        assert_eq!(report_of(reply), before, "the previous analysis stays");
    }
    // A file that never arrived.
    let (reply, _) = ask(&mut engine, upload(), &[]);
    assert!(failure(reply).contains("did not arrive"));
}

#[test]
fn an_upload_with_bad_rows_is_analysed_and_its_problems_listed() {
    let mut engine = Engine::default();
    let mut text = String::from("date,feature,sessions,latency_p95_ms,crash_rate,owner\n");
    for day in 1..=20 {
        text.push_str(&format!("2026-01-{day:02},checkout,100,250,0.001,team-a\n"));
    }
    text.push_str("2026-01-21,checkout,100,slow,0.001,team-a\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"2026-01-22,\xff\xfe,1,100,0,x\n");
    let (reply, _) = ask(&mut engine, upload(), &[bytes.clone()]);
    let Reply::Analysed { source, report } = reply else {
        panic!("not analysed: {reply:?}");
    };
    assert_eq!(source.label, "your file telemetry.csv");
    assert_eq!(source.problem_count, 2);
    assert!(source.problems[0]
        .contains("telemetry.csv: line 22, column 4 (latency_p95_ms): 'slow' is not a number"));
    assert!(source.problems[1].contains("line 23: field 2 of the row is not valid UTF-8"));
    assert_eq!(source.ignored_columns, vec!["telemetry.csv: owner"]);
    assert_eq!(report.dataset.days, 20);

    // Events come as the second file.
    let events = b"timestamp,feature,kind,title\n2026-01-05T10:00:00Z,checkout,deploy,v2\n";
    let request = Request::Analyse {
        source: SourceSpec::Files {
            telemetry: "t.csv".into(),
            events: Some("events.csv".into()),
        },
        knobs: knobs(),
    };
    let (reply, _) = ask(&mut engine, request, &[bytes, events.to_vec()]);
    let Reply::Analysed { source, .. } = reply else {
        panic!("not analysed: {reply:?}");
    };
    assert_eq!(source.label, "your files t.csv and events.csv");
    assert_eq!(source.events, 1);
}

#[test]
fn a_live_source_s_version_is_read_like_an_upload_and_named_by_its_address() {
    let address = "https://exports.example.com/radar/telemetry.csv";
    let live = |bytes: &[u8]| {
        let request = Request::Analyse {
            source: SourceSpec::Live {
                telemetry: address.into(),
                events: None,
            },
            knobs: knobs(),
        };
        let mut engine = Engine::default();
        ask(&mut engine, request, &[bytes.to_vec()]).0
    };
    let mut text = String::from("date,feature,sessions,latency_p95_ms,crash_rate\n");
    for day in 1..=20 {
        text.push_str(&format!("2026-01-{day:02},checkout,100,250,0.001\n"));
    }
    text.push_str("2026-01-21,checkout,100,slow,0.001\n");
    let Reply::Analysed { source, report } = live(text.as_bytes()) else {
        panic!("not analysed");
    };
    assert_eq!(source.label, format!("the live source {address}"));
    assert!(source.problems[0].contains(&format!("{address}: line 22, column 4")));
    assert_eq!(report.dataset.days, 20);
    // A version the engine refuses is said with the address, and nothing is held.
    let Reply::Failed(message) = live(b"day,feature\n2026-01-01,x\n") else {
        panic!("a file without the contract's columns was analysed");
    };
    assert!(
        message.starts_with(&format!("{address}: line 1")),
        "{message}"
    );
}

#[test]
fn a_generated_dataset_is_the_generator_s() {
    let mut engine = Engine::default();
    let request = Request::Analyse {
        source: SourceSpec::Generated {
            seed: 5,
            features: 12,
            days: 90,
        },
        knobs: knobs(),
    };
    let Reply::Analysed { source, report } = ask(&mut engine, request, &[]).0 else {
        panic!("not analysed");
    };
    assert_eq!((source.features, report.dataset.days), (12, 90));
    let data = feature_radar::synth::generate(&feature_radar::synth::SynthParams {
        seed: 5,
        features: 12,
        days: 90,
        ..Default::default()
    });
    let dataset = Dataset::from_records(&data.telemetry, Granularity::Days).unwrap();
    assert_eq!(source.start, dataset.start);
}

/// A 240 KB series of empty rows 99,999 s apart once asked for 8 GB and panicked
/// ("capacity overflow"), which lost the page; now it is scored like any series.
#[test]
fn series_are_scored_and_a_bad_one_is_named() {
    let mut engine = Engine::default();
    let mut text = String::from("timestamp,value\n");
    for i in 0..10_000u64 {
        text.push_str(&format!("{},\n", 1_400_000_000 + i * 99_999));
    }
    text.push_str(&format!("{},5\n", 1_400_000_000u64 + 10_000 * 99_999));
    let file = |name: &str| Request::Series {
        source: SeriesSource::File { name: name.into() },
    };
    let Reply::Series(scored) = ask(&mut engine, file("gaps.csv"), &[text.into_bytes()]).0 else {
        panic!("not scored");
    };
    assert_eq!(scored.name, "gaps.csv");
    assert_eq!(scored.points.len(), 10_001);
    assert_eq!(scored.summary.scores.len(), 10_001);

    let (reply, _) = ask(
        &mut engine,
        file("bad.csv"),
        &[b"timestamp,value\n,1\n".to_vec()],
    );
    assert!(failure(reply).contains("bad.csv: line 2"));
    let (reply, _) = ask(
        &mut engine,
        file("empty.csv"),
        &[b"timestamp,value\n".to_vec()],
    );
    assert!(failure(reply).contains("empty.csv: the file has no rows"));

    let example = Request::Series {
        source: SeriesSource::Example {
            kind: "cpu-5min".into(),
            seed: 1,
        },
    };
    let Reply::Series(scored) = ask(&mut engine, example, &[]).0 else {
        panic!("not scored");
    };
    assert_eq!(scored.name, "example: cpu-5min (seed 1)");
    assert!(!scored.summary.sentences.is_empty());
}

/// Reports reuse the tiers' cut-offs while only the weights change; each must still be
/// the report a fresh analysis gives for the same knobs.
#[test]
fn reports_for_changing_tiers_and_weights_are_those_of_the_analysis() {
    let mut engine = Engine::default();
    analysed_bundled(&mut engine);
    let data = bundled_data();
    let config = Config::default();
    let direct = prepare(&data.dataset, &data.events, &config.model, &config.slo);
    let mut k = knobs();
    for step in 0..4 {
        match step % 2 {
            0 => k.weights.usage = 0.25 * step as f64,
            _ => k.tiers.investigate += 1.0,
        }
        let report = report_of(ask(&mut engine, Request::Report { knobs: k }, &[]).0);
        assert_eq!(
            report,
            for_page(&direct.report(&k.tiers, &k.weights)),
            "step {step}"
        );
    }
}

#[test]
fn weights_applied_by_the_page_give_the_report_the_engine_would_make() {
    let mut engine = Engine::default();
    let shown = analysed_bundled(&mut engine);
    let mut k = knobs();
    for usage in [0.0, 0.3, 1.0, 0.6] {
        k.weights.usage = usage;
        // What the page shows at once, from its own copy.
        let applied = shown.reweighted(&k.weights);
        let (reply, _) = ask(&mut engine, Request::Reweight { weights: k.weights }, &[]);
        assert_eq!(reply, Reply::Done);
        // The engine's whole copy followed: the JSON export is the report under the new
        // weights, and so is a fresh report from the analysis.
        let json = match ask(&mut engine, Request::ReportJson, &[]).0 {
            Reply::Text(json) => json,
            other => panic!("expected JSON, got {other:?}"),
        };
        let exported: serde_json::Value = serde_json::from_str(&json).unwrap();
        let fresh = report_of(ask(&mut engine, Request::Report { knobs: k }, &[]).0);
        assert_eq!(applied, fresh, "usage weight {usage}");
        let ranked: Vec<&str> = exported["ranking"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["feature"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = fresh.ranking.iter().map(|s| s.feature.as_str()).collect();
        assert_eq!(ranked, expected, "usage weight {usage}");
    }
    // The order does move with the weight (the test would see nothing otherwise).
    let by_risk = shown.reweighted(&feature_radar::impact::ImpactWeights { usage: 0.0 });
    let by_harm = shown.reweighted(&feature_radar::impact::ImpactWeights { usage: 1.0 });
    let names =
        |r: &Report| -> Vec<String> { r.ranking.iter().map(|s| s.feature.clone()).collect() };
    assert_ne!(names(&by_risk), names(&by_harm));
}

#[test]
fn a_request_prepared_before_it_is_asked_is_answered_as_if_asked() {
    // What the worker prepares while the page starts is what a fresh engine answers.
    let mut fresh = Engine::default();
    let asked = ask(&mut fresh, Engine::likely_first(), &[]).0;
    let mut prepared = Engine::default();
    prepared.prepare(Engine::likely_first());
    let (reply, progress) = ask(&mut prepared, Engine::likely_first(), &[]);
    assert_eq!(reply, asked);
    assert_eq!(progress.last(), Some(&100.0));
    // ... and the engine holds that analysis: what follows agrees too.
    let weights = Request::Report { knobs: knobs() };
    assert_eq!(
        ask(&mut prepared, weights.clone(), &[]).0,
        ask(&mut fresh, weights, &[]).0
    );

    // Asked something else first (here, a longer horizon), the engine does that instead,
    // and what it prepared is not answered later.
    let mut other = Engine::default();
    other.prepare(Engine::likely_first());
    let mut longer = knobs();
    longer.horizon += 7;
    let request = Request::Analyse {
        source: SourceSpec::Bundled,
        knobs: longer,
    };
    let report = report_of(ask(&mut other, request, &[]).0);
    assert_eq!(report.config.model.horizon, longer.horizon);
    let again = report_of(ask(&mut other, Engine::likely_first(), &[]).0);
    assert_eq!(again.config.model.horizon, knobs().horizon);
    assert_eq!(again, report_of(asked));
}

/// `applied`, a report the page made under another budget, against the engine's `fresh`
/// one: equal but for the figures over the whole history, which stay as in `before`
/// until the engine's report comes.
fn assert_retiered(applied: &Report, fresh: &Report, before: &Report, what: &str) {
    assert!(applied.tier_history_pending && !fresh.tier_history_pending);
    let mut expected = fresh.clone();
    expected.model_card = feature_radar::report::ModelCard {
        tier_rule: fresh.model_card.tier_rule.clone(),
        ..before.model_card.clone()
    };
    expected.backtest = before.backtest.clone();
    expected.tier_history_pending = true;
    assert_eq!(applied.ranking, expected.ranking, "{what}");
    assert_eq!(applied.insights, expected.insights, "{what}");
    assert_eq!(applied.model_card, expected.model_card, "{what}");
    assert_eq!(applied.budget, expected.budget, "{what}");
    assert_eq!(applied, &expected, "{what}");
    assert_eq!(applied.headline(), fresh.headline(), "{what}");
}

/// Budgets across the page's sliders, the most and the least it allows among them.
const BUDGETS: [(f64, f64); 6] = [
    (0.5, 0.5),
    (1.0, 3.0),
    (3.0, 10.0),
    (8.0, 8.5),
    (20.0, 20.0),
    (1.5, 5.0),
];

#[test]
fn another_budget_is_applied_by_the_page_at_once_as_the_engine_applies_it() {
    let mut engine = Engine::default();
    let shown = analysed_bundled(&mut engine);
    let mut k = knobs();
    let mut tiers_moved = 0;
    for (investigate, watch) in BUDGETS {
        k.tiers = feature_radar::impact::TierThresholds { investigate, watch };
        // What the page shows at once, from its own copy.
        let applied = shown
            .retiered(&k.tiers)
            .expect("a budget the sliders offer");
        let fresh = report_of(ask(&mut engine, Request::Report { knobs: k }, &[]).0);
        assert_retiered(&applied, &fresh, &shown, &format!("{:?}", k.tiers));
        tiers_moved += usize::from(applied.headline() != shown.headline());
        // A weight applied after the budget too.
        k.weights.usage = 0.4;
        let both = applied.retiered(&k.tiers).unwrap().reweighted(&k.weights);
        let fresh = report_of(ask(&mut engine, Request::Report { knobs: k }, &[]).0);
        assert_retiered(&both, &fresh, &shown, "with a weight");
        k.weights = knobs().weights;
    }
    // The budgets do move the tiers (the test would see nothing otherwise).
    assert!(tiers_moved >= 4, "{tiers_moved}");
    // Past the page's budgets, only the engine answers.
    k.tiers.watch = 30.0;
    assert_eq!(shown.retiered(&k.tiers), None);
}

#[test]
fn another_budget_is_applied_at_once_when_features_end_on_different_days() {
    // The bundled telemetry with three features that stop early and one with a gap on
    // its day before last: their tiers read windows of other days.
    let (telemetry, events) = feature_radar::synth::bundled_files();
    let last = telemetry.lines().last().unwrap()[..10].to_string();
    let before_last = {
        let d = chrono::NaiveDate::parse_from_str(&last, "%Y-%m-%d").unwrap();
        (d - chrono::Duration::days(1)).to_string()
    };
    let names: Vec<&str> = {
        let mut n: Vec<&str> = telemetry
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
        n.sort_unstable();
        n.dedup();
        n
    };
    let stops = [
        (names[3], "2026-10-02"),
        (names[20], "2026-11-05"),
        (names[41], "2026-11-20"),
    ];
    let kept: String = telemetry
        .lines()
        .filter(|l| {
            let (date, feature) = (&l[..10], l.split(',').nth(1).unwrap_or(""));
            let stopped = stops.iter().any(|(f, end)| *f == feature && date > *end);
            let gap = feature == names[60] && date == before_last;
            !stopped && !gap
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let data = load(
        "telemetry.csv",
        kept.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .unwrap();
    let config = Config::default();
    let analysis = prepare(&data.dataset, &data.events, &config.model, &config.slo);
    let shown = analysis.report(&config.tiers, &config.impact);
    let table = shown.budget.as_ref().expect("a table");
    assert!(table.windows.len() >= 6, "{} windows", table.windows.len());
    for (investigate, watch) in BUDGETS {
        let tiers = feature_radar::impact::TierThresholds { investigate, watch };
        let applied = shown.retiered(&tiers).expect("a budget the sliders offer");
        let fresh = analysis.report(&tiers, &config.impact);
        assert_retiered(&applied, &fresh, &shown, &format!("{tiers:?}"));
    }
}
