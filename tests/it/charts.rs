//! The feature view's charts as a reader sees them: figures rounded in tooltips, the
//! expected range's edges (not its width), tiers named on the risk chart, legend icons the
//! shape of their marks, zoom on every chart over time, and text a reader can see in both
//! themes. Checked on the charts' options (the JSON ECharts draws).

use super::small_params;
use feature_radar::chart_style::{self, contrast, DARK, LIGHT};
use feature_radar::synth::generate;
use feature_radar::telemetry::{write_events_csv, write_telemetry_csv};
use feature_radar::{charts, load, Config};
use serde_json::Value;

/// Options of the top feature's charts (risk first, then the model card's calibration and
/// lead time, then each metric), light and dark.
fn top_feature_options(dark: bool) -> Vec<Value> {
    let data = generate(&small_params(7));
    let telemetry = write_telemetry_csv(&data.telemetry);
    let events = write_events_csv(&data.events);
    let loaded = load(
        "telemetry.csv",
        telemetry.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .unwrap();
    let config = Config::default();
    let analysis =
        feature_radar::report::prepare(&loaded.dataset, &loaded.events, &config.model, &config.slo);
    let report = analysis.report(&config.tiers, &config.impact);
    let top = &report.ranking[0];
    let f = loaded.dataset.feature_index(&top.feature).unwrap();
    let detail = analysis.feature_detail(f, top);
    let card = &report.model_card;
    let mut options = vec![
        chart_style::option(&charts::risk_chart(&detail, &report.cutoffs_today), dark),
        chart_style::option(&charts::calibration_chart(&card.calibration), dark),
        chart_style::option(
            &charts::lead_time_chart(
                &card.lead_time.lead_days,
                card.horizon_days,
                card.lead_time.missed,
            ),
            dark,
        ),
    ];
    for panel in &detail.panels {
        options.push(chart_style::option(
            &charts::metric_chart(&detail, panel),
            dark,
        ));
    }
    options
}

/// telemetry.csv of three features over 42 days: `checkout` by platform and app version
/// (ios 50% slower in the last week, v2 from day 28 with twice the crash rate), `search`
/// and `profile` without cohorts.
fn cohort_telemetry() -> String {
    use std::fmt::Write;
    let mut out = String::from(
        "date,feature,sessions,latency_p95_ms,crash_rate,error_rate,feedback_score,feedback_count,platform,app_version\n",
    );
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let wobble = |t: usize, k: usize| ((t * 7 + k * 13) as f64 * 0.731).sin();
    for t in 0..42 {
        let date = start + chrono::Days::new(t as u64);
        for (k, platform) in ["ios", "android", "web"].into_iter().enumerate() {
            for (v, version) in ["v1", "v2"].into_iter().enumerate() {
                let live = v == 0 || t >= 28;
                if !live {
                    continue;
                }
                let sessions = [3000.0, 4000.0, 3000.0][k] * if t >= 28 { 0.5 } else { 1.0 };
                let slow = if k == 0 && t >= 35 { 1.5 } else { 1.0 };
                let p95 = [200.0, 250.0, 180.0][k] * (1.0 + 0.02 * wobble(t, k + v)) * slow;
                let crash = 0.002 * (v + 1) as f64 * (1.0 + 0.05 * wobble(t, k + 3));
                writeln!(
                    out,
                    "{date},checkout,{sessions:.0},{p95:.1},{crash:.6},0.01,4.2,50,{platform},{version}"
                )
                .unwrap();
            }
        }
        for (name, p95) in [("search", 120.0), ("profile", 900.0)] {
            writeln!(
                out,
                "{date},{name},5000,{:.1},0.001,0.01,4.0,40,,",
                p95 * (1.0 + 0.03 * wobble(t, 9))
            )
            .unwrap();
        }
    }
    out
}

/// The charts of a feature's cohorts, its latest release and a comparison of features,
/// as ECharts gets them in one theme.
fn cohort_options(dark: bool) -> Vec<Value> {
    let telemetry = cohort_telemetry();
    let loaded = load("telemetry.csv", telemetry.as_bytes(), None::<(&str, &[u8])>).unwrap();
    let config = Config::default();
    let analysis =
        feature_radar::report::prepare(&loaded.dataset, &loaded.events, &config.model, &config.slo);
    let report = analysis.report(&config.tiers, &config.impact);
    let status = report
        .ranking
        .iter()
        .find(|s| s.feature == "checkout")
        .unwrap();
    let f = loaded.dataset.feature_index("checkout").unwrap();
    let detail = analysis.feature_detail(f, status);
    let breakdown = detail.cohorts.as_ref().expect("checkout has cohorts");
    let release = detail.release.as_ref().expect("checkout has two versions");
    let names: Vec<String> = ["checkout", "search", "profile"].map(String::from).to_vec();
    let comparison =
        feature_radar::comparison::compare_features(&analysis, &report, &names).unwrap();
    let mut charts = Vec::new();
    for d in &breakdown.dimensions {
        for (metric, _) in &d.history.metrics {
            charts.push(charts::cohort_chart(d, *metric));
        }
        charts.push(charts::cohort_share_chart(d));
    }
    charts.push(charts::adoption_chart(release));
    charts.push(charts::comparison_risk_chart(&comparison));
    for m in &comparison.metrics {
        for relative in [false, true] {
            charts.push(charts::comparison_metric_chart(&comparison, m, relative));
        }
    }
    charts
        .iter()
        .map(|c| chart_style::option(c, dark))
        .collect()
}

fn series<'a>(option: &'a Value, name: &str) -> Option<&'a Value> {
    option["series"]
        .as_array()?
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
}

