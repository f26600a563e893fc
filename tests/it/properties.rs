//! Properties checked on many generated inputs: what a person loading a file, sharing a
//! link or scoring a series relies on, whatever the input.
//!
//! - The CSV readers never panic, and every problem they report names a line of the file
//!   and, when it names a column, a column of the file's header; no row is dropped
//!   without a problem; messages are short and printable.
//! - Files written by the writers read back as the same records, in any column order,
//!   with LF or CRLF, with or without a byte order mark.
//! - The dashboard's URL state round-trips, and any query string opens a valid view.
//! - The anomaly detector gives one finite score in [0, 1] per row, and a row's score
//!   does not depend on the rows after it.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use feature_radar::analysis::detect::score_timed_series;
use feature_radar::impact::{ImpactWeights, Tier, TierThresholds};
use feature_radar::live::LiveSource;
use feature_radar::load;
use feature_radar::telemetry::{
    parse_events, parse_series, parse_telemetry, write_events_csv, write_scored_series,
    write_telemetry_csv, Cohort, EventKind, EventRecord, HeaderFound, IngestError, Problem,
    SeriesPoint, TelemetryRecord,
};
use feature_radar::view_state::{DataKind, SortKey, View, ViewState, HORIZONS};
use proptest::prelude::*;
use std::collections::HashSet;

// ---------------------------------------------------------------------------------------
// Reading any file

pub(crate) const TELEMETRY_COLUMNS: [&str; 12] = [
    "date",
    "feature",
    "sessions",
    "latency_p95_ms",
    "crash_rate",
    "latency_p50_ms",
    "error_rate",
    "feedback_score",
    "feedback_count",
    "platform",
    "app_version",
    "region",
];
const EVENTS_COLUMNS: [&str; 6] = ["timestamp", "feature", "kind", "title", "severity", "end"];
const SERIES_COLUMNS: [&str; 2] = ["timestamp", "value"];
/// A feature id of the longest length allowed, 128 characters.
const LONG_NAME: &str = "feature-id-of-the-longest-length-allowed-feature-id-of-the-longest-length-allowed-feature-id-of-the-longest-length-allowed-12345";

/// The file's lines as an editor counts them (a last line without a newline counts).
fn line_count(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    newlines + u64::from(bytes.last().is_some_and(|b| *b != b'\n'))
}

/// The header row's names, as the readers see them.
fn header_of(bytes: &[u8]) -> Vec<String> {
    csv::ReaderBuilder::new()
        .from_reader(bytes)
        .headers()
        .map(|h| h.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default()
}

/// The lines on which data rows start (the header and blank rows left out), from the
/// `csv` crate's own count on the file with its CRLFs made LFs (its count is one short
/// after each CRLF).
fn row_lines(bytes: &[u8]) -> Vec<u64> {
    let mut lf = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            lf.push(b);
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(&lf[..]);
    let mut lines = Vec::new();
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let blank = record.len() == 1 && String::from_utf8_lossy(&record[0]).trim().is_empty();
        if !blank {
            lines.extend(record.position().map(|p| p.line()));
        }
    }
    lines
}

/// A message a terminal can show safely: short, and without control characters.
fn check_message(message: &str) {
    assert!(
        message.chars().count() <= 200,
        "message of {} characters: {message:?}",
        message.chars().count()
    );
    assert!(
        !message.chars().any(char::is_control),
        "control character in {message:?}"
    );
}

/// A problem names the file, a line within it and, if any, a column of its header.
fn check_problem(problem: &Problem, file: &str, bytes: &[u8]) {
    assert_eq!(problem.file, file);
    let lines = line_count(bytes).max(1);
    assert!(
        (1..=lines).contains(&problem.line),
        "{problem} names line {} of a file of {lines} lines",
        problem.line
    );
    if let Some((index, name)) = &problem.column {
        let header = header_of(bytes);
        assert!(
            (1..=header.len()).contains(index) && header[index - 1] == *name,
            "{problem} names a column not in the header {header:?}"
        );
    }
    check_message(&problem.message);
    check_message(&problem.to_string().replacen(file, "", 1));
}

