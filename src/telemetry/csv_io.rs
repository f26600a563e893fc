//! CSV reading and writing for telemetry.csv and events.csv, with the `csv` crate.
//!
//! Each reader checks the header first (required columns, ignored columns), then
//! validates row by row: a bad cell is reported with its file, line and column, the row
//! is skipped, and reading goes on, so a messy export still yields its good rows.

use super::contract::{column_names, Column, HeaderFound, EVENTS_COLUMNS, TELEMETRY_COLUMNS};
use super::dataset::{CohortValues, RowFigures};
use super::limits::{
    self, Limited, MAX_COHORT_CHARS, MAX_EVENT_ROWS, MAX_FEATURES, MAX_FEATURE_CHARS,
    MAX_TELEMETRY_ROWS, MAX_TITLE_CHARS, PLAUSIBLE_MAX,
};
use super::{
    parse_timestamp, Cohort, EventKind, EventRecord, Granularity, IngestError, Problem, Stamp,
    TelemetryRecord, COHORT_DIMENSIONS,
};
use chrono::{NaiveDateTime, Timelike};
use std::collections::HashMap;
use std::io::Read;

/// The result of reading telemetry.csv: valid rows, problems, and what was ignored.
#[derive(Debug, Clone)]
pub struct ParsedTelemetry {
    pub records: Vec<TelemetryRecord>,
    pub problems: Vec<Problem>,
    pub ignored_columns: Vec<String>,
    pub granularity: Granularity,
}

/// The result of reading events.csv.
#[derive(Debug, Clone)]
pub struct ParsedEvents {
    pub records: Vec<EventRecord>,
    pub problems: Vec<Problem>,
    pub ignored_columns: Vec<String>,
}

/// The header of a file: where each named column is, and which columns are ignored.
pub(super) struct Header {
    file: String,
    names: Vec<String>,
    index: HashMap<String, usize>,
    pub(super) ignored: Vec<String>,
}

impl Header {
    /// Reads the header of a file whose columns are `columns` (a table of the contract).
    fn read<R: Read>(
        file: &str,
        reader: &mut csv::Reader<R>,
        columns: &[Column],
    ) -> Result<Self, IngestError> {
        let record = reader.headers().map_err(|e| read_failure(file, 1, &e))?;
        if record.is_empty() || (record.len() == 1 && record[0].trim().is_empty()) {
            return Err(IngestError::Empty {
                file: file.to_string(),
            });
        }
        let names: Vec<String> = record.iter().map(|h| h.trim().to_string()).collect();
        let mut index = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            index.entry(name.clone()).or_insert(i);
        }
        let missing: Vec<String> = column_names(columns, true)
            .into_iter()
            .filter(|name| !index.contains_key(*name))
            .map(str::to_string)
            .collect();
        if !missing.is_empty() {
            return Err(IngestError::MissingColumns {
                file: file.to_string(),
                found: Box::new(HeaderFound::of(&names, &missing)),
                missing,
            });
        }
        let ignored = names
            .iter()
            .filter(|n| !columns.iter().any(|c| c.name == n.as_str()))
            .cloned()
            .collect();
        Ok(Header {
            file: file.to_string(),
            names,
            index,
            ignored,
        })
    }

    fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// A problem in `column` (by name) of the row at `line`.
    pub(super) fn problem(&self, line: u64, column: &str, message: String) -> Problem {
        let position = self.index.get(column).copied().unwrap_or(0);
        Problem {
            file: self.file.clone(),
            line,
            column: Some((position + 1, self.names[position].clone())),
            message,
        }
    }
}

/// Reads one row's cells by column name and collects the row's problems.
struct Row<'a> {
    header: &'a Header,
    record: &'a csv::StringRecord,
    line: u64,
    problems: Vec<Problem>,
}

impl<'a> Row<'a> {
    fn problem(&mut self, column: &str, message: String) {
        let problem = self.header.problem(self.line, column, message);
        self.problems.push(problem);
    }

