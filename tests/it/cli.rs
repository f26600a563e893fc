//! `feature-radar score` and `detect` as the contract specifies them.

use super::{small_params, write, write_dataset};
use std::process::{Command, Output};

fn feature_radar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feature-radar"))
        .args(args)
        .output()
        .expect("run feature-radar")
}

/// Runs a subcommand on a generated dataset's two files, writing to standard output.
fn run_on(files: &super::Files, subcommand: &str) -> Output {
    feature_radar(&[
        subcommand,
        "--telemetry",
        files.telemetry().to_str().unwrap(),
        "--events",
        files.events().to_str().unwrap(),
        "--output",
        "-",
    ])
}

/// Writes `text` as `name` in `dir`, then runs `detect` on it to standard output.
fn detect_on(dir: &std::path::Path, name: &str, text: &str) -> Output {
    let input = dir.join(name);
    write(&input, text);
    feature_radar(&[
        "detect",
        "--input",
        input.to_str().unwrap(),
        "--output",
        "-",
    ])
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Runs a subcommand on a dataset's files, checks it succeeded, and reads its CSV output:
/// the header and the rows.
fn csv_of(files: &super::Files, subcommand: &str) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let out = run_on(files, subcommand);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    (header, reader.records().map(Result::unwrap).collect())
}

#[test]
fn score_writes_one_contract_row_per_feature_and_date() {
    let files = write_dataset(&small_params(11));
    let (header, rows) = csv_of(&files, "score");
    assert_eq!(
        header,
        vec!["date", "feature", "risk", "impact", "tier", "reasons"]
    );
    assert_eq!(
        rows.len(),
        files.data.telemetry.len(),
        "one row per input row"
    );
    let mut tiers = std::collections::HashSet::new();
    for row in &rows {
        let risk: f64 = row[2].parse().unwrap();
        let impact: f64 = row[3].parse().unwrap();
        assert!((0.0..=1.0).contains(&risk), "risk {risk}");
        assert!(impact >= 0.0);
        assert!(["investigate", "watch", "monitor"].contains(&&row[4]));
        assert!(!row[5].is_empty(), "every row says why");
        tiers.insert(row[4].to_string());
    }
    assert!(
        tiers.len() >= 2,
        "a real dataset spreads over tiers: {tiers:?}"
    );
}

