//! Reading telemetry.csv straight into its daily [`Dataset`], without keeping its rows.
//!
//! The rules are [`parse_telemetry`](super::parse_telemetry)'s: the file's granularity,
//! each row's period, which of several rows with the same period, feature and cohort is
//! kept, the problems and their order, and which refusal comes first. Then come the size
//! limits (span, feature-days), checked before any per-day series is made. Each valid
//! row goes into its feature's days as it is read ([`DatasetBuilder`]), except while the
//! granularity is still open: until a row gives a bare date (a daily file) or a time
//! other than midnight (an hourly file), rows whose dates are midnights written with a
//! time (`2026-01-01T00:00:00+02:00`) wait, compactly, since their period depends on it.

use super::csv_io::{format_timestamp, read_telemetry_rows, TelemetryRow, TelemetryRows};
use super::dataset::{
    day_date, day_number, CohortValues, DatasetBuilder, PackedValues, RowFigures,
};
use super::limits::{MAX_FEATURE_DAYS, MAX_SPAN_DAYS};
use super::{excerpt, Dataset, Granularity, IngestError, Problem, COHORT_DIMENSIONS};
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use std::collections::HashMap;
use std::io::Read;

/// telemetry.csv read into its daily series.
#[derive(Debug, Clone)]
pub struct ReadTelemetry {
    pub dataset: Dataset,
    /// Problems with single rows, which were skipped, in file order.
    pub problems: Vec<Problem>,
    /// Columns the contract does not name.
    pub ignored_columns: Vec<String>,
}

/// Reads telemetry.csv into its daily series (see [`parse_telemetry`](super::parse_telemetry)
/// for the rules), refusing data past the span and feature-day limits before any per-day
/// series is made. `file` names the file in messages.
pub fn read_telemetry<R: Read>(file: &str, input: R) -> Result<ReadTelemetry, IngestError> {
    let mut reader = Reader::default();
    let rows = read_telemetry_rows(file, input, |_, row| {
        reader.take(&row);
        Ok(())
    })?;
    reader.finish(file, rows)
}

/// What the rows so far say of the file's granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Periods {
    /// Every row so far is a midnight written with a time: days or hours, not yet known.
    #[default]
    Open,
    /// A row gave a bare date: a daily file (or a refused one).
    Days,
    /// A row gave a time other than midnight: an hourly file (or a refused one).
    Hours,
    /// Both: the file is refused.
    Mixed,
}

/// The cohort number of rows of a file without cohort columns.
const NO_COHORT: u32 = u32::MAX;
/// Rows per block of waiting rows.
const WAITING_BLOCK: usize = 4096;

/// A row waiting for the file's granularity.
struct Waiting {
    values: PackedValues,
    utc: NaiveDateTime,
    written_day: i32,
    feature: u32,
    cohort: u32,
    line: u32,
    mask: u8,
}

/// A row being put in its period.
struct Taken {
    feature: usize,
    cohort: u32,
    values: RowFigures,
    line: u64,
}

/// Where reading stands: what the rows so far say of the granularity, the rows waiting
/// for it, the series so far, and what the problems and the limits need.
#[derive(Default)]
struct Reader {
    periods: Periods,
    /// The first row with a time other than midnight: its line and instant.
    first_hour: Option<(u64, NaiveDateTime)>,
    /// The first row with a bare date: its line and day.
    first_date: Option<(u64, NaiveDate)>,
    waiting: Vec<Vec<Waiting>>,
    builder: DatasetBuilder,
    /// Each distinct cohort (values by dimension), numbered in order of appearance.
    cohorts: Vec<[Option<Box<str>>; COHORT_DIMENSIONS.len()]>,
    cohort_numbers: HashMap<Box<str>, u32>,
    /// The key of a cohort in `cohort_numbers` (reused between rows).
    cohort_key: String,
    /// (feature, cohort, period) -> line, for the rows whose duplicates the builder
    /// cannot tell: cohort rows, and every row of an hourly file.
    seen: HashMap<(u32, u32, i64), u32>,
    /// Hourly rows not on a whole hour: line and instant.
    not_whole: Vec<(u64, NaiveDateTime)>,
    /// Duplicate rows: line, feature, period, line of the row kept.
    duplicates: Vec<(u64, usize, NaiveDateTime, u32)>,
    /// Rows kept, whether each feature has one, how many features have, their days' range.
    kept_rows: usize,
    kept: Vec<bool>,
    kept_features: usize,
    first_day: i64,
    last_day: i64,
    /// Whether the rows kept are past a size limit: the file will be refused, so they
    /// are no longer put into series.
    over: bool,
    had_cohorts: bool,
}

