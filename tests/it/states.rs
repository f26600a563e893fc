//! What is under way now is told apart from what may happen, and the "why" is in plain
//! words that agree with what the metrics did: as a person reads the overview, the
//! table, the feature view, the command line's rows and the exports.

use feature_radar::detail::FeatureDetail;
use feature_radar::impact::ImpactWeights;
use feature_radar::model::features::INPUTS;
use feature_radar::report::{prepare, Analysis, FeatureStatus, Report};
use feature_radar::state::State;
use feature_radar::why::{effect_text, Direction, Group};
use feature_radar::{load, Config, LoadedData};

const DAYS: usize = 90;

/// Three features over 90 days from 2026-01-01: `checkout`, whose p95 latency creeps up
/// 3% a day from day 55 (2026-02-25, the day of deploy v5.0.1) and whose incident
/// "checkout slow" (sev2) opened on day 80 (2026-03-22) and is still open on the last
/// day; `search`, whose p95 latency doubled from day 85 (2026-03-27) with no incident
/// logged; and `profile`, quiet.
fn three_features() -> LoadedData {
    let mut telemetry = String::from("date,feature,sessions,latency_p95_ms,crash_rate\n");
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for i in 0..DAYS {
        let date = start + chrono::Days::new(i as u64);
        let wiggle = 1.0 + ((i as f64) * 2.4).sin() * 0.02;
        let checkout = 200.0 * 1.03f64.powf(i.saturating_sub(55) as f64) * wiggle;
        let search = 300.0 * if i >= 85 { 2.0 } else { 1.0 } * wiggle;
        let profile = 150.0 * wiggle;
        for (feature, p95, sessions) in [
            ("checkout", checkout, 5000),
            ("search", search, 8000),
            ("profile", profile, 2000),
        ] {
            telemetry.push_str(&format!("{date},{feature},{sessions},{p95:.1},0.001\n"));
        }
    }
    let events = "timestamp,feature,kind,title,severity,end\n\
        2026-02-25T14:00:00Z,checkout,deploy,v5.0.1,,\n\
        2026-03-22T09:00:00Z,checkout,incident,checkout slow,sev2,2026-04-05T00:00:00Z\n";
    let loaded = load(
        "telemetry.csv",
        telemetry.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .unwrap();
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    loaded
}

fn analysed(loaded: &LoadedData) -> (Analysis, Report) {
    let config = Config::default();
    let analysis = prepare(&loaded.dataset, &loaded.events, &config.model, &config.slo);
    let report = analysis.report(&config.tiers, &config.impact);
    (analysis, report)
}

fn status<'a>(report: &'a Report, feature: &str) -> &'a FeatureStatus {
    report
        .ranking
        .iter()
        .find(|s| s.feature == feature)
        .unwrap_or_else(|| panic!("no {feature} in the ranking"))
}

fn detail(analysis: &Analysis, report: &Report, feature: &str) -> FeatureDetail {
    let f = analysis.dataset.feature_index(feature).unwrap();
    analysis.feature_detail(f, status(report, feature))
}

