//! The data contract: typed telemetry and event records, and reading them from CSV.
//!
//! Reading goes in two steps, as the contract's readers expect: a raw CSV row (strings)
//! is validated into a typed record, and every problem is collected with the file, line
//! and column it concerns. A messy file yields its valid rows plus the list of problems;
//! a file without the required columns is refused as a whole. Nothing here touches the
//! file system: readers take `impl Read`, so the browser and the command line share them.

mod contract;
mod csv_io;
mod dataset;
pub mod limits;
mod stream;
mod values;

pub use contract::{
    column_names, events_template, telemetry_template, Column, HeaderFound, EVENTS_COLUMNS,
    SERIES_COLUMNS, TELEMETRY_COLUMNS,
};
pub use csv_io::{
    as_written, parse_events, parse_telemetry, write_events_csv, write_telemetry_csv, ParsedEvents,
    ParsedTelemetry,
};
pub use dataset::{
    percent_change, signed_significant, significant, CohortCells, CohortDay, CohortDimension,
    CohortSeries, Dataset, FeatureSeries, HourlySeries, Metric, RecordRows, MAX_BREAKDOWN_VALUES,
    MAX_COHORTS, MIN_COHORT_SHARE, OTHER_COHORT,
};
pub use limits::{
    MAX_COHORT_CHARS, MAX_EVENT_ROWS, MAX_FEATURES, MAX_FEATURE_CHARS, MAX_FEATURE_DAYS,
    MAX_FILE_BYTES, MAX_LINE_BYTES, MAX_SERIES_ROWS, MAX_SPAN_DAYS, MAX_TELEMETRY_ROWS,
    MAX_TITLE_CHARS, PLAUSIBLE_MAX,
};
pub use series::{parse_instant, parse_series, write_scored_series, SeriesPoint};
pub use stream::{read_telemetry, ReadTelemetry};
pub use values::{clipped_range, Slots, Values};

mod series;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One validated row of telemetry.csv: one period, feature and (optionally) cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TelemetryRecord {
    /// Start of the period, UTC.
    pub period_start: NaiveDateTime,
    pub feature: String,
    pub sessions: u64,
    pub latency_p95_ms: f64,
    pub crash_rate: f64,
    pub latency_p50_ms: Option<f64>,
    pub error_rate: Option<f64>,
    pub feedback_score: Option<f64>,
    pub feedback_count: Option<u64>,
    /// The cohort the row describes, when the file has cohort columns.
    pub cohort: Option<Cohort>,
    /// Line of the row in its file (the header is line 1), for messages.
    pub line: u64,
}

/// A cohort: the values of the contract's cohort dimensions on one row (an empty cell is
/// `None`). Kept as separate fields so that different cohorts can never collide.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Cohort {
    pub platform: Option<String>,
    pub app_version: Option<String>,
    pub region: Option<String>,
}

/// The contract's cohort dimensions, in the order they are written.
pub const COHORT_DIMENSIONS: [&str; 3] = ["platform", "app_version", "region"];

impl Cohort {
    /// The value of dimension `index` (into [`COHORT_DIMENSIONS`]).
    pub fn value(&self, index: usize) -> Option<&str> {
        match index {
            0 => self.platform.as_deref(),
            1 => self.app_version.as_deref(),
            _ => self.region.as_deref(),
        }
    }

    /// Whether no dimension has a value (a feature-level total row).
    pub fn is_total(&self) -> bool {
        self.platform.is_none() && self.app_version.is_none() && self.region.is_none()
    }
}

/// What an event is, as the contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Deploy,
    Incident,
    Flag,
    Note,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Deploy => "deploy",
            EventKind::Incident => "incident",
            EventKind::Flag => "flag",
            EventKind::Note => "note",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "deploy" => Some(EventKind::Deploy),
            "incident" => Some(EventKind::Incident),
            "flag" => Some(EventKind::Flag),
            "note" => Some(EventKind::Note),
            _ => None,
        }
    }
}

/// One validated row of events.csv.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// When it happened, UTC.
    pub timestamp: NaiveDateTime,
    /// The calendar day it happened, as written (its date in the writer's offset).
    pub day: NaiveDate,
    /// The feature id, or `*` for every feature.
    pub feature: String,
    pub kind: EventKind,
    pub title: String,
    /// 1 to 4 for `sev1` to `sev4`.
    pub severity: Option<u8>,
    pub end: Option<NaiveDateTime>,
    pub line: u64,
}

impl EventRecord {
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// Whether the event concerns `feature` (directly or through `*`).
    pub fn concerns(&self, feature: &str) -> bool {
        self.feature == "*" || self.feature == feature
    }
}

/// The time step of a telemetry file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Days,
    Hours,
}

/// A problem with one cell or row of an input file. The row is skipped; reading goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// Line in the file; the header is line 1.
    pub line: u64,
    /// 1-based column position and its header name, when the problem is in one cell.
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some((index, name)) => write!(
                f,
                "{}: line {}, column {} ({}): {}",
                self.file, self.line, index, name, self.message
            ),
            None => write!(f, "{}: line {}: {}", self.file, self.line, self.message),
        }
    }
}

