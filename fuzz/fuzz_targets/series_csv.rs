//! A `timestamp,value` series as any bytes, read and scored as `feature-radar detect`
//! does: no panic, a problem that points into the file, one score in [0, 1] per row.
#![no_main]

use feature_radar::analysis::detect::score_timed_series;
use feature_radar::telemetry::{parse_instant, parse_series};
use libfuzzer_sys::fuzz_target;

#[path = "checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    match parse_series("series.csv", data) {
        Ok(points) => {
            let times: Vec<Option<i64>> =
                points.iter().map(|p| parse_instant(&p.timestamp)).collect();
            let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
            let scores = score_timed_series(&times, &values);
            assert_eq!(scores.len(), points.len());
            assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
        }
        Err(e) => checks::error(&e, data),
    }
});
