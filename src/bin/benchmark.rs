//! The benchmark (not a test): generates seeded datasets, runs Feature Radar and two
//! baselines on the same data, and prints one table. `cargo run --release --bin
//! benchmark -- --help` for options.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use clap::Parser;
    use feature_radar::benchmark::{
        ceiling_scores, dataset_of, feature_radar_scores, measure, snapshot_scores,
        threshold_scores, Figures,
    };
    use feature_radar::report::prepare;
    use feature_radar::synth::{generate, SynthParams};
    use feature_radar::Config;
    use std::time::Instant;

    #[derive(Parser)]
    #[command(about = "Feature Radar against a threshold monitor and a snapshot model")]
    struct Args {
        /// Seeds of the generated datasets (none of them used to tune anything).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "1001,1002,1003,1004,1005"
        )]
        seeds: Vec<u64>,
        #[arg(long, default_value_t = 80)]
        features: usize,
        #[arg(long, default_value_t = 180)]
        days: usize,
        /// Which table to print: risk, detect, or both.
        #[arg(long, default_value = "both")]
        table: String,
        /// Instead of a table, fit the default risk model on the fit portfolios and print
        /// it as the constants of src/model/default_model.rs.
        #[arg(long)]
        fit_default: bool,
        /// The risk model's prior strength (for choosing it on development seeds).
        #[arg(long, default_value_t = feature_radar::model::PRIOR_STRENGTH)]
        prior_strength: f64,
    }

    let args = Args::parse();
    if args.fit_default {
        let portfolios: Vec<_> = feature_radar::benchmark::default_fit::FIT_PORTFOLIOS
            .iter()
            .map(generate)
            .collect();
        let model = feature_radar::benchmark::default_fit::fit_on(&portfolios, &Config::default())
            .expect("the fit portfolios have degradations");
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
    if args.table == "both" || args.table == "detect" {
        detect_table(&args.seeds);
    }
    if args.table != "both" && args.table != "risk" {
        return;
    }
    let mut config = Config::default();
    config.model.prior_strength = args.prior_strength;
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
    for seed in &args.seeds {
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
#[cfg(not(target_arch = "wasm32"))]
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

#[cfg(target_arch = "wasm32")]
fn main() {}
