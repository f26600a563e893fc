//! `feature-radar alert` against local HTTP receivers that stand in for Slack, PagerDuty and
//! a generic webhook: the payloads against the documented formats, a second run that sends
//! nothing new, a resolve after recovery, a 500 that is retried, a crash between sending
//! and writing the state that loses no alert, the limit per run, and secrets kept out of
//! what the tool prints.

use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a receiver does with a request.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// Reads the request and never answers.
    Hang,
}

/// A local HTTP server that records each request's body and answers from a script (202
/// once the script is done).
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    fn start(script: &[Answer]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/hooks/secret-token-123",
            listener.local_addr().unwrap()
        );
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.iter().copied().collect::<VecDeque<_>>()));
        let (b, s) = (bodies.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                b.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).expect("a JSON body"));
                let answer = s.lock().unwrap().pop_front().unwrap_or(Answer::Status(202));
                match answer {
                    Answer::Status(code) => {
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                        );
                    }
                    Answer::Hang => std::thread::sleep(Duration::from_secs(600)),
                }
            }
        });
        Receiver { url, bodies }
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }
}

const KEY: &str = "R0UT1NGKEYsecretsecretsecret0001";

fn alert_command(
    dir: &Path,
    slack: &Receiver,
    pd: &Receiver,
    hook: &Receiver,
    extra: &[&str],
) -> Command {
    alert_command_at(&dir.join("state.json"), slack, pd, hook, extra)
}

fn alert_command_at(
    state: &Path,
    slack: &Receiver,
    pd: &Receiver,
    hook: &Receiver,
    extra: &[&str],
) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_feature-radar"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    c.args([
        "alert",
        "--telemetry",
        root.join("data/telemetry.csv").to_str().unwrap(),
        "--events",
        root.join("data/events.csv").to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--page-url",
        "https://radar.example.org/",
        "--pagerduty-url",
        &pd.url,
        "--retry-ms",
        "50",
    ])
    .args(extra)
    .env_clear()
    .env("FEATURE_RADAR_SLACK_WEBHOOK", &slack.url)
    .env("FEATURE_RADAR_PAGERDUTY_KEY", KEY)
    .env("FEATURE_RADAR_WEBHOOK", &hook.url);
    c
}

fn run(c: &mut Command) -> Output {
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Secrets never reach what the tool prints.
    assert!(
        !err.contains("secret-token-123") && !err.contains(KEY),
        "{err}"
    );
    out
}

fn receivers() -> (Receiver, Receiver, Receiver) {
    (
        Receiver::start(&[]),
        Receiver::start(&[]),
        Receiver::start(&[]),
    )
}

/// Slack's incoming webhook with Block Kit, as documented: a `text` fallback and blocks of
/// known types within their length limits.
fn check_slack(m: &Value) {
    assert!(m["text"]
        .as_str()
        .is_some_and(|t| !t.is_empty() && t.len() <= 3000 * 4));
    let blocks = m["blocks"].as_array().expect("blocks");
    assert!(!blocks.is_empty() && blocks.len() <= 50);
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text");
                assert!(b["text"]["text"].as_str().unwrap().chars().count() <= 150);
            }
            "section" => {
                if let Some(t) = b.get("text") {
                    assert_eq!(t["type"], "mrkdwn");
                    assert!(t["text"].as_str().unwrap().chars().count() <= 3000);
                }
                if let Some(fields) = b.get("fields") {
                    let fields = fields.as_array().unwrap();
                    assert!(fields.len() <= 10);
                    assert!(fields
                        .iter()
                        .all(|f| f["text"].as_str().unwrap().chars().count() <= 2000));
                }
            }
            "context" => assert!(b["elements"].as_array().unwrap().len() <= 10),
            "actions" => {
                let button = &b["elements"][0];
                assert_eq!(button["type"], "button");
                assert_eq!(button["text"]["type"], "plain_text");
                assert!(button["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://radar.example.org/?view=feature&feature="));
            }
            other => panic!("unknown block type {other}"),
        }
    }
}

