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

pub mod alerts;
pub mod analysis;
pub mod benchmark;
pub mod chart_style;
pub mod charts;
pub mod cohorts;
pub mod comparison;
pub mod detail;
pub mod engine;
pub mod impact;
pub mod insights;
pub mod interned;
pub mod kept;
pub mod live;
pub mod model;
pub mod report;
pub mod series_summary;
pub mod sorting;
pub mod state;
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
pub mod why;

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

/// Reads telemetry.csv and, optionally, events.csv. `*_name` names each file in messages.
pub fn load<T: Read, E: Read>(
    telemetry_name: &str,
    telemetry: T,
    events: Option<(&str, E)>,
) -> Result<LoadedData, IngestError> {
    let read = telemetry::read_telemetry(telemetry_name, telemetry)?;
    let mut problems = read.problems;
    let mut ignored: Vec<(String, String)> = read
        .ignored_columns
        .into_iter()
        .map(|c| (telemetry_name.to_string(), c))
        .collect();
    let dataset = read.dataset;
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
