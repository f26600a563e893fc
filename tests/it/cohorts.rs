//! Cohorts, releases, drift and features side by side, on small hand-made files whose
//! answers are known: a one-cohort degradation is named, a pure mix shift is called one, a
//! release with twice the crash rate is worse on enough sessions and too small to judge on
//! a handful, identical distributions do not drift; and `feature-radar cohorts` and
//! `compare` say so as a user reads them.

use feature_radar::analysis::drift::{drift, DriftLevel};
use feature_radar::analysis::events_by_feature;
use feature_radar::cohorts::release::{compare_release, Basis, Judgement};
use feature_radar::cohorts::{breakdown, Verdict};
use feature_radar::telemetry::{read_telemetry, Dataset, Metric};
use std::fmt::Write;
use std::process::Command;

const DAYS: usize = 42;

/// A small deterministic wobble in [-1, 1], so that daily values are not all equal.
fn wobble(t: usize, k: usize) -> f64 {
    ((t * 7 + k * 13) as f64 * 0.731).sin()
}

/// One cohort row's figures on day `t`.
struct Row {
    sessions: f64,
    p95: f64,
    crash: f64,
}

/// telemetry.csv of feature `checkout` with one row per day and cohort, the cohorts
/// given as (column, value), and a second feature `search` without cohorts.
fn file(cohort_column: &str, cohorts: &[&str], row: impl Fn(usize, usize) -> Row) -> String {
    let mut out = format!(
        "date,feature,sessions,latency_p95_ms,crash_rate,error_rate,feedback_score,feedback_count,{cohort_column}\n"
    );
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    for t in 0..DAYS {
        let date = start + chrono::Days::new(t as u64);
        for (k, value) in cohorts.iter().enumerate() {
            let r = row(t, k);
            writeln!(
                out,
                "{date},checkout,{},{:.1},{:.6},0.01,4.2,50,{value}",
                r.sessions.round(),
                r.p95,
                r.crash
            )
            .unwrap();
        }
        writeln!(
            out,
            "{date},search,5000,{:.1},0.001,0.01,4.0,40,",
            120.0 + 3.0 * wobble(t, 9)
        )
        .unwrap();
    }
    out
}

fn dataset(text: &str) -> Dataset {
    read_telemetry("telemetry.csv", text.as_bytes())
        .expect("a valid file")
        .dataset
}

const PLATFORMS: [&str; 3] = ["ios", "android", "web"];

#[test]
fn a_one_cohort_degradation_is_named() {
    // ios slows down by half in the last week; android and web do not move.
    let text = file("platform", &PLATFORMS, |t, k| Row {
        sessions: [3000.0, 4000.0, 3000.0][k] + 100.0 * wobble(t, k),
        p95: [200.0, 250.0, 180.0][k]
            * (1.0 + 0.02 * wobble(t, k))
            * if k == 0 && t >= DAYS - 7 { 1.5 } else { 1.0 },
        crash: 0.002 * (1.0 + 0.05 * wobble(t, k + 3)),
    });
    let data = dataset(&text);
    let f = data.feature_index("checkout").unwrap();
    let b = breakdown(&data, f, DAYS - 1).expect("a platform breakdown");
    let platform = &b.dimensions[0];
    assert_eq!(platform.dimension, "platform");
    let p95 = platform
        .metrics
        .iter()
        .find(|m| m.metric == Metric::LatencyP95)
        .unwrap();
    let ios = platform
        .cohorts
        .iter()
        .position(|c| c.value == "ios")
        .unwrap();
    assert_eq!(p95.verdict, Verdict::Cohorts(vec![ios]), "{}", p95.sentence);
    assert!(
        p95.sentence.contains("ios +50% on 30% of sessions")
            && p95.sentence.contains("android and web unchanged"),
        "{}",
        p95.sentence
    );
    // The split adds up, and the mix played no real part.
    assert!((p95.rates + p95.mix - (p95.after - p95.before)).abs() < 1e-9);
    assert!(p95.mix.abs() < 0.1 * p95.rates.abs(), "{p95:?}");
    // The crash rate did not change.
    let crash = platform
        .metrics
        .iter()
        .find(|m| m.metric == Metric::CrashRate)
        .unwrap();
    assert_eq!(crash.verdict, Verdict::Unchanged, "{}", crash.sentence);
    assert_eq!(b.findings.len(), 1, "{:?}", b.findings);
    // A feature without cohort columns has no breakdown.
    assert!(breakdown(&data, data.feature_index("search").unwrap(), DAYS - 1).is_none());
}

