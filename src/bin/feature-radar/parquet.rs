//! Parquet input, as warehouses export it: a file's rows turned into the contract's CSV
//! text (the column names as they are; dates as `YYYY-MM-DD`, timestamps in RFC 3339 UTC,
//! nulls as empty cells), which then goes through the same reader, checks and messages as
//! a CSV file. A problem's "line N" is the file's row N - 1 (the header is line 1).
//! Snappy, zstd and uncompressed files are read.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::fmt::Write;

/// Whether `bytes` begin as a Parquet file does.
pub fn is_parquet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PAR1")
}

/// The rows of the Parquet file `bytes` as CSV text with a header row.
pub fn to_csv(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))
        .map_err(|e| format!("{name}: not a readable Parquet file: {e}"))?;
    let columns: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let mut out = String::new();
    out.push_str(
        &columns
            .iter()
            .map(|c| cell(c))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    let rows = reader
        .get_row_iter(None)
        .map_err(|e| format!("{name}: cannot read its rows: {e}"))?;
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| format!("{name}: row {}: {e}", i + 1))?;
        for (k, (column, field)) in row.get_column_iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            let text = value(field).ok_or_else(|| {
                format!(
                    "{name}: row {}, column {column}: a nested or binary value; the contract's columns are numbers, text, dates and timestamps",
                    i + 1
                )
            })?;
            out.push_str(&cell(&text));
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

/// A field as the contract writes it; None for values no column of it can hold.
fn value(field: &Field) -> Option<String> {
    let micros = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string())
    };
    Some(match field {
        Field::Null => String::new(),
        Field::Bool(b) => b.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Decimal(_) => field.to_string(),
        Field::Str(s) => s.clone(),
        Field::Date(days) => (chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
            + chrono::Days::new(u64::try_from(*days).ok()?))
        .to_string(),
        Field::TimestampMillis(ms) => micros(ms.checked_mul(1000)?)?,
        Field::TimestampMicros(us) => micros(*us)?,
        _ => return None,
    })
}

/// A CSV cell, quoted when it holds a comma, a quote or a line end (RFC 4180).
fn cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        let mut quoted = String::with_capacity(text.len() + 2);
        let _ = write!(quoted, "\"{}\"", text.replace('"', "\"\""));
        quoted
    } else {
        text.to_string()
    }
}
