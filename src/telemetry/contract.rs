//! The data contract's columns as one table, the templates made from it, and what a
//! refused header held.
//!
//! The readers take their required and optional columns from [`TELEMETRY_COLUMNS`] and
//! [`EVENTS_COLUMNS`], the page lists them, and a test checks that the README's tables
//! name the same columns, so the reader, the page and the documentation cannot disagree.
//! When a header lacks a required column, [`HeaderFound`] says what it held instead (the
//! first few names, escaped), and what looks wrong with it: another separator than the
//! comma, a name written in another case or with spaces, a stray byte order mark. The
//! command line and the page print the same message.

use super::COHORT_DIMENSIONS;
use std::fmt;

/// One column of a file of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// Whether the column must be present and filled in every row.
    pub required: bool,
    /// How a cell is written.
    pub format: &'static str,
    /// What the column means.
    pub meaning: &'static str,
    /// The unit of its values ("" when it has none: ids, names, dates).
    pub unit: &'static str,
}

const fn column(
    name: &'static str,
    required: bool,
    format: &'static str,
    meaning: &'static str,
    unit: &'static str,
) -> Column {
    Column {
        name,
        required,
        format,
        meaning,
        unit,
    }
}

/// The columns of telemetry.csv: one row per period, feature (and cohort).
pub const TELEMETRY_COLUMNS: [Column; 12] = [
    column(
        "date",
        true,
        "YYYY-MM-DD, or a timestamp",
        "start of the period; all rows of a file share one granularity, days or hours",
        "",
    ),
    column(
        "feature",
        true,
        "text, 1 to 128 characters",
        "stable feature id, such as checkout",
        "",
    ),
    column(
        "sessions",
        true,
        "integer >= 0",
        "sessions that used the feature in the period",
        "sessions",
    ),
    column(
        "latency_p95_ms",
        true,
        "number >= 0",
        "95th percentile latency",
        "milliseconds",
    ),
    column(
        "crash_rate",
        true,
        "number in [0, 1]",
        "crashes per session",
        "share of sessions",
    ),
    column(
        "latency_p50_ms",
        false,
        "number >= 0",
        "median latency",
        "milliseconds",
    ),
    column(
        "error_rate",
        false,
        "number in [0, 1]",
        "failed requests per request",
        "share of requests",
    ),
    column(
        "feedback_score",
        false,
        "number in [1, 5]",
        "mean user rating; empty when nobody rated",
        "rating points",
    ),
    column(
        "feedback_count",
        false,
        "integer >= 0",
        "how many ratings the score averages",
        "ratings",
    ),
    column(
        COHORT_DIMENSIONS[0],
        false,
        "text",
        "cohort dimension: the platform (ios, android, web, ...)",
        "",
    ),
    column(
        COHORT_DIMENSIONS[1],
        false,
        "text",
        "cohort dimension: the app version",
        "",
    ),
    column(
        COHORT_DIMENSIONS[2],
        false,
        "text",
        "cohort dimension: the region",
        "",
    ),
];

/// The columns of events.csv: deployments, incidents and other annotations.
pub const EVENTS_COLUMNS: [Column; 6] = [
    column(
        "timestamp",
        true,
        "YYYY-MM-DD or RFC 3339",
        "when it happened (an incident's start)",
        "",
    ),
    column(
        "feature",
        true,
        "feature id, or *",
        "the feature it concerns; * means every feature",
        "",
    ),
    column(
        "kind",
        true,
        "deploy, incident, flag or note",
        "what it is",
        "",
    ),
    column(
        "title",
        true,
        "text",
        "one line for people, such as v4.2.0 or checkout 500s",
        "",
    ),
    column("severity", false, "sev1 to sev4", "for incidents", ""),
    column(
        "end",
        false,
        "YYYY-MM-DD or RFC 3339",
        "an incident's end",
        "",
    ),
];

/// The columns of a `timestamp,value` series (`feature-radar detect`, the Series view).
pub const SERIES_COLUMNS: [&str; 2] = ["timestamp", "value"];

/// The names of `columns` that are required (or optional, with `required` false).
pub fn column_names(columns: &[Column], required: bool) -> Vec<&'static str> {
    columns
        .iter()
        .filter(|c| c.required == required)
        .map(|c| c.name)
        .collect()
}

