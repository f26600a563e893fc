//! A live source, as plain data: the page re-reads a `telemetry.csv` (and optionally an
//! `events.csv`) that a warehouse or an object store refreshes, at an interval the person
//! sets, and follows the analysis as new periods arrive.
//!
//! Here is what needs no browser, so that it is tested natively: which addresses are
//! accepted, when the next check is due (the interval, or a doubling backoff after
//! failures), whether a response is the same file as the last one by its validators
//! (`ETag`, `Last-Modified`), and which features changed tier since the person last looked,
//! in words. The page's side (`ui/live.rs`) fetches, times and draws.

use crate::impact::Tier;
use crate::insights::{and_list, counted};
use crate::report::Report;
use std::collections::BTreeMap;

/// The shortest interval between checks, in seconds.
pub const MIN_EVERY_SECS: u32 = 5;
/// The longest interval between checks, in seconds (a day).
pub const MAX_EVERY_SECS: u32 = 86_400;
/// The interval a new live source starts with, in seconds.
pub const DEFAULT_EVERY_SECS: u32 = 300;
/// After failures the wait doubles, up to this or the interval, whichever is longer.
pub const MAX_BACKOFF_SECS: u32 = 1_800;

/// Where the page reads live data, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSource {
    /// The address of telemetry.csv: absolute (http or https), or relative to the page.
    pub telemetry: String,
    /// The address of events.csv, if any.
    pub events: Option<String>,
    /// Seconds between checks, within [`MIN_EVERY_SECS`] and [`MAX_EVERY_SECS`].
    pub every_secs: u32,
}

impl LiveSource {
    /// A live source from what the person typed: the addresses are checked
    /// ([`check_address`]; an empty events address means none) and the interval is
    /// brought within its bounds.
    pub fn new(telemetry: &str, events: &str, every_secs: u32) -> Result<LiveSource, String> {
        let telemetry = check_address("telemetry.csv", telemetry)?;
        let events = match events.trim() {
            "" => None,
            text => Some(check_address("events.csv", text)?),
        };
        Ok(LiveSource {
            telemetry,
            events,
            every_secs: every_secs.clamp(MIN_EVERY_SECS, MAX_EVERY_SECS),
        })
    }

    /// Seconds until the next check after `failures` failed checks in a row: the interval,
    /// then twice it, four times, ... up to [`MAX_BACKOFF_SECS`] (or the interval, if
    /// longer).
    pub fn delay_secs(&self, failures: u32) -> u32 {
        let cap = self.every_secs.max(MAX_BACKOFF_SECS);
        let factor = 1u64 << failures.min(20);
        (u64::from(self.every_secs) * factor).min(u64::from(cap)) as u32
    }
}

/// The interval as typed, in seconds: any number (rounded; brought within bounds by
/// [`LiveSource::new`]), or a sentence saying what is expected.
pub fn parse_every(text: &str) -> Result<u32, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() => Ok(secs.round().clamp(0.0, f64::from(u32::MAX)) as u32),
        _ => Err(format!(
            "Give the interval as a number of seconds, from {MIN_EVERY_SECS} to {MAX_EVERY_SECS}."
        )),
    }
}

/// An address the page may read: `https://` with a host, `http://` on this machine
/// (localhost or 127.0.0.1), or a path relative to the page (no other scheme), as the
/// page's Content-Security-Policy allows. Spaces around it are dropped.
pub fn check_address(what: &str, text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("Give the address of {what}."));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "The address of {what} has a space or a control character in it."
        ));
    }
    // Browsers read a backslash as a slash, so `/\host/x` would leave the site.
    if text.contains('\\') {
        return Err(format!(
            "The address of {what} has a backslash in it; write slashes: {}",
            shown(text)
        ));
    }
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host.is_empty() || host.starts_with(':') {
            return Err(format!(
                "The address of {what} has no host: {}",
                shown(text)
            ));
        }
        // The page's security policy lets it read https anywhere, and plain http only on
        // this machine (a local export or test server).
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        let local = matches!(name, "localhost" | "127.0.0.1");
        if lower.starts_with("http://") && !local {
            return Err(format!(
                "The page reads plain http only from this machine (localhost or 127.0.0.1); use the https:// address of {what}: {}",
                shown(text)
            ));
        }
        return Ok(text.to_string());
    }
    // Anything else with a scheme (data:, javascript:, file:, ftp:) is refused; a
    // relative path is read from the page's own site.
    let before_slash = text.split('/').next().unwrap_or("");
    if before_slash.contains(':') || text.starts_with("//") {
        return Err(format!(
            "The address of {what} must start with https:// or http://, or be a path on this site: {}",
            shown(text)
        ));
    }
    Ok(text.to_string())
}

/// An address as the page shows it: without its query or fragment, which may hold a
/// signature or a token ("?…" says there was one).
pub fn shown(address: &str) -> String {
    match address.find(['?', '#']) {
        Some(at) => format!("{}?…", &address[..at]),
        None => address.to_string(),
    }
}

/// How long one check may take to answer and send its files, in seconds: the interval,
/// but at least a minute and at most five.
pub fn timeout_secs(every_secs: u32) -> u32 {
    every_secs.clamp(60, 300)
}