    /// The trimmed cell, or None when the column is absent or the cell empty.
    fn cell(&self, column: &str) -> Option<&'a str> {
        let i = *self.header.index.get(column)?;
        let text = self.record.get(i)?.trim();
        (!text.is_empty()).then_some(text)
    }

    fn required(&mut self, column: &str) -> Option<&'a str> {
        let cell = self.cell(column);
        if cell.is_none() {
            self.problem(column, "required value is empty".to_string());
        }
        cell
    }

    fn number(&mut self, column: &str, text: Option<&str>, min: f64, max: f64) -> Option<f64> {
        let text = text?;
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= min && v <= max.min(PLAUSIBLE_MAX) => Some(v),
            Ok(v) if v.is_finite() && v >= min && max.is_infinite() => {
                self.problem(
                    column,
                    format!("{v:e} is implausibly large (at most {PLAUSIBLE_MAX:e})"),
                );
                None
            }
            Ok(_) if max.is_infinite() => {
                self.problem(
                    column,
                    format!("'{}' is not a number >= {min}", super::excerpt(text)),
                );
                None
            }
            Ok(_) => {
                self.problem(
                    column,
                    format!("'{}' is not in [{min}, {max}]", super::excerpt(text)),
                );
                None
            }
            Err(_) => {
                self.problem(
                    column,
                    format!("'{}' is not a number", super::excerpt(text)),
                );
                None
            }
        }
    }

    fn count(&mut self, column: &str, text: Option<&str>) -> Option<u64> {
        let text = text?;
        match text.parse::<u64>() {
            Ok(v) if v as f64 <= PLAUSIBLE_MAX => Some(v),
            Ok(v) => {
                self.problem(
                    column,
                    format!("{v:e} is implausibly large (at most {PLAUSIBLE_MAX:e})"),
                );
                None
            }
            Err(_) => {
                // Exports often write counts as 120.0; accept whole numbers written so.
                match text.parse::<f64>() {
                    Ok(v) if v >= 0.0 && v.fract() == 0.0 && v <= PLAUSIBLE_MAX => Some(v as u64),
                    _ => {
                        self.problem(
                            column,
                            format!("'{}' is not an integer >= 0", super::excerpt(text)),
                        );
                        None
                    }
                }
            }
        }
    }

    fn timestamp(&mut self, column: &str, text: Option<&str>) -> Option<Stamp> {
        let text = text?;
        let parsed = parse_timestamp(text);
        if parsed.is_none() {
            self.problem(
                column,
                format!(
                    "'{}' is not a date (YYYY-MM-DD) or a timestamp (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)",
                    super::excerpt(text)
                ),
            );
        }
        parsed
    }
}

fn csv_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { err, .. } => format!(
            "field {} of the row is not valid UTF-8 (files must be UTF-8)",
            err.field() + 1
        ),
        _ => error.to_string(),
    }
}

/// A failure to read the file at `line`: a byte limit met, or a CSV error.
pub(super) fn read_failure(file: &str, line: u64, error: &csv::Error) -> IngestError {
    if let csv::ErrorKind::Io(io) = error.kind() {
        if let Some(exceeded) = limits::exceeded(io) {
            return IngestError::OverLimit {
                file: file.to_string(),
                line,
                message: exceeded.to_string(),
            };
        }
    }
    IngestError::Unreadable {
        file: file.to_string(),
        line,
        message: csv_message(error),
    }
}

/// The refusal of a file that has more rows (or features) than a limit allows.
pub(super) fn too_many(file: &str, line: u64, what: &str, max: usize) -> IngestError {
    IngestError::OverLimit {
        file: file.to_string(),
        line,
        message: format!("the file has more than {max} {what}, the most that can be analysed"),
    }
}

/// A CSV reader over `input`, within the byte limits of [`Limited`].
pub(super) fn reader_for<R: Read>(input: R) -> csv::Reader<Limited<R>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(Limited::new(input))
}

/// Walks the records of a CSV file, turning malformed rows into problems.
fn for_each_row<R: Read>(
    file: &str,
    reader: &mut csv::Reader<Limited<R>>,
    mut visit: impl FnMut(&csv::StringRecord, u64, &mut Vec<Problem>) -> Result<(), IngestError>,
    problems: &mut Vec<Problem>,
) -> Result<(), IngestError> {
    let mut record = csv::StringRecord::new();
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(last_line + 1, |p| reader.get_ref().line_at(p.byte()));
                last_line = line;
                // A blank line at the end of a file is not a row.
                if record.len() == 1 && record[0].trim().is_empty() {
                    continue;
                }
                visit(&record, line, problems)?;
            }
            Err(error) => {
                let line = error
                    .position()
                    .map_or(last_line + 1, |p| reader.get_ref().line_at(p.byte()));
                last_line = line;
                let problem = Problem {
                    file: file.to_string(),
                    line,
                    column: None,
                    message: csv_message(&error),
                };
                match error.kind() {
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. } => {
                        problems.push(problem)
                    }
                    _ => return Err(read_failure(file, line, &error)),
                }
            }
        }
    }
}

/// One valid row of telemetry.csv. Its period is not decided yet: that needs the whole
/// file's granularity (see [`parse_telemetry`]).
pub(super) struct TelemetryRow<'a> {
    pub stamp: Stamp,
    pub feature: &'a str,
    /// Features are numbered from 0 in the order they first come.
    pub feature_number: usize,
    pub sessions: u64,
    pub latency_p95_ms: f64,
    pub crash_rate: f64,
    pub latency_p50_ms: Option<f64>,
    pub error_rate: Option<f64>,
    pub feedback_score: Option<f64>,
    pub feedback_count: Option<u64>,
    /// Each cohort dimension's value, when the file has cohort columns.
    pub cohort: CohortValues<'a>,
    pub line: u64,
}

impl TelemetryRow<'_> {
    pub(super) fn values(&self) -> RowFigures {
        RowFigures {
            sessions: self.sessions as f64,
            latency_p95_ms: self.latency_p95_ms,
            crash_rate: self.crash_rate,
            latency_p50_ms: self.latency_p50_ms,
            error_rate: self.error_rate,
            feedback_score: self.feedback_score,
            feedback_count: self.feedback_count.map(|c| c as f64),
        }
    }
}

/// What reading telemetry.csv's rows leaves, besides the rows.
pub(super) struct TelemetryRows {
    pub header: Header,
    /// Problems with single rows and cells, in file order.
    pub problems: Vec<Problem>,
    /// The features' ids, by number.
    pub features: Vec<Box<str>>,
}

