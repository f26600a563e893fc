//! The results in words and as CSV: the reasons, the overview's sentences, the tier rule,
//! the descriptions of the data and the lead time, and the `score`, ranking and backtest
//! exports.

use super::pipeline::{Analysis, Stage};
use super::{Config, DatasetSummary, FeatureStatus, LatestSignals, LeadTime, Report, ScoreRow};
use crate::impact::{ImpactWeights, RiskCutoffs, Tier, TierThresholds};
use crate::insights::{counted, human_count, Insight};
use crate::model::features::N_INPUTS;
use crate::state::UnderWay;
use crate::telemetry::Dataset;
use crate::why::Phrasing;
use chrono::NaiveDate;

impl DatasetSummary {
    /// What the data is, in words: "80 features, 2026-05-30 to 2026-11-25 (180 days), 103
    /// degradations and 1097 deploys".
    pub fn describe(&self) -> String {
        format!(
            "{}, {} to {} ({}), {} and {}",
            counted(self.features, "feature", "features"),
            self.start,
            self.end,
            counted(self.days, "day", "days"),
            counted(self.degradations, "degradation", "degradations"),
            counted(self.deploys, "deploy", "deploys"),
        )
    }
}

impl LeadTime {
    /// How the counts relate, in words: all degradations, those that could be checked,
    /// warned and missed, and the missed that came with no sign to the model.
    pub fn describe(&self, horizon: usize) -> String {
        let mut out = format!(
            "This data has {}.",
            counted(self.degradations, "degradation", "degradations")
        );
        if self.not_evaluable > 0 {
            out.push_str(&format!(
                " {} could not be checked for a warning: {} on the first day, or with no day in the {} before that the model could rank (too little history for signals yet, or the feature still in an earlier degradation).",
                if self.not_evaluable == 1 { "One".to_string() } else { format!("{} of them", self.not_evaluable) },
                if self.not_evaluable == 1 { "it started" } else { "they started" },
                counted(horizon, "day", "days"),
            ));
        }
        if self.evaluated == 0 {
            return out;
        }
        out.push_str(&format!(
            " Of the {} checked, {} had the feature in the investigate tier a day or more ahead and {} missed",
            self.evaluated, self.warned, self.missed
        ));
        if self.missed > 0 {
            out.push_str(&format!(
                "; {} of the missed never even reached the watch tier in the {} before: to the model they came suddenly (a sudden failure, or a build-up the telemetry did not show).",
                self.missed_without_watch,
                counted(horizon, "day", "days"),
            ));
        } else {
            out.push('.');
        }
        out
    }
}

impl Stage {
    /// What the stage does, for a progress line.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Signals => "Reading events and labels",
            Stage::Fitting => "Computing signals and fitting the risk model",
        }
    }
}

/// Reasons for a row: what is under way, if anything, then the groups of signals that
/// push the risk up most, each as its metric's change and its effect, in words.
pub(super) fn reasons(
    contributions: &[f64; N_INPUTS],
    signals: &Phrasing,
    cohort: Option<&str>,
    under_way: Option<&UnderWay>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(u) = under_way {
        out.push(u.text.clone());
    }
    for effect in crate::why::raising(contributions, signals, 3) {
        out.push(match cohort {
            Some(cohort) => format!("{cohort} only: {}", effect.text),
            None => effect.text,
        });
    }
    if out.is_empty() {
        out.push("no signal stands out".to_string());
    }
    out
}

