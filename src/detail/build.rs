//! The feature view made from an analysis: the metric panels with their expected range,
//! anomalies and sustained changes, the deploys those changes followed, the timeline, the
//! why by group and the recommended action.

use super::text::{describe_change, recommended_action};
use super::{DeployChange, FeatureDetail, MetricPanel, TimelineEvent, ANOMALY_Z};
use crate::analysis::changepoints::changes;
use crate::analysis::hourly::{daily_peaks, HourlyPeak, ANOMALOUS_HOUR};
use crate::analysis::signals::{transformed, untransform, MetricSignals, Signals};
use crate::analysis::FeatureEvents;
use crate::model::features::{INPUTS, N_INPUTS};
use crate::report::{Analysis, FeatureStatus};
use crate::telemetry::{EventKind, Metric};
use crate::why::{group_effects, GroupEffect, Phrasing};

fn metric_signals(s: &Signals, metric: Metric) -> Option<MetricSignals> {
    match metric {
        Metric::LatencyP95 => s.latency_p95,
        Metric::CrashRate => s.crash_rate,
        Metric::ErrorRate => s.error_rate,
        Metric::FeedbackScore => s.feedback,
        Metric::Sessions => s.sessions,
        Metric::LatencyP50 => None,
    }
}

/// Days before a change within which a deploy is named as its likely cause: the change
/// starts on the deploy's day or within the two days after it.
pub const DEPLOY_WINDOW_DAYS: i64 = 2;

/// The deploy that a change starting on `day` most likely followed: the latest deploy
/// of the feature (or of every feature) at most `DEPLOY_WINDOW_DAYS` days before it.
pub fn attribute_to_deploy(events: &FeatureEvents, day: usize) -> Option<&str> {
    let day = day as i64;
    events
        .deploys
        .iter()
        .rev()
        .find(|(d, _)| *d <= day && day - *d <= DEPLOY_WINDOW_DAYS)
        .map(|(_, title)| title.as_ref())
}