/// The bundled data, analysed with the default settings.
fn bundled() -> (Analysis, Report) {
    let (telemetry, events) = feature_radar::synth::bundled_files();
    let loaded = load(
        "telemetry.csv",
        telemetry.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .unwrap();
    analysed(&loaded)
}

#[test]
fn an_open_incident_is_under_way_since_its_start_and_the_advice_works_it() {
    let (analysis, report) = analysed(&three_features());
    let checkout = status(&report, "checkout");
    assert_eq!(checkout.state, State::UnderWay);
    let under_way = checkout.under_way.as_ref().expect("under way");
    assert_eq!(under_way.since.to_string(), "2026-03-22");
    assert_eq!(under_way.incident.as_deref(), Some("checkout slow"));
    assert!(
        checkout.reasons[0].starts_with(
            "degradation under way since 2026-03-22: incident \"checkout slow\" (sev2)"
        ),
        "{:?}",
        checkout.reasons
    );

    let view = detail(&analysis, &report, "checkout");
    // The sentence tells what is happening, not the chance that it starts.
    assert!(
        view.sentence
            .starts_with("checkout: degradation under way since 2026-03-22"),
        "{}",
        view.sentence
    );
    assert!(
        !view.sentence.contains("risk that a degradation starts"),
        "{}",
        view.sentence
    );
    assert!(
        view.sentence.contains("weekly sessions affected"),
        "{}",
        view.sentence
    );
    // The advice works the incident; it does not warn ahead of users.
    assert!(
        view.action
            .starts_with("Act now, it is under way: work the open incident \"checkout slow\" (since 2026-03-22)."),
        "{}",
        view.action
    );
    assert!(
        !view.action.contains("before users feel it"),
        "{}",
        view.action
    );
    // Its p95 latency's creep began with deploy v5.0.1, as the chart says: the advice
    // names it and never says there was no deploy.
    let latency = &view.panels[0];
    let (_, change) = latency.changepoints.last().expect("a sustained change");
    assert!(change.ends_with("after deploy v5.0.1"), "{change}");
    assert!(view.action.contains("deploy v5.0.1"), "{}", view.action);
    assert!(!view.action.contains("No deploy"), "{}", view.action);
    // The command line's text says the same.
    let text = view.to_text(&report.backtest);
    assert!(
        text.contains("\nState: degradation under way since 2026-03-22"),
        "{text}"
    );
}

#[test]
fn a_breach_without_an_incident_is_under_way_and_says_what_it_affects() {
    let (analysis, report) = analysed(&three_features());
    let search = status(&report, "search");
    assert_eq!(search.state, State::UnderWay);
    let under_way = search.under_way.as_ref().unwrap();
    assert_eq!(under_way.since.to_string(), "2026-03-27");
    assert_eq!(under_way.incident, None);
    assert_eq!(under_way.breaching, vec!["p95 latency".to_string()]);
    assert!(
        search.reasons[0].starts_with(
            "degradation under way since 2026-03-27: p95 latency over 1.5x its 28-day median"
        ),
        "{:?}",
        search.reasons
    );
    let view = detail(&analysis, &report, "search");
    assert!(
        view.action.contains("with no incident logged: open one"),
        "{}",
        view.action
    );
    // The quiet feature has nothing under way.
    let profile = status(&report, "profile");
    assert_eq!(profile.under_way, None);
    assert_ne!(profile.state, State::UnderWay);
}

#[test]
fn counts_agree_between_the_overview_and_the_rows_and_read_as_people_say_them() {
    let (_, report) = analysed(&three_features());
    let rows = report
        .ranking
        .iter()
        .filter(|s| s.state == State::UnderWay)
        .count();
    assert_eq!(rows, 2);
    let headline = report.headline();
    assert_eq!(headline.under_way, rows);
    assert_eq!(
        headline.at_risk,
        report
            .ranking
            .iter()
            .filter(|s| s.state == State::AtRisk)
            .count()
    );
    // In ranking order.
    let text = &report.insights[0].text;
    assert!(
        text.starts_with("2 features have a degradation under way now: "),
        "{text}"
    );
    assert!(text.contains("checkout (since 2026-03-22)"), "{text}");
    assert!(text.contains("search (since 2026-03-27)"), "{text}");
    // Features under way come first among the sentences about features.
    let about: Vec<&str> = report
        .insights
        .iter()
        .filter_map(|i| i.feature.as_deref())
        .take(2)
        .collect();
    assert_eq!(about.len(), 2);
    assert!(
        about.contains(&"checkout") && about.contains(&"search"),
        "{about:?}"
    );
    // The same under other weights, which the page applies itself.
    let reweighted = report.reweighted(&ImpactWeights { usage: 0.0 });
    let config = Config {
        impact: ImpactWeights { usage: 0.0 },
        ..Config::default()
    };
    let loaded = three_features();
    let fresh = prepare(&loaded.dataset, &loaded.events, &config.model, &config.slo)
        .report(&config.tiers, &config.impact);
    assert_eq!(reweighted.insights, fresh.insights);
}

#[test]
fn the_ranking_export_has_the_state_and_the_score_output_keeps_the_contract() {
    let (analysis, report) = analysed(&three_features());
    let csv = report.ranking_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "rank,feature,date,tier,risk,risk_7d_ago,impact,sessions_7d,reasons,state,under_way_since"
    );
    let checkout = lines.find(|l| l.contains(",checkout,")).unwrap();
    assert!(checkout.ends_with(",under_way,2026-03-22"), "{checkout}");
    let json = serde_json::to_value(&report).unwrap();
    let first = &json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["feature"] == "checkout")
        .unwrap();
    assert_eq!(first["state"], "under_way");
    assert_eq!(first["under_way"]["since"], "2026-03-22");
    // `score` keeps the contract's columns.
    let mut out = Vec::new();
    let config = Config::default();
    analysis
        .write_scores_csv(&config.tiers, &config.impact, &mut out)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("date,feature,risk,impact,tier,reasons\n"));
    let last = text.lines().rfind(|l| l.contains(",checkout,")).unwrap();
    assert!(
        last.contains("degradation under way since 2026-03-22: incident"),
        "{last}"
    );
}