/// PagerDuty Events API v2, as documented.
fn check_pagerduty(m: &Value) {
    assert_eq!(m["routing_key"], KEY);
    let key = m["dedup_key"].as_str().unwrap();
    assert!(key.starts_with("feature-radar/") && key.len() <= 255);
    match m["event_action"].as_str().unwrap() {
        "trigger" => {
            let p = &m["payload"];
            assert!(p["summary"].as_str().unwrap().chars().count() <= 1024);
            assert_eq!(p["source"], "feature-radar");
            assert!(
                ["critical", "error", "warning", "info"].contains(&p["severity"].as_str().unwrap())
            );
            assert!(chrono::DateTime::parse_from_rfc3339(p["timestamp"].as_str().unwrap()).is_ok());
            assert!(m["links"][0]["href"]
                .as_str()
                .unwrap()
                .starts_with("https://"));
        }
        "resolve" => assert!(m.get("payload").is_none()),
        other => panic!("unknown event_action {other}"),
    }
}

fn features(bodies: &[Value], field: &str) -> Vec<String> {
    bodies
        .iter()
        .map(|b| b[field].as_str().unwrap().to_string())
        .collect()
}

fn state(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap()
}

#[test]
fn alerts_are_sent_once_and_resolved_after_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, pd, hook) = receivers();
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The bundled data has two features in investigate on its last day.
    let (s, p, h) = (slack.bodies(), pd.bodies(), hook.bodies());
    assert_eq!((s.len(), p.len(), h.len()), (2, 2, 2));
    s.iter().for_each(check_slack);
    p.iter().for_each(check_pagerduty);
    assert_eq!(
        features(&h, "event"),
        ["entered_investigate", "entered_investigate"]
    );
    assert_eq!(p[0]["dedup_key"], "feature-radar/media-upload-ios");
    assert_eq!(
        p[0]["payload"]["severity"], "critical",
        "a degradation under way"
    );
    // Every feature is in the state; the two announced as in investigate.
    let st = state(dir.path());
    let in_investigate: Vec<&String> = st["features"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["investigate"] == true)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(in_investigate, ["media-upload-ios", "reviews-api"]);
    assert_eq!(st["features"].as_object().unwrap().len(), 80);

    // A second run on the same data says nothing.
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert!(out.status.success());
    assert_eq!(pd.bodies().len(), 2);
    assert_eq!(slack.bodies().len(), 2);

    // A feature that was in investigate at the last run and is not now is resolved.
    let mut st = state(dir.path());
    st["features"]["search-web"]["investigate"] = Value::Bool(true);
    std::fs::write(dir.path().join("state.json"), st.to_string()).unwrap();
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert!(out.status.success());
    let p = pd.bodies();
    assert_eq!(p.len(), 3);
    check_pagerduty(&p[2]);
    assert_eq!(p[2]["event_action"], "resolve");
    assert_eq!(p[2]["dedup_key"], "feature-radar/search-web");
    assert_eq!(hook.bodies()[2]["event"], "left_investigate");
    check_slack(&slack.bodies()[2]);
    assert_eq!(
        state(dir.path())["features"]["search-web"]["investigate"],
        false
    );
}