#[test]
fn a_pure_mix_shift_is_called_a_mix_shift() {
    // Each platform keeps its crash rate; android, which crashes more, goes from 20% to
    // 60% of sessions in the last week.
    let text = file("platform", &PLATFORMS, |t, k| {
        let recent = t >= DAYS - 7;
        let share = if recent {
            [0.2, 0.6, 0.2][k]
        } else {
            [0.4, 0.2, 0.4][k]
        };
        Row {
            sessions: 10_000.0 * share,
            p95: 200.0 * (1.0 + 0.02 * wobble(t, k)),
            crash: [0.001, 0.004, 0.001][k] * (1.0 + 0.05 * wobble(t, k + 5)),
        }
    });
    let data = dataset(&text);
    let b = breakdown(&data, data.feature_index("checkout").unwrap(), DAYS - 1).unwrap();
    let crash = b.dimensions[0]
        .metrics
        .iter()
        .find(|m| m.metric == Metric::CrashRate)
        .unwrap();
    assert_eq!(crash.verdict, Verdict::MixShift, "{}", crash.sentence);
    assert!(crash.cohorts.iter().all(|c| !c.notable), "{crash:?}");
    assert!(
        crash
            .sentence
            .contains("from a shift of sessions: android went from 20% to 60%"),
        "{}",
        crash.sentence
    );
    assert!(crash.mix > 0.9 * (crash.after - crash.before), "{crash:?}");
}

/// app_version cohorts: v1 all along, v2 from day 28 with `new_sessions` a day, v2's crash
/// rate twice v1's.
fn release_file(new_sessions: f64) -> String {
    file("app_version", &["v1", "v2"], |t, k| {
        let live = k == 0 || t >= 28;
        Row {
            sessions: if !live {
                0.0
            } else if k == 0 {
                20_000.0
            } else {
                new_sessions
            },
            p95: 300.0 * (1.0 + 0.02 * wobble(t, k)),
            crash: [0.002, 0.004][k] * (1.0 + 0.05 * wobble(t, k + 1)),
        }
    })
    .lines()
    // v2 has no rows before its release (a zero-session row is still a row).
    .filter(|l| !(l.ends_with(",v2") && l.contains(",0,")))
    .collect::<Vec<_>>()
    .join("\n")
        + "\n"
}

#[test]
fn a_release_with_twice_the_crash_rate_is_worse_on_enough_sessions() {
    let data = dataset(&release_file(20_000.0));
    let f = data.feature_index("checkout").unwrap();
    let events = events_by_feature(&data, &[]);
    let c = compare_release(&data, &events[f], f, None, DAYS - 1).expect("two versions");
    assert_eq!(
        (c.basis.clone(), c.previous.as_str(), c.new.as_str()),
        (Basis::Versions, "v1", "v2")
    );
    assert_eq!(c.judgement, Judgement::Worse, "{}", c.sentence);
    let crash = c
        .metrics
        .iter()
        .find(|m| m.metric == Metric::CrashRate)
        .unwrap();
    assert_eq!(crash.judgement, Judgement::Worse);
    let d = crash.difference.unwrap();
    assert!(d.low > 0.0 && (d.estimate - 0.002).abs() < 2e-4, "{d:?}");
    // Latency did not move.
    let p95 = c
        .metrics
        .iter()
        .find(|m| m.metric == Metric::LatencyP95)
        .unwrap();
    assert_eq!(p95.judgement, Judgement::NoChange, "{}", p95.note);
    assert!(
        c.sentence.starts_with("v2 is worse than v1: crash rate"),
        "{}",
        c.sentence
    );
    // The adoption curve: half of the sessions from the release's first day.
    assert!(
        c.adoption.iter().all(|a| (a.unwrap() - 0.5).abs() < 0.01),
        "{:?}",
        c.adoption
    );
}