impl Reader {
    fn take(&mut self, row: &TelemetryRow<'_>) {
        if self.periods == Periods::Mixed {
            return;
        }
        let cohort = self.cohort_number(row.cohort);
        let taken = Taken {
            feature: row.feature_number,
            cohort,
            values: row.values(),
            line: row.line,
        };
        let stamp = &row.stamp;
        match self.periods {
            Periods::Open if stamp.date_only => {
                self.first_date = Some((row.line, stamp.day()));
                self.decide(Periods::Days);
                self.take_day(taken, day_number(stamp.day()));
            }
            Periods::Open if !stamp.is_day() => {
                self.first_hour = Some((row.line, stamp.utc));
                self.decide(Periods::Hours);
                self.take_hour(taken, stamp.utc);
            }
            Periods::Open => {
                let (values, mask) = PackedValues::pack(&taken.values);
                if self
                    .waiting
                    .last()
                    .is_none_or(|block| block.len() == WAITING_BLOCK)
                {
                    self.waiting.push(Vec::with_capacity(WAITING_BLOCK));
                }
                self.waiting.last_mut().expect("just made").push(Waiting {
                    values,
                    utc: stamp.utc,
                    written_day: stamp.day().num_days_from_ce(),
                    feature: taken.feature as u32,
                    cohort,
                    line: line32(row.line),
                    mask,
                });
            }
            Periods::Days if !stamp.is_day() => {
                self.first_hour = Some((row.line, stamp.utc));
                self.refuse();
            }
            Periods::Days => self.take_day(taken, day_number(stamp.day())),
            Periods::Hours if stamp.date_only => {
                self.first_date = Some((row.line, stamp.day()));
                self.refuse();
            }
            Periods::Hours => self.take_hour(taken, stamp.utc),
            Periods::Mixed => {}
        }
    }

    /// The number of a row's cohort.
    fn cohort_number(&mut self, cohort: CohortValues<'_>) -> u32 {
        let Some(values) = cohort else {
            return NO_COHORT;
        };
        // Each value with its length, so that no two cohorts share a key.
        self.cohort_key.clear();
        for value in values {
            match value {
                Some(v) => {
                    self.cohort_key.push_str(&v.len().to_string());
                    self.cohort_key.push(':');
                    self.cohort_key.push_str(v);
                }
                None => self.cohort_key.push('-'),
            }
        }
        if let Some(&number) = self.cohort_numbers.get(self.cohort_key.as_str()) {
            return number;
        }
        let number = self.cohorts.len() as u32;
        self.cohorts.push(values.map(|v| v.map(Box::from)));
        self.cohort_numbers
            .insert(self.cohort_key.as_str().into(), number);
        number
    }

    /// Whether a row of `cohort` is a feature's total row (every cohort value empty).
    fn is_total(&self, cohort: u32) -> bool {
        cohort_values(&self.cohorts, cohort).is_none_or(|values| values.iter().all(Option::is_none))
    }

    /// The granularity is known: the rows waiting for it are put in their periods, in
    /// file order.
    fn decide(&mut self, periods: Periods) {
        self.periods = periods;
        for block in std::mem::take(&mut self.waiting) {
            for w in block {
                let taken = Taken {
                    feature: w.feature as usize,
                    cohort: w.cohort,
                    values: w.values.unpack(w.mask),
                    line: u64::from(w.line),
                };
                match periods {
                    Periods::Hours => self.take_hour(taken, w.utc),
                    _ => self.take_day(taken, i64::from(w.written_day)),
                }
            }
        }
    }

    /// The file mixes days and hours: it will be refused, so nothing more is kept.
    fn refuse(&mut self) {
        self.periods = Periods::Mixed;
        self.drop_series();
        self.not_whole = Vec::new();
        self.duplicates = Vec::new();
    }

    fn drop_series(&mut self) {
        self.builder = DatasetBuilder::default();
        self.waiting = Vec::new();
        self.seen = HashMap::new();
    }

    /// A row of a daily file, on day number `day`.
    fn take_day(&mut self, row: Taken, day: i64) {
        if !self.over {
            let first = if self.is_total(row.cohort) {
                self.builder.total_row_line(row.feature, day)
            } else {
                self.first_line(&row, day)
            };
            if let Some(first) = first {
                let period = day_date(day).and_time(chrono::NaiveTime::MIN);
                self.duplicates.push((row.line, row.feature, period, first));
                return;
            }
        }
        self.keep(row, day, None);
    }

    /// A row of an hourly file, starting at `utc`.
    fn take_hour(&mut self, row: Taken, utc: NaiveDateTime) {
        let whole = utc.minute() == 0 && utc.second() == 0 && utc.nanosecond() == 0;
        if !whole {
            self.not_whole.push((row.line, utc));
            return;
        }
        let time = utc.and_utc().timestamp();
        if !self.over {
            if let Some(first) = self.first_line(&row, time) {
                self.duplicates.push((row.line, row.feature, utc, first));
                return;
            }
        }
        self.keep(row, day_number(utc.date()), Some(time));
    }