fn numbers(values: &Value) -> Vec<f64> {
    values
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Every colour given to text: labels and text styles, anywhere in the option.
fn text_colours(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "label" || key == "textStyle" {
                    if let Some(c) = v["color"].as_str() {
                        into.push(c.to_string());
                    }
                }
                text_colours(v, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| text_colours(v, into)),
        _ => {}
    }
}

#[test]
fn figures_show_four_significant_digits_and_the_range_by_its_edges() {
    let options = top_feature_options(false);
    let latency = options
        .iter()
        .find(|o| {
            o["title"][0]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Latency p95"))
        })
        .expect("a latency chart");
    let values = numbers(&series(latency, "Latency p95").unwrap()["data"]);
    assert!(values.len() > 100);
    for v in &values {
        let digits = 3 - v.abs().log10().floor() as i32;
        let scale = 10f64.powi(digits.max(0));
        assert!(
            ((v * scale).round() - v * scale).abs() < 1e-6,
            "{v} shows more than 4 digits"
        );
    }
    // The tooltip's rows are the edges; the shading's base and width stay out of it.
    let low = numbers(&series(latency, chart_style::EDGE_LOW).unwrap()["data"]);
    let high = numbers(&series(latency, chart_style::EDGE_HIGH).unwrap()["data"]);
    assert!(!low.is_empty() && low.len() == high.len());
    assert!(low.iter().zip(&high).all(|(l, h)| l <= h));
    for quiet in [chart_style::BAND_BASE, chart_style::BAND] {
        assert_eq!(
            series(latency, quiet).unwrap()["tooltip"]["show"],
            false,
            "{quiet}"
        );
    }
    for edge in [chart_style::EDGE_LOW, chart_style::EDGE_HIGH] {
        assert!(
            series(latency, edge).unwrap().get("tooltip").is_none(),
            "{edge}"
        );
    }
}

#[test]
fn the_risk_chart_names_its_tiers_and_every_chart_over_time_zooms() {
    let options = top_feature_options(false);
    let risk = &options[0];
    for tier in ["investigate", "watch"] {
        let line = risk["series"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|s| {
                let data = &s["markLine"]["data"][0];
                (data["name"].as_str() == Some(tier)).then_some(&s["markLine"])
            })
            .unwrap_or_else(|| panic!("no {tier} line"));
        assert_eq!(
            line["label"]["formatter"], "{b}",
            "{tier} line shows its value"
        );
    }
    // The risk chart and every metric chart are charts over time.
    for option in std::iter::once(&options[0]).chain(&options[3..]) {
        assert_zooms_over_time(option);
    }
}

