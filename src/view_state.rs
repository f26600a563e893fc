//! What the dashboard is showing, as plain data that round-trips through the URL's query
//! string (so a link reproduces the view), and the table's sorting and filtering.
//! Pure, so it is tested natively; the page only reads and writes `location.search`.

use crate::impact::{ImpactWeights, Tier, TierThresholds};
use crate::live::{LiveSource, DEFAULT_EVERY_SECS};
use crate::report::FeatureStatus;

/// The dashboard's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Overview,
    Feature,
    ModelCard,
    Data,
    /// One metric series scored for anomalies, as `feature-radar detect` does.
    Series,
    /// Two to four features side by side.
    Compare,
}

impl View {
    pub fn id(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Feature => "feature",
            View::ModelCard => "model",
            View::Data => "data",
            View::Series => "series",
            View::Compare => "compare",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            View::Overview,
            View::Feature,
            View::ModelCard,
            View::Data,
            View::Series,
            View::Compare,
        ]
        .into_iter()
        .find(|v| v.id() == text)
    }
}

/// Whose data a view is of, as far as a link can say. A link carries the view, never the
/// data: the page's demo data (the bundled dataset, or one it generated) can be made again
/// anywhere, a person's uploaded files only in the browser that keeps them. So a link made
/// with uploaded files says so (`data=upload`), and a browser without those files can say
/// that it shows other data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataKind {
    /// The bundled or a generated dataset (left out of links).
    #[default]
    Demo,
    /// Files a person uploaded.
    Upload,
}

impl DataKind {
    pub fn id(self) -> &'static str {
        match self {
            DataKind::Demo => "demo",
            DataKind::Upload => "upload",
        }
    }
}

/// Columns the ranked table sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Tier, then impact: the tool's own order.
    #[default]
    Priority,
    Feature,
    Risk,
    RiskChange,
    Impact,
    Sessions,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Priority,
        SortKey::Feature,
        SortKey::Risk,
        SortKey::RiskChange,
        SortKey::Impact,
        SortKey::Sessions,
    ];

    pub fn id(self) -> &'static str {
        match self {
            SortKey::Priority => "priority",
            SortKey::Feature => "feature",
            SortKey::Risk => "risk",
            SortKey::RiskChange => "change",
            SortKey::Impact => "impact",
            SortKey::Sessions => "sessions",
        }
    }
}

/// The view, the controls, and the table's order and filters.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewState {
    /// Whose data the view is of: kept by the page in step with the data it shows.
    pub data: DataKind,
    pub view: View,
    pub feature: Option<String>,
    /// The features the comparison view shows, in the order picked (at most
    /// [`crate::comparison::MAX_FEATURES`], each once).
    pub compare: Vec<String>,
    pub horizon: usize,
    pub tiers: TierThresholds,
    pub weights: ImpactWeights,
    pub sort: SortKey,
    /// Sort direction: true for the column's natural "most important first".
    pub descending: bool,
    pub tier_filter: Option<Tier>,
    pub text_filter: String,
    /// The live source the page follows, if any (`live=`, `live_events=`, `every=`).
    pub live: Option<LiveSource>,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            data: DataKind::Demo,
            view: View::Overview,
            feature: None,
            compare: Vec::new(),
            horizon: 7,
            tiers: TierThresholds::default(),
            weights: ImpactWeights::default(),
            sort: SortKey::Priority,
            descending: true,
            tier_filter: None,
            text_filter: String::new(),
            live: None,
        }
    }
}

/// A query string's `key=value` pairs (with or without `?`), values not yet decoded.
fn pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .trim_start_matches('?')
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// The live source a link asks the page to follow (`live=`, `live_events=`, `every=`):
/// None when it names none; the source, or why the page may not read it, in words.
pub fn live_asked(query: &str) -> Option<Result<LiveSource, String>> {
    let (mut live, mut live_events, mut every) = (None, String::new(), DEFAULT_EVERY_SECS);
    for (key, raw) in pairs(query) {
        match key {
            "live" => live = Some(decode(raw)),
            "live_events" => live_events = decode(raw),
            "every" => {
                if let Ok(secs) = decode(raw).parse() {
                    every = secs;
                }
            }
            _ => {}
        }
    }
    live.map(|telemetry| LiveSource::new(&telemetry, &live_events, every))
}

