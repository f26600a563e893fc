//! The data contract's one table of columns against what reads and documents it: the
//! templates the page offers read without a problem and analyse, and the README's tables
//! name the same columns, required or not, as the core's.

use feature_radar::telemetry::{
    events_template, parse_events, parse_telemetry, telemetry_template, Column, EVENTS_COLUMNS,
    TELEMETRY_COLUMNS,
};

#[test]
fn the_templates_read_without_a_problem_and_analyse() {
    let telemetry = telemetry_template();
    let parsed = parse_telemetry("telemetry.csv", telemetry.as_bytes()).unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert!(
        parsed.ignored_columns.is_empty(),
        "{:?}",
        parsed.ignored_columns
    );
    let features: std::collections::BTreeSet<&str> =
        parsed.records.iter().map(|r| r.feature.as_str()).collect();
    assert_eq!(features.len(), 2, "{features:?}");
    let days: std::collections::BTreeSet<_> =
        parsed.records.iter().map(|r| r.period_start).collect();
    assert!(days.len() >= 3, "{} days", days.len());
    // Every column but the cohort dimensions is filled somewhere, so the template shows
    // how each is written.
    let header: Vec<&str> = telemetry.lines().next().unwrap().split(',').collect();
    for column in TELEMETRY_COLUMNS.iter().filter(|c| c.required) {
        assert!(header.contains(&column.name), "{} missing", column.name);
    }
    assert!(parsed.records.iter().any(|r| r.feedback_score.is_none()));

    let events = events_template();
    let parsed_events = parse_events("events.csv", events.as_bytes()).unwrap();
    assert!(
        parsed_events.problems.is_empty(),
        "{:?}",
        parsed_events.problems
    );
    assert!(parsed_events.ignored_columns.is_empty());
    assert!(parsed_events.records.len() >= 3);
    // Every event falls within the template's days and names its features (or all).
    for event in &parsed_events.records {
        assert!(event.feature == "*" || features.contains(event.feature.as_str()));
        assert!(
            days.first().unwrap().date() <= event.day && event.day <= days.last().unwrap().date()
        );
    }

    let data = feature_radar::load(
        "telemetry.csv",
        telemetry.as_bytes(),
        Some(("events.csv", events.as_bytes())),
    )
    .expect("the templates load");
    assert!(data.problems.is_empty() && data.ignored_columns.is_empty());
    let report = feature_radar::analyze(&data.dataset, &data.events, &Default::default());
    assert_eq!(report.ranking.len(), 2);
}

/// The rows of the README's table that follows `heading`: (column names, required).
fn readme_table(readme: &str, heading: &str) -> Vec<(Vec<String>, bool)> {
    let start = readme
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} not in README"));
    readme[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| column"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let names = cells[1]
                .split(',')
                .map(|n| n.trim().trim_matches('`').to_string())
                .collect();
            (names, cells[2] == "yes")
        })
        .collect()
}

fn check_table(readme: &str, heading: &str, columns: &[Column]) {
    let table = readme_table(readme, heading);
    let documented: Vec<(String, bool)> = table
        .into_iter()
        .flat_map(|(names, required)| names.into_iter().map(move |n| (n, required)))
        .collect();
    let core: Vec<(String, bool)> = columns
        .iter()
        .map(|c| (c.name.to_string(), c.required))
        .collect();
    assert_eq!(documented, core, "README's {heading} table");
}

#[test]
fn the_readme_documents_the_columns_the_readers_take() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    check_table(&readme, "**`telemetry.csv`**", &TELEMETRY_COLUMNS);
    check_table(&readme, "**`events.csv`**", &EVENTS_COLUMNS);
}
