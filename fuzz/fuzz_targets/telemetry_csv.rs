//! telemetry.csv as any bytes: the reader must not panic, and its problems must point
//! into the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    match feature_radar::telemetry::parse_telemetry("telemetry.csv", data) {
        Ok(parsed) => {
            for p in &parsed.problems {
                checks::problem(p, data);
            }
            for r in &parsed.records {
                assert!(r.latency_p95_ms.is_finite() && (0.0..=1.0).contains(&r.crash_rate));
            }
        }
        Err(e) => checks::error(&e, data),
    }
});