#[test]
fn on_the_bundled_data_under_way_and_at_risk_read_differently() {
    let (analysis, report) = bundled();
    // media-upload-ios has an incident open on the last day.
    let top = status(&report, "media-upload-ios");
    assert_eq!(top.state, State::UnderWay);
    assert_eq!(
        top.under_way.as_ref().unwrap().since.to_string(),
        "2026-11-24"
    );
    let view = detail(&analysis, &report, "media-upload-ios");
    assert!(view.action.starts_with("Act now"), "{}", view.action);
    assert!(
        !view.action.contains("before users feel it"),
        "{}",
        view.action
    );
    assert!(
        !view.sentence.contains("risk that a degradation starts"),
        "{}",
        view.sentence
    );

    let at_risk: Vec<&FeatureStatus> = report
        .ranking
        .iter()
        .filter(|s| s.state == State::AtRisk)
        .collect();
    assert!(!at_risk.is_empty());
    for status in at_risk {
        assert!(status.under_way.is_none());
        let view = detail(&analysis, &report, &status.feature);
        assert!(
            view.sentence
                .contains("% risk that a degradation starts within 7 days"),
            "{}",
            view.sentence
        );
        assert!(!view.sentence.contains("under way"), "{}", view.sentence);
        assert!(
            view.action.starts_with("Investigate now") || view.action.starts_with("Watch"),
            "{}",
            view.action
        );
        assert!(status.reasons.iter().all(|r| !r.contains("under way")));
    }
}

/// Words a person should not meet in the main view or the reasons.
fn jargon(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    for word in [
        "noise unit",
        "log-odds",
        "odds x",
        " pts",
        "z-score",
        "sigma",
    ] {
        if lower.contains(word) {
            return Some(word.to_string());
        }
    }
    INPUTS
        .iter()
        .map(|i| i.id())
        .find(|id| lower.contains(id))
        .map(str::to_string)
}

#[test]
fn reasons_and_the_main_view_say_it_without_jargon() {
    let (analysis, report) = bundled();
    let mut said: Vec<String> = Vec::new();
    for status in &report.ranking {
        said.extend(status.reasons.iter().cloned());
    }
    said.extend(report.insights.iter().map(|i| i.text.clone()));
    for status in report.ranking.iter().take(20) {
        let view = detail(&analysis, &report, &status.feature);
        said.push(view.sentence.clone());
        said.push(view.action.clone());
        said.extend(view.biggest_lever.clone());
        said.extend(view.why.iter().map(|e| e.text.clone()));
    }
    let (small, _) = analysed(&three_features());
    let config = Config::default();
    for row in small.score_rows(&config.tiers, &config.impact) {
        said.extend(row.reasons);
    }
    for text in &said {
        assert_eq!(jargon(text), None, "{text}");
    }
    // The detector of jargon can fail.
    assert!(jargon("p95 latency 9.3 noise units from its usual level").is_some());
    assert!(jargon("latency_trend_7d: odds x44.07").is_some());
}