/// A small valid telemetry.csv: the contract's columns but the cohort dimensions, for
/// two features over a week of days, to fill in or to try the page with.
pub fn telemetry_template() -> String {
    let columns: Vec<&str> = TELEMETRY_COLUMNS
        .iter()
        .map(|c| c.name)
        .filter(|name| !COHORT_DIMENSIONS.contains(name))
        .collect();
    // No cell needs quoting, so the lines are written as they are (the page's wasm
    // carries no CSV writer for this).
    let mut text = columns.join(",");
    text.push('\n');
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("a valid date");
    for day in 0..7u32 {
        let date = start + chrono::Days::new(u64::from(day));
        // Weekends are quieter; checkout slows a little from the fifth day on.
        let weekend = day >= 5;
        for (feature, sessions, p95, crash) in [
            ("checkout", 12_400, 420.0, 0.0021),
            ("search", 48_900, 180.0, 0.0004),
        ] {
            let sessions: u32 = if weekend { sessions * 3 / 4 } else { sessions } + day * 37;
            let slower = if feature == "checkout" && day >= 4 {
                1.0 + 0.08 * f64::from(day - 3)
            } else {
                1.0
            };
            let p95: f64 = p95 * slower + f64::from(day % 3) * 4.0;
            let rated = sessions / 400;
            let cells = [
                date.to_string(),
                feature.to_string(),
                sessions.to_string(),
                format!("{p95:.1}"),
                format!("{:.4}", crash + f64::from(day % 2) * 0.0002),
                format!("{:.1}", p95 * 0.45),
                format!("{:.4}", crash * 2.5),
                // A day without ratings leaves the score empty.
                if day == 6 && feature == "search" {
                    String::new()
                } else {
                    format!("{:.2}", 4.5 - 0.1 * (slower - 1.0) * 10.0)
                },
                if day == 6 && feature == "search" {
                    "0".to_string()
                } else {
                    rated.to_string()
                },
            ];
            text.push_str(&cells.join(","));
            text.push('\n');
        }
    }
    text
}

/// A small valid events.csv for [`telemetry_template`]'s features and days: deploys, an
/// incident with its severity and end, and a note for every feature.
pub fn events_template() -> String {
    let mut text = EVENTS_COLUMNS
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for row in [
        "2026-01-06,search,deploy,v2.8.0,,",
        "2026-01-08T09:30:00Z,checkout,deploy,v4.2.0,,",
        "2026-01-10T14:00:00Z,checkout,incident,checkout 500s,sev2,2026-01-10T16:30:00Z",
        "2026-01-11,*,note,holiday sale starts,,",
    ] {
        text.push_str(row);
        text.push('\n');
    }
    text
}

/// What a header without a required column held, for its message (see the module's
/// documentation). Its `Display` is the end of the message, after the missing columns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeaderFound {
    /// The header's first names as read (trimmed), at most [`HeaderFound::SHOWN`].
    pub names: Vec<String>,
    /// How many names the header has.
    pub count: usize,
    /// The separator the header line seems to use instead of the comma.
    pub separator: Option<char>,
    /// Names that are a missing column written otherwise (another case, spaces or
    /// hyphens for underscores): the name as written, and the column.
    pub near: Vec<(String, String)>,
    /// Whether the first name starts with a byte order mark that reading did not remove:
    /// a second one, or one converted to `ï»¿` by a tool that read UTF-8 as Latin-1.
    pub stray_byte_order_mark: bool,
}

/// A byte order mark, and the same three bytes read as Latin-1 (Windows-1252).
const BYTE_ORDER_MARKS: [&str; 2] = ["\u{feff}", "\u{ef}\u{bb}\u{bf}"];

/// Separators people export instead of the comma, with how a message names them.
const OTHER_SEPARATORS: [(char, &str); 3] = [(';', "';'"), ('\t', "tabs"), ('|', "'|'")];

impl HeaderFound {
    /// Names listed in a message; the rest are counted.
    pub const SHOWN: usize = 6;

    /// What the header `names` (as the CSV reader split them, trimmed) held, given the
    /// required columns it lacks.
    pub fn of(names: &[String], missing: &[String]) -> Self {
        let separator = OTHER_SEPARATORS
            .iter()
            .map(|(c, _)| (*c, names.iter().map(|n| n.matches(*c).count()).sum()))
            // More of them than commas between the names: the line is split by them.
            .filter(|(_, count): &(char, usize)| *count >= names.len().max(1))
            .max_by_key(|(_, count)| *count)
            .map(|(c, _)| c);
        let stray_byte_order_mark = names
            .first()
            .is_some_and(|n| BYTE_ORDER_MARKS.iter().any(|m| n.starts_with(m)));
        let mut near = Vec::new();
        if separator.is_none() {
            for name in names {
                let plain = normalised(name);
                if let Some(column) = missing.iter().find(|c| **c == plain) {
                    if !near.iter().any(|(_, c)| c == column) {
                        near.push((name.clone(), column.clone()));
                    }
                }
            }
        }
        HeaderFound {
            names: names.iter().take(Self::SHOWN).cloned().collect(),
            count: names.len(),
            separator,
            near,
            stray_byte_order_mark,
        }
    }
}

/// A header name as the contract would write it: without byte order marks, trimmed,
/// lower case, with underscores for spaces, hyphens and dots.
fn normalised(name: &str) -> String {
    let mut name = name.trim();
    while let Some(rest) = BYTE_ORDER_MARKS.iter().find_map(|m| name.strip_prefix(m)) {
        name = rest.trim_start();
    }
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if matches!(c, ' ' | '-' | '.') { '_' } else { c };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out
}

