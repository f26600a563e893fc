//! Feature Radar: early warning for product features.
//!
//! The core takes per-feature telemetry and events (the data contract in
//! `telemetry`), derives signals (`analysis`), fits a walk-forward risk model (`model`),
//! ranks features by potential user harm (`impact`), and states what it found in
//! sentences (`insights`). [`analyze`] is the one entry point: it returns a plain-data
//! [`Report`] that the page (`ui`, wasm only) and the command-line tool both read.
//!
//! Nothing outside `ui` touches the browser, files or the clock, so all of it builds and
//! tests natively.

pub mod analysis;
pub mod benchmark;
pub mod charts;
pub mod detail;
pub mod engine;
pub mod impact;
pub mod insights;
pub mod interned;
pub mod model;
pub mod report;
pub mod series_summary;
pub mod synth;
pub mod telemetry;
#[cfg(target_arch = "wasm32")]
pub mod ui;

#[cfg(all(feature = "web", not(target_arch = "wasm32")))]
compile_error!(
    "the feature `web` builds the page's binaries, which run in the browser only: build them \
     for wasm32 with Trunk (see README.md); the command-line tool is `feature-radar`"
);
#[cfg(all(feature = "cli", target_arch = "wasm32"))]
compile_error!(
    "the feature `cli` (on by default) builds the command-line tool and the benchmark, which \
     run natively only: build for wasm32 with `--no-default-features --features web`"
);
pub mod view_state;

pub use report::{analyze, Config, Report};

use std::io::Read;
use telemetry::{Dataset, EventRecord, IngestError, Problem};

/// Input files read and validated, ready for [`analyze`].
#[derive(Debug, Clone)]
pub struct LoadedData {
    /// Shared with the analyses made of it, which do not copy it.
    pub dataset: std::sync::Arc<Dataset>,
    pub events: Vec<EventRecord>,
    /// Problems with single rows, which were skipped.
    pub problems: Vec<Problem>,
    /// Columns the contract does not name, per file: (file, column).
    pub ignored_columns: Vec<(String, String)>,
}

/// Refuses telemetry whose analysis would cost more than the limits allow, before any
/// per-day series is built.
fn check_size(file: &str, records: &[telemetry::TelemetryRecord]) -> Result<(), IngestError> {
    let dates = records.iter().map(|r| r.period_start.date());
    let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) else {
        return Ok(());
    };
    let days = (last - first).num_days() + 1;
    if days > telemetry::MAX_SPAN_DAYS {
        return Err(IngestError::TooLong {
            file: file.to_string(),
            days,
            first,
            last,
            max: telemetry::MAX_SPAN_DAYS,
        });
    }
    let features = records
        .iter()
        .map(|r| r.feature.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let cells = features as i64 * days;
    if cells > telemetry::MAX_FEATURE_DAYS {
        return Err(IngestError::TooLarge {
            file: file.to_string(),
            features,
            days,
            cells,
            max: telemetry::MAX_FEATURE_DAYS,
        });
    }
    Ok(())
}

/// Reads telemetry.csv and, optionally, events.csv. `*_name` names each file in messages.
pub fn load<T: Read, E: Read>(
    telemetry_name: &str,
    telemetry: T,
    events: Option<(&str, E)>,
) -> Result<LoadedData, IngestError> {
    let parsed = telemetry::parse_telemetry(telemetry_name, telemetry)?;
    check_size(telemetry_name, &parsed.records)?;
    let mut problems = parsed.problems;
    let mut ignored: Vec<(String, String)> = parsed
        .ignored_columns
        .into_iter()
        .map(|c| (telemetry_name.to_string(), c))
        .collect();
    let dataset = Dataset::from_records(&parsed.records, parsed.granularity).ok_or_else(|| {
        IngestError::Empty {
            file: telemetry_name.to_string(),
        }
    })?;
    let mut event_records = Vec::new();
    if let Some((name, reader)) = events {
        let parsed = telemetry::parse_events(name, reader)?;
        problems.extend(parsed.problems);
        ignored.extend(
            parsed
                .ignored_columns
                .into_iter()
                .map(|c| (name.to_string(), c)),
        );
        event_records = parsed.records;
    }
    Ok(LoadedData {
        dataset: std::sync::Arc::new(dataset),
        events: event_records,
        problems,
        ignored_columns: ignored,
    })
}
