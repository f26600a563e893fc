//! `load` reads telemetry.csv straight into its daily series (`read_telemetry`), without
//! keeping its rows. Checked here against reading every row into records
//! (`parse_telemetry`), checking the size limits on them and building the series from
//! them, the way `load` used to, with the series built by the straightforward algorithm
//! (a dense accumulator per feature, cohort and day) kept below as the reference: the
//! same series bit for bit, the same problems in the same order, the same refusals.

use super::properties::{csv_file, TELEMETRY_COLUMNS};
use chrono::{Duration, NaiveDate};
use feature_radar::telemetry::{
    parse_telemetry, read_telemetry, CohortCells, CohortDay, CohortDimension, CohortSeries,
    Dataset, FeatureSeries, Granularity, HourlySeries, IngestError, TelemetryRecord,
    COHORT_DIMENSIONS, MAX_BREAKDOWN_VALUES, MAX_COHORTS, MAX_FEATURE_DAYS, MAX_SPAN_DAYS,
    MIN_COHORT_SHARE, OTHER_COHORT,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};

#[derive(Default, Clone, Copy)]
struct WeightedMean {
    sum: f64,
    weight: f64,
}

impl WeightedMean {
    fn add(&mut self, value: Option<f64>, weight: f64) {
        if let Some(v) = value {
            self.sum += v * weight;
            self.weight += weight;
        }
    }

    fn get(self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.sum / self.weight)
    }

    fn remove(&mut self, part: WeightedMean) {
        self.sum -= part.sum;
        self.weight -= part.weight;
        if self.weight <= 1e-9 * (1.0 + part.weight) {
            *self = WeightedMean::default();
        }
    }
}

#[derive(Default, Clone, Copy)]
struct DayAccumulator {
    rows: usize,
    sessions: f64,
    p95: WeightedMean,
    p50: WeightedMean,
    crash: WeightedMean,
    error: WeightedMean,
    feedback: WeightedMean,
    feedback_count: Option<f64>,
}

impl DayAccumulator {
    fn add(&mut self, r: &TelemetryRecord) {
        let w = (r.sessions as f64).max(1e-9);
        self.rows += 1;
        self.sessions += r.sessions as f64;
        self.p95.add(Some(r.latency_p95_ms), w);
        self.p50.add(r.latency_p50_ms, w);
        self.crash.add(Some(r.crash_rate), w);
        self.error.add(r.error_rate, w);
        let feedback_weight = r.feedback_count.map_or(w, |c| c as f64);
        self.feedback.add(r.feedback_score, feedback_weight);
        if let Some(c) = r.feedback_count {
            *self.feedback_count.get_or_insert(0.0) += c as f64;
        }
    }
}

impl DayAccumulator {
    fn remove(&mut self, part: &DayAccumulator) {
        self.rows -= part.rows;
        self.sessions -= part.sessions;
        self.p95.remove(part.p95);
        self.p50.remove(part.p50);
        self.crash.remove(part.crash);
        self.error.remove(part.error);
        self.feedback.remove(part.feedback);
        if let (Some(mine), Some(theirs)) = (&mut self.feedback_count, part.feedback_count) {
            *mine -= theirs;
        }
    }

    fn cohort_day(&self) -> Option<CohortDay> {
        (self.rows > 0).then(|| CohortDay {
            sessions: self.sessions.max(0.0),
            latency_p95_ms: self.p95.get(),
            latency_p50_ms: self.p50.get(),
            crash_rate: self.crash.get(),
            error_rate: self.error.get(),
            feedback_score: self.feedback.get(),
            feedback_count: self.feedback_count.map(|c| c.max(0.0)),
        })
    }
}

/// A value's days from its first with rows to its last.
fn cells_of(value: &str, days: impl Iterator<Item = DayAccumulator>) -> Option<CohortCells> {
    let all: Vec<Option<CohortDay>> = days.map(|d| d.cohort_day()).collect();
    let first = all.iter().position(Option::is_some)?;
    let end = all.iter().rposition(Option::is_some)? + 1;
    Some(CohortCells {
        value: value.to_string(),
        first,
        days: all[first..end].to_vec(),
    })
}

