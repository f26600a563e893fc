//! What `feature-radar alert` says, and to whom, as data: which features entered or left the
//! investigate tier since the last run (from a small state of what was already said), and
//! the messages for Slack (an incoming webhook's Block Kit), PagerDuty (Events API v2,
//! `trigger` and `resolve` with a stable `dedup_key` per feature) and a generic JSON
//! webhook. Pure: the command-line tool reads the state file, sends, and writes it back.

use crate::impact::{ImpactWeights, Tier};
use crate::report::FeatureStatus;
use crate::state::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The state file's format version.
pub const STATE_VERSION: u32 = 1;

/// What the tool has said so far, per feature: whether it is in the investigate tier as far
/// as the channels know, and since when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub version: u32,
    pub features: BTreeMap<String, Said>,
    /// Changes that some channels took and others did not yet: the channels that have it,
    /// so that the next run sends it only to the others.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, Pending>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub change: Change,
    pub channels: Vec<String>,
}

impl AlertState {
    /// The channels that already have `change` of `feature`.
    pub fn delivered(&self, feature: &str, change: Change) -> &[String] {
        self.pending
            .get(feature)
            .filter(|p| p.change == change)
            .map_or(&[], |p| p.channels.as_slice())
    }

    /// Notes that `channel` took `change` of `feature` (before the others did).
    pub fn delivered_to(&mut self, feature: &str, change: Change, channel: &str) {
        let pending = self
            .pending
            .entry(feature.to_string())
            .or_insert_with(|| Pending {
                change,
                channels: Vec::new(),
            });
        if pending.change != change {
            *pending = Pending {
                change,
                channels: Vec::new(),
            };
        }
        if !pending.channels.iter().any(|c| c == channel) {
            pending.channels.push(channel.to_string());
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub investigate: bool,
    /// The day of the data on which that was said.
    pub since: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// The feature entered the investigate tier: Slack, a PagerDuty trigger, the webhook.
    Entered,
    /// It left it: Slack, a PagerDuty resolve, the webhook.
    Left,
}

impl Change {
    pub fn id(self) -> &'static str {
        match self {
            Change::Entered => "entered_investigate",
            Change::Left => "left_investigate",
        }
    }
}

/// One feature's change of standing, with what the messages say about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub change: Change,
    pub status: FeatureStatus,
    /// The feature's sentence (as in the page).
    pub sentence: String,
    /// The page opened on the feature, when a page URL was given.
    pub link: Option<String>,
    /// The impact with its unit.
    pub impact: String,
}

/// The changes since `state`, resolves first (they close open pages), then entries by
/// impact, largest first. A feature not in the state counts as not in investigate, so the
/// first run announces the features in investigate now.
pub fn changes<'a>(
    ranking: &'a [FeatureStatus],
    state: &AlertState,
) -> Vec<(Change, &'a FeatureStatus)> {
    let mut left = Vec::new();
    let mut entered = Vec::new();
    for s in ranking {
        let was = state
            .features
            .get(&s.feature)
            .is_some_and(|d| d.investigate);
        let is = s.tier == Tier::Investigate;
        match (was, is) {
            (false, true) => entered.push((Change::Entered, s)),
            (true, false) => left.push((Change::Left, s)),
            _ => {}
        }
    }
    crate::sorting::sort_by(&mut entered, |a, b| b.1.impact.total_cmp(&a.1.impact));
    left.extend(entered);
    left
}

/// The state once `alert` has been said.
pub fn record(state: &mut AlertState, alert: &Alert) {
    state.version = STATE_VERSION;
    state.pending.remove(&alert.status.feature);
    state.features.insert(
        alert.status.feature.clone(),
        Said {
            investigate: alert.change == Change::Entered,
            since: alert.status.date,
        },
    );
}

/// Records the features whose standing needs no message (so a later run compares with
/// today), leaving those with a change not yet said as they were.
pub fn record_quiet(state: &mut AlertState, ranking: &[FeatureStatus]) {
    state.version = STATE_VERSION;
    for s in ranking {
        let is = s.tier == Tier::Investigate;
        let known = state.features.get(&s.feature).map(|d| d.investigate);
        if known.is_none() && !is {
            state.features.insert(
                s.feature.clone(),
                Said {
                    investigate: false,
                    since: s.date,
                },
            );
        }
    }
}

/// The link that opens the page on a feature: `page?view=feature&feature=...`.
pub fn feature_link(page: &str, feature: &str) -> String {
    let view = crate::view_state::ViewState {
        view: crate::view_state::View::Feature,
        feature: Some(feature.to_string()),
        ..Default::default()
    };
    let base = page.split(['?', '#']).next().unwrap_or(page);
    format!("{base}?{}", view.to_query())
}

impl Alert {
    pub fn new(
        change: Change,
        status: &FeatureStatus,
        sentence: String,
        page: Option<&str>,
        weights: &ImpactWeights,
    ) -> Alert {
        Alert {
            change,
            status: FeatureStatus {
                contributions: Vec::new(),
                latency_p95_28d: Vec::new(),
                ..status.clone()
            },
            sentence,
            link: page.map(|p| feature_link(p, &status.feature)),
            impact: weights.show(status.impact),
        }
    }