/// Reads telemetry.csv's header, then validates its rows one by one, giving each valid
/// row to `take` (with the header, to name columns in messages) and keeping the problems
/// of the others. Stops at the first row past the row or feature limits.
pub(super) fn read_telemetry_rows<R: Read>(
    file: &str,
    input: R,
    mut take: impl FnMut(&Header, TelemetryRow<'_>) -> Result<(), IngestError>,
) -> Result<TelemetryRows, IngestError> {
    let mut reader = reader_for(input);
    let header = Header::read(file, &mut reader, &TELEMETRY_COLUMNS)?;
    let has_cohorts = COHORT_DIMENSIONS.iter().any(|c| header.has(c));
    let mut problems = Vec::new();
    let mut valid_rows = 0;
    let mut numbers: HashMap<Box<str>, usize> = HashMap::new();
    let mut features: Vec<Box<str>> = Vec::new();

    for_each_row(
        file,
        &mut reader,
        |record, line, problems| {
            let mut row = Row {
                header: &header,
                record,
                line,
                problems: Vec::new(),
            };
            let date = row.required("date");
            let date = row.timestamp("date", date);
            let feature = row.required("feature");
            if let Some(f) = feature {
                if f.chars().count() > MAX_FEATURE_CHARS {
                    row.problem(
                        "feature",
                        format!("a feature id has at most {MAX_FEATURE_CHARS} characters"),
                    );
                }
            }
            let sessions = row.required("sessions");
            let sessions = row.count("sessions", sessions);
            let p95 = row.required("latency_p95_ms");
            let p95 = row.number("latency_p95_ms", p95, 0.0, f64::INFINITY);
            let crash = row.required("crash_rate");
            let crash = row.number("crash_rate", crash, 0.0, 1.0);
            let p50 = row.cell("latency_p50_ms");
            let p50 = row.number("latency_p50_ms", p50, 0.0, f64::INFINITY);
            let error = row.cell("error_rate");
            let error = row.number("error_rate", error, 0.0, 1.0);
            let score = row.cell("feedback_score");
            let score = row.number("feedback_score", score, 1.0, 5.0);
            let count = row.cell("feedback_count");
            let count = row.count("feedback_count", count);
            for column in COHORT_DIMENSIONS {
                if row
                    .cell(column)
                    .is_some_and(|v| v.chars().count() > MAX_COHORT_CHARS)
                {
                    row.problem(
                        column,
                        format!("a cohort value has at most {MAX_COHORT_CHARS} characters"),
                    );
                }
            }
            let cohort = has_cohorts.then(|| COHORT_DIMENSIONS.map(|c| row.cell(c)));
            let failed = !row.problems.is_empty();
            problems.append(&mut row.problems);
            if failed {
                return Ok(());
            }
            let (Some(stamp), Some(feature), Some(sessions), Some(p95), Some(crash)) =
                (date, feature, sessions, p95, crash)
            else {
                return Ok(());
            };
            if valid_rows == MAX_TELEMETRY_ROWS {
                return Err(too_many(file, line, "rows", MAX_TELEMETRY_ROWS));
            }
            valid_rows += 1;
            let feature_number = match numbers.get(feature) {
                Some(&number) => number,
                None => {
                    if features.len() == MAX_FEATURES {
                        return Err(too_many(file, line, "features", MAX_FEATURES));
                    }
                    numbers.insert(feature.into(), features.len());
                    features.push(feature.into());
                    features.len() - 1
                }
            };
            take(
                &header,
                TelemetryRow {
                    stamp,
                    feature,
                    feature_number,
                    sessions,
                    latency_p95_ms: p95,
                    crash_rate: crash,
                    latency_p50_ms: p50,
                    error_rate: error,
                    feedback_score: score,
                    feedback_count: count,
                    cohort,
                    line,
                },
            )
        },
        &mut problems,
    )?;
    Ok(TelemetryRows {
        header,
        problems,
        features,
    })
}

/// Reads telemetry.csv into records. `file` names the file in messages.
///
/// The file's granularity is read from its dates: it is hourly when any row names a time
/// of day other than midnight (in the row's own offset), daily otherwise. In a daily
/// file a row's period is the calendar day as written, whatever its offset
/// (`2026-01-01T00:00:00+02:00` is 1 January). In an hourly file a row's period is its
/// hour in UTC, which must be a whole hour, and a bare date (`2026-01-01`) is refused:
/// a file has one granularity. Of rows with the same period, feature and cohort, the
/// first is kept and the others are problems.
///
/// This keeps every row; [`crate::load`] reads the file straight into its daily series
/// instead ([`read_telemetry`](super::read_telemetry)), with the same rules.
pub fn parse_telemetry<R: Read>(file: &str, input: R) -> Result<ParsedTelemetry, IngestError> {
    let mut rows: Vec<(TelemetryRecord, Stamp)> = Vec::new();
    let read = read_telemetry_rows(file, input, |_, row| {
        let owned = |value: Option<&str>| value.map(str::to_string);
        rows.push((
            TelemetryRecord {
                period_start: row.stamp.utc,
                feature: row.feature.to_string(),
                sessions: row.sessions,
                latency_p95_ms: row.latency_p95_ms,
                crash_rate: row.crash_rate,
                latency_p50_ms: row.latency_p50_ms,
                error_rate: row.error_rate,
                feedback_score: row.feedback_score,
                feedback_count: row.feedback_count,
                cohort: row.cohort.map(|[platform, app_version, region]| Cohort {
                    platform: owned(platform),
                    app_version: owned(app_version),
                    region: owned(region),
                }),
                line: row.line,
            },
            row.stamp,
        ));
        Ok(())
    })?;
    let TelemetryRows {
        header,
        mut problems,
        ..
    } = read;

    let granularity = periods(&header, &mut rows, &mut problems)?;
    let mut seen: HashMap<(NaiveDateTime, &str, Option<&Cohort>), u64> = HashMap::new();
    let mut duplicates = Vec::new();
    for (i, (r, _)) in rows.iter().enumerate() {
        let key = (r.period_start, r.feature.as_str(), r.cohort.as_ref());
        if let Some(first) = seen.get(&key) {
            problems.push(Problem {
                file: file.to_string(),
                line: r.line,
                column: None,
                message: format!(
                    "duplicate row: feature '{}' on {} was given at line {first}",
                    super::excerpt(&r.feature),
                    format_timestamp(r.period_start)
                ),
            });
            duplicates.push(i);
        } else {
            seen.insert(key, r.line);
        }
    }
    drop(seen);
    let mut duplicates = duplicates.into_iter().peekable();
    let records: Vec<TelemetryRecord> = rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| duplicates.next_if_eq(i).is_none())
        .map(|(_, (r, _))| r)
        .collect();
    crate::sorting::sort_by_key(&mut problems, |p| p.line);

    if records.is_empty() {
        if let Some(first) = problems.first() {
            return Err(IngestError::NoValidRows {
                file: file.to_string(),
                first: Box::new(first.clone()),
            });
        }
    }
    Ok(ParsedTelemetry {
        records,
        problems,
        ignored_columns: header.ignored,
        granularity,
    })
}