fn check_error(error: &IngestError, file: &str, bytes: &[u8]) {
    match error {
        IngestError::MissingColumns {
            file: f,
            missing,
            found,
        } => {
            assert_eq!(f, file);
            assert!(!missing.is_empty());
            // What the header held: a few names, each a short escaped excerpt.
            assert!(found.names.len() <= HeaderFound::SHOWN && found.names.len() <= found.count);
            let said = found.to_string();
            assert!(
                said.chars().count() <= 1200 && !said.chars().any(char::is_control),
                "{said:?}"
            );
        }
        IngestError::Unreadable {
            file: f,
            line,
            message,
        } => {
            assert_eq!(f, file);
            assert!((1..=line_count(bytes).max(1)).contains(line), "{error}");
            check_message(message);
        }
        IngestError::Empty { file: f } => assert_eq!(f, file),
        IngestError::Invalid { problem } => check_problem(problem, file, bytes),
        IngestError::NoValidRows { file: f, first } => {
            assert_eq!(f, file);
            check_problem(first, file, bytes);
        }
        IngestError::TooLong { file: f, .. } | IngestError::TooLarge { file: f, .. } => {
            assert_eq!(f, file)
        }
        IngestError::OverLimit {
            file: f,
            line,
            message,
        } => {
            assert_eq!(f, file);
            assert!(*line >= 1, "{error}");
            check_message(message);
        }
    }
}

/// Whether a line ends in a carriage return alone (not the contract's LF or CRLF): the
/// reader splits rows there, but counts lines by line feeds, so such rows share a line.
fn has_bare_cr(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
}

/// Every data row became a record or is named by a problem, and records keep file order.
fn check_rows_accounted(record_lines: &[u64], problems: &[Problem], bytes: &[u8]) {
    if has_bare_cr(bytes) {
        assert!(
            record_lines.windows(2).all(|w| w[0] <= w[1]),
            "{record_lines:?}"
        );
    } else {
        assert!(
            record_lines.windows(2).all(|w| w[0] < w[1]),
            "{record_lines:?}"
        );
    }
    assert!(problems.windows(2).all(|w| w[0].line <= w[1].line));
    let named: HashSet<u64> = record_lines
        .iter()
        .copied()
        .chain(problems.iter().map(|p| p.line))
        .collect();
    for line in row_lines(bytes) {
        assert!(
            named.contains(&line),
            "the row on line {line} was dropped without a problem"
        );
    }
}

fn check_telemetry(bytes: &[u8]) {
    match parse_telemetry("telemetry.csv", bytes) {
        Ok(parsed) => {
            for problem in &parsed.problems {
                check_problem(problem, "telemetry.csv", bytes);
            }
            for r in &parsed.records {
                assert!(!r.feature.is_empty() && r.feature.chars().count() <= 128);
                assert!(r.sessions as f64 <= 1e12);
                assert!(r.latency_p95_ms.is_finite() && (0.0..=1e12).contains(&r.latency_p95_ms));
                assert!((0.0..=1.0).contains(&r.crash_rate));
                assert!(r.error_rate.is_none_or(|e| (0.0..=1.0).contains(&e)));
                assert!(r.feedback_score.is_none_or(|s| (1.0..=5.0).contains(&s)));
            }
            let lines: Vec<u64> = parsed.records.iter().map(|r| r.line).collect();
            check_rows_accounted(&lines, &parsed.problems, bytes);
        }
        Err(error) => check_error(&error, "telemetry.csv", bytes),
    }
}

fn check_events(bytes: &[u8]) {
    match parse_events("events.csv", bytes) {
        Ok(parsed) => {
            for problem in &parsed.problems {
                check_problem(problem, "events.csv", bytes);
            }
            for pair in parsed.records.windows(2) {
                assert!(pair[0].timestamp <= pair[1].timestamp, "sorted by time");
            }
            for e in &parsed.records {
                assert!(e.end.is_none_or(|end| end >= e.timestamp));
                assert!(e.severity.is_none_or(|s| (1..=4).contains(&s)));
            }
            let mut lines: Vec<u64> = parsed.records.iter().map(|r| r.line).collect();
            lines.sort_unstable();
            check_rows_accounted(&lines, &parsed.problems, bytes);
        }
        Err(error) => check_error(&error, "events.csv", bytes),
    }
}

fn check_series(bytes: &[u8]) {
    match parse_series("series.csv", bytes) {
        Ok(points) => {
            assert!(points.len() <= bytes.len());
            for p in &points {
                assert!(!p.timestamp.is_empty());
                assert!(p.value.is_none_or(f64::is_finite));
            }
        }
        Err(error) => check_error(&error, "series.csv", bytes),
    }
}

