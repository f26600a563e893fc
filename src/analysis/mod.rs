//! Time-series analysis: events per feature, derived signals, the degradation label, and
//! the online anomaly score of `feature-radar detect`.

pub mod changepoints;
pub mod detect;
pub mod distributions;
pub mod drift;
pub mod hourly;
pub mod inference;
pub mod labels;
pub mod signals;
pub mod stats;

use crate::telemetry::{Dataset, EventKind, EventRecord};
use serde::Serialize;
use std::sync::Arc;

/// A feature's events, on the dataset's day index (negative before its first day).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeatureEvents {
    /// (day, title), sorted by day. The title is shared, not copied, by every feature and
    /// day that refers to it.
    pub deploys: Vec<(i64, Arc<str>)>,
    pub incidents: Vec<Incident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub start: i64,
    /// Last day of the incident (the start day when no end was given).
    pub end: i64,
    pub title: String,
    pub severity: Option<u8>,
}

impl FeatureEvents {
    /// The latest deploy on or before day `t`.
    pub fn last_deploy_at(&self, t: usize) -> Option<(i64, &Arc<str>)> {
        self.deploys
            .iter()
            .rev()
            .find(|(day, _)| *day <= t as i64)
            .map(|(day, title)| (*day, title))
    }
}

/// Splits the events by feature (a `*` event goes to every feature).
pub fn events_by_feature(dataset: &Dataset, events: &[EventRecord]) -> Vec<FeatureEvents> {
    let day_of = |t: chrono::NaiveDateTime| (t.date() - dataset.start).num_days();
    let titles: Vec<Arc<str>> = events.iter().map(|e| Arc::from(e.title.as_str())).collect();
    // Each feature's events, in the events' order: one look-up per event rather than a
    // comparison of every event with every feature.
    let mut own: Vec<Vec<usize>> = vec![Vec::new(); dataset.features.len()];
    let mut everyone = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.feature == "*" {
            everyone.push(i);
        } else if let Some(f) = dataset.feature_index(&e.feature) {
            own[f].push(i);
        }
    }
    own.into_iter()
        .map(|mine| {
            let mut out = FeatureEvents::default();
            let mut add = |i: usize| {
                let (e, title) = (&events[i], &titles[i]);
                match e.kind {
                    EventKind::Deploy => out.deploys.push((day_of(e.timestamp), title.clone())),
                    EventKind::Incident => {
                        let start = day_of(e.timestamp);
                        out.incidents.push(Incident {
                            start,
                            end: e.end.map_or(start, day_of).max(start),
                            title: e.title.clone(),
                            severity: e.severity,
                        })
                    }
                    EventKind::Flag | EventKind::Note => {}
                }
            };
            // The two lists merged back into the events' order.
            let (mut a, mut b) = (mine.iter().peekable(), everyone.iter().peekable());
            loop {
                match (a.peek(), b.peek()) {
                    (Some(&&x), Some(&&y)) if x < y => {
                        add(x);
                        a.next();
                    }
                    (_, Some(&&y)) => {
                        add(y);
                        b.next();
                    }
                    (Some(&&x), None) => {
                        add(x);
                        a.next();
                    }
                    (None, None) => break,
                }
            }
            crate::sorting::sort_by_key(&mut out.deploys, |d| d.0);
            crate::sorting::sort_by_key(&mut out.incidents, |i| i.start);
            out
        })
        .collect()
}

/// `work(i)` for every `i` in `0..n`, in order. Natively the indices are shared out in
/// contiguous runs over the machine's cores (each feature's signals are independent of
/// the others'); in the browser (wasm32, one thread) they run in turn. The result is the
/// same either way.
pub fn map_indices<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(n / 8)
            .max(1);
        if threads > 1 {
            let per = n.div_ceil(threads);
            let work = &work;
            return std::thread::scope(|scope| {
                let parts: Vec<_> = (0..threads)
                    .map(|k| {
                        scope.spawn(move || {
                            (k * per..((k + 1) * per).min(n))
                                .map(work)
                                .collect::<Vec<T>>()
                        })
                    })
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|part| part.join().expect("a worker thread panicked"))
                    .collect()
            });
        }
    }
    (0..n).map(work).collect()
}