/// The no-look-ahead promise: cutting the input at a date does not change any row up to
/// that date.
#[test]
fn score_rows_do_not_change_when_later_data_is_removed() {
    let files = write_dataset(&small_params(12));
    let full = std::fs::read_to_string(files.telemetry()).unwrap();
    let events = std::fs::read_to_string(files.events()).unwrap();
    let cut = "2026-08-31";
    let keep = |text: &str| -> String {
        text.lines()
            .enumerate()
            .filter(|(i, line)| *i == 0 || line[..10] <= *cut)
            .map(|(_, line)| format!("{line}\n"))
            .collect()
    };
    write(&files.path("telemetry_cut.csv"), &keep(&full));
    write(&files.path("events_cut.csv"), &keep(&events));
    let run = |telemetry: &str, events: &str| {
        let out = feature_radar(&[
            "score",
            "--telemetry",
            files.path(telemetry).to_str().unwrap(),
            "--events",
            files.path(events).to_str().unwrap(),
            "--output",
            "-",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let whole = run("telemetry.csv", "events.csv");
    let partial = run("telemetry_cut.csv", "events_cut.csv");
    let whole_rows: Vec<&str> = whole.lines().skip(1).filter(|l| l[..10] <= *cut).collect();
    let partial_rows: Vec<&str> = partial.lines().skip(1).collect();
    assert!(partial_rows.len() > 2000);
    assert_eq!(whole_rows.len(), partial_rows.len());
    for (a, b) in whole_rows.iter().zip(&partial_rows) {
        assert_eq!(a, b);
    }
    // And the model really was trained in that span, so the check means something.
    assert!(partial
        .lines()
        .any(|l| !l.contains("warming up") && !l.starts_with("date")));
}

#[test]
fn score_writes_to_a_file() {
    let files = write_dataset(&small_params(13));
    let target = files.path("scores.csv");
    let out = feature_radar(&[
        "score",
        "--telemetry",
        files.telemetry().to_str().unwrap(),
        "--output",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let text = std::fs::read_to_string(target).unwrap();
    assert!(text.starts_with("date,feature,risk,impact,tier,reasons\n"));
}

#[test]
fn score_refuses_bad_input_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.csv");
    write(&missing, "date,feature,sessions\n2026-01-01,a,1\n");
    let out = feature_radar(&[
        "score",
        "--telemetry",
        missing.to_str().unwrap(),
        "--output",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let message = stderr(&out);
    assert!(
        message.contains(
            "missing.csv: line 1: missing required column(s): latency_p95_ms, crash_rate"
        ),
        "{message}"
    );

    let bad = dir.path().join("bad.csv");
    write(
        &bad,
        "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,10,100,0.01\n2026-01-02,a,10,fast,0.01\n",
    );
    let out = feature_radar(&[
        "score",
        "--telemetry",
        bad.to_str().unwrap(),
        "--output",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(
        message.contains("bad.csv: line 3, column 4 (latency_p95_ms): 'fast' is not a number"),
        "{message}"
    );

    // With --lenient the good rows are scored and the bad one is listed.
    let out = feature_radar(&[
        "score",
        "--telemetry",
        bad.to_str().unwrap(),
        "--output",
        "-",
        "--lenient",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    assert!(stderr(&out).contains("line 3, column 4"));

    let out = feature_radar(&[
        "score",
        "--telemetry",
        "/nonexistent/t.csv",
        "--output",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/t.csv: cannot read"));
}

#[test]
fn a_header_in_another_format_is_refused_with_what_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let semicolons = dir.path().join("export.csv");
    write(
        &semicolons,
        "date;feature;sessions;latency_p95_ms;crash_rate\n2026-01-01;a;10;100;0,01\n",
    );
    let out = feature_radar(&[
        "score",
        "--telemetry",
        semicolons.to_str().unwrap(),
        "--output",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(
        message.contains("export.csv: line 1: missing required column(s): date, feature"),
        "{message}"
    );
    assert!(
        message.contains("'date;feature;sessions;latency_p95_ms;crash_rate'"),
        "the names found: {message}"
    );
    assert!(message.contains("separated by ';'"), "{message}");

    // A comma-separated header in other words lists its names and no separator.
    let capitals = dir.path().join("capitals.csv");
    write(
        &capitals,
        "Date,Feature,Sessions,Latency_P95_ms,Crash_Rate\n2026-01-01,a,10,100,0.01\n",
    );
    let out = feature_radar(&[
        "score",
        "--telemetry",
        capitals.to_str().unwrap(),
        "--output",
        "-",
    ]);
    let message = stderr(&out);
    assert!(
        message.contains("'Date', 'Feature', 'Sessions'"),
        "{message}"
    );
    assert!(message.contains("'Crash_Rate' as crash_rate"), "{message}");
    assert!(!message.contains("separated"), "{message}");

    // detect reads its series with the same rules.
    let out = detect_on(dir.path(), "s.csv", "timestamp\tvalue\n2014-04-01\t1\n");
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(
        message.contains("s.csv: line 1: missing required column(s): timestamp, value")
            && message.contains("'timestamp\\tvalue'")
            && message.contains("separated by tabs"),
        "{message}"
    );
}

#[test]
fn detect_scores_each_row_online_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("timestamp,value\n");
    for i in 0..300 {
        let value = if i == 250 {
            500.0
        } else {
            100.0 + (i as f64 * 0.7).sin() * 5.0
        };
        text.push_str(&format!(
            "2014-04-01 {:02}:{:02}:00,{value}\n",
            i / 60,
            i % 60
        ));
    }
    let out = detect_on(dir.path(), "series.csv", &text);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(lines[0], "timestamp,value,anomaly_score");
    assert_eq!(lines.len(), 301);
    let scores: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let top = scores.iter().cloned().fold(0.0, f64::max);
    assert_eq!(scores[250], top, "the spike scores highest");
    assert!(
        lines[251].starts_with("2014-04-01 04:10:00,500,"),
        "rows kept in order: {}",
        lines[251]
    );

    // Online: the first 200 rows score the same without the rest.
    let prefix: String = text.lines().take(201).map(|l| format!("{l}\n")).collect();
    let out = detect_on(dir.path(), "short.csv", &prefix);
    let short_lines: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(short_lines[..], lines[..201]);
}

/// Hourly rows, NAB-style timestamps, 5 weeks: a busy midday every weekday, quiet
/// nights and weekends. The daily peak recurs, so it is not an anomaly; a peak on a
/// Sunday, where the week says quiet, is, though the same value is ordinary on weekdays.
#[test]
fn detect_reads_timestamps_so_a_recurring_peak_is_not_an_anomaly() {
    let dir = tempfile::tempdir().unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let hours = 5 * 7 * 24;
    let sunday_noon = (4 * 7 + 6) * 24 + 12;
    let mut text = String::from("timestamp,value\n");
    for h in 0..hours {
        let hour = h % 24;
        let weekend = (h / 24) % 7 >= 5;
        let busy = (10..16).contains(&hour) && (!weekend || h == sunday_noon);
        let wiggle = ((h * 37) % 11) as f64 - 5.0;
        let value = if busy { 900.0 } else { 300.0 } + wiggle;
        let t = start + chrono::Duration::hours(h as i64);
        text.push_str(&format!("{},{value}\n", t.format("%Y-%m-%d %H:%M:%S")));
    }
    let out = detect_on(dir.path(), "hourly.csv", &text);
    assert!(out.status.success(), "{}", stderr(&out));
    let scores: Vec<f64> = stdout(&out)
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(scores.len(), hours);
    assert!(
        scores[sunday_noon] > 0.7,
        "Sunday peak {}",
        scores[sunday_noon]
    );
    // Weekday peaks in weeks 4 and 5 (after three weeks of history) stay calm.
    let weekday_peaks = (21 * 24..hours)
        .filter(|h| (10..16).contains(&(h % 24)) && (h / 24) % 7 < 5)
        .map(|h| scores[h])
        .fold(0.0, f64::max);
    assert!(weekday_peaks < 0.5, "a weekday peak scored {weekday_peaks}");
}

#[test]
fn detect_refuses_a_bad_value_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = detect_on(
        dir.path(),
        "s.csv",
        "timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,NaN!\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("s.csv: line 3, column 2 (value): 'NaN!' is not a number"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn backtest_lists_each_past_incident_with_its_warnings() {
    let files = write_dataset(&small_params(14));
    let (header, rows) = csv_of(&files, "backtest");
    assert_eq!(
        header,
        vec![
            "feature",
            "start",
            "title",
            "model",
            "first_watch",
            "watch_lead_days",
            "first_investigate",
            "investigate_lead_days",
            "risk_day_before"
        ]
    );
    let incidents = files
        .data
        .events
        .iter()
        .filter(|e| e.kind == feature_radar::telemetry::EventKind::Incident)
        .count();
    // Every incident has its row; breaches of the service level before the first
    // incident (the incident log's start) are degradations too, without a title.
    assert_eq!(rows.iter().filter(|r| !r[2].is_empty()).count(), incidents);
    assert!(
        rows.iter().any(|r| &r[3] == "fitted" && !r[7].is_empty()),
        "some incident was warned"
    );
}

#[test]
fn explain_tells_one_feature_in_words_or_json_and_names_an_unknown_one() {
    let files = write_dataset(&small_params(14));
    let incident = files
        .data
        .events
        .iter()
        .find(|e| e.kind == feature_radar::telemetry::EventKind::Incident)
        .expect("the generator plants incidents");
    let feature = incident.feature.clone();
    let (telemetry, events) = (files.telemetry(), files.events());
    let args = |extra: &[&str]| {
        let mut a = vec![
            "explain",
            "--telemetry",
            telemetry.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<String>>()
    };
    let run = |a: Vec<String>| feature_radar(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let out = run(args(&["--feature", &feature]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{feature}: ")), "{text}");
    for section in [
        "Recommended: ",
        "Sustained changes (level or trend):",
        "Anomalous days in the last 14:",
        "Past degradations, and how early the tool warned:",
    ] {
        assert!(text.contains(section), "no '{section}' in:\n{text}");
    }
    assert!(
        text.contains(&incident.title),
        "the incident is not in its backtest:\n{text}"
    );

    let out = run(args(&["--feature", &feature, "--json"]));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["feature"], feature.as_str());
    assert!(json["panels"].as_array().unwrap().len() >= 3);

    let out = run(args(&["--feature", "no-such-feature"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no feature 'no-such-feature' (the most urgent are: "),
        "{}",
        stderr(&out)
    );
}

/// The model card says how much of the model is the default and how much was learned,
/// states the tier rule, and says when incidents cannot count.
#[test]
fn card_states_the_default_learned_split_the_tier_rule_and_label_notes() {
    let files = write_dataset(&small_params(8));
    let mut events = std::fs::read_to_string(files.events()).unwrap();
    events.push_str("2020-01-01,*,incident,before the data,,\n");
    events.push_str("2026-07-01,no-such-feature,incident,elsewhere,,\n");
    write(&files.path("events_extra.csv"), &events);
    let out = feature_radar(&[
        "card",
        "--telemetry",
        files.telemetry().to_str().unwrap(),
        "--events",
        files.path("events_extra.csv").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let card = stdout(&out);
    assert!(card.contains("% learned from this data"), "{card}");
    assert!(card.contains("alert budget"), "{card}");
    assert!(
        card.contains("is dated before the telemetry starts"),
        "{card}"
    );
    assert!(
        card.contains("a feature the telemetry does not have"),
        "{card}"
    );
    // An incident before the data means incidents are the labels from the first day.
    assert!(
        card.contains("Degradations are incidents from events.csv"),
        "{card}"
    );
    // The baselines, the comparison, the calibration counts and the missed degradations.
    let monitor = card
        .lines()
        .find(|l| l.trim_start().starts_with("threshold monitor"))
        .unwrap_or_else(|| panic!("no threshold monitor row: {card}"));
    assert!(monitor.contains("0."), "{monitor}");
    assert!(card.contains("base rate          0.500"), "{card}");
    assert!(card.contains("the threshold monitor (ROC AUC"), "{card}");
    assert!(card.contains(" missed"), "{card}");
    assert!(
        card.contains("Calibration (risk band: feature-days"),
        "{card}"
    );
    let stderr = stderr(&out);
    assert!(
        stderr.contains("is dated before the telemetry starts"),
        "{stderr}"
    );
}

#[test]
fn score_refuses_flags_out_of_bounds() {
    let files = write_dataset(&small_params(8));
    let telemetry = files.telemetry();
    for flags in [
        ["--horizon", "18446744073709551615"],
        ["--slo-latency-ratio", "NaN"],
        ["--slo-crash-ratio", "-1"],
        ["--investigate", "inf"],
        ["--watch", "0.5"],
    ] {
        let mut args = vec![
            "score",
            "--telemetry",
            telemetry.to_str().unwrap(),
            "--output",
            "-",
        ];
        args.extend(flags);
        let out = feature_radar(&args);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

/// Files whose cost would come from their dates or from absurd values are refused with
/// a message, quickly, instead of exhausting time or memory.
#[test]
fn absurd_spans_and_values_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, text: &str| {
        let path = dir.path().join(name);
        write(&path, text);
        feature_radar(&[
            "score",
            "--telemetry",
            path.to_str().unwrap(),
            "--output",
            "-",
        ])
    };
    let span = run(
        "span.csv",
        "date,feature,sessions,latency_p95_ms,crash_rate\n1900-01-01,a,1,100,0\n2026-01-01,a,1,100,0\n",
    );
    assert_eq!(span.status.code(), Some(1));
    assert!(
        stderr(&span).contains("span.csv: the data spans 46022 days"),
        "{}",
        stderr(&span)
    );
    let huge = run(
        "huge.csv",
        "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,5,1e308,0\n2026-01-02,a,5,100,0\n",
    );
    assert_eq!(huge.status.code(), Some(1));
    assert!(
        stderr(&huge)
            .contains("huge.csv: line 2, column 4 (latency_p95_ms): 1e308 is implausibly large"),
        "{}",
        stderr(&huge)
    );
    let long_cell = format!(
        "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,5,\u{1b}[2J{},0\n",
        "9".repeat(100_000)
    );
    let long = run("long.csv", &long_cell);
    let message = stderr(&long);
    assert!(message.len() < 1_000, "{} bytes", message.len());
    assert!(!message.contains('\u{1b}'), "escape sequences are escaped");
}

#[test]
fn endless_and_oversized_inputs_are_refused_before_they_fill_memory() {
    let dir = tempfile::tempdir().unwrap();
    let score = |path: &str| feature_radar(&["score", "--telemetry", path, "--output", "-"]);
    // A character device that never ends.
    if std::path::Path::new("/dev/zero").exists() {
        let zero = score("/dev/zero");
        assert_eq!(zero.status.code(), Some(1));
        assert_eq!(
            stderr(&zero).trim(),
            "feature-radar: /dev/zero: line 1: a line is longer than 1 MiB: this is not a CSV file of the contract (or it has no line ends)"
        );
        let detect = feature_radar(&["detect", "--input", "/dev/zero", "--output", "-"]);
        assert_eq!(detect.status.code(), Some(1));
        assert!(stderr(&detect).contains("a line is longer than 1 MiB"));
    }
    // A file over the size limit is refused from its size, without reading it (sparse).
    let big = dir.path().join("big.csv");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(feature_radar::telemetry::MAX_FILE_BYTES + 1)
        .unwrap();
    let out = score(big.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("big.csv: the file is larger than 256 MiB"),
        "{}",
        stderr(&out)
    );
    // An events file over the size limit too.
    let telemetry = dir.path().join("t.csv");
    write(
        &telemetry,
        "date,feature,sessions,latency_p95_ms,crash_rate\n2026-01-01,a,1,100,0\n",
    );
    let out = feature_radar(&[
        "score",
        "--telemetry",
        telemetry.to_str().unwrap(),
        "--events",
        big.to_str().unwrap(),
        "--output",
        "-",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("big.csv: the file is larger than 256 MiB"));
}
