//! The seeded generator of synthetic telemetry, events and their ground truth.
//!
//! It exists so that a static URL shows a full analysis and so that the model can be
//! measured against known answers. It aims to be realistic rather than easy: heavy-tailed
//! usage (a few features carry most sessions), weekly seasonality, noise that grows as
//! traffic shrinks, deploys every few weeks, degradations that build up over days before
//! an incident (latency creep, crash-rate creep, feedback falling a day or two behind
//! latency), sudden failures that give no warning, and decoys that must not be flagged:
//! one-day load spikes, benign level shifts after deploys, and slow benign drift.
//! The same seed and parameters always give the same files, on every platform.
//!
//! `SynthParams::portfolio` changes how the portfolio behaves (usage spread, incident
//! rates, build-up length and strength, noise and its tails, binomial counts, decoys,
//! per-platform cohort rows with one-cohort degradations); its default is the generator
//! the bundled data came from, bit for bit. `family` names the portfolios the benchmark
//! runs on.

pub mod family;
pub mod series;

use crate::telemetry::{Cohort, EventKind, EventRecord, Granularity, TelemetryRecord};
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, LogNormal, Normal, Poisson, StudentT};
use serde::Serialize;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthParams {
    pub seed: u64,
    pub features: usize,
    pub days: usize,
    pub start: NaiveDate,
    /// How the portfolio behaves; the default is the generator the bundled data came from.
    pub portfolio: PortfolioParams,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            seed: 42,
            features: 80,
            days: 180,
            start: NaiveDate::from_ymd_opt(2026, 5, 30).expect("valid date"),
            portfolio: PortfolioParams::default(),
        }
    }
}

/// How the features' usage levels are spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Usage {
    /// Log-normal daily sessions (median about 5,000, a wide spread): the default.
    LogNormal,
    /// Zipf: the feature of (random) rank `r` has `top * r^-exponent` daily sessions.
    Zipf { top: f64, exponent: f64 },
}

/// The knobs of a portfolio. The default reproduces the original generator exactly (the
/// same seed gives the same files); every other value draws only what it needs, so a
/// knob left at its default leaves that part of the data as it was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortfolioParams {
    pub usage: Usage,
    /// Expected build-ups (predictable degradations) per feature over the whole run.
    pub creeps_per_feature: f64,
    /// Expected sudden degradations per feature over the whole run.
    pub suddens_per_feature: f64,
    /// Length of a build-up in days, drawn from `[min, max)`.
    pub build_up_days: (i64, i64),
    /// Multiplies a build-up's latency and crash peaks and its feedback drop before the
    /// incident (1 = as strong as the default; the incident itself keeps full strength).
    pub precursor_strength: f64,
    /// Multiplies the latency noise.
    pub noise_scale: f64,
    /// Degrees of freedom of a Student-t latency noise (unit variance); None: normal.
    pub noise_tail_df: Option<f64>,
    /// Crash and error rates as binomial counts of the day's sessions (small features are
    /// then noisy, with many zero days) rather than a normal approximation.
    pub count_noise: bool,
    /// Expected one-day load spikes per feature.
    pub spikes_per_feature: f64,
    /// Chance that a feature deploy (after day 35) moves p95 latency for good, and the
    /// range of that move (a factor).
    pub shift_probability: f64,
    pub shift_size: (f64, f64),
    /// Chance that a feature's latency drifts up slowly and harmlessly.
    pub drift_probability: f64,
    /// Expected marketing campaigns per feature (3 to 14 days of more load, a little
    /// slower): decoys.
    pub campaigns_per_feature: f64,
    /// Expected one-day blips per feature (latency or crashes jump for a day, then go
    /// back): decoys.
    pub blips_per_feature: f64,
    /// Per-platform cohort rows (android, ios, web) instead of one row per feature and day.
    pub cohorts: bool,
    /// With cohorts: the share of degradations that hit a single platform (diluted in
    /// the feature's total).
    pub one_cohort_share: f64,
}

