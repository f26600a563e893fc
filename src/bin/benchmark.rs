//! The benchmark (not a test): generates seeded datasets, runs Feature Radar and two
//! baselines on the same data, and prints one table. `cargo run --release --bin
//! benchmark -- --help` for options.

fn main() {
    use clap::Parser;

    #[derive(Parser)]
    #[command(
        about = "Feature Radar against a threshold monitor, a snapshot model and a random forest"
    )]
    struct Args {
        /// Which table to print: risk (the portfolio family), legacy (the earlier table: five
        /// seeds of the default generator), detect, scaling (time and memory of `score` by
        /// size, not part of all), card (the model card's baselines and bootstrap: their
        /// time by size, not part of all), engine (the steps of the page's worker on a
        /// generated dataset, timed one by one, not part of all), or all.
        #[arg(long, default_value = "risk")]
        table: String,
        /// The family's members to run: report (the printed figures) or tune (for choosing
        /// settings; never quote these).
        #[arg(long, default_value = "report")]
        split: String,
        /// Only the family members whose name contains this.
        #[arg(long)]
        only: Option<String>,
        /// Threads running family members at once.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// The forest's trees, maximum depth, smallest leaf, inputs tried at each split and
        /// days between refits (defaults: ForestParams::default()).
        #[arg(long)]
        forest_trees: Option<usize>,
        #[arg(long)]
        forest_depth: Option<u16>,
        #[arg(long)]
        forest_leaf: Option<usize>,
        #[arg(long)]
        forest_mtry: Option<usize>,
        #[arg(long)]
        forest_every: Option<usize>,
        /// Seeds of the legacy table's and the detect table's datasets.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "1001,1002,1003,1004,1005"
        )]
        seeds: Vec<u64>,
        /// Size of the legacy table's datasets.
        #[arg(long, default_value_t = 80)]
        features: usize,
        #[arg(long, default_value_t = 180)]
        days: usize,
        /// The risk model's prior strength and cohort margin (to compare settings on the
        /// tune members).
        #[arg(long, default_value_t = feature_radar::model::PRIOR_STRENGTH)]
        prior_strength: f64,
        #[arg(long, default_value_t = feature_radar::model::COHORT_MARGIN)]
        cohort_margin: f64,
        /// Instead of a table, fit the default risk model on the family's fit members and
        /// print it as the constants of src/model/default_model.rs.
        #[arg(long)]
        fit_default: bool,
        /// The scaling table's largest number of features: its sizes are 80 x 180 (the
        /// bundled data), then 500, 1,000, 2,000, 5,000 and 10,000 features x 365 days,
        /// up to this many.
        #[arg(long, default_value_t = 2_000)]
        scaling_max: usize,
        /// The engine table's size: the page's Data view generator (seed 7) at this many
        /// features x --engine-days, analysed step by step as the page's worker does.
        #[arg(long, default_value_t = 10_000)]
        engine_features: usize,
        #[arg(long, default_value_t = 365)]
        engine_days: usize,
        /// (Internal) one run of the scaling table, in a process of its own, on the files
        /// in this folder.
        #[arg(long, hide = true)]
        scaling_run: Option<std::path::PathBuf>,
    }

    let args = Args::parse();
    if let Some(dir) = &args.scaling_run {
        scaling_run(dir);
        return;
    }
    let mut config = feature_radar::Config::default();
    config.model.prior_strength = args.prior_strength;
    config.model.cohort_margin = args.cohort_margin;
    if args.fit_default {
        let portfolios: Vec<_> =
            feature_radar::synth::family::members(feature_radar::synth::family::Split::Fit)
                .iter()
                .map(|m| feature_radar::synth::generate(&m.params))
                .collect();
        let model = feature_radar::benchmark::default_fit::fit_on(&portfolios, &config)
            .expect("the fit members have degradations");
        print!(
            "{}",
            feature_radar::model::default_model::constants_source(&model)
        );
        eprintln!(
            "fitted on {} examples, {} positive",
            model.training_rows, model.training_positives
        );
        return;
    }
    let all = args.table == "all";
    if ![
        "risk", "legacy", "detect", "scaling", "card", "cohorts", "engine", "all",
    ]
    .contains(&args.table.as_str())
    {
        eprintln!("--table must be risk, legacy, detect, scaling, card, cohorts, engine or all");
        std::process::exit(2);
    }
    if args.table == "cohorts" {
        cohorts_table(&args.split);
        return;
    }
    if args.table == "engine" {
        engine_table(args.engine_features, args.engine_days);
        return;
    }
    if args.table == "card" {
        card_table();
        return;
    }
    if args.table == "scaling" {
        scaling_table(args.scaling_max);
        return;
    }
    if all || args.table == "detect" {
        detect_table(&args.seeds);
    }
    if all || args.table == "legacy" {
        legacy_table(&args.seeds, args.features, args.days);
    }
    if all || args.table == "risk" {
        let split = match args.split.as_str() {
            "report" => feature_radar::synth::family::Split::Report,
            "tune" => feature_radar::synth::family::Split::Tune,
            _ => {
                eprintln!("--split must be report or tune (fit members are for fitting)");
                std::process::exit(2);
            }
        };
        let default = feature_radar::benchmark::trees::ForestParams::default();
        let forest = feature_radar::benchmark::trees::ForestParams {
            trees: args.forest_trees.unwrap_or(default.trees),
            max_depth: args.forest_depth.unwrap_or(default.max_depth),
            min_samples_leaf: args.forest_leaf.unwrap_or(default.min_samples_leaf),
            mtry: args.forest_mtry.unwrap_or(default.mtry),
            retrain_every: args.forest_every.unwrap_or(default.retrain_every),
            ..default
        };
        family_table(split, args.only.as_deref(), forest, args.jobs, config);
    }
}