/// A feature's breakdown: per dimension, the values with the most sessions in the last 28
/// days (then over all days, then by name), at most `MAX_BREAKDOWN_VALUES`, and the rest of
/// the cohort rows as `other`; dimensions with two values or more.
fn breakdown_of(acc: &FeatureAccumulator, days: usize) -> Vec<CohortDimension> {
    let none = DayAccumulator::default();
    let mut out = Vec::new();
    for (dimension, name) in COHORT_DIMENSIONS.iter().enumerate() {
        let mut ranked: Vec<(f64, f64, &str, &Vec<DayAccumulator>)> = acc
            .cohorts
            .iter()
            .filter(|((d, _), _)| *d == dimension)
            .map(|((_, value), accs)| {
                let sum = |from: usize| accs[from..].iter().map(|a| a.sessions).sum::<f64>();
                (sum(days.saturating_sub(28)), sum(0), value.as_str(), accs)
            })
            .collect();
        if ranked.is_empty() {
            continue;
        }
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then(a.2.cmp(b.2))
        });
        ranked.truncate(MAX_BREAKDOWN_VALUES);
        let mut values: Vec<CohortCells> = ranked
            .iter()
            .filter_map(|(_, _, value, accs)| cells_of(value, accs.iter().copied()))
            .collect();
        values.extend(cells_of(
            OTHER_COHORT,
            (0..days).map(|t| {
                let mut rest = *acc.cohort_rows.get(t).unwrap_or(&none);
                for (_, _, _, accs) in &ranked {
                    rest.remove(&accs[t]);
                }
                rest
            }),
        ));
        if values.len() >= 2 {
            out.push(CohortDimension {
                dimension: name,
                values,
            });
        }
    }
    out
}

fn series_of(name: &str, accs: &[DayAccumulator]) -> FeatureSeries {
    FeatureSeries {
        name: name.to_string(),
        sessions: accs
            .iter()
            .map(|a| (a.rows > 0).then_some(a.sessions))
            .collect(),
        latency_p95_ms: accs.iter().map(|a| a.p95.get()).collect(),
        latency_p50_ms: accs.iter().map(|a| a.p50.get()).collect(),
        crash_rate: accs.iter().map(|a| a.crash.get()).collect(),
        error_rate: accs.iter().map(|a| a.error.get()).collect(),
        feedback_score: accs.iter().map(|a| a.feedback.get()).collect(),
        feedback_count: accs.iter().map(|a| a.feedback_count).collect(),
    }
}

struct FeatureAccumulator {
    cohort_rows: Vec<DayAccumulator>,
    total_rows: Vec<DayAccumulator>,
    cohorts: BTreeMap<(usize, String), Vec<DayAccumulator>>,
}