    /// The line of the row kept before with the same feature, cohort and period, if any;
    /// otherwise this row's line is noted.
    fn first_line(&mut self, row: &Taken, period: i64) -> Option<u32> {
        match self.seen.entry((row.feature as u32, row.cohort, period)) {
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line32(row.line));
                None
            }
        }
    }

    /// Keeps a row on day number `day` (and, hourly, in the hour starting at `hour`).
    fn keep(&mut self, row: Taken, day: i64, hour: Option<i64>) {
        if self.kept_rows == 0 {
            (self.first_day, self.last_day) = (day, day);
        }
        self.kept_rows += 1;
        self.first_day = self.first_day.min(day);
        self.last_day = self.last_day.max(day);
        if self.kept.len() <= row.feature {
            self.kept.resize(row.feature + 1, false);
        }
        if !self.kept[row.feature] {
            self.kept[row.feature] = true;
            self.kept_features += 1;
        }
        self.had_cohorts |= row.cohort != NO_COHORT;
        if self.over {
            return;
        }
        // The rows kept only add features and days: once past a limit, the file is
        // refused whatever follows, so its series are not worth making.
        let days = self.last_day - self.first_day + 1;
        if days > MAX_SPAN_DAYS || self.kept_features as i64 * days > MAX_FEATURE_DAYS {
            self.over = true;
            self.drop_series();
            return;
        }
        let cohort = cohort_values(&self.cohorts, row.cohort);
        self.builder.add(
            row.feature,
            cohort,
            day,
            hour,
            &row.values,
            line32(row.line),
        );
    }

    fn finish(mut self, file: &str, rows: TelemetryRows) -> Result<ReadTelemetry, IngestError> {
        let TelemetryRows {
            header,
            mut problems,
            features,
        } = rows;
        let granularity = match self.periods {
            Periods::Mixed => {
                let ((line, day), (hour_line, hour)) = (
                    self.first_date.expect("a bare date made the file mixed"),
                    self.first_hour.expect("an hour made the file mixed"),
                );
                return Err(IngestError::Invalid {
                    problem: Box::new(header.problem(
                        line,
                        "date",
                        format!(
                            "{day} is a day but line {hour_line} is hourly ({hour} UTC): a file is all days or all hours; write the midnight hour as {day}T00:00:00Z"
                        ),
                    )),
                });
            }
            Periods::Open => {
                self.decide(Periods::Days);
                Granularity::Days
            }
            Periods::Days => Granularity::Days,
            Periods::Hours => Granularity::Hours,
        };
        problems.extend(self.not_whole.iter().map(|(line, t)| {
            header.problem(
                *line,
                "date",
                format!(
                    "{t} UTC is not the start of an hour: in an hourly file each period starts on a whole hour (UTC)"
                ),
            )
        }));
        problems.extend(
            self.duplicates
                .iter()
                .map(|(line, feature, period, first)| Problem {
                    file: file.to_string(),
                    line: *line,
                    column: None,
                    message: format!(
                        "duplicate row: feature '{}' on {} was given at line {first}",
                        excerpt(&features[*feature]),
                        format_timestamp(*period)
                    ),
                }),
        );
        crate::sorting::sort_by_key(&mut problems, |p| p.line);
        if self.kept_rows == 0 {
            return Err(match problems.into_iter().next() {
                Some(first) => IngestError::NoValidRows {
                    file: file.to_string(),
                    first: Box::new(first),
                },
                None => IngestError::Empty {
                    file: file.to_string(),
                },
            });
        }
        let (first, last) = (day_date(self.first_day), day_date(self.last_day));
        let days = self.last_day - self.first_day + 1;
        if days > MAX_SPAN_DAYS {
            return Err(IngestError::TooLong {
                file: file.to_string(),
                days,
                first,
                last,
                max: MAX_SPAN_DAYS,
            });
        }
        let cells = self.kept_features as i64 * days;
        if cells > MAX_FEATURE_DAYS {
            return Err(IngestError::TooLarge {
                file: file.to_string(),
                features: self.kept_features,
                days,
                cells,
                max: MAX_FEATURE_DAYS,
            });
        }
        debug_assert!(!self.over, "past a limit, yet within the limits");
        self.seen = HashMap::new();
        let dataset = self.builder.finish(
            |f| &features[f],
            self.first_day,
            days as usize,
            granularity,
            self.had_cohorts,
        );
        Ok(ReadTelemetry {
            dataset,
            problems,
            ignored_columns: header.ignored,
        })
    }
}

/// The values of cohort number `cohort`.
fn cohort_values(
    cohorts: &[[Option<Box<str>>; COHORT_DIMENSIONS.len()]],
    cohort: u32,
) -> CohortValues<'_> {
    (cohort != NO_COHORT).then(|| cohorts[cohort as usize].each_ref().map(|v| v.as_deref()))
}

/// A line number in 32 bits: lines are at most the file's bytes (256 MiB).
fn line32(line: u64) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}
