//! The limits on what is read, checked while reading so that the cost of a file is
//! bounded by these numbers, whatever the file holds: its bytes, the length of a line,
//! its rows and features, its span of dates, and the length of its texts.
//!
//! [`Limited`] wraps every reader the CSV parsers use: it stops a file at
//! [`MAX_FILE_BYTES`] and a line at [`MAX_LINE_BYTES`] (so `/dev/zero`, or a file of one
//! endless line, ends with a message instead of exhausting memory). The parsers count
//! rows and features as they go and stop at the first row past a limit.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read};

/// The largest input file, in bytes (256 MiB): about 10,000 features over a year of
/// daily rows, or a NAB-style series of millions of rows.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The longest line, in bytes. A contract row is under 1 KB; 1 MiB leaves room for
/// ignored columns while keeping one line from filling memory.
pub const MAX_LINE_BYTES: u64 = 1024 * 1024;
/// The most telemetry rows (periods x features x cohorts) in one file.
pub const MAX_TELEMETRY_ROWS: usize = 5_000_000;
/// The most distinct features in one telemetry file.
pub const MAX_FEATURES: usize = 20_000;
/// The most rows in one events file.
pub const MAX_EVENT_ROWS: usize = 1_000_000;
/// The most rows in one series for `detect`.
pub const MAX_SERIES_ROWS: usize = 5_000_000;
/// The largest value any number or count may take (a latency of 10^12 ms is 30 years;
/// 10^12 sessions a period is more than any product has): it keeps every sum and
/// weighted mean finite, so one absurd cell cannot turn the analysis into NaN.
pub const PLAUSIBLE_MAX: f64 = 1e12;
/// The longest event title, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// The longest cohort value, in characters.
pub const MAX_COHORT_CHARS: usize = 128;
/// The longest feature id, in characters.
pub const MAX_FEATURE_CHARS: usize = 128;
/// The longest span of telemetry analysed, in days (five years). The analysis keeps
/// per-day series, so its cost grows with the span of the dates, not only with the
/// number of rows: a two-row file from 1900 to 2026 must be refused, not computed.
pub const MAX_SPAN_DAYS: i64 = 1_830;
/// The most feature-days analysed (10,000 features over a year and a half).
pub const MAX_FEATURE_DAYS: i64 = 5_500_000;

/// Which byte limit a file broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// The file is longer than [`MAX_FILE_BYTES`].
    FileBytes,
    /// A line is longer than [`MAX_LINE_BYTES`].
    LineBytes,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exceeded::FileBytes => write!(
                f,
                "the file is larger than {} MiB, the most that can be read: keep the most recent part or fewer features",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            Exceeded::LineBytes => write!(
                f,
                "a line is longer than {} MiB: this is not a CSV file of the contract (or it has no line ends)",
                MAX_LINE_BYTES / (1024 * 1024)
            ),
        }
    }
}

impl std::error::Error for Exceeded {}

/// The limit a reading error stands for, if it is one of [`Limited`]'s.
pub fn exceeded(error: &io::Error) -> Option<Exceeded> {
    error.get_ref()?.downcast_ref::<Exceeded>().copied()
}

/// A reader that fails, with an [`Exceeded`] error, once the input passes
/// [`MAX_FILE_BYTES`] or a line passes [`MAX_LINE_BYTES`].
///
/// It also tells the line on which a byte of the input lies ([`Limited::line_at`]): the
/// CSV reader's own line count is one short after each CRLF line end.
pub struct Limited<R> {
    inner: R,
    total: u64,
    line: u64,
    max_total: u64,
    max_line: u64,
    /// The offsets of the line ends read and not yet passed by [`Limited::line_at`], each
    /// with whether it ends a CRLF.
    newlines: RefCell<VecDeque<(u64, bool)>>,
    /// The last byte read.
    last: u8,
    /// Line ends before the last byte asked about.
    passed: Cell<u64>,
}

impl<R: Read> Limited<R> {
    pub fn new(inner: R) -> Self {
        Self::with_limits(inner, MAX_FILE_BYTES, MAX_LINE_BYTES)
    }

    /// The same with other limits (for tests).
    pub fn with_limits(inner: R, max_total: u64, max_line: u64) -> Self {
        Limited {
            inner,
            total: 0,
            line: 0,
            max_total,
            max_line,
            newlines: RefCell::new(VecDeque::new()),
            last: 0,
            passed: Cell::new(0),
        }
    }

    /// The line (the first is 1) of a record that the CSV reader says starts at byte
    /// `offset`, for offsets asked in increasing order (each line end is forgotten once
    /// passed): the CSV reader's own count, but for the LF of a CRLF, at which it starts
    /// the next record without counting it.
    pub fn line_at(&self, offset: u64) -> u64 {
        let mut newlines = self.newlines.borrow_mut();
        while newlines
            .front()
            .is_some_and(|&(end, crlf)| end < offset || (end == offset && crlf))
        {
            newlines.pop_front();
            self.passed.set(self.passed.get() + 1);
        }
        self.passed.get() + 1
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let start = self.total;
        self.total += n as u64;
        // Line ends as an editor counts them: each LF (a CRLF's included; a bare CR, which
        // the CSV reader also takes as a line end, does not start a new line).
        let newlines = self.newlines.get_mut();
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                let after_cr = if i == 0 {
                    self.last == b'\r'
                } else {
                    buf[i - 1] == b'\r'
                };
                newlines.push_back((start + i as u64, after_cr));
            }
        }
        if n > 0 {
            self.last = buf[n - 1];
        }
        // Each segment between line ends is (part of) a line; the first continues the
        // line before this read, the last goes on into the next.
        let mut longest = 0;
        let mut segments = buf[..n].split(|&b| b == b'\n');
        if let Some(first) = segments.next() {
            self.line += first.len() as u64;
            longest = self.line;
        }
        for segment in segments {
            longest = longest.max(self.line);
            self.line = segment.len() as u64;
        }
        longest = longest.max(self.line);
        if self.total > self.max_total {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Exceeded::FileBytes,
            ));
        }
        if longest > self.max_line {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Exceeded::LineBytes,
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max_total: u64, max_line: u64) -> Result<usize, Exceeded> {
        let mut out = Vec::new();
        Limited::with_limits(input, max_total, max_line)
            .read_to_end(&mut out)
            .map_err(|e| exceeded(&e).expect("a limit error"))
    }

    #[test]
    fn stops_a_long_file_and_a_long_line() {
        assert_eq!(read_all(b"ab\ncd\n", 6, 2), Ok(6));
        assert_eq!(read_all(b"ab\ncd\ne", 6, 2), Err(Exceeded::FileBytes));
        assert_eq!(read_all(b"ab\ncde\n", 100, 2), Err(Exceeded::LineBytes));
        // An endless stream without line ends stops at the line limit.
        let zeros = io::repeat(0).take(u64::MAX);
        let mut sink = Vec::new();
        let error = Limited::with_limits(zeros, u64::MAX, 1 << 16)
            .read_to_end(&mut sink)
            .unwrap_err();
        assert_eq!(exceeded(&error), Some(Exceeded::LineBytes));
        assert!(sink.len() < 1 << 18);
    }
}