/// What identifies one version of a file on its server: the `ETag` and `Last-Modified`
/// headers, when the server sends them (and, across sites, lets the page read them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether the server identifies its versions at all.
    pub fn known(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }

    /// Whether `self` names the same version as `earlier`: the ETags agree, or, without
    /// them, the modification times do. Without either, nothing can be said (false).
    pub fn same_as(&self, earlier: &Validators) -> bool {
        match (&self.etag, &earlier.etag) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                self.last_modified.is_some() && self.last_modified == earlier.last_modified
            }
            _ => false,
        }
    }
}

/// Each feature's tier in a report.
pub fn tiers(report: &Report) -> BTreeMap<String, Tier> {
    report
        .ranking
        .iter()
        .map(|s| (s.feature.clone(), s.tier))
        .collect()
}

/// A feature whose tier is not what it was when the person last looked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierChange {
    pub feature: String,
    /// Its tier then (None: the feature is new).
    pub was: Option<Tier>,
    /// Its tier now (None: the feature is no longer in the data).
    pub now: Option<Tier>,
}

impl TierChange {
    /// Whether it moved towards investigate (a new feature counts by its tier).
    pub fn up(&self) -> bool {
        rank(self.now) < rank(self.was)
    }

    /// In a few words, for the feature's row: "was watch", "new", "gone".
    pub fn short(&self) -> String {
        match (self.was, self.now) {
            (None, _) => "new since you looked".to_string(),
            (Some(_), None) => "no longer in the data".to_string(),
            (Some(was), Some(_)) => format!(
                "{} from {}",
                if self.up() { "up" } else { "down" },
                was.as_str()
            ),
        }
    }

    fn phrase(&self) -> String {
        match (self.was, self.now) {
            (None, Some(now)) => format!("{} is new, in {}", self.feature, now.as_str()),
            (Some(was), None) => format!(
                "{} ({}) is no longer in the data",
                self.feature,
                was.as_str()
            ),
            (Some(was), Some(now)) => format!(
                "{} moved {} to {} (was {})",
                self.feature,
                if self.up() { "up" } else { "down" },
                now.as_str(),
                was.as_str()
            ),
            (None, None) => self.feature.clone(),
        }
    }
}

/// 0 for investigate, 1 watch, 2 monitor, 3 for none.
fn rank(tier: Option<Tier>) -> u8 {
    match tier {
        Some(Tier::Investigate) => 0,
        Some(Tier::Watch) => 1,
        Some(Tier::Monitor) => 2,
        None => 3,
    }
}

/// The features whose tier in `now` differs from `seen`, the most urgent first: by the
/// tier they are in now, moves up before moves down, then by name. New features count
/// only when they are above monitor (a new feature in monitor needs no one's attention).
pub fn tier_changes(
    seen: &BTreeMap<String, Tier>,
    now: &BTreeMap<String, Tier>,
) -> Vec<TierChange> {
    let mut changes: Vec<TierChange> = now
        .iter()
        .filter_map(|(feature, &tier)| {
            let was = seen.get(feature).copied();
            let moved = match was {
                Some(was) => was != tier,
                None => tier != Tier::Monitor,
            };
            moved.then(|| TierChange {
                feature: feature.clone(),
                was,
                now: Some(tier),
            })
        })
        .chain(
            seen.iter()
                .filter(|(f, _)| !now.contains_key(*f))
                .map(|(f, &t)| TierChange {
                    feature: f.clone(),
                    was: Some(t),
                    now: None,
                }),
        )
        .collect();
    crate::sorting::sort_by(&mut changes, |a, b| {
        (rank(a.now), !a.up(), &a.feature).cmp(&(rank(b.now), !b.up(), &b.feature))
    });
    changes
}