/// Decides the file's granularity and sets each row's period (see [`parse_telemetry`]).
/// Rows whose hour does not start on a whole hour become problems and are dropped; a
/// bare date in an hourly file refuses the file.
fn periods(
    header: &Header,
    rows: &mut Vec<(TelemetryRecord, Stamp)>,
    problems: &mut Vec<Problem>,
) -> Result<Granularity, IngestError> {
    let Some((first_hour, hour_stamp)) = rows
        .iter()
        .find(|(_, stamp)| !stamp.is_day())
        .map(|(r, stamp)| (r.line, *stamp))
    else {
        for (r, stamp) in rows.iter_mut() {
            r.period_start = stamp.day().and_time(chrono::NaiveTime::MIN);
        }
        return Ok(Granularity::Days);
    };
    if let Some((r, stamp)) = rows.iter().find(|(_, stamp)| stamp.date_only) {
        return Err(IngestError::Invalid {
            problem: Box::new(header.problem(
                r.line,
                "date",
                format!(
                    "{} is a day but line {first_hour} is hourly ({} UTC): a file is all days or all hours; write the midnight hour as {}T00:00:00Z",
                    stamp.day(),
                    hour_stamp.utc,
                    stamp.day()
                ),
            )),
        });
    }
    rows.retain(|(r, stamp)| {
        let t = stamp.utc;
        let whole = t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0;
        if !whole {
            problems.push(header.problem(
                r.line,
                "date",
                format!(
                    "{t} UTC is not the start of an hour: in an hourly file each period starts on a whole hour (UTC)"
                ),
            ));
        }
        whole
    });
    for (r, stamp) in rows.iter_mut() {
        r.period_start = stamp.utc;
    }
    Ok(Granularity::Hours)
}

