//! Both input files through `load`, the entry point the page and the command line use:
//! telemetry.csv up to the first NUL byte, events.csv after it. `load` also builds the
//! daily dataset, so this reaches the size limits and the per-day series.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    let (telemetry, events) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let file = |name: &str| {
        if name == "telemetry.csv" {
            telemetry
        } else {
            events.unwrap_or(&[])
        }
    };
    match feature_radar::load(
        "telemetry.csv",
        telemetry,
        events.map(|e| ("events.csv", e)),
    ) {
        Ok(loaded) => {
            for p in &loaded.problems {
                checks::problem(p, file(&p.file));
            }
        }
        Err(e) => {
            let name = if e.to_string().starts_with("telemetry.csv") {
                "telemetry.csv"
            } else {
                "events.csv"
            };
            checks::error(&e, file(name));
        }
    }
});