/// The changes in a sentence, at most `shown` named: "2 features changed tier since you
/// last looked: checkout moved up to investigate (was watch) and search moved down to
/// monitor (was watch)."
pub fn changes_sentence(changes: &[TierChange], shown: usize) -> String {
    if changes.is_empty() {
        return "No feature changed tier since you last looked.".to_string();
    }
    let mut named: Vec<String> = changes.iter().take(shown).map(TierChange::phrase).collect();
    if changes.len() > shown {
        named.push(format!("{} more", changes.len() - shown));
    }
    let named: Vec<&str> = named.iter().map(String::as_str).collect();
    format!(
        "{} changed tier since you last looked: {}.",
        counted(changes.len(), "feature", "features"),
        and_list(&named)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Tier)]) -> BTreeMap<String, Tier> {
        pairs.iter().map(|(f, t)| (f.to_string(), *t)).collect()
    }

    #[test]
    fn addresses_are_http_or_relative() {
        assert!(LiveSource::new("https://example.com/telemetry.csv", "", 60).is_ok());
        assert!(LiveSource::new("  http://127.0.0.1:8000/t.csv ", "", 60).is_ok());
        assert_eq!(
            LiveSource::new("exports/telemetry.csv", "exports/events.csv", 60)
                .unwrap()
                .events
                .as_deref(),
            Some("exports/events.csv")
        );
        assert!(LiveSource::new("http://localhost:8080/t.csv", "", 60).is_ok());
        let plain = LiveSource::new("http://exports.example.com/t.csv", "", 60).unwrap_err();
        assert!(plain.contains("https://"), "{plain}");
        assert_eq!(
            shown("https://x.org/t.csv?sig=secret&e=1"),
            "https://x.org/t.csv?…"
        );
        assert_eq!(shown("t.csv"), "t.csv");
        assert_eq!(timeout_secs(5), 60);
        assert_eq!(timeout_secs(86_400), 300);
        for bad in [
            "/\\127.0.0.1:9105/t.csv",
            "http://evil.example.com\\@127.0.0.1/t.csv",
            "https://:80/t.csv",
            "http://127.0.0.1.evil.org/t.csv",
            "http://localhost@evil.org/t.csv",
            "",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://",
            "//x.org/a.csv",
            "a b.csv",
            "data:text/csv,a",
        ] {
            assert!(
                LiveSource::new(bad, "", 60).is_err(),
                "{bad:?} was accepted"
            );
        }
        let message = LiveSource::new("https://x.org/t.csv", "ftp://x.org/e.csv", 60).unwrap_err();
        assert!(message.contains("events.csv"), "{message}");
    }

    #[test]
    fn the_interval_is_read_as_typed() {
        assert_eq!(parse_every(" 10 "), Ok(10));
        assert_eq!(parse_every("7.5"), Ok(8));
        assert_eq!(parse_every("1e3"), Ok(1000));
        assert_eq!(parse_every("-1"), Ok(0));
        assert_eq!(parse_every("1e12"), Ok(u32::MAX));
        for bad in ["", "abc", "NaN", "inf"] {
            assert!(parse_every(bad).is_err(), "{bad:?}");
        }
        let every = |text| {
            LiveSource::new("t.csv", "", parse_every(text).unwrap())
                .unwrap()
                .every_secs
        };
        assert_eq!(
            (every("0"), every("86401")),
            (MIN_EVERY_SECS, MAX_EVERY_SECS)
        );
    }

    #[test]
    fn the_interval_is_bounded_and_backs_off() {
        let source = LiveSource::new("t.csv", "", 1).unwrap();
        assert_eq!(source.every_secs, MIN_EVERY_SECS);
        let source = LiveSource::new("t.csv", "", 60).unwrap();
        let delays: Vec<u32> = (0..8).map(|f| source.delay_secs(f)).collect();
        assert_eq!(delays, [60, 120, 240, 480, 960, 1800, 1800, 1800]);
        // An interval longer than the cap is never shortened.
        let daily = LiveSource::new("t.csv", "", 86_400).unwrap();
        assert_eq!(daily.delay_secs(3), 86_400);
        assert_eq!(source.delay_secs(u32::MAX), 1800);
    }

    #[test]
    fn validators_name_a_version_only_when_the_server_gives_them() {
        let etag = |e: &str| Validators {
            etag: Some(e.into()),
            last_modified: None,
        };
        assert!(etag("\"a\"").same_as(&etag("\"a\"")));
        assert!(!etag("\"a\"").same_as(&etag("\"b\"")));
        let modified = |m: &str| Validators {
            etag: None,
            last_modified: Some(m.into()),
        };
        assert!(modified("Mon, 07 Dec 2026 10:00:00 GMT")
            .same_as(&modified("Mon, 07 Dec 2026 10:00:00 GMT")));
        assert!(!modified("Mon, 07 Dec 2026 10:00:00 GMT")
            .same_as(&modified("Mon, 07 Dec 2026 10:05:00 GMT")));
        assert!(!Validators::default().same_as(&Validators::default()));
        assert!(!Validators::default().known());
    }

    #[test]
    fn tier_changes_are_said_most_urgent_first() {
        let seen = map(&[
            ("search", Tier::Watch),
            ("checkout", Tier::Watch),
            ("login", Tier::Monitor),
            ("legacy", Tier::Monitor),
        ]);
        let now = map(&[
            ("search", Tier::Monitor),
            ("checkout", Tier::Investigate),
            ("login", Tier::Monitor),
            ("quiet-new", Tier::Monitor),
            ("hot-new", Tier::Watch),
        ]);
        let changes = tier_changes(&seen, &now);
        let names: Vec<&str> = changes.iter().map(|c| c.feature.as_str()).collect();
        assert_eq!(names, ["checkout", "hot-new", "search", "legacy"]);
        assert!(changes[0].up() && !changes[2].up());
        assert_eq!(changes[0].short(), "up from watch");
        assert_eq!(changes[2].short(), "down from watch");
        assert_eq!(
            changes_sentence(&changes, 3),
            "4 features changed tier since you last looked: checkout moved up to investigate (was watch), hot-new is new, in watch, search moved down to monitor (was watch) and 1 more."
        );
        assert!(tier_changes(&now, &now).is_empty());
        assert_eq!(
            changes_sentence(&[], 3),
            "No feature changed tier since you last looked."
        );
    }
}