/// The risk table on the portfolio family: per member a row per method, then the median
/// and the worst member per figure. Members run on `jobs` threads; the table is printed in
/// member order, so it does not depend on them.
fn family_table(
    split: feature_radar::synth::family::Split,
    only: Option<&str>,
    forest: feature_radar::benchmark::trees::ForestParams,
    jobs: usize,
    config: feature_radar::Config,
) {
    use feature_radar::benchmark::{
        cold_start_auc, cold_start_data, dataset_of, family_method_scores, measure, Figures,
        COLD_START_DAYS, FAMILY_METHODS,
    };
    use feature_radar::report::prepare;
    use feature_radar::synth::family::{members, Member};
    use feature_radar::synth::{generate, EpisodeKind};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use std::time::Instant;

    const N: usize = FAMILY_METHODS.len();
    struct Done {
        lines: Vec<String>,
        results: Vec<(Figures, Option<f64>)>,
        seconds: [f64; N],
        generation: f64,
    }
    let horizon = config.model.horizon;
    let wall = Instant::now();
    let members: Vec<Member> = members(split)
        .into_iter()
        .filter(|m| only.is_none_or(|o| m.name.contains(o)))
        .collect();
    let run = |member: &Member| -> Done {
        let mut seconds = [0.0f64; N];
        let clock = Instant::now();
        let data = generate(&member.params);
        let cold = cold_start_data(&data);
        let generation = clock.elapsed().as_secs_f64();
        let dataset = dataset_of(&data);
        let cold_dataset = dataset_of(&cold);
        // The engine's analysis (signals, labels, walk-forward) is Feature Radar's cost;
        // the baselines reuse its signals and labels.
        let clock = Instant::now();
        let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
        let cold_analysis = prepare(&cold_dataset, &cold.events, &config.model, &config.slo);
        let radar = FAMILY_METHODS
            .iter()
            .position(|m| *m == "feature radar")
            .expect("listed");
        seconds[radar] += clock.elapsed().as_secs_f64();
        let truth = |kind: EpisodeKind| data.episodes.iter().filter(|e| e.kind == kind).count();
        let one_cohort = data
            .episodes
            .iter()
            .filter(|e| e.kind.is_degradation() && e.cohort.is_some())
            .count();
        let mut lines = Vec::new();
        let mut results = Vec::new();
        for (m, method) in FAMILY_METHODS.iter().enumerate() {
            let clock = Instant::now();
            let scores = family_method_scores(method, &analysis, &data, &config, &forest);
            let cold_scores = family_method_scores(method, &cold_analysis, &data, &config, &forest);
            seconds[m] += clock.elapsed().as_secs_f64();
            let figures = measure(&scores, &analysis, &data, horizon);
            let cold_auc = cold_start_auc(&cold_scores, &cold_analysis, &data, horizon);
            lines.push(format!(
                "| {} | {} x {} | {} / {} / {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                member.name,
                member.params.features,
                member.params.days,
                truth(EpisodeKind::Creep),
                truth(EpisodeKind::Sudden),
                one_cohort,
                figures.evaluated_days,
                method,
                fmt3(figures.roc_auc),
                fmt3(figures.average_precision),
                fmt3(figures.calibration_error),
                if figures.predictable > 0 {
                    format!(
                        "{} of {} ({:.0}%)",
                        figures.predictable_flagged,
                        figures.predictable,
                        figures.predictable_flagged as f64 * 100.0 / figures.predictable as f64
                    )
                } else {
                    "n/a".into()
                },
                fmt3(figures.investigate_precision()),
                figures
                    .alerts_per_100()
                    .map_or("n/a".into(), |a| format!("{a:.2}")),
                fmt3(cold_auc)
            ));
            results.push((figures, cold_auc));
        }
        Done {
            lines,
            results,
            seconds,
            generation,
        }
    };
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Done>>> = Mutex::new((0..members.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(member) = members.get(i) else {
                    break;
                };
                let result = run(member);
                done.lock().expect("no worker panicked")[i] = Some(result);
            });
        }
    });
    let done: Vec<Done> = done
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|d| d.expect("every member ran"))
        .collect();

    println!(
        "Portfolio family, {} members ({} split); risk of \"a degradation starts within {horizon} days\"; the engine and the snapshot are refitted every {} days, the forest every {} ({} trees, depth <= {}, >= {} examples a leaf, {} inputs tried a split); cold start: the first {COLD_START_DAYS} days with every incident removed, against the truth.\n",
        members.len(),
        split.as_str(),
        config.model.retrain_every,
        forest.retrain_every,
        forest.trees,
        forest.max_depth,
        forest.min_samples_leaf,
        forest.mtry
    );
    println!("| member | features x days | degradations (build-up / sudden / one-cohort) | evaluated feature-days | method | ROC AUC | avg precision | calibration error | predictable flagged >= 1 day ahead | investigate precision | investigate alerts / 100 feature-days | cold-start ROC AUC |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut results: Vec<Vec<(Figures, Option<f64>)>> = vec![Vec::new(); N];
    let mut seconds = [0.0f64; N];
    let mut generation = 0.0;
    for d in &done {
        for line in &d.lines {
            println!("{line}");
        }
        for m in 0..N {
            results[m].push(d.results[m].clone());
            seconds[m] += d.seconds[m];
        }
        generation += d.generation;
    }

    // The median member and the worst member, per figure and method.
    type Pick = fn(&(Figures, Option<f64>)) -> Option<f64>;
    let columns: [(&str, Pick, bool, bool); 7] = [
        ("ROC AUC", |r| r.0.roc_auc, true, false),
        ("avg precision", |r| r.0.average_precision, true, false),
        ("calibration error", |r| r.0.calibration_error, false, false),
        (
            "predictable flagged (%)",
            |r| r.0.flagged_share().map(|s| s * 100.0),
            true,
            true,
        ),
        (
            "investigate precision",
            |r| r.0.investigate_precision(),
            true,
            false,
        ),
        (
            "investigate alerts / 100",
            |r| r.0.alerts_per_100(),
            false,
            true,
        ),
        ("cold-start ROC AUC", |r| r.1, true, false),
    ];
    println!(
        "\nMedian member / worst member per figure ({} members; worst is the lowest, or the highest for calibration error and alerts; n/a members are left out and counted in brackets):\n",
        members.len()
    );
    let header: Vec<&str> = columns.iter().map(|c| c.0).collect();
    println!("| method | {} |", header.join(" | "));
    println!("|---|{}", "---|".repeat(columns.len()));
    for (m, method) in FAMILY_METHODS.iter().enumerate() {
        let cells: Vec<String> = columns
            .iter()
            .map(|(_, pick, higher_is_better, percent)| {
                let mut v: Vec<f64> = results[m].iter().filter_map(pick).collect();
                let missing = results[m].len() - v.len();
                if v.is_empty() {
                    return "n/a".into();
                }
                v.sort_by(f64::total_cmp);
                let median = if v.len() % 2 == 1 {
                    v[v.len() / 2]
                } else {
                    (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
                };
                let worst = if *higher_is_better {
                    v[0]
                } else {
                    v[v.len() - 1]
                };
                let f = |x: f64| {
                    if *percent {
                        format!("{x:.1}")
                    } else {
                        format!("{x:.3}")
                    }
                };
                let gap = if missing > 0 {
                    format!(" ({missing} n/a)")
                } else {
                    String::new()
                };
                format!("{} / {}{gap}", f(median), f(worst))
            })
            .collect();
        println!("| {method} | {} |", cells.join(" | "));
    }
    let timings: Vec<String> = FAMILY_METHODS
        .iter()
        .zip(seconds)
        .map(|(m, s)| format!("{m} {s:.1} s"))
        .collect();
    println!(
        "\nRun time: {:.1} s wall on {jobs} threads; CPU seconds: generating {generation:.1}, per method (full run and cold start) {}.\n",
        wall.elapsed().as_secs_f64(),
        timings.join(", ")
    );
}

fn fmt3(value: Option<f64>) -> String {
    value.map_or("n/a".into(), |v| format!("{v:.3}"))
}

/// The earlier risk table: five seeds of the default generator, figures pooled.
fn legacy_table(seeds: &[u64], features: usize, days: usize) {
    use feature_radar::benchmark::{
        ceiling_scores, dataset_of, feature_radar_scores, measure, snapshot_scores,
        threshold_scores, Figures,
    };
    use feature_radar::report::prepare;
    use feature_radar::synth::{generate, SynthParams};
    use feature_radar::Config;
    use std::time::Instant;

    struct Args<'a> {
        seeds: &'a [u64],
        features: usize,
        days: usize,
    }
    let args = Args {
        seeds,
        features,
        days,
    };
    let config = Config::default();
    let names = [
        "threshold",
        "snapshot",
        "feature radar",
        "feature radar with Platt calibration",
        "ceiling (knows every build-up from its first day)",
    ];
    let mut per_method: Vec<Vec<Figures>> = vec![Vec::new(); 5];
    let mut seconds = [0.0f64; 5];
    let mut platt = config;
    platt.model.calibration_min_positives = 20;
    for seed in args.seeds {
        let data = generate(&SynthParams {
            seed: *seed,
            features: args.features,
            days: args.days,
            ..SynthParams::default()
        });
        let dataset = dataset_of(&data);
        let clock = Instant::now();
        let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
        let radar = feature_radar_scores(&analysis, &config);
        seconds[2] += clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let threshold = threshold_scores(&dataset);
        seconds[0] += clock.elapsed().as_secs_f64();
        let clock = Instant::now();
        let snapshot = snapshot_scores(&dataset, &analysis, &config);
        seconds[1] += clock.elapsed().as_secs_f64();
        let horizon = config.model.horizon;
        let clock = Instant::now();
        let calibrated = prepare(&dataset, &data.events, &platt.model, &platt.slo);
        let calibrated = feature_radar_scores(&calibrated, &platt);
        seconds[3] += clock.elapsed().as_secs_f64();
        let ceiling = ceiling_scores(&dataset, &data);
        let all = [threshold, snapshot, radar, calibrated, ceiling];
        for (i, scores) in all.iter().enumerate() {
            per_method[i].push(measure(scores, &analysis, &data, horizon));
        }
    }

    let mean = |values: Vec<Option<f64>>| -> String {
        let v: Vec<f64> = values.into_iter().flatten().collect();
        if v.is_empty() {
            "n/a".into()
        } else {
            format!("{:.3}", v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    println!(
        "{} seeds ({}), {} features x {} days each; risk of \"a degradation starts within {} days\"; figures are means over seeds, counts are sums.\n",
        args.seeds.len(),
        args.seeds.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
        args.features,
        args.days,
        config.model.horizon
    );
    println!("| method | ROC AUC | avg precision | Brier | calibration error | predictable incidents flagged >= 1 day ahead | median lead (days) | sudden incidents \"flagged\" | investigate precision | investigate alerts / 100 feature-days | run time (s) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (i, figures) in per_method.iter().enumerate() {
        let sum = |f: fn(&Figures) -> usize| figures.iter().map(f).sum::<usize>();
        let predictable = sum(|f| f.predictable);
        let flagged = sum(|f| f.predictable_flagged);
        let leads: Vec<usize> = figures.iter().flat_map(|f| f.lead_days.clone()).collect();
        let pooled = Figures {
            investigate_days: sum(|f| f.investigate_days),
            investigate_hits: sum(|f| f.investigate_hits),
            evaluated_days: sum(|f| f.evaluated_days),
            lead_days: leads,
            ..Figures::default()
        };
        println!(
            "| {} | {} | {} | {} | {} | {} of {} ({:.0}%) | {} | {} of {} | {} | {} | {:.2} |",
            names[i],
            mean(figures.iter().map(|f| f.roc_auc).collect()),
            mean(figures.iter().map(|f| f.average_precision).collect()),
            mean(figures.iter().map(|f| f.brier).collect()),
            mean(figures.iter().map(|f| f.calibration_error).collect()),
            flagged,
            predictable,
            if predictable > 0 {
                flagged as f64 * 100.0 / predictable as f64
            } else {
                0.0
            },
            pooled
                .median_lead()
                .map_or("n/a".into(), |d| format!("{d:.1}")),
            sum(|f| f.sudden_flagged),
            sum(|f| f.sudden),
            pooled
                .investigate_precision()
                .map_or("n/a".into(), |p| format!("{p:.3}")),
            pooled
                .alerts_per_100()
                .map_or("n/a".into(), |p| format!("{p:.2}")),
            seconds[i]
        );
    }
}

/// The anomaly detector against two baselines on labelled series, one of each kind per
/// seed.
fn detect_table(seeds: &[u64]) {
    use feature_radar::benchmark::detect::{method_scores, DetectFigures, ALARM, METHODS};
    use feature_radar::synth::series::{labelled_series, SERIES_KINDS};
    use std::time::Instant;

    let mut figures: Vec<DetectFigures> = vec![DetectFigures::default(); METHODS.len()];
    let mut per_kind: Vec<Vec<DetectFigures>> =
        vec![vec![DetectFigures::default(); METHODS.len()]; SERIES_KINDS.len()];
    let clock = Instant::now();
    for seed in seeds {
        for (k, kind) in SERIES_KINDS.iter().enumerate() {
            let series = labelled_series(kind, *seed).expect("known kind");
            for (m, scores) in method_scores(&series).iter().enumerate() {
                figures[m].add(&series, scores);
                per_kind[k][m].add(&series, scores);
            }
        }
    }
    println!(
        "detect: {} labelled series ({} kinds x {} seeds), {} points after the learning periods, scored online in {:.1} s; alarm at score >= {ALARM}.\n",
        seeds.len() * SERIES_KINDS.len(),
        SERIES_KINDS.len(),
        seeds.len(),
        figures[0].points,
        clock.elapsed().as_secs_f64()
    );
    println!("| method | ROC AUC (point in a window) | windows caught | median delay (points) | false alarms / 1,000 points | alarms / 1,000 points in the learning periods |");
    println!("|---|---|---|---|---|---|");
    for (m, f) in figures.iter().enumerate() {
        println!(
            "| {} | {} | {} of {} | {} | {:.2} | {:.2} |",
            METHODS[m],
            f.roc_auc().map_or("n/a".into(), |a| format!("{a:.3}")),
            f.caught,
            f.windows,
            f.median_delay().map_or("n/a".into(), |d| format!("{d:.0}")),
            f.false_alarms_per_1000(),
            f.early_alarms_per_1000()
        );
    }
    println!("\nBy kind: windows caught / false alarms per 1,000 points (ROC AUC)\n");
    println!("| kind | {} |", METHODS.join(" | "));
    println!("|---|{}", "---|".repeat(METHODS.len()));
    for (k, kind) in SERIES_KINDS.iter().enumerate() {
        let cells: Vec<String> = per_kind[k]
            .iter()
            .map(|f| {
                format!(
                    "{}/{} / {:.2} ({})",
                    f.caught,
                    f.windows,
                    f.false_alarms_per_1000(),
                    f.roc_auc().map_or("n/a".into(), |a| format!("{a:.2}"))
                )
            })
            .collect();
        println!("| {kind} | {} |", cells.join(" | "));
    }
    println!();
}

/// The scaling table: for each size, the default generator's data (seed 42) written to
/// files, then loaded, analysed and scored as `feature-radar score` does (rows written to
/// nowhere), each size in a process of its own so that its peak memory is its own.
/// What the model card's comparison costs: the baselines and the bootstrap intervals
/// computed once per analysis (`Comparison::new`), and the investigate precision's
/// interval computed at each report, by size (the fastest of three runs each).
/// The cohort breakdown on the family's cohort members: the platform behind a
/// one-platform degradation named, and platforms named in quiet weeks.
fn cohorts_table(split: &str) {
    use feature_radar::synth::family::{members, Split};
    let split = if split == "tune" {
        Split::Tune
    } else {
        Split::Report
    };
    println!(
        "Cohort breakdown on the family's cohort portfolios (generated data; a development check):"
    );
    println!();
    println!("| member | one-platform degradations | platform named | another named | none named | quiet feature-weeks | a platform named in them |");
    println!("|---|---|---|---|---|---|---|");
    let mut total = feature_radar::benchmark::cohorts::Naming::default();
    for m in members(split)
        .into_iter()
        .filter(|m| m.archetype == "cohorts")
    {
        let data = feature_radar::synth::generate(&m.params);
        let n = feature_radar::benchmark::cohorts::naming(&data);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} ({:.1}%) |",
            m.name,
            n.episodes,
            n.right,
            n.wrong,
            n.episodes - n.right - n.wrong,
            n.quiet_weeks,
            n.named_in_quiet_weeks,
            100.0 * n.named_in_quiet_weeks as f64 / n.quiet_weeks.max(1) as f64
        );
        total.episodes += n.episodes;
        total.right += n.right;
        total.wrong += n.wrong;
        total.quiet_weeks += n.quiet_weeks;
        total.named_in_quiet_weeks += n.named_in_quiet_weeks;
    }
    println!(
        "| all | {} | {} ({:.0}%) | {} | {} | {} | {} ({:.1}%) |",
        total.episodes,
        total.right,
        100.0 * total.right as f64 / total.episodes.max(1) as f64,
        total.wrong,
        total.episodes - total.right - total.wrong,
        total.quiet_weeks,
        total.named_in_quiet_weeks,
        100.0 * total.named_in_quiet_weeks as f64 / total.quiet_weeks.max(1) as f64
    );
}

fn card_table() {
    use feature_radar::benchmark::dataset_of;
    use feature_radar::model::compare::Comparison;
    use feature_radar::report::prepare;
    use feature_radar::synth::{generate, SynthParams};
    use feature_radar::Config;
    use std::time::Instant;

    println!("Model card: the cost of its baselines and bootstrap intervals (fastest of 3 runs).");
    println!();
    println!("| features x days | evaluated feature-days | features with a degradation | analysis s | baselines and intervals (once per analysis) ms | investigate precision's interval (each report) ms | whole report ms |");
    println!("|---|---|---|---|---|---|---|");
    for (features, days) in [(80, 180), (1_000, 365)] {
        let data = generate(&SynthParams {
            features,
            days,
            ..SynthParams::default()
        });
        let dataset = dataset_of(&data);
        let config = Config::default();
        let started = Instant::now();
        let analysis = prepare(&dataset, &data.events, &config.model, &config.slo);
        let analysis_s = started.elapsed().as_secs_f64();
        let fastest = |run: &mut dyn FnMut()| {
            (0..3)
                .map(|_| {
                    let started = Instant::now();
                    run();
                    started.elapsed().as_secs_f64() * 1000.0
                })
                .fold(f64::INFINITY, f64::min)
        };
        let mut comparison = Comparison::default();
        let once = fastest(&mut || {
            comparison = Comparison::new(
                &analysis.dataset,
                &analysis.run.risks,
                &analysis.valid,
                &analysis.degradations,
                config.model.horizon,
            )
        });
        let alerts = vec![1u64; features];
        let hits = vec![0u64; features];
        let per_report = fastest(&mut || {
            std::hint::black_box(comparison.precision_interval(&alerts, &hits));
        });
        let report = fastest(&mut || {
            std::hint::black_box(analysis.report(&config.tiers, &config.impact));
        });
        println!(
            "| {features} x {days} | {} | {} | {analysis_s:.1} | {once:.1} | {per_report:.2} | {report:.1} |",
            comparison.rows, comparison.positive_clusters
        );
    }
}

fn scaling_table(max_features: usize) {
    use feature_radar::synth::{generate, SynthParams};
    use feature_radar::telemetry::{write_events_csv, write_telemetry_csv};

    let sizes = [
        (80, 180),
        (500, 365),
        (1_000, 365),
        (2_000, 365),
        (5_000, 365),
        (10_000, 365),
    ];
    let exe = std::env::current_exe().expect("the benchmark knows where it is");
    println!(
        "Scaling: `feature-radar score` by size (load, analysis, score rows with reasons), one process per size. Peak memory is the process' VmHWM (the analysis, on top of the dataset, is the peak); the analysis' own is how far the analysis and the rows took the resident memory above what it was once the data was loaded (the dataset stays resident)."
    );
    println!();
    println!("| features x days | feature-days | load s | analysis and rows s | total s | us per feature-day | peak MB | peak bytes per feature-day | analysis' own bytes per feature-day |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (features, days) in sizes.into_iter().filter(|(f, _)| *f <= max_features) {
        let dir = std::env::temp_dir().join(format!(
            "feature-radar-scaling-{}-{features}x{days}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        {
            let data = generate(&SynthParams {
                features,
                days,
                ..SynthParams::default()
            });
            std::fs::write(
                dir.join("telemetry.csv"),
                write_telemetry_csv(&data.telemetry),
            )
            .expect("writing the telemetry");
            std::fs::write(dir.join("events.csv"), write_events_csv(&data.events))
                .expect("writing the events");
        }
        let output = std::process::Command::new(&exe)
            .arg("--scaling-run")
            .arg(&dir)
            .output()
            .expect("the benchmark runs itself");
        let _ = std::fs::remove_dir_all(&dir);
        let text = String::from_utf8_lossy(&output.stdout);
        let figures: Vec<f64> = text
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let [load, analysis, peak_kb, analysis_peak_kb] = figures[..] else {
            eprintln!(
                "{features} x {days}: the run failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            continue;
        };
        let cells = (features * days) as f64;
        let total = load + analysis;
        println!(
            "| {features} x {days} | {cells} | {load:.2} | {analysis:.2} | {total:.2} | {:.1} | {:.0} | {:.0} | {:.0} |",
            total * 1e6 / cells,
            peak_kb / 1024.0,
            peak_kb * 1024.0 / cells,
            analysis_peak_kb * 1024.0 / cells,
        );
    }
    println!();
}

/// One size of the scaling table: prints the load's and the analysis' seconds, the
/// process' peak memory, and how far the analysis and the rows took the resident memory
/// above what it was once the data was loaded, in KiB.
fn scaling_run(dir: &std::path::Path) {
    use std::time::Instant;
    let status_kb = |field: &str| -> f64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(field))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(f64::NAN)
    };
    let peak_kb = || status_kb("VmHWM:");
    let open = |name: &str| std::fs::File::open(dir.join(name)).expect("the generated files");
    let started = Instant::now();
    let data = feature_radar::load(
        "telemetry.csv",
        std::io::BufReader::new(open("telemetry.csv")),
        Some(("events.csv", std::io::BufReader::new(open("events.csv")))),
    )
    .expect("generated data loads");
    let load = started.elapsed().as_secs_f64();
    let load_peak = peak_kb();
    // Resets the peak to the current resident size (Linux), so the next reading is the
    // analysis' own peak with the dataset resident.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let resident = status_kb("VmRSS:");
    let started = Instant::now();
    let config = feature_radar::Config::default();
    let mut rows = feature_radar::report::ScoresWriter::new(std::io::sink());
    feature_radar::report::prepare_scoring(
        data.dataset.clone(),
        &data.events,
        &config.model,
        &config.slo,
        &config.tiers,
        &config.impact,
        &mut |row| rows.write(&row),
    );
    rows.finish().expect("writing to nowhere");
    let analysis_time = started.elapsed().as_secs_f64();
    let after = peak_kb();
    println!(
        "{load} {analysis_time} {} {}",
        load_peak.max(after),
        if reset { after - resident } else { f64::NAN }
    );
}

/// The steps the page's engine worker takes for the Data view's "Generate" (a
/// `Request::Analyse` of a generated source: `engine::Engine::handle`), timed one by one
/// natively, then the reply's postcard bytes as the worker sends them and the page reads
/// them. Natively the analysis uses the machine's cores; run it under `taskset -c 0` for
/// the page's one thread.
fn engine_table(features: usize, days: usize) {
    use feature_radar::engine::{for_page, Envelope, Reply, SourceSpec, SourceSummary};
    use feature_radar::report::{prepare_with_progress, Stage};
    use feature_radar::synth::{generate_dataset, SynthParams};
    use feature_radar::Config;
    use std::sync::Arc;
    use std::time::Instant;

    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    println!("Engine: the page's worker's steps for {features} x {days} generated (seed 7), natively on {threads} core(s).");
    println!();
    println!("| step | s |");
    println!("|---|---|");
    let row = |step: &str, seconds: f64| println!("| {step} | {seconds:.2} |");
    let all = Instant::now();
    let clock = Instant::now();
    let (dataset, data) = generate_dataset(&SynthParams {
        seed: 7,
        features,
        days,
        ..SynthParams::default()
    })
    .expect("generated telemetry");
    let dataset = Arc::new(dataset);
    row(
        "generate the daily dataset (synth::generate_dataset)",
        clock.elapsed().as_secs_f64(),
    );
    let config = Config::default();
    let clock = Instant::now();
    let mut fitting = None;
    let analysis = prepare_with_progress(
        dataset.clone(),
        &data.events,
        &config.model,
        &config.slo,
        &mut |stage, _| {
            if stage == Stage::Fitting && fitting.is_none() {
                fitting = Some(clock.elapsed().as_secs_f64());
            }
        },
    );
    let prepared = clock.elapsed().as_secs_f64();
    let fitting = fitting.unwrap_or(0.0);
    row("prepare: events and labels", fitting);
    row("prepare: signals and walk-forward fits", prepared - fitting);
    let clock = Instant::now();
    let cutoffs = analysis.cutoffs(&config.tiers);
    row(
        "report: the tiers' daily cut-offs",
        clock.elapsed().as_secs_f64(),
    );
    let clock = Instant::now();
    std::hint::black_box(analysis.comparison());
    row(
        "report: the model card's comparison (Comparison::new)",
        clock.elapsed().as_secs_f64(),
    );
    let clock = Instant::now();
    let report = analysis.report_with_cutoffs(&config.tiers, &config.impact, &cutoffs);
    row(
        "report: the rest (Analysis::report_with_cutoffs)",
        clock.elapsed().as_secs_f64(),
    );
    let clock = Instant::now();
    let page = for_page(&report);
    row(
        "the page's copy (engine::for_page)",
        clock.elapsed().as_secs_f64(),
    );
    let summary = SourceSummary {
        label: String::new(),
        spec: SourceSpec::Generated {
            seed: 7,
            features,
            days,
        },
        features,
        start: dataset.start,
        end: dataset.end(),
        events: data.events.len(),
        problems: vec![],
        problem_count: 0,
        ignored_columns: vec![],
    };
    let envelope = Envelope {
        id: 1,
        body: Reply::Analysed {
            source: Box::new(summary),
            report: Box::new(page),
        },
    };
    let clock = Instant::now();
    let bytes = envelope.to_bytes();
    row("postcard encode (worker)", clock.elapsed().as_secs_f64());
    let clock = Instant::now();
    let back = Envelope::<Reply>::from_bytes(&bytes).expect("the reply reads back");
    row("postcard decode (page)", clock.elapsed().as_secs_f64());
    std::hint::black_box(back);
    row("all of the above", all.elapsed().as_secs_f64());
    println!();
    let whole = postcard::to_allocvec(&report).unwrap_or_default();
    // FNV-1a of the whole report's bytes: equal figures give equal fingerprints.
    let fingerprint = whole.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    let table = postcard::to_allocvec(&report.budget).unwrap_or_default();
    println!(
        "The reply to the page: {} bytes ({} features ranked), of which the budget table that the page's budget sliders read {} bytes; the whole report kept by the worker: {} bytes, fingerprint {fingerprint:016x}.",
        bytes.len(),
        report.ranking.len(),
        table.len(),
        whole.len(),
    );
}