impl Default for PortfolioParams {
    fn default() -> Self {
        PortfolioParams {
            usage: Usage::LogNormal,
            creeps_per_feature: 0.9,
            suddens_per_feature: 0.25,
            build_up_days: (4, 11),
            precursor_strength: 1.0,
            noise_scale: 1.0,
            noise_tail_df: None,
            count_noise: false,
            spikes_per_feature: 0.8,
            shift_probability: 0.3,
            shift_size: (1.1, 1.3),
            drift_probability: 0.2,
            campaigns_per_feature: 0.0,
            blips_per_feature: 0.0,
            cohorts: false,
            one_cohort_share: 0.0,
        }
    }
}

/// The platforms of cohort rows.
pub const PLATFORMS: [&str; 3] = ["android", "ios", "web"];

/// The kinds of ground-truth episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeKind {
    /// A degradation that builds up over days, then becomes an incident: predictable.
    Creep,
    /// An incident with no warning in the telemetry.
    Sudden,
    /// Decoys, which are not degradations.
    LoadSpike,
    BenignShift,
    SlowDrift,
    /// Several days of more load from a marketing campaign, a little slower.
    Campaign,
    /// One day of higher latency or crashes that goes back by itself.
    Blip,
}

impl EpisodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeKind::Creep => "creep",
            EpisodeKind::Sudden => "sudden",
            EpisodeKind::LoadSpike => "load_spike",
            EpisodeKind::BenignShift => "benign_shift",
            EpisodeKind::SlowDrift => "slow_drift",
            EpisodeKind::Campaign => "campaign",
            EpisodeKind::Blip => "blip",
        }
    }

    pub fn is_degradation(self) -> bool {
        matches!(self, EpisodeKind::Creep | EpisodeKind::Sudden)
    }
}

/// One ground-truth episode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    pub feature: String,
    pub kind: EpisodeKind,
    /// First day the telemetry shows it (for a creep, the start of the build-up).
    pub onset: NaiveDate,
    /// Day the incident starts (degradations only).
    pub incident: Option<NaiveDate>,
    /// Last affected day.
    pub end: NaiveDate,
    /// Whether a deploy on the onset day started it.
    pub deploy_linked: bool,
    /// The platform cohort it hit alone, when it hit one (cohort portfolios only).
    pub cohort: Option<String>,
    pub note: String,
}

impl Episode {
    /// Whether it is an incident that built up over days (a predictable one).
    pub fn is_predictable(&self) -> bool {
        self.kind == EpisodeKind::Creep
    }
}

/// The generated files' content.
#[derive(Debug, Clone)]
pub struct SynthData {
    pub telemetry: Vec<TelemetryRecord>,
    pub events: Vec<EventRecord>,
    pub episodes: Vec<Episode>,
}

const AREAS: [&str; 16] = [
    "checkout",
    "search",
    "login",
    "cart",
    "payments",
    "profile",
    "feed",
    "notifications",
    "media-upload",
    "settings",
    "onboarding",
    "recommendations",
    "messaging",
    "maps",
    "billing",
    "reviews",
];
const SURFACES: [&str; 5] = ["api", "web", "ios", "android", "sync"];

/// Multipliers and offsets applied on top of a feature's normal behaviour, per day.
#[derive(Clone, Copy)]
struct DayEffects {
    latency: f64,
    crash: f64,
    error: f64,
    load: f64,
    feedback: f64,
}

impl Default for DayEffects {
    fn default() -> Self {
        DayEffects {
            latency: 1.0,
            crash: 1.0,
            error: 1.0,
            load: 1.0,
            feedback: 0.0,
        }
    }
}

fn feature_names(count: usize, rng: &mut ChaCha8Rng) -> Vec<String> {
    let mut names: Vec<String> = AREAS
        .iter()
        .flat_map(|a| SURFACES.iter().map(move |s| format!("{a}-{s}")))
        .collect();
    names.shuffle(rng);
    let base = names.len();
    (0..count)
        .map(|i| {
            if i < base {
                names[i].clone()
            } else {
                format!("{}-{}", names[i % base], i / base + 1)
            }
        })
        .collect()
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time"))
}

/// A smooth 0-to-1 build-up over `length` days, starting at `onset`.
fn ramp(t: i64, onset: i64, length: i64) -> f64 {
    if t < onset {
        0.0
    } else {
        (((t - onset + 1) as f64) / length as f64)
            .min(1.0)
            .powf(1.5)
    }
}