/// The daily series of records, by the straightforward algorithm.
fn reference_dataset(records: &[TelemetryRecord], granularity: Granularity) -> Option<Dataset> {
    let start = records.iter().map(|r| r.period_start.date()).min()?;
    let end = records.iter().map(|r| r.period_start.date()).max()?;
    let days = (end - start).num_days() as usize + 1;
    let mut per_feature: BTreeMap<&str, FeatureAccumulator> = BTreeMap::new();
    for r in records {
        let day = (r.period_start.date() - start).num_days() as usize;
        let acc = per_feature
            .entry(r.feature.as_str())
            .or_insert_with(|| FeatureAccumulator {
                cohort_rows: Vec::new(),
                total_rows: Vec::new(),
                cohorts: BTreeMap::new(),
            });
        let days_of = |rows: &mut Vec<DayAccumulator>| {
            if rows.is_empty() {
                *rows = vec![DayAccumulator::default(); days];
            }
        };
        match &r.cohort {
            Some(cohort) if !cohort.is_total() => {
                days_of(&mut acc.cohort_rows);
                acc.cohort_rows[day].add(r);
                for dimension in 0..COHORT_DIMENSIONS.len() {
                    if let Some(value) = cohort.value(dimension) {
                        acc.cohorts
                            .entry((dimension, value.to_string()))
                            .or_insert_with(|| vec![DayAccumulator::default(); days])[day]
                            .add(r);
                    }
                }
            }
            _ => {
                days_of(&mut acc.total_rows);
                acc.total_rows[day].add(r)
            }
        }
    }
    let had_cohorts = records.iter().any(|r| r.cohort.is_some());
    let mut hourly = Vec::new();
    if granularity == Granularity::Hours {
        let mut hours: BTreeMap<(&str, i64), [WeightedMean; 3]> = BTreeMap::new();
        for r in records {
            let acc = hours
                .entry((r.feature.as_str(), r.period_start.and_utc().timestamp()))
                .or_default();
            let w = (r.sessions as f64).max(1e-9);
            acc[0].add(Some(r.latency_p95_ms), w);
            acc[1].add(Some(r.crash_rate), w);
            acc[2].add(r.error_rate, w);
        }
        for name in per_feature.keys() {
            let mut series = HourlySeries::default();
            for ((_, time), acc) in hours.range((*name, i64::MIN)..=(*name, i64::MAX)) {
                series.times.push(*time);
                series.latency_p95_ms.push(acc[0].get());
                series.crash_rate.push(acc[1].get());
                series.error_rate.push(acc[2].get());
            }
            hourly.push(series);
        }
    }
    let mut features = Vec::new();
    let mut cohorts = Vec::new();
    let mut breakdown = Vec::new();
    for (name, acc) in per_feature {
        breakdown.push(breakdown_of(&acc, days));
        let none = DayAccumulator::default();
        let days_of_feature: Vec<DayAccumulator> = (0..days)
            .map(|t| {
                let total = acc.total_rows.get(t).unwrap_or(&none);
                let parts = acc.cohort_rows.get(t).unwrap_or(&none);
                if total.rows > 0 {
                    *total
                } else {
                    *parts
                }
            })
            .collect();
        let feature_sessions: f64 = acc.cohort_rows.iter().map(|a| a.sessions).sum();
        let mut kept: Vec<(f64, CohortSeries)> = acc
            .cohorts
            .iter()
            .map(|((dimension, value), accs)| {
                let sessions: f64 = accs.iter().map(|a| a.sessions).sum();
                (
                    sessions,
                    CohortSeries {
                        dimension: COHORT_DIMENSIONS[*dimension],
                        value: value.clone(),
                        series: series_of(name, accs),
                    },
                )
            })
            .filter(|(sessions, _)| {
                *sessions >= MIN_COHORT_SHARE * feature_sessions
                    && *sessions < 0.999 * feature_sessions
            })
            .collect();
        kept.sort_by(|a, b| b.0.total_cmp(&a.0));
        kept.truncate(MAX_COHORTS);
        cohorts.push(kept.into_iter().map(|(_, c)| c).collect());
        features.push(series_of(name, &days_of_feature));
    }
    Some(Dataset {
        start,
        days,
        features,
        granularity,
        had_cohorts,
        cohorts,
        breakdown,
        hourly,
    })
}

/// What reading gives, as text: the dataset (Debug shows every number exactly, the sign
/// of a zero included; the cohorts and hours too), the problems and ignored columns; or
/// the refusal.
fn outcome(result: Result<(Dataset, Vec<String>, Vec<String>), IngestError>) -> String {
    match result {
        Ok((dataset, problems, ignored)) => format!(
            "{dataset:?}\ncohorts {:?}\nhours {:?}\n{problems:#?}\n{ignored:?}",
            dataset.cohorts, dataset.hourly
        ),
        Err(error) => format!("refused: {error:?}"),
    }
}

