//! The `feature-radar` command-line tool: parses flags, reads files, calls the core,
//! writes CSV. All analysis lives in the library; this file is the shell around it.

mod cli {
    use clap::{Args, Parser, Subcommand};
    use feature_radar::analysis::detect::score_timed_series;
    use feature_radar::analysis::events_by_feature;
    use feature_radar::cohorts::{
        self,
        release::{compare_release, releases, ReleaseComparison},
    };
    use feature_radar::comparison::{compare_features, FeatureComparison};
    use feature_radar::model::compare::with_interval;
    use feature_radar::report::{prepare_scoring, prepare_shared, Analysis, Report, ScoresWriter};
    use feature_radar::synth::{generate, write_truth_csv, SynthParams};
    use feature_radar::telemetry::{
        parse_instant, parse_series, write_events_csv, write_scored_series, write_telemetry_csv,
    };
    use feature_radar::{load, Config, LoadedData};
    use std::fs::File;
    use std::io::{BufReader, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    #[derive(Parser)]
    #[command(
        name = "feature-radar",
        version,
        about = "Early warning for product features: which are about to degrade, why, and which to fix first."
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Scores every feature and date: risk, impact, tier and reasons (contract format).
        Score(ScoreArgs),
        /// For every past degradation: when the feature first entered each tier (CSV).
        Backtest(ScoreArgs),
        /// Prints the model card (walk-forward figures) of an analysis, as text or JSON.
        Card(CardArgs),
        /// Explains one feature: its standing, the signals behind its risk, its sustained
        /// changes and anomalies, and how early its past degradations were warned.
        Explain(ExplainArgs),
        /// Breaks one feature down by cohort (platform, app version, region): each cohort's
        /// share and metrics, and which cohorts, or which shift of sessions between them,
        /// drive the latest change.
        Cohorts(CohortsArgs),
        /// Compares a release with the one before it (`--feature`, optionally `--release`),
        /// or two to four features side by side (`--features a,b,c`).
        Compare(CompareArgs),
        /// Scores the data and tells Slack, PagerDuty or a webhook which features entered or
        /// left the investigate tier since the last run (for cron or a CI schedule). The
        /// secrets come from the environment (FEATURE_RADAR_SLACK_WEBHOOK,
        /// FEATURE_RADAR_PAGERDUTY_KEY, FEATURE_RADAR_WEBHOOK) or from --secrets.
        Alert(AlertArgs),
        /// Scores one `timestamp,value` series online: `timestamp,value,anomaly_score`.
        Detect {
            #[arg(long)]
            input: PathBuf,
            /// Output file, or `-` for standard output.
            #[arg(long)]
            output: String,
        },
        /// Writes a seeded synthetic dataset: telemetry.csv, events.csv and truth.csv.
        Synth {
            #[arg(long, default_value_t = 42)]
            seed: u64,
            #[arg(long, default_value_t = 80)]
            features: usize,
            #[arg(long, default_value_t = 180)]
            days: usize,
            /// First day, YYYY-MM-DD.
            #[arg(long, default_value = "2026-05-30")]
            start: String,
            /// Folder to write the three files into.
            #[arg(long)]
            out: PathBuf,
            /// A member of the benchmark's portfolio family instead (for example
            /// `fit-cohorts-2`; the member sets seed, size, length and start).
            #[arg(long)]
            member: Option<String>,
        },
    }

    #[derive(Args)]
    struct InputArgs {
        #[arg(long)]
        telemetry: PathBuf,
        #[arg(long)]
        events: Option<PathBuf>,
        /// Go on past rows with problems (they are skipped and listed) instead of failing.
        #[arg(long)]
        lenient: bool,
        /// Days ahead that the risk speaks of.
        #[arg(long, default_value_t = 7)]
        horizon: usize,
        /// Alert budget of the investigate tier: the riskiest feature-days of the last 28
        /// days, this many per 100, if at least twice the window's average risk.
        #[arg(long, default_value_t = 1.5)]
        investigate: f64,
        /// Alert budget of the watch tier (investigate included), per 100 feature-days.
        #[arg(long, default_value_t = 5.0)]
        watch: f64,
        /// Service-level rule used before the first incident in events.csv: p95 latency ratio.
        #[arg(long, default_value_t = 1.5)]
        slo_latency_ratio: f64,
        /// Service-level rule: crash rate ratio.
        #[arg(long, default_value_t = 2.0)]
        slo_crash_ratio: f64,
    }

