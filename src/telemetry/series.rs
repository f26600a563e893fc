//! One metric series in the Numenta Anomaly Benchmark's format, `timestamp,value`, read
//! for `feature-radar detect`, and its scored output.
//!
//! Unlike telemetry, a series is read strictly: online scoring needs every row in order,
//! so the first bad row stops the reading with its file, line and column.

use super::{HeaderFound, IngestError, Problem, MAX_SERIES_ROWS, SERIES_COLUMNS};
use std::io::Read;

/// One row of a series. The timestamp is kept as written; an empty value is a gap.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeriesPoint {
    pub timestamp: String,
    pub value: Option<f64>,
    pub value_text: String,
}

/// Reads `timestamp,value` (other columns are ignored).
pub fn parse_series<R: Read>(file: &str, input: R) -> Result<Vec<SeriesPoint>, IngestError> {
    let mut reader = super::csv_io::reader_for(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| super::csv_io::read_failure(file, 1, &e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(IngestError::Empty {
            file: file.to_string(),
        });
    }
    let find = |name: &str| header.iter().position(|h| h == name);
    let [timestamp_column, value_column] = SERIES_COLUMNS;
    let (Some(ts), Some(val)) = (find(timestamp_column), find(value_column)) else {
        let missing: Vec<String> = SERIES_COLUMNS
            .into_iter()
            .filter(|c| find(c).is_none())
            .map(String::from)
            .collect();
        return Err(IngestError::MissingColumns {
            file: file.to_string(),
            found: Box::new(HeaderFound::of(&header, &missing)),
            missing,
        });
    };
    let bad = |line: u64, column: Option<usize>, message: String| IngestError::Invalid {
        problem: Box::new(Problem {
            file: file.to_string(),
            line,
            column: column.map(|c| (c + 1, header[c].clone())),
            message,
        }),
    };
    let mut points = Vec::new();
    let mut line = 1;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e
                    .position()
                    .map_or(line + 1, |p| reader.get_ref().line_at(p.byte()));
                return Err(super::csv_io::read_failure(file, at, &e));
            }
        }
        line = record
            .position()
            .map_or(line + 1, |p| reader.get_ref().line_at(p.byte()));
        if points.len() == MAX_SERIES_ROWS {
            return Err(super::csv_io::too_many(file, line, "rows", MAX_SERIES_ROWS));
        }
        let timestamp = record.get(ts).unwrap_or("").trim();
        if timestamp.is_empty() {
            return Err(bad(line, Some(ts), "required value is empty".into()));
        }
        let text = record.get(val).unwrap_or("").trim();
        let value = if text.is_empty() {
            None
        } else {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    return Err(bad(
                        line,
                        Some(val),
                        format!("'{}' is not a number", super::excerpt(text)),
                    ))
                }
            }
        };
        points.push(SeriesPoint {
            timestamp: timestamp.to_string(),
            value,
            value_text: text.to_string(),
        });
    }
    Ok(points)
}

/// A series timestamp in seconds since 1970 (UTC), for the detector's time grid, in any
/// form [`super::parse_timestamp`] reads. None for anything else; the detector then
/// treats rows as equally spaced.
pub fn parse_instant(text: &str) -> Option<i64> {
    super::parse_timestamp(text).map(|t| t.utc.and_utc().timestamp())
}

/// Writes `timestamp,value,anomaly_score`, one row per point, in order.
pub fn write_scored_series(points: &[SeriesPoint], scores: &[f64]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["timestamp", "value", "anomaly_score"])
        .expect("writing to memory");
    for (p, s) in points.iter().zip(scores) {
        writer
            .write_record([
                p.timestamp.as_str(),
                p.value_text.as_str(),
                &format!("{s:.6}"),
            ])
            .expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nab_rows_and_stops_at_a_bad_value() {
        let ok = "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,\n";
        let points = parse_series("s.csv", ok.as_bytes()).unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(points[1].value, None);
        let bad = "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,abc\n";
        let err = parse_series("s.csv", bad.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.csv: line 3, column 2 (value): 'abc' is not a number"
        );
        let hostile = format!(
            "timestamp,value\n2014-04-01,\"\u{1b}[2J{}\"\n",
            "9".repeat(500)
        );
        let err = parse_series("s.csv", hostile.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.csv: line 2, column 2 (value): '\\u{1b}[2J999"),
            "{err}"
        );
        assert!(err.chars().count() < 120, "{err}");
        let err = parse_series("s.csv", "time,value\n".as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.csv: line 1: missing required column(s): timestamp; the header has 2 columns: 'time', 'value'"
        );
        let err = parse_series("s.csv", "timestamp;value\n2014-04-01;1\n".as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.csv: line 1: missing required column(s): timestamp, value; the header has 1 column: 'timestamp;value'; the header looks separated by ';' — files must be comma-separated"
        );
        let err = parse_series("s.csv", "".as_bytes()).unwrap_err();
        assert!(matches!(err, IngestError::Empty { .. }), "{err}");
    }

    #[test]
    fn instants_read_nab_iso_and_unix_forms() {
        let nab = parse_instant("2014-04-01 00:05:00").unwrap();
        assert_eq!(parse_instant("2014-04-01T00:05:00Z"), Some(nab));
        assert_eq!(parse_instant("2014-04-01T00:05"), Some(nab));
        assert_eq!(parse_instant("2014-04-01").map(|t| nab - t), Some(300));
        assert_eq!(parse_instant("1396310700"), Some(nab));
        assert_eq!(parse_instant("yesterday"), None);
    }
}