/// A header name for a message: a short excerpt, with a byte order mark (which is not a
/// control character, but invisible) escaped too.
fn quoted(name: &str) -> String {
    format!(
        "'{}'",
        super::excerpt(name).replace('\u{feff}', "\\u{feff}")
    )
}

impl fmt::Display for HeaderFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listed: Vec<String> = self.names.iter().map(|n| quoted(n)).collect();
        match self.count {
            0 => {}
            1 => write!(f, "; the header has 1 column: {}", listed.join(", "))?,
            n if n <= listed.len() => {
                write!(f, "; the header has {n} columns: {}", listed.join(", "))?
            }
            n => write!(
                f,
                "; the header has {n} columns, the first {}: {}",
                listed.len(),
                listed.join(", ")
            )?,
        }
        if let Some(separator) = self.separator {
            let name = OTHER_SEPARATORS
                .iter()
                .find(|(c, _)| *c == separator)
                .map_or("another character", |(_, name)| name);
            write!(
                f,
                "; the header looks separated by {name} — files must be comma-separated"
            )?;
        }
        if self.stray_byte_order_mark {
            write!(
                f,
                "; the first name starts with a byte order mark that is not the file's own (written twice, or converted to 'ï»¿'): save the file as UTF-8"
            )?;
        }
        if !self.near.is_empty() {
            let renames: Vec<String> = self
                .near
                .iter()
                .map(|(name, column)| format!("{} as {column}", quoted(name)))
                .collect();
            write!(
                f,
                "; write {}: names must match the contract exactly",
                renames.join(", ")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(header: &[&str], missing: &[&str]) -> String {
        let names: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        let missing: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
        HeaderFound::of(&names, &missing).to_string()
    }

    #[test]
    fn a_comma_separated_header_lists_its_names_without_a_separator_note() {
        let text = found(&["date", "feature", "sessions"], &["crash_rate"]);
        assert!(
            text.contains("3 columns: 'date', 'feature', 'sessions'"),
            "{text}"
        );
        assert!(!text.contains("separated"), "{text}");
    }

    #[test]
    fn semicolons_tabs_and_bars_are_named() {
        let text = found(&["date;feature;sessions"], &["date"]);
        assert!(text.contains("1 column: 'date;feature;sessions'"), "{text}");
        assert!(text.contains("separated by ';'"), "{text}");
        let text = found(&["date\tfeature\tsessions"], &["date"]);
        assert!(text.contains("separated by tabs"), "{text}");
        assert!(
            text.contains("'date\\tfeature\\tsessions'"),
            "escaped: {text}"
        );
        assert!(found(&["date|feature"], &["date"]).contains("separated by '|'"));
        // A stray semicolon in one name of a comma-separated header is not a separator.
        let text = found(&["date", "feature", "notes; misc"], &["sessions"]);
        assert!(!text.contains("separated"), "{text}");
    }

    #[test]
    fn names_in_another_case_or_with_spaces_are_named_with_their_column() {
        let text = found(
            &[
                "Date",
                "FEATURE",
                "sessions",
                "Latency P95 ms",
                "crash-rate",
            ],
            &["date", "feature", "latency_p95_ms", "crash_rate"],
        );
        for pair in [
            "'Date' as date",
            "'FEATURE' as feature",
            "'Latency P95 ms' as latency_p95_ms",
            "'crash-rate' as crash_rate",
        ] {
            assert!(text.contains(pair), "{pair}: {text}");
        }
        assert!(!text.contains("byte order mark"), "{text}");
    }

    #[test]
    fn a_stray_byte_order_mark_is_named_and_shown_escaped() {
        let text = found(&["\u{feff}date", "feature"], &["date"]);
        assert!(text.contains("byte order mark"), "{text}");
        assert!(text.contains("'\\u{feff}date' as date"), "{text}");
        let text = found(&["ï»¿date", "feature"], &["date"]);
        assert!(text.contains("byte order mark"), "{text}");
    }

    #[test]
    fn long_headers_show_a_few_short_names() {
        let long = "x".repeat(500);
        let mut header: Vec<&str> = vec![long.as_str()];
        header.extend(["a", "b", "c", "d", "e", "f", "g"]);
        let text = found(&header, &["date"]);
        assert!(text.contains("8 columns, the first 6:"), "{text}");
        assert!(!text.contains("'f'"), "{text}");
        assert!(text.chars().count() < 200, "{text}");
    }

    #[test]
    fn the_readers_take_their_columns_from_the_tables() {
        assert_eq!(
            column_names(&TELEMETRY_COLUMNS, true),
            [
                "date",
                "feature",
                "sessions",
                "latency_p95_ms",
                "crash_rate"
            ]
        );
        assert_eq!(
            column_names(&EVENTS_COLUMNS, true),
            ["timestamp", "feature", "kind", "title"]
        );
        for dimension in COHORT_DIMENSIONS {
            assert!(column_names(&TELEMETRY_COLUMNS, false).contains(&dimension));
        }
    }
}