/// The bundled dataset's two files, `data/telemetry.csv` and `data/events.csv`, as the
/// generator writes them with its default settings (the page makes them instead of
/// downloading them).
pub fn bundled_files() -> (String, String) {
    let data = generate(&SynthParams::default());
    (
        crate::telemetry::write_telemetry_csv(&data.telemetry),
        crate::telemetry::write_events_csv(&data.events),
    )
}

/// The bundled dataset as [`crate::load`] reads it from its two files
/// ([`bundled_files`]), made without writing and reading the telemetry's megabyte of
/// text: each value is rounded as the file writes it ([`crate::telemetry::as_written`]).
/// The events, a few kilobytes, are written and read.
pub fn bundled_data() -> crate::LoadedData {
    let data = generate(&SynthParams::default());
    let telemetry = crate::telemetry::as_written(&data.telemetry);
    let dataset = crate::telemetry::Dataset::from_records(&telemetry, Granularity::Days)
        .expect("the generator makes telemetry");
    let events = crate::telemetry::write_events_csv(&data.events);
    let events = crate::telemetry::parse_events("events.csv", events.as_bytes())
        .expect("the generator's events read back");
    crate::LoadedData {
        dataset: std::sync::Arc::new(dataset),
        events: events.records,
        problems: events.problems,
        ignored_columns: Vec::new(),
    }
}

/// Generates telemetry, events and ground truth.
pub fn generate(params: &SynthParams) -> SynthData {
    let mut telemetry = Vec::new();
    let mut data = generate_into(params, &mut |r| telemetry.push(r));
    // By period, then feature name, ties in the order made (a stable sort); the names
    // compared as their ranks in name order, each row's key made once (much faster on
    // millions of rows than comparing the names).
    let names: std::collections::BTreeSet<&str> =
        telemetry.iter().map(|r| r.feature.as_str()).collect();
    let rank: std::collections::HashMap<String, u32> = names
        .into_iter()
        .enumerate()
        .map(|(r, name)| (name.to_string(), r as u32))
        .collect();
    telemetry.sort_by_cached_key(|r| {
        let feature = rank.get(r.feature.as_str());
        (
            r.period_start,
            *feature.expect("every row is a generated feature's"),
        )
    });
    data.telemetry = telemetry;
    data
}

/// The daily dataset of the telemetry [`generate`] makes (the dataset
/// [`crate::telemetry::Dataset::from_records`] makes of it), with the events and the
/// ground truth (`telemetry` empty), made without holding the rows: the page's generator.
/// None when no row was made (no days).
pub fn generate_dataset(params: &SynthParams) -> Option<(crate::telemetry::Dataset, SynthData)> {
    let mut rows = crate::telemetry::RecordRows::new(Granularity::Days);
    let data = generate_into(params, &mut |r| rows.add(&r));
    Some((rows.finish()?, data))
}