#[test]
fn the_same_release_on_a_handful_of_sessions_is_too_small_to_judge() {
    let data = dataset(&release_file(30.0));
    let f = data.feature_index("checkout").unwrap();
    let events = events_by_feature(&data, &[]);
    let c = compare_release(&data, &events[f], f, None, DAYS - 1).expect("two versions");
    assert_eq!(c.judgement, Judgement::TooSmall, "{}", c.sentence);
    assert!(c.sentence.contains("too little traffic"), "{}", c.sentence);
    // Asked for the first release, there is nothing before it.
    assert!(compare_release(&data, &events[f], f, Some("v1"), DAYS - 1).is_none());
}

#[test]
fn identical_distributions_do_not_drift_and_a_shift_does() {
    let steady: Vec<Option<f64>> = (0..90).map(|t| Some(200.0 + 10.0 * wobble(t, 1))).collect();
    let d = drift(Metric::LatencyP95, &steady.clone().into(), 89).unwrap();
    assert_eq!(d.level, DriftLevel::None, "{}", d.sentence());
    let mut shifted = steady.clone();
    for v in shifted.iter_mut().skip(76) {
        *v = v.map(|v| v * 1.3);
    }
    let d = drift(Metric::LatencyP95, &shifted.into(), 89).unwrap();
    assert_eq!(d.level, DriftLevel::Major, "{}", d.sentence());
}

fn feature_radar(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_feature-radar"))
        .args(args)
        .arg("--telemetry")
        .arg(dir.join("telemetry.csv"))
        .output()
        .expect("run feature-radar");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_command_line_names_the_cohort_and_judges_the_release() {
    let dir = tempfile::tempdir().unwrap();
    let text = file("platform", &PLATFORMS, |t, k| Row {
        sessions: [3000.0, 4000.0, 3000.0][k],
        p95: [200.0, 250.0, 180.0][k]
            * (1.0 + 0.02 * wobble(t, k))
            * if k == 0 && t >= DAYS - 7 { 1.5 } else { 1.0 },
        crash: 0.002,
    });
    std::fs::write(dir.path().join("telemetry.csv"), text).unwrap();
    let (ok, out, err) = feature_radar(dir.path(), &["cohorts", "--feature", "checkout"]);
    assert!(ok, "{err}");
    assert!(out.contains("By platform: p95 latency +"), "{out}");
    assert!(out.contains("ios +50% on 30% of sessions"), "{out}");
    let (ok, json, _) = feature_radar(dir.path(), &["cohorts", "--feature", "checkout", "--json"]);
    assert!(ok);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["dimensions"][0]["dimension"], "platform");
    // A feature without cohorts, and one that does not exist, are refused in words.
    let (ok, _, err) = feature_radar(dir.path(), &["cohorts", "--feature", "search"]);
    assert!(!ok && err.contains("has no cohorts to compare"), "{err}");
    let (ok, _, err) = feature_radar(dir.path(), &["cohorts", "--feature", "nope"]);
    assert!(
        !ok && err.contains("no feature 'nope'") && err.contains("checkout"),
        "{err}"
    );

    std::fs::write(dir.path().join("telemetry.csv"), release_file(20_000.0)).unwrap();
    let (ok, out, err) = feature_radar(dir.path(), &["compare", "--feature", "checkout"]);
    assert!(ok, "{err}");
    assert!(out.contains("v2 is worse than v1"), "{out}");
    let (ok, json, _) = feature_radar(dir.path(), &["compare", "--feature", "checkout", "--json"]);
    assert!(ok);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["judgement"], "Worse");
    let (ok, _, err) = feature_radar(
        dir.path(),
        &["compare", "--feature", "checkout", "--release", "v9"],
    );
    assert!(
        !ok && err.contains("no release 'v9'") && err.contains("v1, v2"),
        "{err}"
    );

    let (ok, out, err) = feature_radar(dir.path(), &["compare", "--features", "checkout,search"]);
    assert!(ok, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with("checkout"))
            && out.lines().any(|l| l.starts_with("search")),
        "{out}"
    );
    let (ok, _, err) = feature_radar(dir.path(), &["compare", "--features", "checkout"]);
    assert!(!ok && err.contains("2 to 4 different features"), "{err}");
}