#[test]
fn cohort_release_and_comparison_charts_have_a_line_each_zoom_and_four_digits() {
    let options = cohort_options(false);
    let title = |o: &Value| {
        o["title"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let find = |start: &str| {
        options
            .iter()
            .find(|o| title(o).starts_with(start))
            .unwrap_or_else(|| panic!("no chart titled {start}..."))
    };
    // A line per cohort, named by it, and one per compared feature.
    let names = |o: &Value| -> Vec<String> {
        o["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    let platform = find("P95 latency by platform (ms)");
    let mut cohorts = names(platform);
    cohorts.sort();
    assert_eq!(cohorts, ["android", "ios", "web"]);
    let ios = numbers(&series(platform, "ios").unwrap()["data"]);
    assert_eq!(ios.len(), 42);
    assert!(ios[41] > 1.4 * ios[0], "ios slows down: {ios:?}");
    let share = find("Share of sessions by app version (%)");
    let v2 = &series(share, "v2").unwrap()["data"];
    assert!(
        v2[0].is_null() && (numbers(v2)[0] - 50.0).abs() < 1.0,
        "{v2}"
    );
    let crash = find("Crash rate by app version (%)");
    let v2 = numbers(&series(crash, "v2").unwrap()["data"]);
    assert!(
        v2.iter().all(|v| (0.3..0.5).contains(v)),
        "crash in %: {v2:?}"
    );
    let adoption = find("Adoption of v2");
    assert_eq!(names(adoption), ["v2"]);
    assert_eq!(
        names(find("Risk within the horizon")),
        ["checkout", "search", "profile"]
    );
    let relative = find("P95 latency relative to usual (1 = usual)");
    let profile = numbers(&series(relative, "profile").unwrap()["data"]);
    assert!(
        profile.iter().all(|v| (0.9..1.1).contains(v)),
        "{profile:?}"
    );
    for option in &options {
        assert_zooms_over_time(option);
        assert_eq!(option["dataZoom"][0]["zoomOnMouseWheel"], "shift");
        assert_eq!(option["legend"]["type"], "scroll", "{}", title(option));
        for s in option["series"].as_array().unwrap() {
            for v in numbers(&s["data"]) {
                let digits = 3 - v.abs().log10().floor() as i32;
                let scale = 10f64.powi(digits.max(0));
                assert!(
                    ((v * scale).round() - v * scale).abs() < 1e-6,
                    "{v} in {}",
                    title(option)
                );
            }
        }
    }
    // In the dark theme, no line keeps a light colour.
    for option in cohort_options(true) {
        let text = option.to_string();
        for light in chart_style::LINES {
            assert!(!text.contains(light), "{light} in {}", title(&option));
        }
    }
}

#[test]
fn legend_icons_are_the_shapes_of_their_marks() {
    for option in top_feature_options(false)
        .into_iter()
        .chain(cohort_options(false))
    {
        for item in option["legend"]["data"].as_array().into_iter().flatten() {
            let name = item["name"].as_str().unwrap();
            let icon = item["icon"].as_str().unwrap_or_default();
            let Some(s) = series(&option, name) else {
                continue;
            };
            let expected = match s["type"].as_str() {
                Some("scatter") => s["symbol"].as_str().unwrap_or("circle").to_string(),
                Some("line") if s.get("areaStyle").is_some() => "rect".to_string(),
                _ => "path://".to_string(),
            };
            assert!(
                icon.starts_with(&expected),
                "{name}: icon {icon}, mark {expected}"
            );
            // The icon takes the series' colour, which must be the mark's.
            if let Some(colour) = s["itemStyle"]["color"].as_str() {
                let mark = s["lineStyle"]["color"]
                    .as_str()
                    .or(s["areaStyle"]["color"].as_str())
                    .unwrap_or(colour);
                assert_eq!(colour, mark, "{name}");
            }
        }
    }
}

#[test]
fn chart_text_is_readable_in_both_themes() {
    for (dark, palette) in [(false, &LIGHT), (true, &DARK)] {
        let mut colours = Vec::new();
        text_colours(
            &serde_json::from_str(&chart_style::theme(dark)).unwrap(),
            &mut colours,
        );
        for option in top_feature_options(dark)
            .into_iter()
            .chain(cohort_options(dark))
        {
            text_colours(&option, &mut colours);
        }
        colours.push(palette.muted.to_string());
        assert!(colours.len() > 10);
        for colour in &colours {
            let ratio = contrast(colour, palette.background)
                .unwrap_or_else(|| panic!("{colour} is not #rrggbb"));
            assert!(
                ratio >= 4.5,
                "{colour} on {}: {ratio:.2}:1",
                palette.background
            );
        }
    }
}

/// A chart over time can be zoomed both by its slider and inside the plot.
fn assert_zooms_over_time(option: &Value) {
    let kinds: Vec<&str> = option["dataZoom"]
        .as_array()
        .map(|z| z.iter().filter_map(|z| z["type"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        kinds.contains(&"slider") && kinds.contains(&"inside"),
        "{}",
        option["title"][0]["text"]
    );
}