    #[derive(Args)]
    struct ScoreArgs {
        #[command(flatten)]
        input: InputArgs,
        /// Output file, or `-` for standard output.
        #[arg(long)]
        output: String,
    }

    #[derive(Args)]
    struct CardArgs {
        #[command(flatten)]
        input: InputArgs,
        #[arg(long)]
        json: bool,
    }

    #[derive(Args)]
    struct ExplainArgs {
        #[command(flatten)]
        input: InputArgs,
        /// The feature id, as in telemetry.csv.
        #[arg(long)]
        feature: String,
        /// Print the feature view's data as JSON instead of text.
        #[arg(long)]
        json: bool,
    }

    #[derive(Args)]
    struct CohortsArgs {
        #[command(flatten)]
        input: InputArgs,
        /// The feature id, as in telemetry.csv.
        #[arg(long)]
        feature: String,
        /// The last day of the recent week, YYYY-MM-DD (default: the data's last day).
        #[arg(long)]
        date: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    }

    #[derive(Args)]
    struct CompareArgs {
        #[command(flatten)]
        input: InputArgs,
        /// Compare this feature's latest release (app version, or deploy) with the one
        /// before it.
        #[arg(
            long,
            conflicts_with = "features",
            required_unless_present = "features"
        )]
        feature: Option<String>,
        /// The release to judge (an app version or a deploy's title) instead of the latest.
        #[arg(long, requires = "feature")]
        release: Option<String>,
        /// Two to four features to put side by side, separated by commas.
        #[arg(long, value_delimiter = ',')]
        features: Option<Vec<String>>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    }

    #[derive(Args)]
    struct AlertArgs {
        #[command(flatten)]
        input: InputArgs,
        /// The state file: what was already said (made on the first run, written after
        /// sending).
        #[arg(long)]
        state: PathBuf,
        /// A file of NAME=value lines with the secrets, instead of the environment.
        #[arg(long)]
        secrets: Option<PathBuf>,
        /// The page's address, for a link that opens it on the feature.
        #[arg(long)]
        page_url: Option<String>,
        /// PagerDuty's Events API v2 address.
        #[arg(long, default_value = crate::alert::PAGERDUTY_EVENTS)]
        pagerduty_url: String,
        /// Most changes announced in one run; the rest wait for the next run.
        #[arg(long, default_value_t = 20)]
        max_alerts: usize,
        /// Print what would be sent, send nothing, write no state.
        #[arg(long)]
        dry_run: bool,
        /// The first retry's wait in milliseconds (doubling after each).
        #[arg(long, default_value_t = 500, hide = true)]
        retry_ms: u64,
    }

    /// `feature-radar alert`: the changes since the state file, sent to every channel with
    /// a secret; a feature's change is recorded once all its channels took it, and the
    /// state written after each, so a crash repeats at most one change and loses none.
    fn run_alert(args: &AlertArgs) -> Result<(), Failure> {
        use crate::alert;
        use feature_radar::alerts::{changes, record, Alert};
        let secrets = alert::secrets(args.secrets.as_deref()).map_err(|e| Failure(e, 2))?;
        let channels = alert::channels(&secrets, &args.pagerduty_url);
        if channels.is_empty() && !args.dry_run {
            return Err(Failure(
                format!(
                    "no channel to send to: set {}, {} or {} (in the environment or in --secrets), or use --dry-run",
                    alert::SLACK_WEBHOOK,
                    alert::PAGERDUTY_KEY,
                    alert::WEBHOOK_URL
                ),
                2,
            ));
        }
        let mut state = alert::read_state(&args.state).map_err(|e| Failure(e, 1))?;
        let (analysis, config) = run_prepared(&args.input)?;
        if !args.dry_run {
            // A state that cannot be written would send the same alerts at every run:
            // find out before sending anything.
            alert::write_state(&args.state, &state).map_err(|e| Failure(e, 1))?;
        }
        let report = analysis.report(&config.tiers, &config.impact);
        let found = changes(&report.ranking, &state);
        let held = found.len().saturating_sub(args.max_alerts);
        let mut failed = 0;
        let mut printed = Vec::new();
        for (change, status) in found.into_iter().take(args.max_alerts) {
            let f = analysis
                .dataset
                .feature_index(&status.feature)
                .expect("a feature of the report");
            let sentence = analysis.feature_detail(f, status).sentence;
            let alert = Alert::new(
                change,
                status,
                sentence,
                args.page_url.as_deref(),
                &config.impact,
            );
            if args.dry_run {
                for channel in &channels {
                    printed.push(serde_json::json!({"channel": channel.name, "message": channel.shown(&alert)}));
                }
                if channels.is_empty() {
                    printed.push(
                        serde_json::json!({"channel": "webhook", "message": alert.webhook()}),
                    );
                }
                continue;
            }
            let mut delivered = true;
            let feature = alert.status.feature.clone();
            for channel in &channels {
                // A channel that took this change in an earlier run does not get it again.
                if state
                    .delivered(&feature, change)
                    .iter()
                    .any(|c| c == channel.name)
                {
                    continue;
                }
                match alert::send(
                    channel,
                    &channel.message(&alert),
                    std::time::Duration::from_millis(args.retry_ms),
                ) {
                    Ok(()) => {
                        eprintln!("{}: {feature} {}", channel.name, change.id());
                        if channels.len() > 1 {
                            state.delivered_to(&feature, change, channel.name);
                            alert::write_state(&args.state, &state).map_err(|e| Failure(e, 1))?;
                        }
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        delivered = false;
                    }
                }
            }
            if delivered {
                record(&mut state, &alert);
                alert::write_state(&args.state, &state).map_err(|e| Failure(e, 1))?;
            } else {
                failed += 1;
            }
        }
        if args.dry_run {
            let text = serde_json::to_string_pretty(&printed).expect("serialisable") + "\n";
            write_output("-", &text)?;
        } else {
            alert::finish_state(&args.state, &mut state, &report.ranking)
                .map_err(|e| Failure(e, 1))?;
        }
        if held > 0 {
            eprintln!(
                "{held} more change(s) held back by --max-alerts {}; the next run sends them",
                args.max_alerts
            );
        }
        if failed > 0 {
            return Err(Failure(
                format!("{failed} change(s) not delivered; they stay unsaid, so the next run tries them again"),
                3,
            ));
        }
        Ok(())
    }

    /// A failure to report: the message, and the exit code.
    struct Failure(String, u8);

    /// Opens an input file, refusing one larger than the limit before reading it.
    fn open(path: &Path) -> Result<BufReader<File>, Failure> {
        let cannot =
            |e: std::io::Error| Failure(format!("{}: cannot read: {e}", path.display()), 2);
        let file = File::open(path).map_err(cannot)?;
        let metadata = file.metadata().map_err(cannot)?;
        if metadata.is_file() && metadata.len() > feature_radar::telemetry::MAX_FILE_BYTES {
            return Err(Failure(
                format!(
                    "{}: {}",
                    path.display(),
                    feature_radar::telemetry::limits::Exceeded::FileBytes
                ),
                1,
            ));
        }
        Ok(BufReader::new(file))
    }

    /// An input file, read as it is for CSV, or turned into CSV text first for Parquet.
    fn input(path: &Path) -> Result<Box<dyn std::io::Read>, Failure> {
        use std::io::{BufRead, Read};
        let cannot =
            |e: std::io::Error| Failure(format!("{}: cannot read: {e}", path.display()), 2);
        let mut reader = open(path)?;
        if !crate::parquet::is_parquet(reader.fill_buf().map_err(cannot)?) {
            return Ok(Box::new(reader));
        }
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(cannot)?;
        let csv = crate::parquet::to_csv(&path.display().to_string(), bytes)
            .map_err(|e| Failure(e, 1))?;
        Ok(Box::new(std::io::Cursor::new(csv)))
    }

    fn write_output(target: &str, text: &str) -> Result<(), Failure> {
        let result = if target == "-" {
            std::io::stdout().lock().write_all(text.as_bytes())
        } else {
            std::fs::write(target, text)
        };
        result.map_err(|e| Failure(format!("{target}: cannot write: {e}"), 2))
    }

    fn run_analysis(args: &InputArgs) -> Result<Report, Failure> {
        let (analysis, config) = run_prepared(args)?;
        Ok(analysis.report(&config.tiers, &config.impact))
    }

    fn run_prepared(args: &InputArgs) -> Result<(Analysis, Config), Failure> {
        run_prepared_with(args, &mut |data, config| {
            Ok(prepare_shared(
                data.dataset.clone(),
                &data.events,
                &config.model,
                &config.slo,
            ))
        })
    }

    /// Reads and checks the inputs, then prepares the analysis with `prepare`.
    fn run_prepared_with(
        args: &InputArgs,
        prepare: &mut dyn FnMut(&LoadedData, &Config) -> Result<Analysis, Failure>,
    ) -> Result<(Analysis, Config), Failure> {
        let (data, config) = read_inputs(args)?;
        let analysis = prepare(&data, &config)?;
        for note in &analysis.label_notes {
            eprintln!("{note}");
        }
        Ok((analysis, config))
    }

    /// Reads and checks the flags and the input files.
    fn read_inputs(args: &InputArgs) -> Result<(LoadedData, Config), Failure> {
        let tiers = feature_radar::impact::TierThresholds {
            investigate: args.investigate,
            watch: args.watch,
        };
        tiers
            .validate()
            .map_err(|e| Failure(format!("--investigate and --watch: {e}"), 2))?;
        if !(1..=90).contains(&args.horizon) {
            return Err(Failure("--horizon must be between 1 and 90 days".into(), 2));
        }
        for (flag, ratio) in [
            ("--slo-latency-ratio", args.slo_latency_ratio),
            ("--slo-crash-ratio", args.slo_crash_ratio),
        ] {
            if !(ratio.is_finite() && (1.0..=100.0).contains(&ratio)) {
                return Err(Failure(
                    format!("{flag} must be a number between 1 and 100, not {ratio}"),
                    2,
                ));
            }
        }
        let name = |p: &Path| p.display().to_string();
        let telemetry = input(&args.telemetry)?;
        let events_name = args.events.as_deref().map(name);
        let events = match &args.events {
            Some(path) => Some(input(path)?),
            None => None,
        };
        let data = load(
            &name(&args.telemetry),
            telemetry,
            events_name.as_deref().zip(events),
        )
        .map_err(|e| Failure(e.to_string(), 1))?;
        for (file, column) in &data.ignored_columns {
            eprintln!("{file}: ignored column '{column}' (not in the data contract)");
        }
        if !data.problems.is_empty() {
            let shown: Vec<String> = data
                .problems
                .iter()
                .take(20)
                .map(|p| p.to_string())
                .collect();
            let more = data.problems.len().saturating_sub(20);
            let mut message = shown.join("\n");
            if more > 0 {
                message.push_str(&format!("\n... and {more} more problem(s)"));
            }
            if !args.lenient {
                return Err(Failure(
                    format!("{message}\n(rerun with --lenient to skip these rows)"),
                    1,
                ));
            }
            eprintln!("{message}\n(skipped {} row(s))", data.problems.len());
        }
        let mut config = Config::default();
        config.model.horizon = args.horizon;
        config.tiers.investigate = args.investigate;
        config.tiers.watch = args.watch;
        config.slo.latency_ratio = args.slo_latency_ratio;
        config.slo.crash_ratio = args.slo_crash_ratio;
        Ok((data, config))
    }

    /// The message for a feature the data does not have, naming some that it has.
    fn unknown_feature(args: &InputArgs, feature: &str, known: &[&str]) -> Failure {
        Failure(
            format!(
                "{}: no feature '{}' (the data has: {}{})",
                args.telemetry.display(),
                feature,
                known
                    .iter()
                    .take(10)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                if known.len() > 10 { ", ..." } else { "" }
            ),
            2,
        )
    }

    fn feature_names(dataset: &feature_radar::telemetry::Dataset) -> Vec<&str> {
        dataset.features.iter().map(|f| f.name.as_str()).collect()
    }

    fn json_or_text<T: serde::Serialize>(
        json: bool,
        value: &T,
        text: impl Fn(&T) -> String,
    ) -> String {
        if json {
            serde_json::to_string_pretty(value).expect("serialisable") + "\n"
        } else {
            text(value)
        }
    }

    fn figure(value: Option<f64>) -> String {
        value.map_or("n/a".into(), |v| format!("{v:.3}"))
    }

    fn card_text(report: &Report) -> String {
        let c = &report.model_card;
        let d = &report.dataset;
        let mut out = format!(
            "Data: {}\nDegradations are {}.\n",
            d.describe(),
            d.label_source.describe(&report.config.slo)
        );
        for note in &c.label_notes {
            out.push_str(&format!("  {note}\n"));
        }
        out.push_str(&format!(
            "Model: logistic regression from a shipped default, horizon {} days, refitted every {} days, {} refits, first refit {}\n",
            c.horizon_days,
            c.retrain_every_days,
            c.fits,
            c.first_fit.map_or("none".into(), |d| d.to_string())
        ));
        out.push_str(&format!("{}\n{}\n", c.default_and_learned, c.tier_rule));
        out.push_str(&format!(
            "Evaluated walk-forward on {} feature-days ({} positive, base rate {})\n",
            c.evaluated_rows,
            c.evaluated_positives,
            figure(c.base_rate)
        ));
        out.push_str(&format!(
            "ROC AUC {}  average precision {}  Brier {} (base rate alone {})  ECE {}\n",
            with_interval(c.roc_auc, c.roc_auc_interval, 3),
            with_interval(c.average_precision, c.average_precision_interval, 3),
            figure(c.brier),
            figure(c.brier_of_base_rate),
            figure(c.expected_calibration_error)
        ));
        out.push_str(&format!(
            "Lead time: {} of {} degradations warned (investigate tier) at least 1 day ahead, {} missed; median lead {} days\n  {}\n",
            c.lead_time.warned,
            c.lead_time.evaluated,
            c.lead_time.missed,
            c.lead_time.median_lead_days.map_or("n/a".into(), |v| format!("{v:.1}")),
            c.lead_time.describe(c.horizon_days)
        ));
        out.push_str(&format!(
            "Investigate tier: precision {}, {} alerts per 100 feature-days\n",
            with_interval(c.investigate_precision, c.investigate_precision_interval, 2),
            figure(c.investigate_alerts_per_100_feature_days)
        ));
        if !c.intervals_note.is_empty() {
            out.push_str(&format!("{}\n", c.intervals_note));
        }
        out.push_str("Baselines on the same feature-days (ROC AUC, average precision, alert precision, alerts per 100 feature-days):\n");
        for b in &c.baselines {
            out.push_str(&format!(
                "  {:<18} {}  {}  {}  {}  ({})\n",
                b.method,
                with_interval(b.roc_auc, b.roc_auc_interval, 3),
                with_interval(b.average_precision, b.average_precision_interval, 3),
                b.investigate_precision
                    .map_or("no alerts".to_string(), |_| with_interval(
                        b.investigate_precision,
                        b.investigate_precision_interval,
                        2
                    )),
                figure(b.investigate_alerts_per_100_feature_days),
                b.description
            ));
        }
        if !c.comparison.is_empty() {
            out.push_str(&format!("{}\n", c.comparison));
        }
        out.push_str("Calibration (risk band: feature-days, followed by a degradation, predicted, observed):\n");
        for b in c.calibration.iter().filter(|b| b.count > 0) {
            out.push_str(&format!(
                "  {:>3.0}-{:<3.0}%  {:>7}  {:>6}  {:>5.1}%  {:>5.1}%\n",
                b.from * 100.0,
                b.to * 100.0,
                b.count,
                b.positives,
                b.mean_predicted * 100.0,
                b.observed_rate * 100.0
            ));
        }
        out.push_str("Coefficients (log-odds per standard deviation):\n");
        for k in &c.coefficients {
            out.push_str(&format!(
                "  {:>+7.3}  {:<20} {}\n",
                k.weight, k.signal, k.meaning
            ));
        }
        out
    }

    fn run(cli: Cli) -> Result<(), Failure> {
        match cli.command {
            Command::Score(args) => {
                // Written as the rows are made, day by day while the analysis runs: all
                // of them at once would be the largest thing the run holds. The output
                // is opened once the inputs are known to be good.
                let target = args.output.as_str();
                let cannot = |e: std::io::Error| Failure(format!("{target}: cannot write: {e}"), 2);
                run_prepared_with(&args.input, &mut |data, config| {
                    let out: Box<dyn Write> = if target == "-" {
                        Box::new(std::io::stdout().lock())
                    } else {
                        Box::new(File::create(target).map_err(cannot)?)
                    };
                    let mut writer = ScoresWriter::new(std::io::BufWriter::new(out));
                    let analysis = prepare_scoring(
                        data.dataset.clone(),
                        &data.events,
                        &config.model,
                        &config.slo,
                        &config.tiers,
                        &config.impact,
                        &mut |row| writer.write(&row),
                    );
                    writer.finish().map_err(cannot)?;
                    Ok(analysis)
                })
                .map(|_| ())
            }
            Command::Backtest(args) => {
                let report = run_analysis(&args.input)?;
                write_output(&args.output, &report.backtest_csv())
            }
            Command::Card(args) => {
                let report = run_analysis(&args.input)?;
                let text = if args.json {
                    serde_json::to_string_pretty(&report.model_card).expect("serialisable") + "\n"
                } else {
                    card_text(&report)
                };
                write_output("-", &text)
            }
            Command::Explain(args) => {
                let (analysis, config) = run_prepared(&args.input)?;
                let report = analysis.report(&config.tiers, &config.impact);
                let (Some(f), Some(status)) = (
                    analysis.dataset.feature_index(&args.feature),
                    report.ranking.iter().find(|s| s.feature == args.feature),
                ) else {
                    let known: Vec<&str> = report
                        .ranking
                        .iter()
                        .take(10)
                        .map(|s| s.feature.as_str())
                        .collect();
                    return Err(Failure(
                        format!(
                            "{}: no feature '{}' (the most urgent are: {})",
                            args.input.telemetry.display(),
                            args.feature,
                            known.join(", ")
                        ),
                        2,
                    ));
                };
                let detail = analysis.feature_detail(f, status);
                let text = if args.json {
                    serde_json::to_string_pretty(&detail).expect("serialisable") + "\n"
                } else {
                    detail.to_text(&report.backtest)
                };
                write_output("-", &text)
            }
            Command::Alert(args) => run_alert(&args),
            Command::Cohorts(args) => {
                let (data, _) = read_inputs(&args.input)?;
                let dataset = &data.dataset;
                let f = dataset.feature_index(&args.feature).ok_or_else(|| {
                    unknown_feature(&args.input, &args.feature, &feature_names(dataset))
                })?;
                let end = match &args.date {
                    None => dataset.days - 1,
                    Some(date) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| dataset.day_of(d))
                        .ok_or_else(|| {
                            Failure(
                                format!(
                                    "--date: '{date}' is not a day of the data (YYYY-MM-DD, {} to {})",
                                    dataset.start,
                                    dataset.end()
                                ),
                                2,
                            )
                        })?,
                };
                let breakdown = cohorts::breakdown(dataset, f, end).ok_or_else(|| {
                    if !dataset.breakdown[f].is_empty() {
                        return Failure(
                            format!(
                                "{}: too little history for feature '{}' up to {}: the breakdown compares the last {} days with the weeks before and needs at least {} days",
                                args.input.telemetry.display(),
                                args.feature,
                                dataset.date(end),
                                cohorts::RECENT_DAYS,
                                cohorts::MIN_DAYS
                            ),
                            1,
                        );
                    }
                    Failure(
                        format!(
                            "{}: feature '{}' has no cohorts to compare: its rows need a platform, app_version or region column with two values or more",
                            args.input.telemetry.display(),
                            args.feature
                        ),
                        1,
                    )
                })?;
                write_output(
                    "-",
                    &json_or_text(args.json, &breakdown, cohorts::Breakdown::to_text),
                )
            }
            Command::Compare(args) => {
                if let Some(names) = &args.features {
                    let (analysis, config) = run_prepared(&args.input)?;
                    let report = analysis.report(&config.tiers, &config.impact);
                    for name in names {
                        if analysis.dataset.feature_index(name).is_none() {
                            return Err(unknown_feature(
                                &args.input,
                                name,
                                &feature_names(&analysis.dataset),
                            ));
                        }
                    }
                    let comparison = compare_features(&analysis, &report, names)
                        .map_err(|e| Failure(format!("--features: {e}"), 2))?;
                    return write_output(
                        "-",
                        &json_or_text(args.json, &comparison, FeatureComparison::to_text),
                    );
                }
                let feature = args
                    .feature
                    .as_deref()
                    .expect("clap requires --feature or --features");
                let (data, _) = read_inputs(&args.input)?;
                let dataset = &data.dataset;
                let f = dataset.feature_index(feature).ok_or_else(|| {
                    unknown_feature(&args.input, feature, &feature_names(dataset))
                })?;
                let events = events_by_feature(dataset, &data.events);
                let comparison = compare_release(dataset, &events[f], f, args.release.as_deref(), dataset.days - 1)
                    .ok_or_else(|| {
                        let known = releases(dataset, &events[f], f);
                        let message = match (&args.release, known.len()) {
                            (Some(r), n) if n > 0 && !known.contains(r) => format!(
                                "feature '{feature}' has no release '{r}' (its releases: {})",
                                known.join(", ")
                            ),
                            (Some(r), _) if known.first() == Some(r) => format!(
                                "'{r}' is feature '{feature}''s first release: there is none before it to compare with"
                            ),
                            _ => format!(
                                "feature '{feature}' has fewer than two releases to compare: give app_version cohorts in telemetry.csv, or deploy events for it in events.csv"
                            ),
                        };
                        Failure(format!("{}: {message}", args.input.telemetry.display()), 1)
                    })?;
                write_output(
                    "-",
                    &json_or_text(args.json, &comparison, ReleaseComparison::to_text),
                )
            }
            Command::Detect { input, output } => {
                let points = parse_series(&input.display().to_string(), open(&input)?)
                    .map_err(|e| Failure(e.to_string(), 1))?;
                let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
                let times: Vec<Option<i64>> =
                    points.iter().map(|p| parse_instant(&p.timestamp)).collect();
                write_output(
                    &output,
                    &write_scored_series(&points, &score_timed_series(&times, &values)),
                )
            }
            Command::Synth {
                seed,
                features,
                days,
                start,
                out,
                member,
            } => {
                let start = chrono::NaiveDate::parse_from_str(&start, "%Y-%m-%d")
                    .map_err(|_| Failure(format!("--start '{start}' is not YYYY-MM-DD"), 2))?;
                if features == 0 || days < 60 {
                    return Err(Failure(
                        "--features must be >= 1 and --days >= 60".into(),
                        2,
                    ));
                }
                let params = match member {
                    Some(name) => {
                        use feature_radar::synth::family::{members, Split};
                        [Split::Fit, Split::Tune, Split::Report]
                            .into_iter()
                            .flat_map(members)
                            .find(|m| m.name == name)
                            .ok_or_else(|| {
                                Failure(
                                    format!("--member '{name}' is not a member of the family"),
                                    2,
                                )
                            })?
                            .params
                    }
                    None => SynthParams {
                        seed,
                        features,
                        days,
                        start,
                        ..SynthParams::default()
                    },
                };
                let data = generate(&params);
                std::fs::create_dir_all(&out)
                    .map_err(|e| Failure(format!("{}: {e}", out.display()), 2))?;
                let write = |file: &str, text: String| {
                    let path = out.join(file);
                    std::fs::write(&path, text)
                        .map_err(|e| Failure(format!("{}: cannot write: {e}", path.display()), 2))
                };
                write("telemetry.csv", write_telemetry_csv(&data.telemetry))?;
                write("events.csv", write_events_csv(&data.events))?;
                write("truth.csv", write_truth_csv(&data.episodes))
            }
        }
    }

    pub fn main() -> ExitCode {
        match run(Cli::parse()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure(message, code)) => {
                eprintln!("feature-radar: {message}");
                ExitCode::from(code)
            }
        }
    }
}

mod alert;
mod parquet;

fn main() -> std::process::ExitCode {
    cli::main()
}
