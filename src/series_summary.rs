//! One metric series scored by the anomaly detector and summed up for people: its
//! anomalous episodes and sentences with their numbers. The page's Series view shows it;
//! the scores are exactly those `feature-radar detect` writes.

use crate::analysis::detect::{Baseline, OnlineDetector};
use crate::telemetry::{parse_instant, SeriesPoint};
use serde::{Deserialize, Serialize};

/// The score from which a value counts as anomalous (the benchmark's alarm level).
pub const ALARM: f64 = 0.5;
/// Anomalous values closer than this many rows belong to one episode.
const EPISODE_GAP: usize = 3;

/// A run of anomalous values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// First and last row (indices into the series).
    pub start: usize,
    pub end: usize,
    /// The row with the highest score, and that score.
    pub peak: usize,
    pub peak_score: f64,
}

/// A scored series and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesSummary {
    pub scores: Vec<f64>,
    pub episodes: Vec<Episode>,
    pub sentences: Vec<String>,
}

/// Scores `points` online, as `detect` does, and sums them up.
pub fn summarize(points: &[SeriesPoint]) -> SeriesSummary {
    let mut detector = OnlineDetector::new();
    let scores: Vec<f64> = points
        .iter()
        .map(|p| detector.score_at(parse_instant(&p.timestamp), p.value))
        .collect();
    let episodes = episodes(&scores);
    let mut sentences = Vec::new();
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let gaps = points.iter().filter(|p| p.value.is_none()).count();
        let step = detector
            .step_seconds()
            .map_or(String::new(), |s| format!(", one every {}", duration(s)));
        sentences.push(format!(
            "{} values from {} to {}{step}{}.",
            points.len(),
            first.timestamp,
            last.timestamp,
            if gaps > 0 {
                format!("; {gaps} empty")
            } else {
                String::new()
            }
        ));
    }
    let counts = detector.chosen_counts();
    let total: usize = counts.iter().sum();
    if total > 0 {
        let parts: Vec<String> = detector
            .baselines()
            .iter()
            .zip(&counts)
            .filter(|(_, n)| **n > 0)
            .map(|(b, n)| {
                format!(
                    "{} for {:.0}%",
                    baseline_words(*b, detector.step_seconds()),
                    *n as f64 * 100.0 / total as f64
                )
            })
            .collect();
        sentences.push(format!(
            "Each value was compared with what its best baseline predicted: {}.",
            parts.join(", ")
        ));
    }
    if episodes.is_empty() {
        sentences.push(format!(
            "No value scored {ALARM} or more: nothing stands out against its usual pattern."
        ));
    } else {
        let mut strongest = episodes.clone();
        crate::sorting::sort_by(&mut strongest, |a, b| b.peak_score.total_cmp(&a.peak_score));
        let top: Vec<String> = strongest
            .iter()
            .take(3)
            .map(|e| {
                let p = &points[e.peak];
                let length = e.end - e.start + 1;
                format!(
                    "{} (value {}, score {:.2}{})",
                    p.timestamp,
                    p.value_text,
                    e.peak_score,
                    if length > 1 {
                        format!(", {length} rows")
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        sentences.push(format!(
            "{} anomalous episode{} (score {ALARM} or more); the strongest: {}.",
            episodes.len(),
            if episodes.len() == 1 { "" } else { "s" },
            top.join("; ")
        ));
    }
    SeriesSummary {
        scores,
        episodes,
        sentences,
    }
}

/// Runs of scores at or above `ALARM`, joined across short lulls.
pub fn episodes(scores: &[f64]) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::new();
    for (i, &score) in scores.iter().enumerate() {
        if score < ALARM {
            continue;
        }
        match out.last_mut() {
            Some(e) if i - e.end <= EPISODE_GAP => {
                e.end = i;
                if score > e.peak_score {
                    e.peak = i;
                    e.peak_score = score;
                }
            }
            _ => out.push(Episode {
                start: i,
                end: i,
                peak: i,
                peak_score: score,
            }),
        }
    }
    out
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        unit.to_string()
    } else {
        format!("{n} {unit}s")
    }
}

fn baseline_words(baseline: Baseline, step: Option<i64>) -> String {
    match baseline {
        Baseline::Level => "the recent level".into(),
        Baseline::Seasonal { period, .. } => match step.map(|s| s * period as i64) {
            Some(86_400) => "the same time on earlier days".into(),
            Some(604_800) => "the same time in earlier weeks".into(),
            _ => format!("the value {period} rows earlier"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(timestamp: String, value: f64) -> SeriesPoint {
        SeriesPoint {
            timestamp,
            value: Some(value),
            value_text: format!("{value}"),
        }
    }

    #[test]
    fn a_spike_in_hourly_traffic_is_one_episode_named_with_its_time_and_value() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let points: Vec<SeriesPoint> = (0..28 * 24)
            .map(|h| {
                let t = start + chrono::Duration::hours(h);
                let hour = (h % 24) as f64;
                let mut v = (500.0 + 300.0 * ((hour - 8.0) / 24.0 * std::f64::consts::TAU).sin())
                    .round()
                    + ((h * 37) % 7) as f64;
                if h == 25 * 24 + 3 {
                    v = 1500.0;
                }
                point(t.format("%Y-%m-%d %H:%M:%S").to_string(), v)
            })
            .collect();
        let summary = summarize(&points);
        assert_eq!(summary.scores.len(), points.len());
        assert_eq!(summary.episodes.len(), 1, "{:?}", summary.episodes);
        assert_eq!(summary.episodes[0].peak, 25 * 24 + 3);
        assert_eq!(
            summary.sentences[0],
            "672 values from 2026-01-05 00:00:00 to 2026-02-01 23:00:00, one every hour."
        );
        assert!(
            summary.sentences[1].contains("the same time on earlier days"),
            "{}",
            summary.sentences[1]
        );
        assert!(
            summary.sentences[2].starts_with("1 anomalous episode (score 0.5 or more); the strongest: 2026-01-30 03:00:00 (value 1500, score"),
            "{}",
            summary.sentences[2]
        );
    }

    #[test]
    fn episodes_join_short_lulls_and_keep_their_peak() {
        let scores = [0.1, 0.6, 0.2, 0.9, 0.1, 0.1, 0.1, 0.1, 0.7, 0.0];
        let found = episodes(&scores);
        assert_eq!(
            found,
            vec![
                Episode {
                    start: 1,
                    end: 3,
                    peak: 3,
                    peak_score: 0.9
                },
                Episode {
                    start: 8,
                    end: 8,
                    peak: 8,
                    peak_score: 0.7
                }
            ]
        );
        let calm = summarize(&[point("2026-01-01".into(), 1.0)]);
        assert!(calm
            .sentences
            .last()
            .unwrap()
            .starts_with("No value scored"));
    }
}