/// The report's sentences: what is under way, the investigate tier, then each feature
/// under way or above monitor (in that order, each in ranking order) with its sentence,
/// `sentence(status)` (a feature without one is left out).
pub(super) fn build_insights(
    ranking: &[FeatureStatus],
    config: &Config,
    cutoffs: &RiskCutoffs,
    sentence: impl Fn(&FeatureStatus) -> Option<String>,
) -> Vec<Insight> {
    let investigate: Vec<&FeatureStatus> = ranking
        .iter()
        .filter(|r| r.tier == Tier::Investigate)
        .collect();
    let exposed: f64 = investigate.iter().map(|r| r.sessions_7d).sum();
    let under_way: Vec<&FeatureStatus> = ranking.iter().filter(|r| r.under_way.is_some()).collect();
    let mut insights = Vec::new();
    if !under_way.is_empty() {
        // Oldest first, an order the impact weights do not change.
        let mut by_age = under_way.clone();
        crate::sorting::sort_by_key(&mut by_age, |r| {
            (r.under_way.as_ref().map(|u| u.since), r.feature.clone())
        });
        let list: Vec<String> = by_age
            .iter()
            .take(5)
            .map(|r| {
                let since = r.under_way.as_ref().map(|u| u.since);
                format!("{} (since {})", r.feature, since.expect("under way"))
            })
            .collect();
        let more = under_way.len().saturating_sub(5);
        insights.push(Insight {
            feature: None,
            tier: None,
            text: format!(
                "{} a degradation under way now: {}{}.",
                counted(under_way.len(), "feature has", "features have"),
                list.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
        });
    }
    insights.push(Insight {
        feature: None,
        tier: None,
        text: format!(
            "{} of {} {} in the investigate tier (the riskiest {} per 100 feature-days: today a risk of at least {:.1}% of a degradation within {} days), with {} weekly sessions between them.",
            investigate.len(),
            counted(ranking.len(), "feature", "features"),
            if investigate.len() == 1 { "is" } else { "are" },
            config.tiers.investigate,
            cutoffs.investigate * 100.0,
            config.model.horizon,
            human_count(exposed)
        ),
    });
    // What is under way first, then what is at risk.
    let first = under_way.iter().copied();
    let then = ranking
        .iter()
        .filter(|r| r.under_way.is_none() && r.tier != Tier::Monitor);
    for status in first.chain(then) {
        let Some(text) = sentence(status) else {
            continue;
        };
        insights.push(Insight {
            feature: Some(status.feature.clone()),
            tier: Some(status.tier),
            text,
        });
    }
    insights
}

/// A feature's sentence in the report, from the signals of its latest day.
pub(super) fn feature_insight(
    dataset: &Dataset,
    latest: &[Option<LatestSignals>],
    horizon: usize,
    status: &FeatureStatus,
) -> Option<String> {
    let signals = dataset
        .feature_index(&status.feature)
        .and_then(|f| latest[f].as_ref())
        .filter(|l| Some(l.day) == dataset.day_of(status.date))
        .map(|l| &l.whole)?;
    Some(crate::insights::status_sentence(status, signals, horizon))
}

/// The tier rule, in words, with the last day's cut-offs.
pub(super) fn tier_rule(tiers: &TierThresholds, today: &RiskCutoffs) -> String {
    let cut = |v: f64| {
        if v.is_finite() {
            format!("{:.1}%", v * 100.0)
        } else {
            "none yet".to_string()
        }
    };
    format!(
        "Tiers follow an alert budget: each day, the features whose risk is among the highest {} per 100 feature-days of the last {} days are investigated, and the highest {} per 100 at least watched, if their risk is also at least {:.0} times the window's average (features already in a degradation do not use the budget). On the last day that means investigate from a risk of {} and watch from {}.",
        tiers.investigate,
        crate::impact::WINDOW_DAYS,
        tiers.watch,
        crate::impact::MIN_LIFT,
        cut(today.investigate),
        cut(today.watch)
    )
}

/// A text cell for a CSV export that spreadsheets will not run as a formula: one that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe.
/// (Numbers are written by us and never pass through here.) The `score` output keeps
/// feature ids exactly as the input gave them, as the data contract requires; the
/// exports made for people (ranking, backtest) and every reasons cell are protected.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory");
    for row in rows {
        writer.write_record(&row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV is UTF-8")
}

/// The columns of the contract's `score` format.
const SCORE_HEADER: [&str; 6] = ["date", "feature", "risk", "impact", "tier", "reasons"];

/// One score row's cells in the contract's `score` format.
fn score_record(row: &ScoreRow) -> Vec<String> {
    vec![
        match row.hour {
            Some(hour) => format!("{}Z", hour.format("%Y-%m-%dT%H:%M:%S")),
            None => row.date.to_string(),
        },
        row.feature.clone(),
        format!("{:.4}", row.risk),
        format!("{:.1}", row.impact),
        row.tier.as_str().to_string(),
        spreadsheet_safe(&row.reasons.join("; ")),
    ]
}

/// Score rows in the contract's `score` format.
pub fn scores_csv(rows: &[ScoreRow]) -> String {
    csv_text(&SCORE_HEADER, rows.iter().map(score_record))
}

/// Writes `score` rows as CSV one by one (the header first): for rows handed out by a
/// callback, which cannot stop at an error, it keeps the first error for
/// [`ScoresWriter::finish`] and writes nothing after it.
pub struct ScoresWriter<W: std::io::Write> {
    writer: csv::Writer<W>,
    result: std::io::Result<()>,
}

impl<W: std::io::Write> ScoresWriter<W> {
    pub fn new(out: W) -> Self {
        let mut writer = csv::Writer::from_writer(out);
        let result = writer.write_record(SCORE_HEADER).map_err(Into::into);
        ScoresWriter { writer, result }
    }

    pub fn write(&mut self, row: &ScoreRow) {
        if self.result.is_ok() {
            self.result = self
                .writer
                .write_record(score_record(row))
                .map_err(Into::into);
        }
    }

    /// Flushes the rows, or gives the first error.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.result?;
        self.writer.flush()
    }
}

impl Analysis {
    /// The `score` rows as CSV (see [`scores_csv`]), written to `out` as they are made.
    pub fn write_scores_csv<W: std::io::Write>(
        &self,
        tiers: &TierThresholds,
        weights: &ImpactWeights,
        out: W,
    ) -> std::io::Result<()> {
        let mut writer = ScoresWriter::new(out);
        self.for_each_score_row(tiers, weights, &mut |row| writer.write(&row));
        writer.finish()
    }
}

impl Report {
    /// The backtest as CSV: one row per past degradation.
    pub fn backtest_csv(&self) -> String {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let days = |d: Option<usize>| d.map(|d| d.to_string()).unwrap_or_default();
        csv_text(
            &[
                "feature",
                "start",
                "title",
                "model",
                "first_watch",
                "watch_lead_days",
                "first_investigate",
                "investigate_lead_days",
                "risk_day_before",
            ],
            self.backtest.iter().map(|r| {
                vec![
                    spreadsheet_safe(&r.feature),
                    r.start.to_string(),
                    spreadsheet_safe(r.title.as_deref().unwrap_or_default()),
                    if r.model_existed {
                        "fitted"
                    } else {
                        "warming up"
                    }
                    .to_string(),
                    date(r.first_watch),
                    days(r.watch_lead_days),
                    date(r.first_investigate),
                    days(r.investigate_lead_days),
                    r.risk_day_before
                        .map(|v| format!("{v:.4}"))
                        .unwrap_or_default(),
                ]
            }),
        )
    }

    /// The ranked table as CSV, in ranking order. Columns added later come last, so that
    /// a reader of an earlier export's columns by position keeps working.
    pub fn ranking_csv(&self) -> String {
        csv_text(
            &[
                "rank",
                "feature",
                "date",
                "tier",
                "risk",
                "risk_7d_ago",
                "impact",
                "sessions_7d",
                "reasons",
                "state",
                "under_way_since",
            ],
            self.ranking.iter().enumerate().map(|(i, r)| {
                vec![
                    (i + 1).to_string(),
                    spreadsheet_safe(&r.feature),
                    r.date.to_string(),
                    r.tier.as_str().to_string(),
                    format!("{:.4}", r.risk),
                    r.risk_7d_ago.map(|v| format!("{v:.4}")).unwrap_or_default(),
                    format!("{:.1}", r.impact),
                    format!("{:.0}", r.sessions_7d),
                    spreadsheet_safe(&r.reasons.join("; ")),
                    r.state.as_str().to_string(),
                    r.under_way
                        .as_ref()
                        .map(|u| u.since.to_string())
                        .unwrap_or_default(),
                ]
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formula_like_cells_are_defused_and_others_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("checkout"), "checkout");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