/// Horizons the page offers, in days.
pub const HORIZONS: [usize; 5] = [3, 5, 7, 10, 14];

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', None) => out.push(b' '),
            (b, None) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl ViewState {
    /// The query string (without `?`) that reproduces this state; defaults are left out.
    pub fn to_query(&self) -> String {
        let d = ViewState::default();
        let mut parts: Vec<String> = Vec::new();
        if self.data != d.data {
            parts.push(format!("data={}", self.data.id()));
        }
        if self.view != d.view {
            parts.push(format!("view={}", self.view.id()));
        }
        if let Some(f) = &self.feature {
            parts.push(format!("feature={}", encode(f)));
        }
        if !self.compare.is_empty() {
            let names: Vec<String> = self.compare.iter().map(|f| encode(f)).collect();
            parts.push(format!("compare={}", names.join(",")));
        }
        if self.horizon != d.horizon {
            parts.push(format!("horizon={}", self.horizon));
        }
        if self.tiers.investigate != d.tiers.investigate {
            parts.push(format!("investigate={}", self.tiers.investigate));
        }
        if self.tiers.watch != d.tiers.watch {
            parts.push(format!("watch={}", self.tiers.watch));
        }
        if self.weights.usage != d.weights.usage {
            parts.push(format!("usage={}", self.weights.usage));
        }
        if self.sort != d.sort {
            parts.push(format!("sort={}", self.sort.id()));
        }
        if self.descending != d.descending {
            parts.push("order=asc".to_string());
        }
        if let Some(t) = self.tier_filter {
            parts.push(format!("tier={}", t.as_str()));
        }
        if !self.text_filter.is_empty() {
            parts.push(format!("q={}", encode(&self.text_filter)));
        }
        if let Some(live) = &self.live {
            parts.push(format!("live={}", encode(&live.telemetry)));
            if let Some(events) = &live.events {
                parts.push(format!("live_events={}", encode(events)));
            }
            parts.push(format!("every={}", live.every_secs));
        }
        parts.join("&")
    }

    /// Reads a query string (with or without `?`). Unknown keys and bad values are
    /// ignored, so an old or mangled link still opens.
    pub fn from_query(query: &str) -> Self {
        let mut state = ViewState::default();
        let unit = |v: &str| v.parse::<f64>().ok().filter(|x| (0.0..=1.0).contains(x));
        // Alert budgets, per 100 feature-days.
        let budget = |v: &str| v.parse::<f64>().ok().filter(|x| *x > 0.0 && *x <= 100.0);
        for (key, raw) in pairs(query) {
            let value = decode(raw);
            match key {
                // Names are split before they are decoded: a comma in a name is `%2C`.
                "compare" => {
                    state.compare.clear();
                    for name in raw.split(',').map(decode) {
                        state.pick(name);
                    }
                }
                "data" => {
                    state.data = [DataKind::Demo, DataKind::Upload]
                        .into_iter()
                        .find(|d| d.id() == value)
                        .unwrap_or_default()
                }
                "view" => state.view = View::parse(&value).unwrap_or_default(),
                "feature" if !value.is_empty() => state.feature = Some(value),
                "horizon" => {
                    if let Some(h) = value.parse().ok().filter(|h| HORIZONS.contains(h)) {
                        state.horizon = h;
                    }
                }
                "investigate" => {
                    if let Some(v) = budget(&value) {
                        state.tiers.investigate = v;
                    }
                }
                "watch" => {
                    if let Some(v) = budget(&value) {
                        state.tiers.watch = v;
                    }
                }
                "usage" => {
                    if let Some(v) = unit(&value) {
                        state.weights.usage = v;
                    }
                }
                "sort" => {
                    if let Some(k) = SortKey::ALL.into_iter().find(|k| k.id() == value) {
                        state.sort = k;
                    }
                }
                "order" => state.descending = value != "asc",
                "tier" => {
                    state.tier_filter = [Tier::Investigate, Tier::Watch, Tier::Monitor]
                        .into_iter()
                        .find(|t| t.as_str() == value)
                }
                "q" => state.text_filter = value,
                _ => {}
            }
        }
        // A live address that is not one the page reads is dropped like any bad value
        // (the page says why: [`live_asked`]).
        state.live = live_asked(query).and_then(Result::ok);
        // The watch tier includes the investigate tier, so its budget is at least as large.
        if state.tiers.watch < state.tiers.investigate {
            state.tiers.watch = state.tiers.investigate;
        }
        state
    }

    /// Adds `feature` to the comparison, unless it is empty, already there, or the
    /// comparison is full. Returns whether it was added.
    pub fn pick(&mut self, feature: String) -> bool {
        let fits = self.compare.len() < crate::comparison::MAX_FEATURES;
        let added = fits && !feature.trim().is_empty() && !self.compare.contains(&feature);
        if added {
            self.compare.push(feature);
        }
        added
    }

    /// The compared features that `ranking` does not hold (a link made with other data).
    pub fn missing_compared<'a>(&'a self, ranking: &[FeatureStatus]) -> Vec<&'a str> {
        self.compare
            .iter()
            .filter(|f| !ranking.iter().any(|r| &r.feature == *f))
            .map(String::as_str)
            .collect()
    }

    /// The feature this view names that `ranking` does not hold, when the view is a
    /// feature's: the page then shows another feature, and says so rather than silently
    /// ignoring the name (a link made with other data, say).
    pub fn missing_feature(&self, ranking: &[FeatureStatus]) -> Option<&str> {
        let feature = self.feature.as_deref()?;
        (self.view == View::Feature && !ranking.iter().any(|r| r.feature == feature))
            .then_some(feature)
    }

    /// What the page says when this view names a feature that `ranking` lacks: which
    /// feature it shows instead (the top-ranked one, as the feature view does).
    pub fn missing_feature_notice(&self, ranking: &[FeatureStatus]) -> Option<String> {
        let missing = self.missing_feature(ranking)?;
        Some(match ranking.first() {
            Some(shown) => format!(
                "The address names the feature \u{201c}{missing}\u{201d}, which is not in the data shown; showing the top-ranked feature, {}, instead.",
                shown.feature
            ),
            None => format!(
                "The address names the feature \u{201c}{missing}\u{201d}, which is not in the data shown."
            ),
        })
    }

    /// The ranking as the table shows it: filtered by tier and text, then sorted.
    pub fn table<'a>(&self, ranking: &'a [FeatureStatus]) -> Vec<&'a FeatureStatus> {
        self.table_order(ranking)
            .into_iter()
            .map(|i| &ranking[i])
            .collect()
    }

    /// [`ViewState::table`] as positions in the ranking, which the page keeps as its
    /// table's state: a new order is a few numbers, not a copy of the rows.
    pub fn table_order(&self, ranking: &[FeatureStatus]) -> Vec<usize> {
        let needle = self.text_filter.trim().to_lowercase();
        let mut rows: Vec<(usize, &FeatureStatus)> = ranking
            .iter()
            .enumerate()
            .filter(|(_, r)| self.tier_filter.is_none_or(|t| r.tier == t))
            .filter(|(_, r)| {
                needle.is_empty()
                    || r.feature.to_lowercase().contains(&needle)
                    || r.reasons.iter().any(|x| x.to_lowercase().contains(&needle))
            })
            .collect();
        let change = |r: &FeatureStatus| r.risk - r.risk_7d_ago.unwrap_or(r.risk);
        // Each key's "most important first" order; ranking is already in priority order.
        match self.sort {
            SortKey::Priority => {}
            SortKey::Feature => {
                crate::sorting::sort_by(&mut rows, |(_, a), (_, b)| b.feature.cmp(&a.feature))
            }
            SortKey::Risk => {
                crate::sorting::sort_by(&mut rows, |(_, a), (_, b)| a.risk.total_cmp(&b.risk))
            }
            SortKey::RiskChange => {
                crate::sorting::sort_by(&mut rows, |(_, a), (_, b)| change(a).total_cmp(&change(b)))
            }
            SortKey::Impact => {
                crate::sorting::sort_by(&mut rows, |(_, a), (_, b)| a.impact.total_cmp(&b.impact))
            }
            SortKey::Sessions => crate::sorting::sort_by(&mut rows, |(_, a), (_, b)| {
                a.sessions_7d.total_cmp(&b.sessions_7d)
            }),
        }
        let natural_is_reversed = self.sort != SortKey::Priority;
        if natural_is_reversed == self.descending {
            rows.reverse();
        }
        rows.into_iter().map(|(i, _)| i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(feature: &str, tier: Tier, risk: f64, impact: f64) -> FeatureStatus {
        FeatureStatus {
            feature: feature.into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            tier,
            previous_tier: None,
            risk,
            risk_7d_ago: Some(0.1),
            impact,
            sessions_7d: impact / risk.max(1e-9),
            usage_share: 0.1,
            state: crate::state::State::of(false, tier),
            under_way: None,
            reasons: vec![format!("{feature} reason")],
            contributions: vec![],
            latency_p95_28d: vec![],
        }
    }

    #[test]
    fn the_query_string_round_trips() {
        let state = ViewState {
            data: DataKind::Upload,
            view: View::Feature,
            feature: Some("checkout web/ü".into()),
            compare: vec!["pay, ship".into(), "search".into()],
            horizon: 14,
            tiers: TierThresholds {
                investigate: 0.5,
                watch: 2.5,
            },
            weights: ImpactWeights { usage: 0.5 },
            sort: SortKey::Risk,
            descending: false,
            tier_filter: Some(Tier::Watch),
            text_filter: "pay & ship".into(),
            live: Some(
                crate::live::LiveSource::new(
                    "https://exports.example.com/radar/telemetry.csv?sig=a&b=c%2F",
                    "events.csv",
                    60,
                )
                .unwrap(),
            ),
        };
        let query = state.to_query();
        assert!(query.starts_with("data=upload&view=feature&"), "{query}");
        assert_eq!(ViewState::from_query(&format!("?{query}")), state);
        assert_eq!(ViewState::default().to_query(), "");
    }

    #[test]
    fn a_link_with_an_address_the_page_does_not_read_follows_nothing() {
        let state = ViewState::from_query("live=javascript%3Aalert(1)&every=60");
        assert_eq!(state.live, None);
        // The page says why it does not follow it.
        let refused = super::live_asked("view=data&live=javascript%3Aalert(1)&every=60");
        assert!(
            matches!(&refused, Some(Err(m)) if m.contains("https://")),
            "{refused:?}"
        );
        let refused = super::live_asked("live=http%3A%2F%2Fexample.com%2Ft.csv");
        assert!(
            matches!(&refused, Some(Err(m)) if m.contains("only from this machine")),
            "{refused:?}"
        );
        assert_eq!(super::live_asked("view=data"), None);
        assert!(matches!(
            super::live_asked("live=https%3A%2F%2Fexample.com%2Ft.csv"),
            Some(Ok(_))
        ));
        let state = ViewState::from_query("every=1&live=t.csv");
        assert_eq!(
            state.live.map(|l| l.every_secs),
            Some(crate::live::MIN_EVERY_SECS)
        );
    }

    #[test]
    fn a_link_says_whether_it_was_made_with_uploaded_files() {
        let upload = ViewState::from_query("?data=upload&view=model");
        assert_eq!(upload.data, DataKind::Upload);
        assert_eq!(upload.view, View::ModelCard);
        assert_eq!(upload.to_query(), "data=upload&view=model");
        // The demo is the default, left out of links; anything else reads as the demo.
        for query in ["", "data=demo", "data=", "data=UPLOAD", "data=uploads"] {
            let state = ViewState::from_query(query);
            assert_eq!(state.data, DataKind::Demo, "{query}");
            assert!(!state.to_query().contains("data="), "{query}");
        }
    }

    #[test]
    fn a_feature_the_data_lacks_is_named_on_its_view_only() {
        let ranking = vec![status("checkout", Tier::Watch, 0.2, 100.0)];
        let mut s = ViewState::from_query("view=feature&feature=search");
        assert_eq!(s.missing_feature(&ranking), Some("search"));
        s.feature = Some("checkout".into());
        assert_eq!(s.missing_feature(&ranking), None);
        s.feature = None;
        assert_eq!(
            s.missing_feature(&ranking),
            None,
            "no name, nothing missing"
        );
        s.feature = Some("search".into());
        assert_eq!(s.missing_feature(&[]), Some("search"));
        let notice = s.missing_feature_notice(&ranking).unwrap();
        assert!(
            notice.contains("search") && notice.contains("checkout"),
            "{notice}"
        );
        assert!(!s.missing_feature_notice(&[]).unwrap().contains("instead"));
        // On another view the name is not used, so nothing is ignored.
        s.view = View::Overview;
        assert_eq!(s.missing_feature(&ranking), None);
        assert_eq!(s.missing_feature_notice(&ranking), None);
    }

    #[test]
    fn a_comparison_keeps_two_to_four_features_each_once() {
        let mut s = ViewState::from_query("view=compare&compare=a,b,a,,c,d,e");
        assert_eq!(s.view, View::Compare);
        assert_eq!(s.compare, ["a", "b", "c", "d"]);
        assert!(!s.pick("f".into()), "four at most");
        s.compare.retain(|f| f != "b");
        assert!(s.pick("f".into()) && !s.pick("f".into()));
        assert_eq!(s.to_query(), "view=compare&compare=a,c,d,f");
        let ranking = vec![
            status("a", Tier::Watch, 0.2, 1.0),
            status("c", Tier::Watch, 0.2, 1.0),
        ];
        assert_eq!(s.missing_compared(&ranking), ["d", "f"]);
        assert_eq!(
            ViewState::from_query("compare=").compare,
            Vec::<String>::new()
        );
    }

    #[test]
    fn bad_links_fall_back_to_defaults() {
        let state = ViewState::from_query(
            "view=nope&horizon=99&investigate=700&watch=NaN&usage=x&tier=red&data=x&%zz",
        );
        assert_eq!(state, ViewState::default());
        let state = ViewState::from_query("investigate=3&watch=2");
        assert_eq!(
            state.tiers.watch, 3.0,
            "watch never flags fewer than investigate"
        );
    }

    #[test]
    fn the_table_filters_and_sorts() {
        let ranking = vec![
            status("checkout", Tier::Investigate, 0.6, 600.0),
            status("search", Tier::Watch, 0.2, 2000.0),
            status("login", Tier::Monitor, 0.05, 50.0),
        ];
        let names =
            |rows: Vec<&FeatureStatus>| rows.iter().map(|r| r.feature.clone()).collect::<Vec<_>>();
        let mut s = ViewState::default();
        assert_eq!(names(s.table(&ranking)), ["checkout", "search", "login"]);
        s.sort = SortKey::Impact;
        assert_eq!(names(s.table(&ranking)), ["search", "checkout", "login"]);
        s.descending = false;
        assert_eq!(names(s.table(&ranking)), ["login", "checkout", "search"]);
        s.sort = SortKey::Feature;
        s.descending = true;
        assert_eq!(names(s.table(&ranking)), ["checkout", "login", "search"]);
        s.tier_filter = Some(Tier::Watch);
        assert_eq!(names(s.table(&ranking)), ["search"]);
        s.tier_filter = None;
        s.text_filter = "LOG".into();
        assert_eq!(names(s.table(&ranking)), ["login"]);
    }
}
