//! The data contract: typed telemetry and event records, and reading them from CSV.
//!
//! Reading goes in two steps, as the contract's readers expect: a raw CSV row (strings)
//! is validated into a typed record, and every problem is collected with the file, line
//! and column it concerns. A messy file yields its valid rows plus the list of problems;
//! a file without the required columns is refused as a whole. Nothing here touches the
//! file system: readers take `impl Read`, so the browser and the command line share them.

mod csv_io;
mod dataset;

pub use csv_io::{
    parse_events, parse_telemetry, write_events_csv, write_telemetry_csv, ParsedEvents,
    ParsedTelemetry,
};
pub use dataset::{Dataset, FeatureSeries, HourlySeries, Metric};
pub use series::{parse_instant, parse_series, write_scored_series, SeriesPoint};

mod series;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    pub timestamp: NaiveDateTime,
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
        self.timestamp.date()
    }

    /// Whether the event concerns `feature` (directly or through `*`).
    pub fn concerns(&self, feature: &str) -> bool {
        self.feature == "*" || self.feature == feature
    }
}

/// The time step of a telemetry file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    #[error("{file}: line 1: missing required column(s): {}", missing.join(", "))]
    MissingColumns { file: String, missing: Vec<String> },
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
}

/// The longest span of telemetry analysed, in days (five years). The analysis keeps
/// per-day series, so its cost grows with the span of the dates, not only with the
/// number of rows: a two-row file from 1900 to 2026 must be refused, not computed.
pub const MAX_SPAN_DAYS: i64 = 1_830;
/// The most feature-days analysed (10,000 features over a year and a half).
pub const MAX_FEATURE_DAYS: i64 = 5_500_000;

/// Parses the contract's `YYYY-MM-DD` or RFC 3339 timestamp, returning it in UTC and
/// whether it carried a time of day.
pub fn parse_timestamp(text: &str) -> Option<(NaiveDateTime, bool)> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if text.len() == 10 {
            return date.and_hms_opt(0, 0, 0).map(|t| (t, false));
        }
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| (t.naive_utc(), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_accept_dates_and_rfc3339_in_utc() {
        let (t, timed) = parse_timestamp("2026-03-04").unwrap();
        assert_eq!(t.to_string(), "2026-03-04 00:00:00");
        assert!(!timed);
        let (t, timed) = parse_timestamp("2026-03-04T23:30:00-02:00").unwrap();
        assert_eq!(t.to_string(), "2026-03-05 01:30:00");
        assert!(timed);
        assert!(parse_timestamp("2026-3-4").is_none());
        assert!(parse_timestamp("04/03/2026").is_none());
        assert!(parse_timestamp("2026-02-30").is_none());
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
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
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
    }
}