/// The records' way: every row kept, the limits checked on them, then the series.
fn through_records(bytes: &[u8]) -> String {
    let file = "telemetry.csv";
    let read = || {
        let parsed = parse_telemetry(file, bytes)?;
        let dates = parsed.records.iter().map(|r| r.period_start.date());
        if let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) {
            let days = (last - first).num_days() + 1;
            if days > MAX_SPAN_DAYS {
                return Err(IngestError::TooLong {
                    file: file.into(),
                    days,
                    first,
                    last,
                    max: MAX_SPAN_DAYS,
                });
            }
            let features = parsed
                .records
                .iter()
                .map(|r| r.feature.as_str())
                .collect::<HashSet<_>>()
                .len();
            let cells = features as i64 * days;
            if cells > MAX_FEATURE_DAYS {
                return Err(IngestError::TooLarge {
                    file: file.into(),
                    features,
                    days,
                    cells,
                    max: MAX_FEATURE_DAYS,
                });
            }
        }
        let dataset = reference_dataset(&parsed.records, parsed.granularity)
            .ok_or_else(|| IngestError::Empty { file: file.into() })?;
        let problems = parsed.problems.iter().map(|p| p.to_string()).collect();
        Ok((dataset, problems, parsed.ignored_columns))
    };
    outcome(read())
}

/// `load`'s way: straight into the series.
fn streamed(bytes: &[u8]) -> String {
    outcome(read_telemetry("telemetry.csv", bytes).map(|read| {
        let problems = read.problems.iter().map(|p| p.to_string()).collect();
        (read.dataset, problems, read.ignored_columns)
    }))
}

fn check(bytes: &[u8]) {
    let (expected, got) = (through_records(bytes), streamed(bytes));
    assert!(
        expected == got,
        "reading straight into the series differs from reading records:\n--- records\n{expected}\n--- streamed\n{got}\n--- file\n{}",
        String::from_utf8_lossy(bytes)
    );
    // And `Dataset::from_records` builds what the reference builds.
    if let Ok(parsed) = parse_telemetry("telemetry.csv", bytes) {
        let built = Dataset::from_records(&parsed.records, parsed.granularity);
        let reference = reference_dataset(&parsed.records, parsed.granularity);
        assert_eq!(
            format!(
                "{built:?}{:?}",
                built
                    .as_ref()
                    .map(|d| (&d.cohorts, &d.breakdown, &d.hourly))
            ),
            format!(
                "{reference:?}{:?}",
                reference
                    .as_ref()
                    .map(|d| (&d.cohorts, &d.breakdown, &d.hourly))
            )
        );
    }
}

/// How a row's period is written.
#[derive(Debug, Clone, Copy)]
enum Written {
    Date,
    MidnightZ,
    MidnightPlus2,
    MidnightMinus5,
    Hour,
    HourPlus2,
    HalfHour,
}