#[test]
fn the_words_agree_with_the_direction_of_the_metric() {
    // The creeping feature: its latency is up and its reasons say so, and that it
    // raises the risk.
    let (analysis, report) = analysed(&three_features());
    let view = detail(&analysis, &report, "checkout");
    let latency = view
        .why
        .iter()
        .find(|e| e.group == Group::Latency)
        .expect("a latency group");
    assert!(
        latency.change.starts_with("p95 latency up "),
        "{}",
        latency.change
    );
    assert_eq!(latency.direction, Direction::Worse);

    // Everywhere in the bundled data: a metric that moved the way trouble goes is never
    // said to lower the risk without saying plainly that this goes against it, and one
    // that moved the other way is never said to raise it so.
    let (analysis, report) = bundled();
    let mut checked = 0;
    for status in &report.ranking {
        let view = detail(&analysis, &report, &status.feature);
        for e in &view.why {
            let lowers = e.text.contains("lowers the risk");
            let raises = e.text.contains("raises the risk");
            let plain = e.text.contains(", yet on balance this ");
            match e.direction {
                Direction::Worse => assert!(!lowers || plain, "{}", e.text),
                Direction::Better => assert!(!raises || plain, "{}", e.text),
                Direction::Steady => {}
            }
            if e.change.starts_with("p95 latency up") {
                assert_eq!(e.direction, Direction::Worse, "{}", e.change);
            }
            if e.change.starts_with("p95 latency down") {
                assert_ne!(e.direction, Direction::Worse, "{}", e.change);
            }
            checked += 1;
        }
        // Reasons are the groups whose metric moved the way trouble goes; one that did
        // not is given, alone and in its plain words, only when none did.
        let groups: Vec<&String> = status
            .reasons
            .iter()
            .filter(|r| !r.starts_with("degradation under way") && *r != "no signal stands out")
            .collect();
        let against = groups
            .iter()
            .filter(|r| r.contains(", yet on balance") || r.contains("(days like this"))
            .count();
        assert!(against == 0 || groups.len() == 1, "{:?}", status.reasons);
        for reason in &status.reasons {
            // Reasons are what raises the risk: never a drop said to raise it unless
            // plainly.
            if reason.contains("p95 latency down") {
                assert!(reason.contains(", yet on balance this raises"), "{reason}");
            }
        }
    }
    assert!(checked > 100, "{checked}");

    // A rising latency whose push is down says so plainly, never as a plain "lowers".
    let text = effect_text(
        "p95 latency up 148% on its 4-week level",
        Direction::Worse,
        -3.0,
    );
    assert!(
        text.starts_with(
            "p95 latency up 148% on its 4-week level, yet on balance this lowers the risk"
        ),
        "{text}"
    );
    assert_eq!(
        effect_text(
            "p95 latency up 148% on its 4-week level",
            Direction::Worse,
            2.0
        ),
        "p95 latency up 148% on its 4-week level: strongly raises the risk"
    );
}

#[test]
fn impact_has_a_unit_or_an_explanation_under_any_usage_weight() {
    for usage in [0.0, 0.25, 0.5, 0.99, 1.0] {
        let w = ImpactWeights { usage };
        let meaning = w.meaning();
        let shown = w.show(w.score(0.5, 10_000.0));
        if usage == 1.0 {
            assert_eq!(shown, "5.0k sessions");
            assert!(meaning.contains("sessions a degradation would reach"));
        } else if usage == 0.0 {
            assert_eq!(shown, "50%");
            assert!(meaning.contains("risk alone"));
        } else {
            // Not a number of sessions: it never says it is.
            assert!(!shown.contains("sessions"), "{usage}: {shown}");
            assert!(meaning.contains("not a number of sessions"), "{meaning}");
        }
    }
}