/// Reads events.csv. `file` names the file in messages.
pub fn parse_events<R: Read>(file: &str, input: R) -> Result<ParsedEvents, IngestError> {
    let mut reader = reader_for(input);
    let header = Header::read(file, &mut reader, &EVENTS_COLUMNS)?;
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for_each_row(
        file,
        &mut reader,
        |record, line, problems| {
            let mut row = Row {
                header: &header,
                record,
                line,
                problems: Vec::new(),
            };
            let timestamp = row.required("timestamp");
            let timestamp = row.timestamp("timestamp", timestamp);
            let feature = row.required("feature");
            let kind_text = row.required("kind");
            let kind = kind_text.and_then(EventKind::parse);
            if let (Some(text), None) = (kind_text, kind) {
                row.problem(
                    "kind",
                    format!(
                        "'{}' is not one of deploy, incident, flag, note",
                        super::excerpt(text)
                    ),
                );
            }
            let title = row.required("title");
            if title.is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS) {
                row.problem(
                    "title",
                    format!("a title has at most {MAX_TITLE_CHARS} characters"),
                );
            }
            let severity = match row.cell("severity") {
                None => None,
                Some(text) => {
                    let level = text
                        .strip_prefix("sev")
                        .and_then(|n| n.parse::<u8>().ok())
                        .filter(|n| (1..=4).contains(n));
                    if level.is_none() {
                        row.problem(
                            "severity",
                            format!("'{}' is not one of sev1 to sev4", super::excerpt(text)),
                        );
                    }
                    level
                }
            };
            let end = row.cell("end");
            let end = row.timestamp("end", end).map(|t| t.utc);
            if let (Some(start), Some(end)) = (timestamp.map(|t| t.utc), end) {
                if end < start {
                    row.problem("end", format!("the end {end} is before the start {start}"));
                }
            }
            let failed = !row.problems.is_empty();
            problems.append(&mut row.problems);
            if failed {
                return Ok(());
            }
            let (Some(stamp), Some(feature), Some(kind), Some(title)) =
                (timestamp, feature, kind, title)
            else {
                return Ok(());
            };
            if records.len() == MAX_EVENT_ROWS {
                return Err(too_many(file, line, "rows", MAX_EVENT_ROWS));
            }
            records.push(EventRecord {
                timestamp: stamp.utc,
                day: stamp.day(),
                feature: feature.to_string(),
                kind,
                title: title.to_string(),
                severity,
                end,
                line,
            });
            Ok(())
        },
        &mut problems,
    )?;
    crate::sorting::sort_by(&mut records, |a, b| {
        a.timestamp.cmp(&b.timestamp).then(a.line.cmp(&b.line))
    });
    Ok(ParsedEvents {
        records,
        problems,
        ignored_columns: header.ignored,
    })
}

pub(super) fn format_timestamp(t: NaiveDateTime) -> String {
    if t.time().num_seconds_from_midnight() == 0 {
        t.format("%Y-%m-%d").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes telemetry records in the contract's format (with the cohort columns when any
/// record has a cohort).
pub fn write_telemetry_csv(records: &[TelemetryRecord]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let with_cohort = records.iter().any(|r| r.cohort.is_some());
    let mut header = vec![
        "date",
        "feature",
        "sessions",
        "latency_p95_ms",
        "latency_p50_ms",
        "crash_rate",
        "error_rate",
        "feedback_score",
        "feedback_count",
    ];
    if with_cohort {
        header.extend(COHORT_DIMENSIONS);
    }
    writer.write_record(&header).expect("writing to memory");
    // An hourly file writes every period as a time, midnight included: a bare date
    // would be a day, and a file is all days or all hours.
    let hourly = records
        .iter()
        .any(|r| r.period_start.time().num_seconds_from_midnight() != 0);
    for r in records {
        let mut row = vec![
            if hourly {
                r.period_start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            } else {
                format_timestamp(r.period_start)
            },
            r.feature.clone(),
            r.sessions.to_string(),
            format!("{:.*}", LATENCY_DECIMALS, r.latency_p95_ms),
            optional(
                r.latency_p50_ms
                    .map(|v| format!("{:.*}", LATENCY_DECIMALS, v)),
            ),
            format!("{:.*}", RATE_DECIMALS, r.crash_rate),
            optional(r.error_rate.map(|v| format!("{:.*}", RATE_DECIMALS, v))),
            optional(
                r.feedback_score
                    .map(|v| format!("{:.*}", FEEDBACK_DECIMALS, v)),
            ),
            optional(r.feedback_count),
        ];
        if with_cohort {
            let cohort = r.cohort.clone().unwrap_or_default();
            row.extend(
                (0..COHORT_DIMENSIONS.len()).map(|i| cohort.value(i).unwrap_or("").to_string()),
            );
        }
        writer.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV is UTF-8")
}

/// The decimals [`write_telemetry_csv`] writes of latencies, rates and feedback scores.
const LATENCY_DECIMALS: usize = 1;
const RATE_DECIMALS: usize = 5;
const FEEDBACK_DECIMALS: usize = 2;

/// `records` as reading back what [`write_telemetry_csv`] writes of them gives them: each
/// value rounded to the decimals written, each row numbered by its line in the file. The
/// page makes the bundled dataset this way, without a megabyte of text written and read
/// (`synth::bundled_data`, tested equal to reading `data/`).
pub fn as_written(records: &[TelemetryRecord]) -> Vec<TelemetryRecord> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| TelemetryRecord {
            latency_p95_ms: rounded(r.latency_p95_ms, LATENCY_DECIMALS),
            latency_p50_ms: r.latency_p50_ms.map(|v| rounded(v, LATENCY_DECIMALS)),
            crash_rate: rounded(r.crash_rate, RATE_DECIMALS),
            error_rate: r.error_rate.map(|v| rounded(v, RATE_DECIMALS)),
            feedback_score: r.feedback_score.map(|v| rounded(v, FEEDBACK_DECIMALS)),
            line: i as u64 + 2,
            ..r.clone()
        })
        .collect()
}

/// `value` written with `decimals` decimals and read back: the nearest double to the
/// decimal the formatter writes. Away from a tie, that decimal is `value` scaled and
/// rounded, and dividing that whole number by the exact power of ten rounds correctly to
/// the same double the parser returns. Near a tie (where the scaled product's own rounding
/// could decide it), beyond 2^52 and for non-finite values, the text is written and read.
fn rounded(value: f64, decimals: usize) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    let scaled = value * scale;
    let fraction = (scaled - scaled.trunc()).abs();
    if scaled.is_finite() && scaled.abs() < 4.5e15 && (fraction - 0.5).abs() > 1e-6 {
        scaled.round() / scale
    } else {
        format!("{value:.decimals$}")
            .parse()
            .expect("a written number reads back")
    }
}