/// [`generate`], handing each telemetry row to `emit` as it is made (feature by feature,
/// day by day, a day's cohorts in order) instead of keeping and sorting them: the
/// returned data's `telemetry` is empty. Rows made this way give the same dataset
/// ([`crate::telemetry::RecordRows`]) without millions of records held at once.
pub fn generate_into(params: &SynthParams, emit: &mut dyn FnMut(TelemetryRecord)) -> SynthData {
    let knobs = &params.portfolio;
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let names = feature_names(params.features, &mut rng);
    let days = params.days as i64;
    let date = |t: i64| params.start + Days::new(t as u64);
    let standard: Normal<f64> = Normal::new(0.0, 1.0).expect("valid normal");
    let mut events = Vec::new();
    let mut episodes = Vec::new();

    // Platform-wide deploys, every four to six weeks.
    let mut t = rng.gen_range(10..30);
    let mut release = 1;
    while t < days {
        let timestamp = at(date(t), rng.gen_range(8..18), rng.gen_range(0..60));
        events.push(EventRecord {
            timestamp,
            day: timestamp.date(),
            feature: "*".into(),
            kind: EventKind::Deploy,
            title: format!("platform-{}", release),
            severity: None,
            end: None,
            line: 0,
        });
        release += 1;
        t += rng.gen_range(28..43);
    }

    let tail = knobs
        .noise_tail_df
        .map(|df| (StudentT::new(df).expect("valid"), (df / (df - 2.0)).sqrt()));
    for (rank, name) in names.iter().enumerate() {
        let mut effects = vec![DayEffects::default(); params.days];
        // With cohorts: effects on one platform alone, on top of `effects`.
        let mut platform_effects = if knobs.cohorts {
            vec![vec![DayEffects::default(); params.days]; PLATFORMS.len()]
        } else {
            Vec::new()
        };
        // Usage: heavy-tailed level, a weekly shape, slow growth.
        let drawn_sessions = LogNormal::new(8.5, 1.7).expect("valid").sample(&mut rng);
        let base_sessions = match knobs.usage {
            Usage::LogNormal => drawn_sessions,
            Usage::Zipf { top, exponent } => top * ((rank + 1) as f64).powf(-exponent),
        };
        let weekend_factor = *[0.55, 0.8, 1.0, 1.3].choose(&mut rng).expect("non-empty");
        let growth: f64 = rng.gen_range(-0.001..0.003);
        let base_latency = LogNormal::new(5.6, 0.6).expect("valid").sample(&mut rng);
        let load_elasticity: f64 = rng.gen_range(0.05..0.25);
        let latency_noise: f64 = rng.gen_range(0.03..0.08);
        let p50_ratio: f64 = rng.gen_range(0.35..0.55);
        let base_crash = LogNormal::new((0.002f64).ln(), 0.8)
            .expect("valid")
            .sample(&mut rng)
            .min(0.05);
        let base_error = LogNormal::new((0.008f64).ln(), 0.7)
            .expect("valid")
            .sample(&mut rng)
            .min(0.1);
        let base_feedback: f64 = rng.gen_range(3.6..4.7);
        let rating_rate: f64 = rng.gen_range(0.001..0.006);
        let drift: f64 = if rng.gen_bool(knobs.drift_probability) {
            rng.gen_range(0.0015..0.004)
        } else {
            0.0
        };
        if drift > 0.0 {
            episodes.push(Episode {
                feature: name.clone(),
                kind: EpisodeKind::SlowDrift,
                onset: date(0),
                incident: None,
                end: date(days - 1),
                deploy_linked: false,
                cohort: None,
                note: format!(
                    "p95 latency drifts up {:.2}%/day, harmlessly",
                    drift * 100.0
                ),
            });
        }

        // Feature deploys every two to five weeks; some shift a level for good, harmlessly.
        let mut deploy_days = Vec::new();
        let mut version = (rng.gen_range(1..6), rng.gen_range(0..10), 0);
        let mut t = rng.gen_range(0..20);
        while t < days {
            deploy_days.push(t);
            t += rng.gen_range(14..36);
        }
        let mut deploy_titles = Vec::new();
        for &d in &deploy_days {
            version.1 += 1;
            let title = format!("{}-v{}.{}.{}", name, version.0, version.1, version.2);
            deploy_titles.push((d, title.clone()));
            if d > 35 && rng.gen_bool(knobs.shift_probability) {
                let shift: f64 = rng.gen_range(knobs.shift_size.0..knobs.shift_size.1);
                for e in &mut effects[d as usize..] {
                    e.latency *= shift;
                }
                episodes.push(Episode {
                    feature: name.clone(),
                    kind: EpisodeKind::BenignShift,
                    onset: date(d),
                    incident: None,
                    end: date(days - 1),
                    deploy_linked: true,
                    cohort: None,
                    note: format!(
                        "{title} moved p95 latency by {:+.0}% for good",
                        (shift - 1.0) * 100.0
                    ),
                });
            }
        }

        // Degradations: creeps and sudden failures, at least three weeks apart.
        let mut busy: Vec<(i64, i64)> = Vec::new();
        let count = |rate: f64, rng: &mut ChaCha8Rng| -> usize {
            if rate > 0.0 {
                Poisson::new(rate).expect("valid").sample(rng) as usize
            } else {
                0
            }
        };
        let creeps = count(knobs.creeps_per_feature, &mut rng);
        let suddens = count(knobs.suddens_per_feature, &mut rng);
        let mut plans: Vec<EpisodeKind> = vec![EpisodeKind::Creep; creeps];
        plans.extend(vec![EpisodeKind::Sudden; suddens]);
        for kind in plans {
            let length: i64 = if kind == EpisodeKind::Creep {
                rng.gen_range(knobs.build_up_days.0..knobs.build_up_days.1)
            } else {
                0
            };
            let Some(onset) = (0..20).find_map(|_| {
                // A build-up may still be under way on the last day: the present, where
                // an early warning matters most. Its incident then lies in the future.
                let onset = rng.gen_range(35..days - 2);
                let clear = busy
                    .iter()
                    .all(|(a, b)| onset + length + 21 < *a || onset > *b + 21);
                clear.then_some(onset)
            }) else {
                continue;
            };
            let incident = onset + length;
            let duration: i64 = rng.gen_range(1..4);
            let end = incident + duration - 1;
            let last = end.min(days - 1);
            busy.push((onset, end));
            let severity;
            let mut deploy_linked = false;
            let note;
            // A one-cohort degradation hits a single platform's rows.
            let target: Option<usize> = (knobs.cohorts
                && knobs.one_cohort_share > 0.0
                && rng.gen_bool(knobs.one_cohort_share))
            .then(|| rng.gen_range(0..PLATFORMS.len()));
            if kind == EpisodeKind::Creep {
                deploy_linked = rng.gen_bool(0.5);
                if deploy_linked {
                    version.1 += 1;
                    let title = format!("{}-v{}.{}.{}", name, version.0, version.1, version.2);
                    deploy_titles.push((onset, title));
                }
                let pattern: f64 = rng.gen();
                let latency_peak = if pattern < 0.75 {
                    rng.gen_range(0.4..1.5)
                } else {
                    0.05
                };
                let crash_peak = if pattern >= 0.55 {
                    rng.gen_range(1.5..5.0)
                } else {
                    0.2
                };
                let feedback_drop: f64 = rng.gen_range(0.2..0.8);
                let lag: i64 = rng.gen_range(1..3);
                let strength = knobs.precursor_strength;
                for t in onset..=last {
                    let r = ramp(t, onset, length);
                    let r_lag = ramp(t, onset + lag, length);
                    let worse = if t >= incident { 1.2 } else { strength };
                    let e = match target {
                        Some(p) => &mut platform_effects[p][t as usize],
                        None => &mut effects[t as usize],
                    };
                    e.latency *= 1.0 + latency_peak * r * worse;
                    e.crash *= 1.0 + crash_peak * r * worse;
                    e.error *= 1.0 + 0.5 * (latency_peak + crash_peak / 3.0) * r * worse;
                    let drop_strength = if t >= incident { 1.0 } else { strength };
                    e.feedback -= feedback_drop * r_lag * drop_strength;
                }
                severity = if latency_peak > 1.0 || crash_peak > 3.5 {
                    2
                } else {
                    3
                };
                note = format!(
                    "build-up over {length} days: p95 latency up to {:+.0}%, crash rate up to x{:.1}",
                    latency_peak * 100.0,
                    1.0 + crash_peak
                );
            } else {
                let jump: f64 = rng.gen_range(2.0..4.0);
                for t in incident..=last {
                    let e = match target {
                        Some(p) => &mut platform_effects[p][t as usize],
                        None => &mut effects[t as usize],
                    };
                    e.latency *= jump;
                    e.crash *= 2.0 * jump;
                    e.error *= 2.0 * jump;
                    e.feedback -= 0.5;
                }
                severity = if jump > 3.0 { 1 } else { 2 };
                note = format!("no warning: p95 latency x{jump:.1} on the day");
            }
            // After the incident, a fix goes out.
            version.2 += 1;
            deploy_titles.push((
                end + 1,
                format!("{}-v{}.{}.{}", name, version.0, version.1, version.2),
            ));
            let started = at(date(incident), rng.gen_range(0..18), rng.gen_range(0..60));
            let hours = 24 * (end - incident) + rng.gen_range(2..6);
            // An incident after the last day has not happened yet: only the truth knows it.
            if incident < days {
                events.push(EventRecord {
                    timestamp: started,
                    day: started.date(),
                    feature: name.clone(),
                    kind: EventKind::Incident,
                    title: format!("{name} degraded"),
                    severity: Some(severity),
                    end: Some(started + chrono::Duration::hours(hours)),
                    line: 0,
                });
            }
            episodes.push(Episode {
                feature: name.clone(),
                kind,
                onset: date(onset),
                incident: Some(date(incident)),
                end: date(end),
                deploy_linked,
                cohort: target.map(|p| PLATFORMS[p].to_string()),
                note: match target {
                    Some(p) => format!("{} only: {note}", PLATFORMS[p]),
                    None => note,
                },
            });
        }

        // One-day load spikes (a campaign, a bot), which briefly slow the feature down.
        let spikes = count(knobs.spikes_per_feature, &mut rng);
        for _ in 0..spikes {
            let t = rng.gen_range(35..days);
            if busy.iter().any(|(a, b)| t + 10 >= *a && t <= *b + 3) {
                continue;
            }
            let load: f64 = rng.gen_range(2.0..4.0);
            let e = &mut effects[t as usize];
            e.load *= load;
            e.latency *= 1.0 + 0.3 * (load - 1.0);
            episodes.push(Episode {
                feature: name.clone(),
                kind: EpisodeKind::LoadSpike,
                onset: date(t),
                incident: None,
                end: date(t),
                deploy_linked: false,
                cohort: None,
                note: format!("one day of x{load:.1} traffic"),
            });
        }

        // Marketing campaigns: days of more load, a little slower (decoys).
        let campaigns = count(knobs.campaigns_per_feature, &mut rng);
        for _ in 0..campaigns {
            let from = rng.gen_range(35..days);
            let length: i64 = rng.gen_range(3..15);
            let to = (from + length - 1).min(days - 1);
            if busy.iter().any(|(a, b)| to + 10 >= *a && from <= *b + 3) {
                continue;
            }
            let load: f64 = rng.gen_range(1.4..2.5);
            for e in &mut effects[from as usize..=to as usize] {
                e.load *= load;
                e.latency *= 1.0 + 0.2 * (load - 1.0);
                e.error *= 1.0 + 0.15 * (load - 1.0);
            }
            episodes.push(Episode {
                feature: name.clone(),
                kind: EpisodeKind::Campaign,
                onset: date(from),
                incident: None,
                end: date(to),
                deploy_linked: false,
                cohort: None,
                note: format!("campaign: {} days of x{load:.1} traffic", to - from + 1),
            });
        }
        // Blips: one bad day that goes back by itself (decoys).
        let blips = count(knobs.blips_per_feature, &mut rng);
        for _ in 0..blips {
            let t = rng.gen_range(35..days);
            if busy.iter().any(|(a, b)| t + 10 >= *a && t <= *b + 3) {
                continue;
            }
            let size: f64 = rng.gen_range(1.5..3.0);
            let on_crashes = rng.gen_bool(0.5);
            let e = &mut effects[t as usize];
            if on_crashes {
                e.crash *= 2.0 * size;
            } else {
                e.latency *= size;
            }
            episodes.push(Episode {
                feature: name.clone(),
                kind: EpisodeKind::Blip,
                onset: date(t),
                incident: None,
                end: date(t),
                deploy_linked: false,
                cohort: None,
                note: format!(
                    "one day of {} x{:.1}",
                    if on_crashes {
                        "crash rate"
                    } else {
                        "p95 latency"
                    },
                    if on_crashes { 2.0 * size } else { size }
                ),
            });
        }

        deploy_titles.sort();
        deploy_titles.dedup_by_key(|d| d.0);
        for (d, title) in deploy_titles {
            if d < days {
                let timestamp = at(date(d), rng.gen_range(8..20), rng.gen_range(0..60));
                events.push(EventRecord {
                    timestamp,
                    day: timestamp.date(),
                    feature: name.clone(),
                    kind: EventKind::Deploy,
                    title,
                    severity: None,
                    end: None,
                    line: 0,
                });
            }
        }

        // With cohorts: each platform's share of sessions, and how it differs.
        let platforms: Vec<(f64, f64, f64)> = if knobs.cohorts {
            let ios: f64 = rng.gen_range(0.25..0.45);
            let android: f64 = rng.gen_range(0.25..0.45);
            [android, ios, 1.0 - ios - android]
                .iter()
                .map(|share| (*share, rng.gen_range(0.8..1.25), rng.gen_range(0.6..1.6)))
                .collect()
        } else {
            Vec::new()
        };

        // The telemetry itself.
        for t in 0..days {
            let day = date(t);
            let weekend = day.weekday().number_from_monday() >= 6;
            let e = effects[t as usize];
            let season = if weekend { weekend_factor } else { 1.0 };
            let expected = base_sessions
                * season
                * (growth * t as f64).exp()
                * e.load
                * (0.06 * standard.sample(&mut rng)).exp();
            // One row: its sessions, the effects on it, and how its platform differs.
            let mut row = |sessions: u64,
                           e: DayEffects,
                           latency_factor: f64,
                           crash_factor: f64,
                           cohort: Option<Cohort>,
                           rng: &mut ChaCha8Rng| {
                // Small features sometimes miss a day of data: a gap, not a zero.
                if sessions < 200 && rng.gen_bool(0.01) {
                    return;
                }
                let n = sessions.max(1) as f64;
                let noise = (latency_noise + 0.3 / (n / 50.0).sqrt()) * knobs.noise_scale;
                let z = match &tail {
                    Some((t, scale)) => t.sample(rng) / scale,
                    None => standard.sample(rng),
                };
                let p95 = base_latency
                    * latency_factor
                    * season.powf(load_elasticity)
                    * (drift * t as f64).exp()
                    * e.latency
                    * (noise * z).exp();
                let p50 = p95 * p50_ratio * (0.03 * standard.sample(rng)).exp();
                let rate_with_noise = |rate: f64, rng: &mut ChaCha8Rng| {
                    if knobs.count_noise {
                        let p = (rate * (0.1 * standard.sample(rng)).exp()).clamp(0.0, 1.0);
                        let k = Binomial::new(sessions, p).expect("valid").sample(rng);
                        return k as f64 / n;
                    }
                    let sd = (rate / n).sqrt();
                    (rate * (0.1 * standard.sample(rng)).exp() + sd * standard.sample(rng))
                        .clamp(0.0, 1.0)
                };
                let crash = rate_with_noise((base_crash * crash_factor * e.crash).min(0.5), rng);
                let error = rate_with_noise((base_error * e.error).min(0.8), rng);
                let ratings = Poisson::new((n * rating_rate).max(0.01))
                    .expect("valid")
                    .sample(rng) as u64;
                let feedback = (ratings > 0).then(|| {
                    let sd = 0.8 / (ratings as f64).sqrt() + 0.02;
                    (base_feedback + e.feedback + sd * standard.sample(rng)).clamp(1.0, 5.0)
                });
                emit(TelemetryRecord {
                    period_start: at(day, 0, 0),
                    feature: name.clone(),
                    sessions,
                    latency_p95_ms: round_to(p95, 1),
                    crash_rate: round_to(crash, 5),
                    latency_p50_ms: Some(round_to(p50, 1)),
                    error_rate: Some(round_to(error, 5)),
                    feedback_score: feedback.map(|f| round_to(f, 2)),
                    feedback_count: Some(ratings),
                    cohort,
                    line: 0,
                });
            };
            if platforms.is_empty() {
                let sessions = expected.round().max(0.0) as u64;
                row(sessions, e, 1.0, 1.0, None, &mut rng);
                continue;
            }
            for (p, (share, latency_factor, crash_factor)) in platforms.iter().enumerate() {
                let pe = platform_effects[p][t as usize];
                let sessions =
                    (expected * share * pe.load * (0.04 * standard.sample(&mut rng)).exp())
                        .round()
                        .max(0.0) as u64;
                let combined = DayEffects {
                    latency: e.latency * pe.latency,
                    crash: e.crash * pe.crash,
                    error: e.error * pe.error,
                    load: e.load * pe.load,
                    feedback: e.feedback + pe.feedback,
                };
                let cohort = Cohort {
                    platform: Some(PLATFORMS[p].to_string()),
                    ..Cohort::default()
                };
                row(
                    sessions,
                    combined,
                    *latency_factor,
                    *crash_factor,
                    Some(cohort),
                    &mut rng,
                );
            }
        }
    }
    crate::sorting::sort_by(&mut events, |a, b| {
        a.timestamp
            .cmp(&b.timestamp)
            .then(a.feature.cmp(&b.feature))
    });
    crate::sorting::sort_by(&mut episodes, |a, b| {
        a.onset.cmp(&b.onset).then(a.feature.cmp(&b.feature))
    });
    SynthData {
        telemetry: Vec::new(),
        events,
        episodes,
    }
}