impl Analysis {
    /// The feature view of feature `f`, whose ranking entry is `status`.
    pub fn feature_detail(&self, f: usize, status: &FeatureStatus) -> FeatureDetail {
        let series = &self.dataset.features[f];
        let days = self.dataset.days;
        let signals = self.feature_signals(f);
        let specs: [(Metric, &str, &str); 5] = [
            (Metric::LatencyP95, "Latency p95", "ms"),
            (Metric::CrashRate, "Crash rate", "%"),
            (Metric::ErrorRate, "Error rate", "%"),
            (Metric::FeedbackScore, "Feedback score", "of 5"),
            (Metric::Sessions, "Sessions", "per day"),
        ];
        let percent = |m: Metric, v: f64| match m {
            Metric::CrashRate | Metric::ErrorRate => v * 100.0,
            _ => v,
        };
        let mut panels = Vec::new();
        let last = self.dataset.day_of(status.date).unwrap_or(days - 1);
        let mut hourly_worst: Option<(Metric, &str, &str, HourlyPeak)> = None;
        let mut tied: Vec<DeployChange> = Vec::new();
        for (metric, title, unit) in specs {
            let values: Vec<Option<f64>> = series
                .metric(metric)
                .iter()
                .map(|v| v.map(|v| percent(metric, v)))
                .collect();
            if values.iter().all(Option::is_none) {
                continue;
            }
            let band = |sign: f64| -> Vec<Option<f64>> {
                (0..days)
                    .map(|t| {
                        metric_signals(&signals[t], metric).map(|m| {
                            percent(
                                metric,
                                untransform(
                                    metric,
                                    m.baseline + m.seasonal_offset + sign * 2.0 * m.scale,
                                ),
                            )
                        })
                    })
                    .collect()
            };
            let anomalies = (0..days)
                .filter(|t| {
                    series.metric(metric).has(*t)
                        && metric_signals(&signals[*t], metric)
                            .is_some_and(|m| m.z_today.abs() > ANOMALY_Z)
                })
                .collect();
            let (scaled, _) = transformed(series, metric);
            let deploys = &self.feature_events[f];
            let found = changes(&scaled);
            let latest = found.iter().map(|c| c.day).max();
            let changepoints = found
                .into_iter()
                .map(|c| {
                    let mut text = describe_change(metric, &c);
                    let deploy = attribute_to_deploy(deploys, c.day);
                    // The metric's current level or trend began after this deploy.
                    if let Some(title) = deploy.filter(|_| Some(c.day) == latest) {
                        tied.push(DeployChange {
                            day: c.day,
                            date: self.dataset.date(c.day),
                            metric: metric.spoken().to_string(),
                            change: text.clone(),
                            deploy: title.to_string(),
                        });
                    }
                    if let Some(title) = deploy {
                        text.push_str(&format!(" after deploy {title}"));
                    }
                    (c.day, text)
                })
                .collect();
            let peaks = self
                .dataset
                .hourly
                .get(f)
                .map(|hours| daily_peaks(hours, metric, self.dataset.start, days))
                .unwrap_or_default();
            if let Some(peak) = peaks.get(last).copied().flatten() {
                if hourly_worst.is_none_or(|(_, _, _, p): (Metric, &str, &str, HourlyPeak)| {
                    peak.score > p.score
                }) {
                    hourly_worst = Some((metric, title, unit, peak));
                }
            }
            let anomalous_hours = peaks
                .into_iter()
                .flatten()
                .filter(|p| p.score >= ANOMALOUS_HOUR)
                .map(|p| HourlyPeak {
                    value: percent(metric, p.value),
                    ..p
                })
                .collect();
            panels.push(MetricPanel {
                metric,
                title,
                unit,
                values,
                secondary: (metric == Metric::LatencyP95
                    && series.latency_p50_ms.iter().any(|v| v.is_some()))
                .then(|| ("Latency p50", series.latency_p50_ms.to_options())),
                band_low: band(-1.0),
                band_high: band(1.0),
                anomalies,
                anomalous_hours,
                changepoints,
            });
        }
        // The timeline comes from the events already split by feature (a `*` event is in
        // every feature's list), limited to the dataset's days.
        let in_range = |day: i64| (0..days as i64).contains(&day);
        let date = |day: i64| self.dataset.date(day.clamp(0, days as i64 - 1) as usize);
        let own = &self.feature_events[f];
        let mut events: Vec<TimelineEvent> = own
            .deploys
            .iter()
            .filter(|(day, _)| in_range(*day))
            .map(|(day, title)| TimelineEvent {
                kind: EventKind::Deploy,
                start: date(*day),
                end: date(*day),
                title: title.to_string(),
            })
            .chain(
                own.incidents
                    .iter()
                    .filter(|i| in_range(i.start))
                    .map(|i| TimelineEvent {
                        kind: EventKind::Incident,
                        start: date(i.start),
                        end: date(i.end),
                        title: i.title.clone(),
                    }),
            )
            .collect();
        crate::sorting::sort_by_key(&mut events, |e| e.start);
        crate::sorting::sort_by_key(&mut tied, |c| c.day);
        // Why, by group of signals, from the signals the model read that day.
        let mut per_input = [0.0; N_INPUTS];
        for c in &status.contributions {
            if let Some(j) = INPUTS.iter().position(|i| i.id() == &*c.signal) {
                per_input[j] = c.log_odds;
            }
        }
        let model_signals = self.model_signals(f, last);
        let why = group_effects(&per_input, &Phrasing::from(&model_signals));
        let cohort = self.model_cohort(f, last);
        let why: Vec<GroupEffect> = why
            .into_iter()
            .map(|mut e| {
                if let Some(c) = &cohort {
                    e.change = format!("{c} only: {}", e.change);
                    e.text = format!("{c} only: {}", e.text);
                }
                e
            })
            .collect();
        let began_after = status.under_way.as_ref().and_then(|u| {
            let since = (u.since - self.dataset.start).num_days();
            let day = usize::try_from(since).ok()?;
            let title = attribute_to_deploy(own, day)?;
            let deployed = own
                .deploys
                .iter()
                .rev()
                .find(|(d, t)| *d <= since && &**t == title)?
                .0;
            Some((title, since - deployed))
        });
        let action = recommended_action(status, &signals[last], &why, &tied, began_after);
        FeatureDetail {
            feature: series.name.clone(),
            status: status.clone(),
            dates: (0..days).map(|t| self.dataset.date(t)).collect(),
            panels,
            risk: (0..days)
                .map(|t| series.sessions.has(t).then(|| self.run.risks[f][t]))
                .collect(),
            events,
            contributions: status.contributions.clone(),
            sentence: crate::insights::status_sentence(status, &signals[last], self.model.horizon),
            biggest_lever: crate::why::biggest_lever(&why, status.risk),
            why,
            action,
            hourly_note: hourly_worst.map(|(metric, title, unit, p)| {
                let value = match metric {
                    Metric::CrashRate | Metric::ErrorRate => p.value * 100.0,
                    _ => p.value,
                };
                format!(
                    "Hour by hour: on {} the most anomalous hour was {} at {:02}:00 UTC ({value:.2} {unit}, anomaly score {:.2}{}).",
                    self.dataset.date(last),
                    title.to_lowercase(),
                    p.hour,
                    p.score,
                    if p.score >= ANOMALOUS_HOUR {
                        ", against the usual for that hour and weekday"
                    } else {
                        "; nothing unusual for that hour and weekday"
                    }
                )
            }),
            cohorts: crate::cohorts::breakdown(&self.dataset, f, last),
            release: crate::cohorts::release::compare_release(&self.dataset, own, f, None, last),
            drift: Metric::HEALTH
                .iter()
                .filter_map(|&m| crate::analysis::drift::drift(m, series.metric(m), last))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detail::fixtures::{detail_with_deploy, wiggle};
    use chrono::NaiveDate;

    #[test]
    fn a_change_is_attributed_to_a_deploy_within_the_window_only() {
        let events = FeatureEvents {
            deploys: vec![(10, "v1".into()), (20, "v2".into())],
            incidents: vec![],
        };
        assert_eq!(attribute_to_deploy(&events, 10), Some("v1"));
        assert_eq!(attribute_to_deploy(&events, 12), Some("v1"));
        assert_eq!(attribute_to_deploy(&events, 13), None);
        assert_eq!(attribute_to_deploy(&events, 9), None);
        assert_eq!(attribute_to_deploy(&events, 21), Some("v2"));
    }

    #[test]
    fn a_deploy_linked_regression_names_its_deploy() {
        // Flat latency for 60 days, then 40% higher from day 60, a day after a deploy.
        let step = |i: usize| 200.0 * if i >= 60 { 1.4 } else { 1.0 } * wiggle(i);
        let detail = detail_with_deploy(step, 59, "v4.2.0");
        let latency = &detail.panels[0];
        assert_eq!(latency.changepoints.len(), 1, "{:?}", latency.changepoints);
        assert_eq!(latency.changepoints[0].0, 60);
        assert_eq!(latency.changepoints[0].1, "level +40% after deploy v4.2.0");
    }

    #[test]
    fn a_creep_that_starts_after_a_deploy_is_a_trend_change_naming_it() {
        // Flat latency, then 3% more every day from day 55, the day of a deploy.
        let creep = |i: usize| 200.0 * 1.03f64.powf(i.saturating_sub(55) as f64) * wiggle(i);
        let detail = detail_with_deploy(creep, 55, "v5.0.1");
        let latency = &detail.panels[0];
        assert_eq!(latency.changepoints.len(), 1, "{:?}", latency.changepoints);
        let (day, text) = &latency.changepoints[0];
        assert!((54..=57).contains(day), "{day}");
        assert!(
            text.starts_with("trend +3.") && text.ends_with("after deploy v5.0.1"),
            "{text}"
        );
    }

    #[test]
    fn hourly_data_marks_the_hour_that_broke_its_pattern() {
        use crate::report::prepare;
        use crate::telemetry::{parse_telemetry, Dataset};
        // Five weeks of hours: p95 peaks every afternoon; on the last day 04:00 is as slow
        // as an afternoon, which the daily mean barely shows.
        let days = 35;
        let mut text = String::from("date,feature,sessions,latency_p95_ms,crash_rate\n");
        for h in 0..days * 24 {
            let hour = (h % 24) as f64;
            let mut p95 = 300.0 + 200.0 * (-((hour - 15.0) / 3.0).powi(2)).exp();
            p95 *= 1.0 + 0.02 * ((h as f64) * 2.7).sin();
            if h == (days - 1) * 24 + 4 {
                p95 = 500.0;
            }
            let day =
                NaiveDate::from_ymd_opt(2026, 3, 2).unwrap() + chrono::Days::new(h as u64 / 24);
            text.push_str(&format!(
                "{day}T{:02}:00:00Z,search,100,{p95:.1},0.001\n",
                h % 24
            ));
        }
        let parsed = parse_telemetry("t.csv", text.as_bytes()).unwrap();
        let dataset = Dataset::from_records(&parsed.records, parsed.granularity).unwrap();
        let config = crate::Config::default();
        let analysis = prepare(&dataset, &[], &config.model, &config.slo);
        let report = analysis.report(&config.tiers, &config.impact);
        let detail = analysis.feature_detail(0, &report.ranking[0]);
        let latency = &detail.panels[0];
        let marked: Vec<(usize, u32)> = latency
            .anomalous_hours
            .iter()
            .filter(|p| p.day >= 7)
            .map(|p| (p.day, p.hour))
            .collect();
        assert_eq!(marked, vec![(days - 1, 4)]);
        let note = detail.hourly_note.unwrap();
        assert!(
            note.contains("latency p95 at 04:00 UTC (500.00 ms"),
            "{note}"
        );
        assert!(note.contains("against the usual"), "{note}");
    }
}