/// Writes event records in the contract's format.
pub fn write_events_csv(records: &[EventRecord]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["timestamp", "feature", "kind", "title", "severity", "end"])
        .expect("writing to memory");
    for e in records {
        writer
            .write_record([
                format_timestamp(e.timestamp),
                e.feature.clone(),
                e.kind.as_str().to_string(),
                e.title.clone(),
                optional(e.severity.map(|s| format!("sev{s}"))),
                optional(e.end.map(format_timestamp)),
            ])
            .expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounding as written equals writing and reading, ties and large values included.
    #[test]
    fn a_value_rounded_as_written_is_the_value_written_and_read() {
        let mut values = vec![
            0.0,
            -0.0,
            0.05,
            0.15,
            0.25,
            0.125,
            1.005,
            2.675,
            1.45,
            -1.45,
            0.000_005,
            0.000_015,
            123_456.75,
            9.999_95,
            1e300,
            -1e300,
            4.5e15,
            1e-300,
            f64::MAX,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            values.push(unit * 10f64.powi((x % 12) as i32 - 4));
            values.push((unit * 2000.0).round() / 200.0);
        }
        for value in values {
            for decimals in [LATENCY_DECIMALS, RATE_DECIMALS, FEEDBACK_DECIMALS] {
                let read: f64 = format!("{value:.decimals$}").parse().unwrap();
                let rounded = rounded(value, decimals);
                assert!(
                    rounded.to_bits() == read.to_bits() || rounded == read,
                    "{value} to {decimals}: {rounded} against {read}"
                );
            }
        }
    }

    #[test]
    fn a_problem_names_its_line_whatever_the_line_ends() {
        for end in ["\n", "\r\n"] {
            let text = [
                "date,feature,sessions,latency_p95_ms,crash_rate",
                "2026-01-01,f,1,100,0.1",
                "2026-01-02,f,-1,100,0.1",
                "\"2026-01-03\",\"f\",1,100,0.1",
                "2026-01-04,f,1,fast,0.1",
            ]
            .join(end)
                + end;
            let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
            let lines: Vec<u64> = parsed.problems.iter().map(|p| p.line).collect();
            assert_eq!(lines, [3, 5], "line ends {end:?}");
            assert_eq!(
                parsed.records.iter().map(|r| r.line).collect::<Vec<_>>(),
                [2, 4]
            );
        }
        let events =
            "timestamp,feature,kind,title\r\n2026-01-01,f,deploy,a\r\n2026-01-02,f,bogus,b\r\n";
        let parsed = parse_events("e.csv", events.as_bytes()).unwrap();
        assert_eq!(parsed.problems[0].line, 3);
    }

    const GOOD: &str = "date,feature,sessions,latency_p95_ms,crash_rate,feedback_score,extra\n\
        2026-01-01,checkout,1200,310.5,0.002,4.4,x\n\
        2026-01-02,checkout,1100,320,0.001,,y\n";

    #[test]
    fn reads_valid_rows_and_names_ignored_columns() {
        let parsed = parse_telemetry("telemetry.csv", GOOD.as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 2);
        assert!(parsed.problems.is_empty());
        assert_eq!(parsed.ignored_columns, vec!["extra".to_string()]);
        assert_eq!(parsed.records[0].feedback_score, Some(4.4));
        assert_eq!(parsed.records[1].feedback_score, None);
        assert_eq!(parsed.records[1].line, 3);
        assert_eq!(parsed.granularity, Granularity::Days);
    }

    #[test]
    fn accepts_bom_crlf_quotes_and_any_column_order() {
        let text = "\u{feff}crash_rate,\"feature\",date,latency_p95_ms,sessions\r\n\
            0.01,\"search, v2\",2026-01-01T05:00:00Z,100,5\r\n";
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 1, "{:?}", parsed.problems);
        assert_eq!(parsed.records[0].feature, "search, v2");
        assert_eq!(parsed.granularity, Granularity::Hours);
    }

    #[test]
    fn refuses_a_file_without_required_columns_and_lists_them() {
        let err = parse_telemetry("t.csv", "date,feature,sessions\n".as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv: line 1: missing required column(s): latency_p95_ms, crash_rate; the header has 3 columns: 'date', 'feature', 'sessions'"
        );
    }

    /// The message of a file refused for its header.
    fn refusal(text: &str) -> String {
        let telemetry = parse_telemetry("t.csv", text.as_bytes()).unwrap_err();
        assert!(
            matches!(telemetry, IngestError::MissingColumns { .. }),
            "{telemetry}"
        );
        telemetry.to_string()
    }

    #[test]
    fn a_header_split_by_another_separator_is_named_with_what_was_found() {
        let message =
            refusal("date;feature;sessions;latency_p95_ms;crash_rate\n2026-01-01;a;1;1;0\n");
        assert!(message.starts_with("t.csv: line 1: missing required column(s): date, feature, sessions, latency_p95_ms, crash_rate"), "{message}");
        assert!(
            message.contains("1 column: 'date;feature;sessions;latency_p95_ms;crash_rate'"),
            "{message}"
        );
        assert!(message.contains("separated by ';'"), "{message}");
        assert!(message.contains("comma-separated"), "{message}");
        let message = refusal("date\tfeature\tsessions\tlatency_p95_ms\tcrash_rate\n");
        assert!(message.contains("separated by tabs"), "{message}");
        assert!(!message.chars().any(char::is_control), "{message}");
        // Events are read with the same header rules.
        let events = parse_events("e.csv", "timestamp;feature;kind;title\n".as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            events.starts_with("e.csv: line 1: missing required column(s): timestamp, feature, kind, title; the header has 1 column: 'timestamp;feature;kind;title'"),
            "{events}"
        );
        assert!(events.contains("separated by ';'"), "{events}");
    }

    #[test]
    fn names_are_matched_exactly_after_trimming_and_near_misses_are_named() {
        // Spaces around names (quoted or not) and one byte order mark are accepted.
        let text = "\u{feff} date ,\" feature\",sessions , latency_p95_ms,crash_rate\n2026-01-01,a,1,1,0\n";
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 1, "{:?}", parsed.problems);
        // Another case, or spaces inside a name, is not the contract's column.
        let message =
            refusal("Date,Feature,Sessions,Latency P95 ms,crash_rate\n2026-01-01,a,1,1,0\n");
        assert!(message.starts_with("t.csv: line 1: missing required column(s): date, feature, sessions, latency_p95_ms;"), "{message}");
        assert!(
            message.contains("'Date', 'Feature', 'Sessions', 'Latency P95 ms', 'crash_rate'"),
            "{message}"
        );
        assert!(message.contains("'Date' as date"), "{message}");
        assert!(
            message.contains("'Latency P95 ms' as latency_p95_ms"),
            "{message}"
        );
        assert!(!message.contains("separated"), "{message}");
        // A second byte order mark stays in the first name: it is said, escaped.
        let message = refusal("\u{feff}\u{feff}date,feature,sessions,latency_p95_ms,crash_rate\n");
        assert!(message.contains("byte order mark"), "{message}");
        assert!(message.contains("'\\u{feff}date' as date"), "{message}");
        let message =
            refusal("\u{ef}\u{bb}\u{bf}date,feature,sessions,latency_p95_ms,crash_rate\n");
        assert!(message.contains("byte order mark"), "{message}");
    }

    #[test]
    fn keeps_valid_rows_and_reports_each_bad_cell() {
        let text = "date,feature,sessions,latency_p95_ms,crash_rate\n\
            2026-01-01,a,10,100,0.01\n\
            2026-01-32,a,10,100,1.5\n\
            2026-01-03,a,-4,100,0.01\n\
            2026-01-04,a,10\n\
            2026-01-05,,10,100,0.01\n\
            2026-01-01,a,10,100,0.01\n";
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 1);
        let messages: Vec<String> = parsed.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            messages,
            vec![
                "t.csv: line 3, column 1 (date): '2026-01-32' is not a date (YYYY-MM-DD) or a timestamp (RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC)",
                "t.csv: line 3, column 5 (crash_rate): '1.5' is not in [0, 1]",
                "t.csv: line 4, column 3 (sessions): '-4' is not an integer >= 0",
                "t.csv: line 5: the row has 3 fields where the header has 5",
                "t.csv: line 6, column 2 (feature): required value is empty",
                "t.csv: line 7: duplicate row: feature 'a' on 2026-01-01 was given at line 2",
            ]
        );
    }

    #[test]
    fn messages_quote_cells_short_and_escaped() {
        let feature = format!("\u{1b}[2J{}", "x".repeat(120));
        let row = format!("2026-01-01,{feature},10,100,0.01\n");
        let text = format!("date,feature,sessions,latency_p95_ms,crash_rate\n{row}{row}");
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        let message = &parsed.problems[0].message;
        assert!(
            message.starts_with("duplicate row: feature '\\u{1b}[2Jxxx"),
            "{message}"
        );
        assert!(message.chars().count() < 140, "{message}");
        assert!(!message.chars().any(char::is_control), "{message}");
    }

    #[test]
    fn a_file_with_only_bad_rows_is_refused_with_its_first_problem() {
        let text = "date,feature,sessions,latency_p95_ms,crash_rate\nx,a,1,1,0\n";
        let err = parse_telemetry("t.csv", text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("line 2, column 1 (date)"), "{err}");
    }

    #[test]
    fn events_validate_kind_severity_and_end() {
        let text = "timestamp,feature,kind,title,severity,end\n\
            2026-01-02,checkout,incident,500s,sev2,2026-01-03\n\
            2026-01-01,*,deploy,v1.2,,\n\
            2026-01-04,checkout,outage,x,,\n\
            2026-01-05,checkout,incident,x,sev9,2026-01-01\n";
        let parsed = parse_events("events.csv", text.as_bytes()).unwrap();
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].kind, EventKind::Deploy, "sorted by time");
        assert_eq!(parsed.records[1].severity, Some(2));
        let messages: Vec<String> = parsed.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            messages,
            vec![
                "events.csv: line 4, column 3 (kind): 'outage' is not one of deploy, incident, flag, note",
                "events.csv: line 5, column 5 (severity): 'sev9' is not one of sev1 to sev4",
                "events.csv: line 5, column 6 (end): the end 2026-01-01 00:00:00 is before the start 2026-01-05 00:00:00",
            ]
        );
    }

    #[test]
    fn written_files_read_back_identically() {
        let parsed = parse_telemetry("t.csv", GOOD.as_bytes()).unwrap();
        let text = write_telemetry_csv(&parsed.records);
        let again = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        assert_eq!(again.records.len(), 2);
        assert_eq!(again.records[0].latency_p95_ms, 310.5);
        assert_eq!(again.records[1].crash_rate, 0.001);
    }

    const HEAD: &str = "date,feature,sessions,latency_p95_ms,crash_rate\n";

    fn telemetry(rows: &[&str]) -> Result<ParsedTelemetry, IngestError> {
        let text = format!("{HEAD}{}\n", rows.join("\n"));
        parse_telemetry("t.csv", text.as_bytes())
    }

    #[test]
    fn a_day_is_the_calendar_date_as_written_whatever_its_offset() {
        let parsed = telemetry(&[
            "2026-01-01T00:00:00+02:00,a,10,100,0.01",
            "2026-01-02T00:00:00-05:00,a,10,100,0.01",
            "2026-01-03 00:00:00,a,10,100,0.01",
            "2026-01-04T00:00:00Z,a,10,100,0.01",
            "2026-01-05,a,10,100,0.01",
        ])
        .unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.granularity, Granularity::Days);
        let days: Vec<String> = parsed
            .records
            .iter()
            .map(|r| r.period_start.to_string())
            .collect();
        assert_eq!(
            days,
            [1, 2, 3, 4, 5].map(|d| format!("2026-01-0{d} 00:00:00"))
        );
    }

    #[test]
    fn hours_are_utc_and_must_start_on_the_hour() {
        let parsed = telemetry(&[
            "2026-01-01T00:00:00+02:00,a,10,100,0.01",
            "2026-01-01T01:00:00+02:00,a,10,100,0.01",
            "2026-01-01T02:30:00Z,a,10,100,0.01",
            "2026-01-01 03:00:00,a,10,100,0.01",
        ])
        .unwrap();
        assert_eq!(parsed.granularity, Granularity::Hours);
        let hours: Vec<String> = parsed
            .records
            .iter()
            .map(|r| r.period_start.to_string())
            .collect();
        assert_eq!(
            hours,
            [
                "2025-12-31 22:00:00",
                "2025-12-31 23:00:00",
                "2026-01-01 03:00:00"
            ]
        );
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(
            parsed.problems[0].to_string(),
            "t.csv: line 4, column 1 (date): 2026-01-01 02:30:00 UTC is not the start of an hour: in an hourly file each period starts on a whole hour (UTC)"
        );
    }

    #[test]
    fn a_file_mixing_days_and_hours_is_refused_with_both_lines() {
        let error = telemetry(&[
            "2026-01-01T05:00:00Z,a,10,100,0.01",
            "2026-01-01T06:00:00Z,a,10,100,0.01",
            "2026-01-02,b,10,100,0.01",
        ])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.csv: line 4, column 1 (date): 2026-01-02 is a day but line 2 is hourly (2026-01-01 05:00:00 UTC): a file is all days or all hours; write the midnight hour as 2026-01-02T00:00:00Z"
        );
        // Midnight written as a time is an hour in an hourly file, not a mix.
        let parsed = telemetry(&[
            "2026-01-01T23:00:00Z,a,10,100,0.01",
            "2026-01-02T00:00:00Z,a,10,100,0.01",
        ])
        .unwrap();
        assert_eq!(parsed.records.len(), 2);
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line_and_field() {
        let mut text = HEAD.as_bytes().to_vec();
        text.extend_from_slice(b"2026-01-01,a,10,100,0.01\n2026-01-02,\xff\xfe,10,100,0.01\n");
        let parsed = parse_telemetry("t.csv", text.as_slice()).unwrap();
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(
            parsed.problems[0].to_string(),
            "t.csv: line 3: field 2 of the row is not valid UTF-8 (files must be UTF-8)"
        );
    }

    #[test]
    fn endless_input_and_too_many_features_stop_with_a_message() {
        // /dev/zero: no line end, ever.
        let zeros = std::io::repeat(0).take(u64::MAX);
        let error = parse_telemetry("zero", zeros).unwrap_err();
        assert_eq!(
            error.to_string(),
            "zero: line 1: a line is longer than 1 MiB: this is not a CSV file of the contract (or it has no line ends)"
        );
        let mut text = HEAD.to_string();
        for f in 0..=MAX_FEATURES {
            text.push_str(&format!("2026-01-01,f{f},1,1,0\n"));
        }
        let error = parse_telemetry("t.csv", text.as_bytes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "t.csv: line {}: the file has more than 20000 features, the most that can be analysed",
                MAX_FEATURES + 2
            )
        );
        let events = std::io::repeat(b'x').take(u64::MAX);
        assert!(matches!(
            parse_events("e", events),
            Err(IngestError::OverLimit { .. })
        ));
    }
}