/// Rounds as the CSV writer will, so that generated records and their files agree.
fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// The ground truth as CSV: one row per episode. A `cohort` column (the platform a
/// one-cohort degradation hit) is added only when some episode has one, so the default
/// generator's file is unchanged.
pub fn write_truth_csv(episodes: &[Episode]) -> String {
    let with_cohort = episodes.iter().any(|e| e.cohort.is_some());
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "feature",
        "kind",
        "onset",
        "incident",
        "end",
        "deploy_linked",
        "note",
    ];
    if with_cohort {
        header.push("cohort");
    }
    writer.write_record(header).expect("writing to memory");
    for e in episodes {
        let mut row = vec![
            e.feature.clone(),
            e.kind.as_str().to_string(),
            e.onset.to_string(),
            e.incident.map(|d| d.to_string()).unwrap_or_default(),
            e.end.to_string(),
            e.deploy_linked.to_string(),
            e.note.clone(),
        ];
        if with_cohort {
            row.push(e.cohort.clone().unwrap_or_default());
        }
        writer.write_record(row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SynthParams {
        SynthParams {
            seed: 7,
            features: 20,
            days: 120,
            ..SynthParams::default()
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let a = generate(&small());
        let b = generate(&small());
        assert_eq!(a.telemetry, b.telemetry);
        assert_eq!(a.events, b.events);
        let c = generate(&SynthParams { seed: 8, ..small() });
        assert_ne!(a.telemetry, c.telemetry);
    }

    #[test]
    fn the_page_s_generator_makes_the_dataset_of_the_generated_file_s_rows() {
        // With and without cohorts (rows per platform, combined in the order made).
        for cohorts in [false, true] {
            let params = SynthParams {
                portfolio: PortfolioParams {
                    cohorts,
                    ..PortfolioParams::default()
                },
                ..small()
            };
            let data = generate(&params);
            let from_rows =
                crate::telemetry::Dataset::from_records(&data.telemetry, Granularity::Days)
                    .expect("rows");
            let (dataset, streamed) = generate_dataset(&params).expect("rows");
            assert_eq!(dataset, from_rows, "cohorts: {cohorts}");
            assert_eq!(dataset.had_cohorts, cohorts);
            assert!(streamed.telemetry.is_empty());
            assert_eq!(streamed.events, data.events);
            assert_eq!(streamed.episodes.len(), data.episodes.len());
        }
    }

    #[test]
    fn usage_is_heavy_tailed() {
        let data = generate(&SynthParams::default());
        let mut totals: std::collections::BTreeMap<&str, u64> = Default::default();
        for r in &data.telemetry {
            *totals.entry(r.feature.as_str()).or_default() += r.sessions;
        }
        let mut v: Vec<u64> = totals.values().copied().collect();
        v.sort_unstable_by(|a, b| b.cmp(a));
        let top_tenth: u64 = v[..v.len() / 10].iter().sum();
        let all: u64 = v.iter().sum();
        assert!(
            top_tenth as f64 > 0.5 * all as f64,
            "top 10% carry {top_tenth} of {all}"
        );
    }

    #[test]
    fn every_degradation_has_an_incident_and_decoys_have_none() {
        let data = generate(&SynthParams::default());
        let incidents: Vec<&EventRecord> = data
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Incident)
            .collect();
        let degradations: Vec<&Episode> = data
            .episodes
            .iter()
            .filter(|e| e.kind.is_degradation())
            .collect();
        let end = SynthParams::default().start + Days::new(179);
        let happened = degradations
            .iter()
            .filter(|e| e.incident.is_some_and(|d| d <= end))
            .count();
        assert_eq!(incidents.len(), happened);
        assert!(
            degradations.len() >= 40,
            "{} degradations",
            degradations.len()
        );
        for kind in [
            EpisodeKind::Sudden,
            EpisodeKind::LoadSpike,
            EpisodeKind::BenignShift,
            EpisodeKind::SlowDrift,
        ] {
            assert!(data.episodes.iter().any(|e| e.kind == kind), "no {kind:?}");
        }
        for e in data.episodes.iter().filter(|e| !e.kind.is_degradation()) {
            assert!(e.incident.is_none());
        }
    }
}
