//! `feature-radar alert`'s input and output: the secrets, the state file, and the HTTP
//! requests with their retries. What is said, and to whom, is the library's
//! (`feature_radar::alerts`).

use feature_radar::alerts::{self, Alert, AlertState};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// The environment variables (or lines of `--secrets`) that hold each channel's secret.
pub const SLACK_WEBHOOK: &str = "FEATURE_RADAR_SLACK_WEBHOOK";
pub const PAGERDUTY_KEY: &str = "FEATURE_RADAR_PAGERDUTY_KEY";
pub const WEBHOOK_URL: &str = "FEATURE_RADAR_WEBHOOK";
/// PagerDuty's Events API v2 (`events.eu.pagerduty.com` for EU accounts).
pub const PAGERDUTY_EVENTS: &str = "https://events.pagerduty.com/v2/enqueue";

/// Attempts per message (the first and three retries).
const ATTEMPTS: u32 = 4;
/// The longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// A channel a message goes to.
pub struct Channel {
    pub name: &'static str,
    url: String,
    /// PagerDuty's routing key (kept apart from the URL).
    routing_key: Option<String>,
}

impl Channel {
    /// The message for `alert` on this channel.
    pub fn message(&self, alert: &Alert) -> Value {
        match self.name {
            "slack" => alert.slack(),
            "pagerduty" => alert.pagerduty(self.routing_key.as_deref().unwrap_or_default()),
            _ => alert.webhook(),
        }
    }

    /// The message as `--dry-run` prints it: the routing key replaced by where it comes
    /// from.
    pub fn shown(&self, alert: &Alert) -> Value {
        match self.name {
            "pagerduty" => alert.pagerduty(&format!("(from {PAGERDUTY_KEY})")),
            _ => self.message(alert),
        }
    }
}

/// The secrets: from `--secrets` (lines `NAME=value`, `#` comments) if given, else from the
/// environment. Never printed.
pub fn secrets(file: Option<&Path>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
            for (i, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((name, value)) = line.split_once('=') else {
                    return Err(format!(
                        "{}: line {}: expected NAME=value (the value is not shown)",
                        path.display(),
                        i + 1
                    ));
                };
                let value = value.trim().trim_matches('"');
                out.insert(name.trim().to_string(), value.to_string());
            }
        }
        None => {
            for name in [SLACK_WEBHOOK, PAGERDUTY_KEY, WEBHOOK_URL] {
                if let Ok(value) = std::env::var(name) {
                    out.insert(name.to_string(), value);
                }
            }
        }
    }
    out.retain(|_, v| !v.is_empty());
    Ok(out)
}

/// The channels that have a secret.
pub fn channels(secrets: &BTreeMap<String, String>, pagerduty_url: &str) -> Vec<Channel> {
    let mut out = Vec::new();
    if let Some(url) = secrets.get(SLACK_WEBHOOK) {
        out.push(Channel {
            name: "slack",
            url: url.clone(),
            routing_key: None,
        });
    }
    if let Some(key) = secrets.get(PAGERDUTY_KEY) {
        out.push(Channel {
            name: "pagerduty",
            url: pagerduty_url.to_string(),
            routing_key: Some(key.clone()),
        });
    }
    if let Some(url) = secrets.get(WEBHOOK_URL) {
        out.push(Channel {
            name: "webhook",
            url: url.clone(),
            routing_key: None,
        });
    }
    out
}

/// The state of the last run; none before the first.
pub fn read_state(path: &Path) -> Result<AlertState, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => {
            eprintln!(
                "{}: empty; taken as no state (the features in investigate are announced again)",
                path.display()
            );
            Ok(AlertState::default())
        }
        Ok(text) => {
            let state: AlertState = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{}: line {}, column {}: not an alert state file: {e}",
                    path.display(),
                    e.line(),
                    e.column()
                )
            })?;
            if state.version > alerts::STATE_VERSION {
                return Err(format!(
                    "{}: state version {} is newer than this tool's ({}); use a newer feature-radar",
                    path.display(),
                    state.version,
                    alerts::STATE_VERSION
                ));
            }
            Ok(state)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AlertState::default()),
        Err(e) => Err(format!("{}: cannot read: {e}", path.display())),
    }
}

/// Writes the state whole or not at all: a file beside it, flushed to disk, renamed over it.
pub fn write_state(path: &Path, state: &AlertState) -> Result<(), String> {
    let cannot = |e: std::io::Error| format!("{}: cannot write: {e}", path.display());
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", path.display()))?;
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mut file = std::fs::File::create(&temporary).map_err(cannot)?;
    let text = serde_json::to_string_pretty(state).expect("serialisable") + "\n";
    file.write_all(text.as_bytes()).map_err(cannot)?;
    file.sync_all().map_err(cannot)?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        cannot(e)
    })
}

/// Posts `body` to the channel, retrying on 429, 5xx and failed connections with backoff
/// (0.5, 1, 2 s, or the server's `Retry-After` up to 30 s). The error names the channel and
/// what happened, never the URL or the key.
pub fn send(channel: &Channel, body: &Value, base_delay: Duration) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(15)))
        .http_status_as_error(false)
        .build()
        .into();
    let text = body.to_string();
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        let mut wait = base_delay * 2u32.pow(attempt);
        match agent
            .post(&channel.url)
            .header("Content-Type", "application/json")
            .send(text.as_str())
        {
            Ok(response) => {
                let status = response.status().as_u16();
                if (200..300).contains(&status) {
                    return Ok(());
                }
                last = format!("HTTP {status}");
                if status != 429 && status < 500 {
                    // The message itself was refused: sending it again will not help.
                    return Err(format!("{}: refused with {last}", channel.name));
                }
                if let Some(seconds) = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                {
                    wait = Duration::from_secs(seconds).min(MAX_RETRY_AFTER);
                }
            }
            Err(e) => last = describe(&e),
        }
        if attempt + 1 < ATTEMPTS {
            std::thread::sleep(wait);
        }
    }
    Err(format!(
        "{}: not delivered after {ATTEMPTS} attempts ({last})",
        channel.name
    ))
}

/// A failed request in words that hold no URL.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::Io(io) => format!("connection failed: {}", io.kind()),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS failed".into(),
        _ => "request failed".into(),
    }
}

/// Records every feature that needs no message, then writes the state.
pub fn finish_state(
    path: &Path,
    state: &mut AlertState,
    ranking: &[feature_radar::report::FeatureStatus],
) -> Result<(), String> {
    alerts::record_quiet(state, ranking);
    write_state(path, state)
}