/// A telemetry file as exports make them: a few features over a few weeks, with or
/// without cohorts and total rows, days written as dates or midnights in any offset,
/// hours (some not whole), repeated rows, a few bad cells, in any order.
fn export() -> impl Strategy<Value = String> {
    let written = prop_oneof![
        6 => Just(Written::Date),
        2 => Just(Written::MidnightZ),
        2 => Just(Written::MidnightPlus2),
        1 => Just(Written::MidnightMinus5),
        3 => Just(Written::Hour),
        1 => Just(Written::HourPlus2),
        1 => Just(Written::HalfHour),
    ];
    // Most files write their periods one way, some mix ways.
    let styles = prop::collection::vec(written, 1..4);
    let row = (
        0usize..4,
        0i64..40,
        0u32..24,
        0usize..7,
        0usize..8,
        (0u64..5000, 0u32..10_000, 0u32..1000, any::<u8>()),
        0usize..64,
    );
    (
        any::<bool>(),
        styles,
        prop::collection::vec(row, 1..80),
        prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        any::<bool>(),
    )
        .prop_map(|(with_cohorts, styles, rows, repeats, shuffled)| {
            let start = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
            let mut header = "date,feature,sessions,latency_p95_ms,crash_rate,latency_p50_ms,error_rate,feedback_score,feedback_count".to_string();
            if with_cohorts {
                header.push_str(",platform,app_version,region");
            }
            let platforms = ["ios", "android", "web", ""];
            let mut lines = Vec::new();
            for (feature, day, hour, style, cohort, (sessions, p95, crash, optional), junk) in
                rows
            {
                let date = start + Duration::days(day);
                let date_text = match styles[style % styles.len()] {
                    Written::Date => date.to_string(),
                    Written::MidnightZ => format!("{date}T00:00:00Z"),
                    Written::MidnightPlus2 => format!("{date}T00:00:00+02:00"),
                    Written::MidnightMinus5 => format!("{date} 00:00:00-05:00"),
                    Written::Hour => format!("{date}T{hour:02}:00:00Z"),
                    Written::HourPlus2 => format!("{date}T{hour:02}:00:00+02:00"),
                    Written::HalfHour => format!("{date}T{hour:02}:30:00Z"),
                };
                let given = |bit: u8, text: String| {
                    if optional & (1 << bit) != 0 {
                        text
                    } else {
                        String::new()
                    }
                };
                let mut cells = vec![
                    date_text,
                    format!("feature-{}", ["b", "a", "c\u{7}", "a-2"][feature]),
                    if junk == 0 { "-1".into() } else { sessions.to_string() },
                    format!("{}.{}", p95 / 10, p95 % 10),
                    if junk == 1 { "1.5".into() } else { format!("0.{crash:03}") },
                    given(0, format!("{}.5", p95 / 20)),
                    given(1, format!("0.0{crash:03}")),
                    given(2, format!("{}.{}", 1 + crash % 4, crash % 10)),
                    given(3, (crash % 40).to_string()),
                ];
                if with_cohorts {
                    // Cohort 0 is the feature's total row.
                    cells.push(if cohort == 0 { "" } else { platforms[cohort % 4] }.into());
                    cells.push(if cohort >= 5 { format!("1.{}", cohort % 3) } else { String::new() });
                    cells.push(if cohort == 7 { "eu".into() } else { String::new() });
                }
                if junk == 2 {
                    cells.truncate(3);
                }
                lines.push(cells.join(","));
            }
            for repeat in repeats {
                let at = repeat.index(lines.len());
                lines.insert(at, lines[at].clone());
            }
            if !shuffled {
                lines.sort();
            }
            format!("{header}\n{}\n", lines.join("\n"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn exports_read_into_the_series_as_their_records_would(text in export()) {
        check(text.as_bytes());
    }

    #[test]
    fn files_of_any_shape_read_into_the_series_as_their_records_would(
        text in csv_file(&TELEMETRY_COLUMNS)
    ) {
        check(text.as_bytes());
    }
}

#[test]
fn every_way_of_ending_reads_as_the_records_would() {
    let head = "date,feature,sessions,latency_p95_ms,crash_rate,platform\n";
    let files = [
        // Empty, header only, only bad rows.
        String::new(),
        head.to_string(),
        format!("{head}x,a,1,1,0,\n"),
        // Days and hours mixed, either first; midnights with a time, then an hour.
        format!("{head}2026-01-01,a,1,1,0,\n2026-01-01T05:00:00Z,a,1,1,0,\n"),
        format!("{head}2026-01-01T05:00:00Z,a,1,1,0,\n2026-01-02,a,1,1,0,\n"),
        format!("{head}2026-01-02T00:00:00+02:00,a,1,1,0,\n2026-01-01T22:00:00Z,a,2,2,0,\n2026-01-01T23:00:00Z,a,2,2,0,ios\n"),
        // An hourly file whose only rows are not whole hours.
        format!("{head}2026-01-01T05:30:00Z,a,1,1,0,\n"),
        // Five years and a day; too many feature-days.
        format!("{head}2021-01-01,a,1,1,0,\n2026-01-05,a,1,1,0,\n"),
        format!("{head}2026-01-01T00:00:00Z,a,1,1,0,\n2020-12-31T00:00:00Z,b,1,1,0,\n"),
    ];
    for text in &files {
        check(text.as_bytes());
    }
    let mut large = head.to_string();
    for f in 0..4000 {
        large.push_str(&format!("2021-01-01,f{f},1,1,0,\n"));
    }
    large.push_str("2025-01-01,f0,1,1,0,\n");
    check(large.as_bytes());
    assert!(streamed(large.as_bytes()).contains("TooLarge"));
}
