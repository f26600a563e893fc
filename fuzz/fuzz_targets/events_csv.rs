//! events.csv as any bytes: the reader must not panic, and its problems must point into
//! the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    match feature_radar::telemetry::parse_events("events.csv", data) {
        Ok(parsed) => {
            for p in &parsed.problems {
                checks::problem(p, data);
            }
            for pair in parsed.records.windows(2) {
                assert!(pair[0].timestamp <= pair[1].timestamp);
            }
        }
        Err(e) => checks::error(&e, data),
    }
});