    fn headline(&self) -> String {
        match self.change {
            Change::Entered => format!("{} entered the investigate tier", self.status.feature),
            Change::Left => format!(
                "{} left the investigate tier (now {})",
                self.status.feature,
                self.status.tier.as_str()
            ),
        }
    }

    fn risk(&self) -> String {
        format!("{:.1}%", self.status.risk * 100.0)
    }

    /// PagerDuty's severity from the tier and the state: `critical` for a degradation
    /// under way, `error` for a feature at risk in investigate.
    pub fn severity(&self) -> &'static str {
        match (self.status.tier, self.status.state) {
            (Tier::Investigate, State::UnderWay) => "critical",
            (Tier::Investigate, _) => "error",
            (Tier::Watch, _) => "warning",
            _ => "info",
        }
    }

    /// The stable PagerDuty `dedup_key` of the feature.
    pub fn dedup_key(&self) -> String {
        format!("feature-radar/{}", self.status.feature)
    }

    /// An incoming-webhook message in Block Kit, with a plain `text` for notifications.
    pub fn slack(&self) -> Value {
        let s = &self.status;
        let mut blocks = vec![
            json!({"type": "header", "text": {"type": "plain_text", "text": truncate(&self.headline(), 150)}}),
            json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&escape_mrkdwn(&self.sentence), 3000)}}),
            json!({"type": "section", "fields": [
                {"type": "mrkdwn", "text": format!("*Risk*\n{}", self.risk())},
                {"type": "mrkdwn", "text": format!("*Impact*\n{}", escape_mrkdwn(&self.impact))},
                {"type": "mrkdwn", "text": format!("*Tier*\n{}", s.tier.as_str())},
                {"type": "mrkdwn", "text": format!("*State*\n{}", s.state.as_str())},
            ]}),
        ];
        if !s.reasons.is_empty() {
            let reasons: Vec<String> = s
                .reasons
                .iter()
                .take(5)
                .map(|r| format!("• {}", escape_mrkdwn(r)))
                .collect();
            blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(&format!("*Why*\n{}", reasons.join("\n")), 3000)}}));
        }
        blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("Feature Radar, data of {}", s.date)}]}));
        if let Some(link) = &self.link {
            blocks.push(json!({"type": "actions", "elements": [{
                "type": "button",
                "text": {"type": "plain_text", "text": "Open in Feature Radar"},
                "url": link,
            }]}));
        }
        json!({
            // The fallback is mrkdwn too: escaped, so no name can mention a channel.
            "text": truncate(&escape_mrkdwn(&format!("{}: {}", self.headline(), self.sentence)), 3000),
            "blocks": blocks,
        })
    }

    /// A PagerDuty Events API v2 event: `trigger` on entering, `resolve` on leaving.
    pub fn pagerduty(&self, routing_key: &str) -> Value {
        match self.change {
            Change::Left => json!({
                "routing_key": routing_key,
                "event_action": "resolve",
                "dedup_key": self.dedup_key(),
            }),
            Change::Entered => {
                let s = &self.status;
                let mut event = json!({
                    "routing_key": routing_key,
                    "event_action": "trigger",
                    "dedup_key": self.dedup_key(),
                    "payload": {
                        "summary": truncate(&format!("{}: {}", self.headline(), self.sentence), 1024),
                        "source": "feature-radar",
                        "severity": self.severity(),
                        "timestamp": format!("{}T00:00:00Z", s.date),
                        "component": s.feature,
                        "class": s.state.as_str(),
                        "custom_details": {
                            "risk": s.risk,
                            "impact": self.impact,
                            "tier": s.tier.as_str(),
                            "state": s.state.as_str(),
                            "reasons": s.reasons,
                        },
                    },
                    "client": "Feature Radar",
                });
                if let Some(link) = &self.link {
                    event["client_url"] = json!(link);
                    event["links"] = json!([{"href": link, "text": "Open in Feature Radar"}]);
                }
                event
            }
        }
    }

    /// The generic webhook's JSON: the change and the feature's figures.
    pub fn webhook(&self) -> Value {
        let s = &self.status;
        json!({
            "event": self.change.id(),
            "feature": s.feature,
            "date": s.date.to_string(),
            "tier": s.tier.as_str(),
            "risk": s.risk,
            "impact": s.impact,
            "impact_text": self.impact,
            "state": s.state.as_str(),
            "under_way_since": s.under_way.as_ref().map(|u| u.since.to_string()),
            "sentence": self.sentence,
            "reasons": s.reasons,
            "link": self.link,
        })
    }
}

/// At most `max` characters, with an ellipsis when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Slack's mrkdwn control characters escaped, as its documentation asks.
fn escape_mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_open_the_feature_whatever_the_page_url_holds() {
        assert_eq!(
            feature_link("https://radar.example.org/app/?data=upload#x", "check out"),
            "https://radar.example.org/app/?view=feature&feature=check%20out"
        );
    }

    #[test]
    fn long_texts_are_cut_to_the_limits() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(escape_mrkdwn("a<b>&"), "a&lt;b&gt;&amp;");
    }
}