#[test]
fn a_server_error_is_retried_and_a_refusal_is_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let slack = Receiver::start(&[Answer::Status(500), Answer::Status(503)]);
    let (_, pd, hook) = receivers();
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The first message took three attempts, the second one.
    let s = slack.bodies();
    assert_eq!(s.len(), 4);
    assert_eq!(s[0], s[2]);

    // A webhook that refuses (400) is not retried, and the change stays unsaid.
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::start(&[Answer::Status(400)]);
    let (slack, pd, _) = receivers();
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("webhook: refused with HTTP 400") && err.contains("next run tries them again"),
        "{err}"
    );
    assert_eq!(hook.bodies().len(), 2);
    let st = state(dir.path());
    assert_eq!(
        st["features"]["media-upload-ios"],
        Value::Null,
        "not recorded: {st}"
    );
    assert_eq!(st["features"]["reviews-api"]["investigate"], true);
    // The next run sends it to the webhook only: Slack and PagerDuty have it.
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        (slack.bodies().len(), pd.bodies().len(), hook.bodies().len()),
        (2, 2, 3)
    );
    assert_eq!(
        state(dir.path())["features"]["media-upload-ios"]["investigate"],
        true
    );

    // A state file that cannot be written stops the run before anything is sent.
    let (slack, pd, hook) = receivers();
    let missing = dir.path().join("no-such-folder/state.json");
    let out = run(&mut alert_command_at(&missing, &slack, &pd, &hook, &[]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write"));
    assert!(slack.bodies().is_empty() && pd.bodies().is_empty() && hook.bodies().is_empty());
}

#[test]
fn a_crash_between_sending_and_saving_loses_no_alert() {
    let dir = tempfile::tempdir().unwrap();
    // PagerDuty takes the first event and never answers: the tool is killed while it
    // waits, after Slack and PagerDuty have the alert and before the state is written.
    let pd = Receiver::start(&[Answer::Hang]);
    let (slack, _, hook) = receivers();
    let mut child = alert_command(dir.path(), &slack, &pd, &hook, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while pd.bodies().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no event reached PagerDuty"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The state knows Slack has it, and that the change is not said yet.
    let st = state(dir.path());
    assert_eq!(st["features"]["media-upload-ios"], Value::Null, "{st}");
    assert_eq!(
        st["pending"]["media-upload-ios"]["channels"],
        serde_json::json!(["slack"])
    );
    // The next run sends it again to PagerDuty (its dedup_key makes a repeat one incident),
    // not to Slack, and sends the rest.
    let pd2 = Receiver::start(&[]);
    let out = run(&mut alert_command(dir.path(), &slack, &pd2, &hook, &[]));
    assert!(out.status.success());
    let p = pd2.bodies();
    assert_eq!(
        features(&p, "dedup_key"),
        [
            "feature-radar/media-upload-ios",
            "feature-radar/reviews-api"
        ]
    );
    assert_eq!(p[0]["dedup_key"], pd.bodies()[0]["dedup_key"]);
    assert_eq!(slack.bodies().len(), 2, "no Slack message lost or repeated");
    assert_eq!(
        features(&hook.bodies(), "feature"),
        ["media-upload-ios", "reviews-api"]
    );
    assert!(state(dir.path()).get("pending").is_none());
}

#[test]
fn the_limit_holds_changes_for_the_next_run_and_a_dry_run_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, pd, hook) = receivers();
    let out = run(&mut alert_command(
        dir.path(),
        &slack,
        &pd,
        &hook,
        &["--dry-run"],
    ));
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed.as_array().unwrap().len(),
        6,
        "two changes on three channels"
    );
    assert_eq!(printed[1]["channel"], "pagerduty");
    assert_eq!(
        printed[1]["message"]["routing_key"],
        "(from FEATURE_RADAR_PAGERDUTY_KEY)"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret-token-123"));
    assert!(slack.bodies().is_empty() && pd.bodies().is_empty());
    assert!(!dir.path().join("state.json").exists());

    let out = run(&mut alert_command(
        dir.path(),
        &slack,
        &pd,
        &hook,
        &["--max-alerts", "1"],
    ));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 more change(s) held back"));
    assert_eq!(features(&hook.bodies(), "feature"), ["media-upload-ios"]);
    let out = run(&mut alert_command(
        dir.path(),
        &slack,
        &pd,
        &hook,
        &["--max-alerts", "1"],
    ));
    assert!(out.status.success());
    assert_eq!(
        features(&hook.bodies(), "feature"),
        ["media-upload-ios", "reviews-api"]
    );
}

#[test]
fn no_channel_and_a_broken_state_file_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let (slack, pd, hook) = receivers();
    let mut c = alert_command(dir.path(), &slack, &pd, &hook, &[]);
    c.env_clear();
    let out = run(&mut c);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no channel to send to"));
    std::fs::write(
        dir.path().join("state.json"),
        "{\"version\": 1,\n \"features\": [}",
    )
    .unwrap();
    let out = run(&mut alert_command(dir.path(), &slack, &pd, &hook, &[]));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("state.json: line 2, column") && err.contains("not an alert state file"),
        "{err}"
    );
    // Secrets from a file instead of the environment.
    let secrets: PathBuf = dir.path().join("secrets.env");
    std::fs::write(
        &secrets,
        format!("# channels\nFEATURE_RADAR_WEBHOOK={}\n", hook.url),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("state.json")).unwrap();
    let mut c = alert_command(
        dir.path(),
        &slack,
        &pd,
        &hook,
        &["--secrets", secrets.to_str().unwrap()],
    );
    c.env_clear();
    let out = run(&mut c);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(hook.bodies().len(), 2);
    assert!(slack.bodies().is_empty() && pd.bodies().is_empty());
}