/// Why a whole file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// A header without a required column; `found` says what it held instead.
    #[error("{file}: line 1: missing required column(s): {}{found}", missing.join(", "))]
    MissingColumns {
        file: String,
        missing: Vec<String>,
        found: Box<HeaderFound>,
    },
    #[error("{file}: line {line}: {message}")]
    Unreadable {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: the file is empty: a header row is required")]
    Empty { file: String },
    #[error("{problem}")]
    Invalid { problem: Box<Problem> },
    #[error("{file}: no valid rows; first problem: {first}")]
    NoValidRows { file: String, first: Box<Problem> },
    #[error("{file}: the data spans {days} days ({first} to {last}); at most {max} days can be analysed: keep the most recent part")]
    TooLong {
        file: String,
        days: i64,
        first: NaiveDate,
        last: NaiveDate,
        max: i64,
    },
    #[error("{file}: {features} features over {days} days is {cells} feature-days; at most {max} can be analysed")]
    TooLarge {
        file: String,
        features: usize,
        days: i64,
        cells: i64,
        max: i64,
    },
    /// A limit on bytes, line length, rows or features (see [`limits`]), met while reading.
    #[error("{file}: line {line}: {message}")]
    OverLimit {
        file: String,
        line: u64,
        message: String,
    },
}

/// A timestamp as the contract reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The instant in UTC.
    pub utc: NaiveDateTime,
    /// The date and time as written, in the writer's own offset: its date is the
    /// calendar day the row names.
    pub written: NaiveDateTime,
    /// Whether only a date was written (`YYYY-MM-DD`).
    pub date_only: bool,
}

impl Stamp {
    /// The calendar day the text names: the date as written, whatever its offset.
    pub fn day(&self) -> NaiveDate {
        self.written.date()
    }

    /// Whether the text names a whole day: a date, or midnight in its own offset.
    pub fn is_day(&self) -> bool {
        self.written.time() == chrono::NaiveTime::MIN
    }
}

/// Parses a timestamp of the contract (the same forms for telemetry, events and
/// `detect`): `YYYY-MM-DD`; RFC 3339 (`2026-01-01T05:00:00Z`, `...+02:00`, with `T` or a
/// space); a date and time without an offset, read as UTC (`2026-01-01 05:00[:00[.f]]`);
/// `YYYY/MM/DD`; or ten digits of seconds since 1970.
pub fn parse_timestamp(text: &str) -> Option<Stamp> {
    use chrono::DateTime;
    let text = text.trim();
    let plain = |t: NaiveDateTime, date_only| Stamp {
        utc: t,
        written: t,
        date_only,
    };
    if text.len() == 10 {
        for format in ["%Y-%m-%d", "%Y/%m/%d"] {
            if let Ok(date) = NaiveDate::parse_from_str(text, format) {
                return Some(plain(date.and_time(chrono::NaiveTime::MIN), true));
            }
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            let seconds: i64 = text.parse().ok()?;
            return DateTime::from_timestamp(seconds, 0).map(|t| plain(t.naive_utc(), false));
        }
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(Stamp {
            utc: t.naive_utc(),
            written: t.naive_local(),
            date_only: false,
        });
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(plain(t, false));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_accept_dates_and_rfc3339_in_utc() {
        let stamp = |text| parse_timestamp(text).unwrap();
        let t = stamp("2026-03-04");
        assert_eq!(t.utc.to_string(), "2026-03-04 00:00:00");
        assert!(t.date_only && t.is_day());
        let t = stamp("2026-03-04T23:30:00-02:00");
        assert_eq!(t.utc.to_string(), "2026-03-05 01:30:00");
        assert_eq!(t.day().to_string(), "2026-03-04");
        assert!(!t.date_only && !t.is_day());
        // Midnight in its own offset names that calendar day.
        let t = stamp("2026-01-01T00:00:00+02:00");
        assert_eq!(t.utc.to_string(), "2025-12-31 22:00:00");
        assert!(t.is_day());
        assert_eq!(t.day().to_string(), "2026-01-01");
        // Without an offset, a time is UTC; the space form is accepted as `detect` does.
        for text in [
            "2026-01-01 00:00:00",
            "2026-01-01T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00",
            "2026/01/01",
            "1767225600",
        ] {
            let t = stamp(text);
            assert_eq!(t.utc.to_string(), "2026-01-01 00:00:00", "{text}");
            assert!(t.is_day(), "{text}");
        }
        assert!(parse_timestamp("2026-3-4").is_none());
        assert!(parse_timestamp("04/03/2026").is_none());
        assert!(parse_timestamp("2026-02-30").is_none());
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn problems_read_as_file_line_column() {
        let p = Problem {
            file: "telemetry.csv".into(),
            line: 7,
            column: Some((5, "crash_rate".into())),
            message: "1.5 is not in [0, 1]".into(),
        };
        assert_eq!(
            p.to_string(),
            "telemetry.csv: line 7, column 5 (crash_rate): 1.5 is not in [0, 1]"
        );
    }
}

/// A short, printable excerpt of user text for messages: at most 60 characters, control
/// characters (terminal escape sequences among them) escaped, so that a huge or hostile
/// cell cannot flood or drive a terminal.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    // Characters shown so far: an escaped control character counts as its escape.
    let mut shown = 0;
    for c in text.chars() {
        let width = if c.is_control() {
            c.escape_default().count()
        } else {
            1
        };
        if shown + width > MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        shown += width;
    }
    out
}

#[cfg(test)]
mod excerpt_tests {
    #[test]
    fn excerpts_are_short_and_escaped() {
        assert_eq!(super::excerpt("checkout"), "checkout");
        assert_eq!(super::excerpt("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        let long = "x".repeat(10_000);
        assert_eq!(super::excerpt(&long).chars().count(), 61);
        // Escapes count as what is shown: a run of control characters
        // stays as short as any other excerpt.
        let controls = "\u{1b}\u{85}".repeat(100);
        let shown = super::excerpt(&controls);
        assert!(shown.chars().count() <= 61, "{shown}");
        assert!(shown.ends_with('…') && shown.starts_with("\\u{1b}\\u{85}"));
    }
}