/// A cell as exports write them, or as they get mangled: valid for its column most of
/// the time (`valid` picks which), otherwise anything.
fn cell_for(column: &str, valid: u32, junk: &str) -> String {
    if valid.is_multiple_of(8) {
        return junk.to_string();
    }
    let v = valid / 8;
    let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(i64::from(v % 6));
    match column {
        "date" | "timestamp" | "end" if v.is_multiple_of(5) => {
            format!("{day}T{:02}:00:00Z", v % 24)
        }
        "date" | "timestamp" | "end" => day.to_string(),
        "feature" => [
            "checkout",
            "search",
            "*",
            "\"pay, ship\"",
            "bell\u{7}",
            LONG_NAME,
        ][v as usize % 6]
            .to_string(),
        "sessions" | "feedback_count" => (v % 5000).to_string(),
        "latency_p95_ms" | "latency_p50_ms" => format!("{}.{}", v % 900, v % 10),
        "crash_rate" | "error_rate" => format!("0.{:03}", v % 1000),
        "feedback_score" => format!("{}.{}", 1 + v % 4, v % 10),
        "kind" => ["deploy", "incident", "flag", "note"][v as usize % 4].to_string(),
        "title" => format!("v1.{}", v % 9),
        "severity" => format!("sev{}", v % 6),
        "platform" | "app_version" | "region" => {
            ["ios", "android", "", "eu"][v as usize % 4].into()
        }
        "value" => format!("{}", f64::from(v % 1000) / 7.0),
        _ => v.to_string(),
    }
}

/// Anything a cell may hold: dates, numbers at and past the limits, quotes, separators,
/// line breaks, control characters, long text.
fn junk_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        "-?[0-9]{1,14}(\\.[0-9]{0,4})?(e-?[0-9]{1,3})?",
        prop::sample::select(vec![
            "NaN",
            "inf",
            "-inf",
            "-0",
            "1e12",
            "1e300",
            "1000000000001",
            "999999999999.9",
            "18446744073709551616",
            "0x10",
            " 7 ",
            "sev0",
            "sev4",
            "*",
            "\u{feff}date",
        ])
        .prop_map(String::from),
        "[a-z_ ]{1,8}",
        ".{0,12}",
        "\"[^\"]{0,6}\"",
        "\"[a-z,\r\n\"]{0,8}\"",
        "[a-z\u{1b}\u{7}\u{85}\u{2028}]{0,6}",
        "x{120,140}",
        "(ü|é|💥){100,140}",
    ]
}

/// A CSV file built from `columns` (a few missing, a few unknown, in any order), with rows
/// of mostly valid cells, some rows short, long or repeated, blank lines, any line ending,
/// a BOM or not.
pub(crate) fn csv_file(columns: &'static [&'static str]) -> impl Strategy<Value = String> {
    let header = (
        Just(columns.to_vec()).prop_shuffle(),
        prop::collection::vec(prop::bool::weighted(0.92), columns.len()),
        prop::collection::vec("[a-z_ ]{0,6}", 0..3),
    )
        .prop_map(|(names, keep, extra)| {
            let mut header: Vec<String> = names
                .iter()
                .zip(keep)
                .filter(|(_, k)| *k)
                .map(|(n, _)| n.to_string())
                .collect();
            header.extend(extra);
            header
        });
    let row = (
        prop::collection::vec((any::<u32>(), junk_cell()), 16),
        prop_oneof![8 => Just(0i32), 1 => Just(-1), 1 => Just(1), 1 => -16i32..16],
    );
    (
        header,
        prop::collection::vec(row, 0..14),
        any::<bool>(),
        prop::sample::select(vec!["\n", "\r\n", "\r"]),
        any::<bool>(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    )
        .prop_map(|(header, rows, bom, eol, trailing, copies, blanks)| {
            let mut lines = vec![header.join(",")];
            for (cells, delta) in rows {
                let width = (header.len() as i32 + delta).clamp(0, 16) as usize;
                let row: Vec<String> = (0..width)
                    .map(|i| {
                        let (valid, junk) = &cells[i];
                        let column = header.get(i).map_or("", String::as_str);
                        cell_for(column, *valid, junk)
                    })
                    .collect();
                lines.push(row.join(","));
            }
            // Exports sometimes repeat a row.
            for copy in copies {
                if lines.len() > 1 {
                    let at = 1 + copy.index(lines.len() - 1);
                    lines.insert(at, lines[at].clone());
                }
            }
            for blank in blanks {
                let at = blank.index(lines.len()) + 1;
                lines.insert(at.min(lines.len()), String::new());
            }
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(&lines.join(eol));
            if trailing {
                text.push_str(eol);
            }
            text
        })
}

/// A valid header (or, rarely, none) followed by arbitrary bytes.
fn header_then_bytes(columns: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), prop::collection::vec(any::<u8>(), 0..200)).prop_map(
        move |(with_header, tail)| {
            let mut bytes = Vec::new();
            if with_header {
                bytes.extend(columns.join(",").bytes());
                bytes.push(b'\n');
            }
            bytes.extend(tail);
            bytes
        },
    )
}

