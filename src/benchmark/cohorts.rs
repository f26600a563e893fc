//! How well the cohort breakdown names the platform behind a one-platform degradation, on
//! the family's cohort portfolios (generated data: a development check, not evidence).
//! For each episode that hit one platform, the breakdown as of its last affected day (the
//! recent week then holds it): is the platform named as behind a change (the feature's
//! change is its own, or it changed under an unmoved total), is another one named instead,
//! or none. And on feature-weeks with no episode of any kind within the 5 weeks compared,
//! how often some platform is named all the same.

use super::dataset_of;
use crate::cohorts::{breakdown, Breakdown, Verdict};
use crate::synth::SynthData;

#[derive(Debug, Default, Clone, Copy)]
pub struct Naming {
    pub episodes: usize,
    pub right: usize,
    pub wrong: usize,
    pub quiet_weeks: usize,
    pub named_in_quiet_weeks: usize,
}

/// The platforms a breakdown names as behind a change of some metric.
fn named(b: &Breakdown) -> Vec<String> {
    let mut out = Vec::new();
    for d in b.dimensions.iter().filter(|d| d.dimension == "platform") {
        for m in &d.metrics {
            if let Verdict::Cohorts(ids) | Verdict::Hidden(ids) = &m.verdict {
                out.extend(ids.iter().map(|&i| d.cohorts[i].value.clone()));
            }
        }
    }
    out
}

pub fn naming(data: &SynthData) -> Naming {
    let dataset = dataset_of(data);
    let mut n = Naming::default();
    for e in data.episodes.iter().filter(|e| e.cohort.is_some()) {
        let (Some(f), Some(day)) = (
            dataset.feature_index(&e.feature),
            dataset.day_of(e.end.min(dataset.end())),
        ) else {
            continue;
        };
        let Some(b) = breakdown(&dataset, f, day) else {
            continue;
        };
        n.episodes += 1;
        let names = named(&b);
        if names.iter().any(|c| Some(c) == e.cohort.as_ref()) {
            n.right += 1;
        } else if !names.is_empty() {
            n.wrong += 1;
        }
    }
    for (f, series) in dataset.features.iter().enumerate() {
        for day in (63..dataset.days).step_by(7) {
            let (from, to) = (dataset.date(day - 35), dataset.date(day));
            let touched = data
                .episodes
                .iter()
                .any(|e| e.feature == series.name && e.onset <= to && e.end >= from);
            if touched {
                continue;
            }
            if let Some(b) = breakdown(&dataset, f, day) {
                n.quiet_weeks += 1;
                if !named(&b).is_empty() {
                    n.named_in_quiet_weeks += 1;
                }
            }
        }
    }
    n
}
