//! The native integration tests, in one binary: the command-line tool as a user runs it,
//! the engine end to end on generated data, and properties checked on generated inputs.

#![cfg(not(target_arch = "wasm32"))]

mod alert;
mod charts;
mod cli;
mod cohorts;
mod contract;
mod engine;
mod model_card;
mod properties;
mod reading;
mod states;
mod worker_protocol;

use feature_radar::synth::{generate, SynthData, SynthParams};
use feature_radar::telemetry::{write_events_csv, write_telemetry_csv};
use std::path::{Path, PathBuf};

/// A generated dataset written to a temporary folder.
pub struct Files {
    pub dir: tempfile::TempDir,
    pub data: SynthData,
}

impl Files {
    pub fn telemetry(&self) -> PathBuf {
        self.dir.path().join("telemetry.csv")
    }
    pub fn events(&self) -> PathBuf {
        self.dir.path().join("events.csv")
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub fn small_params(seed: u64) -> SynthParams {
    SynthParams {
        seed,
        features: 30,
        days: 150,
        ..SynthParams::default()
    }
}

pub fn write_dataset(params: &SynthParams) -> Files {
    let dir = tempfile::tempdir().expect("temporary folder");
    let data = generate(params);
    std::fs::write(
        dir.path().join("telemetry.csv"),
        write_telemetry_csv(&data.telemetry),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        write_events_csv(&data.events),
    )
    .unwrap();
    Files { dir, data }
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write test file");
}