/// A case the generator once found: a quoted field of control characters
/// whose escapes made a message longer than a terminal line allows.
#[test]
fn control_characters_in_a_bad_value_keep_the_message_short() {
    let text = "title,timestamp,feature,kind\r\n\"\",\",,,note\r\n\u{1b}\u{1b}\u{85}\u{85},2026-01-06,aa,2000-00-00\r\nv1.7,2026-01-05,\"pay, ship\",incident\r\nv1.7,2026-01-05,\"pay, ship\",incident";
    check_events(text.as_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn telemetry_files_of_any_shape_read_with_accurate_problems(text in csv_file(&TELEMETRY_COLUMNS)) {
        check_telemetry(text.as_bytes());
    }

    #[test]
    fn events_files_of_any_shape_read_with_accurate_problems(text in csv_file(&EVENTS_COLUMNS)) {
        check_events(text.as_bytes());
    }

    #[test]
    fn series_files_of_any_shape_read_with_accurate_problems(text in csv_file(&SERIES_COLUMNS)) {
        check_series(text.as_bytes());
    }

    #[test]
    fn any_bytes_read_without_panic(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            header_then_bytes(&TELEMETRY_COLUMNS),
            header_then_bytes(&EVENTS_COLUMNS),
            header_then_bytes(&SERIES_COLUMNS),
        ]
    ) {
        check_telemetry(&bytes);
        check_events(&bytes);
        check_series(&bytes);
    }

    /// `load`, which reads both files and checks the size limits, reports each problem
    /// against its own file.
    #[test]
    fn loading_both_files_names_each_problem_s_own_file(
        telemetry in csv_file(&TELEMETRY_COLUMNS),
        events in csv_file(&EVENTS_COLUMNS),
    ) {
        let (telemetry, events) = (telemetry.into_bytes(), events.into_bytes());
        match load("telemetry.csv", telemetry.as_slice(), Some(("events.csv", events.as_slice()))) {
            Ok(loaded) => {
                for problem in &loaded.problems {
                    let bytes = if problem.file == "telemetry.csv" { &telemetry } else { &events };
                    check_problem(problem, &problem.file, bytes);
                }
            }
            Err(error) => {
                let text = error.to_string();
                let bytes = if text.starts_with("telemetry.csv") { &telemetry } else { &events };
                let file = if text.starts_with("telemetry.csv") { "telemetry.csv" } else { "events.csv" };
                check_error(&error, file, bytes);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Writing and reading back

/// Text a reader keeps as written: not empty, no surrounding whitespace (cells are
/// trimmed), any characters inside, line breaks and separators included.
fn text(max_inner: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[^\\s]((.|\n|\r){{0,{max_inner}}}[^\\s])?"))
        .expect("a valid pattern")
}

fn instant(hourly: bool) -> impl Strategy<Value = NaiveDateTime> {
    let date = (0i32..=9999, 1u32..=366)
        .prop_filter_map("a real date", |(y, d)| NaiveDate::from_yo_opt(y, d));
    (date, 0u32..86_400).prop_map(move |(date, seconds)| {
        // Hourly periods start on a whole hour; daily ones at midnight.
        let seconds = if hourly { seconds / 3600 * 3600 } else { 0 };
        date.and_hms_opt(0, 0, 0).unwrap() + Duration::seconds(i64::from(seconds))
    })
}

/// Numbers at the precision the writer keeps: tenths for latencies, five decimals for
/// rates, hundredths for ratings, within the contract's limits.
fn telemetry_record(cohorts: bool) -> impl Strategy<Value = TelemetryRecord> {
    let cohort = (
        prop::option::of(text(20)),
        prop::option::of(text(126)),
        prop::option::of(text(8)),
    )
        .prop_map(|(platform, app_version, region)| Cohort {
            platform,
            app_version,
            region,
        });
    (
        (any::<bool>(), instant(true), instant(false)),
        text(126),
        0u64..=1_000_000_000_000,
        0u64..=10_000_000_000_000,
        0u64..=100_000,
        prop::option::of(0u64..=10_000_000_000_000),
        prop::option::of(0u64..=100_000),
        prop::option::of(100u64..=500),
        prop::option::of(0u64..=1_000_000_000_000),
        cohort,
    )
        .prop_map(
            move |(
                (hourly, timed, day),
                feature,
                sessions,
                p95,
                crash,
                p50,
                error,
                score,
                count,
                cohort,
            )| {
                TelemetryRecord {
                    period_start: if hourly { timed } else { day },
                    feature,
                    sessions,
                    latency_p95_ms: p95 as f64 / 10.0,
                    crash_rate: crash as f64 / 100_000.0,
                    latency_p50_ms: p50.map(|v| v as f64 / 10.0),
                    error_rate: error.map(|v| v as f64 / 100_000.0),
                    feedback_score: score.map(|v| v as f64 / 100.0),
                    feedback_count: count,
                    cohort: cohorts.then_some(cohort),
                    line: 0,
                }
            },
        )
}

fn telemetry_records() -> impl Strategy<Value = Vec<TelemetryRecord>> {
    any::<bool>()
        .prop_flat_map(|cohorts| prop::collection::vec(telemetry_record(cohorts), 0..12))
        .prop_map(|records| {
            // The reader refuses a second row for the same period, feature and cohort.
            let mut seen = HashSet::new();
            records
                .into_iter()
                .filter(|r| seen.insert((r.period_start, r.feature.clone(), r.cohort.clone())))
                .collect()
        })
}

fn event_record() -> impl Strategy<Value = EventRecord> {
    (
        instant(true),
        prop_oneof![Just("*".to_string()), text(40)],
        prop::sample::select(vec![
            EventKind::Deploy,
            EventKind::Incident,
            EventKind::Flag,
            EventKind::Note,
        ]),
        prop_oneof![text(60), "[a-z]{500}"],
        prop::option::of(1u8..=4),
        prop::option::of(0i64..10_000_000),
    )
        .prop_map(
            |(timestamp, feature, kind, title, severity, length)| EventRecord {
                timestamp,
                day: timestamp.date(),
                feature,
                kind,
                title,
                severity,
                // Within the four-digit years a file can hold: a timestamp late in 9999
                // plus a long incident would end in the year 10000.
                end: length
                    .and_then(|s| timestamp.checked_add_signed(Duration::seconds(s)))
                    .filter(|end| end.year() <= 9999),
                line: 0,
            },
        )
}

/// How a file may be laid out differently from what the writer writes.
#[derive(Debug, Clone)]
struct Layout {
    /// A column order, as a shuffle of 0..16 (indices past the columns are dropped).
    order: Vec<usize>,
    crlf: bool,
    bom: bool,
    /// An extra column the contract does not name.
    extra: bool,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        Just((0..16).collect::<Vec<usize>>()).prop_shuffle(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(order, crlf, bom, extra)| Layout {
            order,
            crlf,
            bom,
            extra,
        })
}

/// `text` with its columns reordered, an extra column, CRLF line ends and a BOM, as
/// `layout` says.
fn relayout(text: &str, layout: &Layout) -> Vec<u8> {
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let width = rows.first().map_or(0, |r| r.len());
    let order: Vec<usize> = layout
        .order
        .iter()
        .copied()
        .filter(|i| *i < width)
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .terminator(if layout.crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(Vec::new());
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<&str> = order.iter().map(|c| &row[*c]).collect();
        if layout.extra {
            cells.push(if i == 0 { "comment" } else { "free, \"text\"" });
        }
        writer.write_record(&cells).unwrap();
    }
    let mut bytes = if layout.bom {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    };
    bytes.extend(writer.into_inner().unwrap());
    bytes
}

fn without_lines<T: Clone>(records: &[T], clear: impl Fn(&mut T)) -> Vec<T> {
    records
        .iter()
        .cloned()
        .map(|mut r| {
            clear(&mut r);
            r
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn written_telemetry_reads_back_as_the_same_records(
        records in telemetry_records(),
        layout in layout(),
    ) {
        let bytes = relayout(&write_telemetry_csv(&records), &layout);
        let parsed = parse_telemetry("telemetry.csv", bytes.as_slice()).unwrap();
        prop_assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let ignored: Vec<String> = if layout.extra { vec!["comment".into()] } else { vec![] };
        prop_assert_eq!(parsed.ignored_columns, ignored);
        prop_assert!(parsed.records.windows(2).all(|w| w[0].line < w[1].line));
        prop_assert_eq!(
            without_lines(&parsed.records, |r| r.line = 0),
            records.clone()
        );
        let hourly = records.iter().any(|r| r.period_start.time() != chrono::NaiveTime::MIN);
        prop_assert_eq!(
            parsed.granularity == feature_radar::telemetry::Granularity::Hours,
            hourly
        );
    }

    #[test]
    fn written_events_read_back_as_the_same_records_in_time_order(
        records in prop::collection::vec(event_record(), 0..12),
        layout in layout(),
    ) {
        let bytes = relayout(&write_events_csv(&records), &layout);
        let parsed = parse_events("events.csv", bytes.as_slice()).unwrap();
        prop_assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let mut expected = records.clone();
        expected.sort_by_key(|e| e.timestamp);
        prop_assert_eq!(without_lines(&parsed.records, |r| r.line = 0), expected);
    }

    /// `detect`'s output is itself a series `detect` can read: the same timestamps and
    /// values, as written.
    #[test]
    fn a_scored_series_reads_back_as_the_series(
        rows in prop::collection::vec(
            (text(30), prop::option::of(any::<f64>().prop_filter("finite", |v| v.is_finite())), 0.0f64..=1.0),
            0..20,
        ),
    ) {
        let points: Vec<SeriesPoint> = rows
            .iter()
            .map(|(timestamp, value, _)| SeriesPoint {
                timestamp: timestamp.clone(),
                value: *value,
                value_text: value.map(|v| v.to_string()).unwrap_or_default(),
            })
            .collect();
        let scores: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let text = write_scored_series(&points, &scores);
        prop_assert_eq!(parse_series("series.csv", text.as_bytes()).unwrap(), points);
    }
}

// ---------------------------------------------------------------------------------------
// The URL state

const VIEWS: [View; 6] = [
    View::Overview,
    View::Feature,
    View::ModelCard,
    View::Data,
    View::Series,
    View::Compare,
];
const TIERS: [Tier; 3] = [Tier::Investigate, Tier::Watch, Tier::Monitor];

/// An alert budget, per 100 feature-days: (0, 100], with its edges and odd floats.
fn budget() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0.0f64..=100.0).prop_filter("positive", |b| *b > 0.0),
        prop::sample::select(vec![
            100.0,
            1.5,
            5.0,
            0.1,
            1e-300,
            5e-324,
            33.333333333333336
        ]),
    ]
}

fn view_state() -> impl Strategy<Value = ViewState> {
    (
        prop::sample::select(VIEWS.to_vec()),
        prop::option::of(any::<String>().prop_filter("not empty", |s| !s.is_empty())),
        prop::sample::select(HORIZONS.to_vec()),
        (budget(), prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0]),
        prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0],
        prop::sample::select(SortKey::ALL.to_vec()),
        any::<bool>(),
        prop::option::of(prop::sample::select(TIERS.to_vec())),
        any::<String>(),
        prop::sample::select(vec![DataKind::Demo, DataKind::Upload]),
        prop::collection::vec(any::<String>(), 0..6),
        prop::option::of((
            "(https://[a-z0-9.-]{1,12}(:[0-9]{1,5})?|http://(localhost|127\\.0\\.0\\.1)(:[0-9]{1,5})?|[a-z0-9_]{1,8})/[A-Za-z0-9%&=?/_.,~+-]{0,24}",
            prop::option::of("[a-z][a-z0-9_./-]{0,15}"),
            0u32..100_000,
        )),
    )
        .prop_map(
            |(
                view,
                feature,
                horizon,
                (investigate, share),
                usage,
                sort,
                descending,
                tier_filter,
                text_filter,
                data,
                names,
                live,
            )| {
                // The watch tier includes the investigate tier: its budget is at least as large.
                let watch = (investigate + share * (100.0 - investigate)).clamp(investigate, 100.0);
                let mut state = ViewState {
                    data,
                    view,
                    feature,
                    compare: Vec::new(),
                    horizon,
                    tiers: TierThresholds { investigate, watch },
                    weights: ImpactWeights { usage },
                    sort,
                    descending,
                    tier_filter,
                    text_filter,
                    live: live.map(|(telemetry, events, every)| {
                        LiveSource::new(&telemetry, events.as_deref().unwrap_or(""), every)
                            .expect("the strategy makes addresses the page reads")
                    }),
                };
                // The comparison as the page keeps it: two to four names, each once.
                for name in names {
                    state.pick(name);
                }
                state
            },
        )
}

/// A state the page can show: every control within its range.
fn check_valid(state: &ViewState) {
    assert!(HORIZONS.contains(&state.horizon), "{state:?}");
    let t = &state.tiers;
    assert!(
        t.investigate > 0.0 && t.investigate <= t.watch && t.watch <= 100.0,
        "{state:?}"
    );
    assert!((0.0..=1.0).contains(&state.weights.usage), "{state:?}");
    assert!(
        state.feature.as_ref().is_none_or(|f| !f.is_empty()),
        "{state:?}"
    );
    assert!(state.compare.len() <= 4, "{state:?}");
    for (i, f) in state.compare.iter().enumerate() {
        assert!(
            !f.trim().is_empty() && !state.compare[..i].contains(f),
            "{state:?}"
        );
    }
}

/// A query string as links carry them, or as they get mangled.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop::sample::select(vec![
            "view",
            "feature",
            "horizon",
            "investigate",
            "watch",
            "usage",
            "sort",
            "order",
            "tier",
            "q",
            "data",
            "compare",
            "",
        ])
        .prop_map(String::from),
        "[a-z%=+]{0,6}",
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "overview",
            "feature",
            "model",
            "data",
            "series",
            "compare",
            "a,b",
            "a,%2C,b,a",
            "3",
            "7",
            "14",
            "15",
            "0",
            "-0",
            "100",
            "100.0000001",
            "1e2",
            "1e-320",
            "NaN",
            "inf",
            "-1",
            "0.5",
            "asc",
            "desc",
            "priority",
            "change",
            "investigate",
            "watch",
            "monitor",
            "upload",
            "demo",
            "%",
            "%4",
            "%zz",
            "%+f",
            "%C3%BC",
            "%FF%FE",
            "%E2%82",
            "+",
        ])
        .prop_map(String::from),
        "(%[0-9A-Fa-f]{2}|[a-z0-9.+&=?])*",
        any::<String>(),
    ];
    (
        any::<bool>(),
        prop::collection::vec((key, prop::option::of(value)), 0..8),
    )
        .prop_map(|(question, pairs)| {
            let pairs: Vec<String> = pairs
                .into_iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => k,
                })
                .collect();
            format!("{}{}", if question { "?" } else { "" }, pairs.join("&"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// A link reproduces the view it was made from.
    #[test]
    fn a_link_reproduces_its_view(state in view_state()) {
        let query = state.to_query();
        prop_assert_eq!(ViewState::from_query(&query), state.clone());
        prop_assert_eq!(ViewState::from_query(&format!("?{query}")), state);
    }

    /// Any link opens a valid view, and the link the page then shows reproduces it.
    #[test]
    fn any_link_opens_a_valid_view(query in prop_oneof![query(), any::<String>()]) {
        let state = ViewState::from_query(&query);
        check_valid(&state);
        prop_assert_eq!(ViewState::from_query(&state.to_query()), state);
    }
}

// ---------------------------------------------------------------------------------------
// The anomaly detector

/// A stretch of a series: noise around a level, a value repeated, extremes, or missing
/// values.
#[derive(Debug, Clone)]
enum Stretch {
    Noise {
        level: f64,
        scale: f64,
        len: usize,
    },
    Repeat {
        value: f64,
        len: usize,
    },
    Extreme(f64),
    Missing(usize),
    /// A repeating pattern of `period` values.
    Cycle {
        period: usize,
        amplitude: f64,
        len: usize,
    },
}

fn stretch() -> impl Strategy<Value = Stretch> {
    let extreme = prop::sample::select(vec![
        1e300,
        -1e300,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ]);
    prop_oneof![
        4 => (-1e6f64..1e6, prop_oneof![Just(0.0), 0.0f64..100.0, Just(1e299)], 1usize..80)
            .prop_map(|(level, scale, len)| Stretch::Noise { level, scale, len }),
        2 => (prop_oneof![-1e3f64..1e3, Just(1e300), Just(0.0)], 1usize..60)
            .prop_map(|(value, len)| Stretch::Repeat { value, len }),
        1 => prop_oneof![extreme, any::<f64>()].prop_map(Stretch::Extreme),
        1 => (1usize..20).prop_map(Stretch::Missing),
    ]
}

/// A deterministic, noise-like value in [-1, 1].
fn noise(i: usize) -> f64 {
    let x = (i as f64 * 12.9898).sin() * 43_758.545;
    2.0 * (x - x.floor()) - 1.0
}

/// How timestamps advance between rows.
#[derive(Debug, Clone, Copy)]
enum Clock {
    /// No timestamps (the file's did not parse).
    None,
    /// A step in seconds, with occasional gaps, repeats, steps back and unparsed times.
    Step(i64),
}

fn clock() -> impl Strategy<Value = Clock> {
    prop_oneof![
        1 => Just(Clock::None),
        3 => prop::sample::select(vec![1i64, 60, 300, 3600, 21_600, 86_400, 604_800, 7])
            .prop_map(Clock::Step),
    ]
}

/// Rows of a series: (time in seconds, value), starting with a cycle of `cycle` values.
fn series(
    max_stretches: usize,
    cycle: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<(Option<i64>, Option<f64>)>> {
    let first =
        (4usize..60, 0.0f64..1e3, cycle).prop_map(|(period, amplitude, len)| Stretch::Cycle {
            period,
            amplitude,
            len,
        });
    (
        (first, prop::collection::vec(stretch(), 1..max_stretches)).prop_map(
            |(first, mut rest)| {
                rest.insert(0, first);
                rest
            },
        ),
        clock(),
        // Times the series reader can give: mostly years 0 to 9999, and now and then any
        // time chrono can represent (about 262,000 years either side of 1 CE).
        prop_oneof![
            3 => -62_000_000_000i64..250_000_000_000,
            1 => -8_200_000_000_000i64..8_200_000_000_000,
        ],
        prop::collection::vec(
            (
                0u8..40,
                prop_oneof![
                    -1_000_000_000i64..1_000_000_000,
                    Just(-16_000_000_000_000),
                    Just(16_000_000_000_000)
                ],
            ),
            0..12,
        ),
    )
        .prop_map(|(stretches, clock, start, jumps)| {
            let mut values = Vec::new();
            for s in stretches {
                match s {
                    Stretch::Noise { level, scale, len } => {
                        let n = values.len();
                        values.extend((0..len).map(|i| Some(level + scale * noise(n + i))));
                    }
                    Stretch::Repeat { value, len } => values.extend((0..len).map(|_| Some(value))),
                    Stretch::Extreme(v) => values.push(Some(v)),
                    Stretch::Missing(len) => values.extend((0..len).map(|_| None)),
                    Stretch::Cycle {
                        period,
                        amplitude,
                        len,
                    } => values.extend((0..len).map(|i| {
                        let phase = (i % period) as f64 / period as f64;
                        Some(amplitude * (phase * std::f64::consts::TAU).sin() + noise(i))
                    })),
                }
            }
            let mut time = start;
            values
                .into_iter()
                .enumerate()
                .map(|(i, value)| {
                    let t = match clock {
                        Clock::None => None,
                        Clock::Step(step) => {
                            time += step;
                            // Now and then: a jump forward or back, a repeated time, or a
                            // timestamp that did not parse.
                            match jumps.iter().find(|(at, _)| *at as usize == i % 40) {
                                Some((at, _)) if at % 7 == 0 => None,
                                Some((at, _)) if at % 7 == 1 => {
                                    time -= step;
                                    Some(time)
                                }
                                Some((_, jump)) if i % 3 == 0 => {
                                    time += jump;
                                    Some(time)
                                }
                                _ => Some(time),
                            }
                        }
                    };
                    (t, value)
                })
                .collect()
        })
}

fn check_detector(rows: &[(Option<i64>, Option<f64>)], cut: prop::sample::Index) {
    let (times, values): (Vec<_>, Vec<_>) = rows.iter().copied().unzip();
    let scores = score_timed_series(&times, &values);
    assert_eq!(scores.len(), rows.len(), "one score per row");
    for (i, s) in scores.iter().enumerate() {
        assert!(
            s.is_finite() && (0.0..=1.0).contains(s),
            "row {i} scored {s}"
        );
    }
    for (v, s) in values.iter().zip(&scores) {
        if !v.is_some_and(f64::is_finite) {
            assert_eq!(*s, 0.0, "a missing value scores 0");
        }
    }
    // Online: the first k rows score the same without the rows after them.
    let k = cut.index(rows.len() + 1);
    let prefix = score_timed_series(&times[..k], &values[..k]);
    assert_eq!(prefix, scores[..k], "the first {k} rows scored alone");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_row_gets_one_online_score_in_0_1(
        rows in series(10, 0..40),
        cut in any::<prop::sample::Index>(),
    ) {
        check_detector(&rows, cut);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Long enough for the detector to look for a cycle of the data's own (600 values).
    #[test]
    fn long_series_get_online_scores_in_0_1(
        rows in series(6, 700..900),
        cut in any::<prop::sample::Index>(),
    ) {
        check_detector(&rows, cut);
    }
}
