//! What every reader promises for any input, checked on each input the fuzzer tries:
//! a problem names a line of its file and, if a column, one of the header's columns.

use feature_radar::telemetry::{IngestError, Problem};

/// The file's lines (a last line without a line feed counts).
pub fn line_count(bytes: &[u8]) -> u64 {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
    (newlines + u64::from(bytes.last().is_some_and(|b| *b != b'\n'))).max(1)
}

fn header_of(bytes: &[u8]) -> Vec<String> {
    csv::ReaderBuilder::new()
        .from_reader(bytes)
        .headers()
        .map(|h| h.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default()
}

pub fn problem(problem: &Problem, bytes: &[u8]) {
    let lines = line_count(bytes);
    assert!(
        (1..=lines).contains(&problem.line),
        "{problem}: line {} of a file of {lines} lines",
        problem.line
    );
    if let Some((index, name)) = &problem.column {
        let header = header_of(bytes);
        assert!(
            (1..=header.len()).contains(index) && header[index - 1] == *name,
            "{problem}: no such column in {header:?}"
        );
    }
    assert!(
        !problem.message.chars().any(char::is_control),
        "{problem}: a control character in the message"
    );
}

pub fn error(error: &IngestError, bytes: &[u8]) {
    match error {
        IngestError::Invalid { problem: p } | IngestError::NoValidRows { first: p, .. } => {
            problem(p, bytes)
        }
        IngestError::Unreadable { line, .. } => {
            assert!((1..=line_count(bytes)).contains(line), "{error}")
        }
        _ => {}
    }
}
