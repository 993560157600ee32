//! `nexus ai eval <model> --data <path>` and `nexus ai bench`: the quality protocols and speed
//! measurements of `docs/ai.md`, printed next to the reference numbers. The data sets are read
//! from the given path, never shipped.

use anyhow::{Context, Result, bail};
use nexus_ai::{bench, eval};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum AiCommand {
    /// Run a model's evaluation protocol on a public data set and print its metrics next to
    /// the reference numbers.
    Eval(EvalArgs),
    /// Measure model speed: segmenting 1M customers, the BG/NBD fit on CDNOW_master, sentiment
    /// texts per second on one core, one customer's recommendations at 100k × 10k.
    Bench(BenchArgs),
    /// Serve the models over HTTP as a separate AI service (on `ai_listen`, default
    /// 127.0.0.1:8090); API instances use it when NEXUS_AI_URL points at it.
    Serve,
    /// Run one training run against the configured store now, print what it recorded (as
    /// JSON) and exit. Running servers load promoted versions within a minute.
    Train,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Model {
    /// VADER on the sentiment ground-truth folder (`eval-data/sentiment`).
    Sentiment,
    /// BG/NBD + Gamma-Gamma on a CDNOW file (`clv/CDNOW_sample.txt` or `CDNOW_master.txt`).
    Clv,
    /// RFM + k-means on `clv/CDNOW_master.txt`.
    Segments,
    /// Popularity and item-kNN on `recommend/Groceries_dataset.csv`.
    Recommend,
    /// MSTL + AutoETS against seasonal naive on a `month,revenue` CSV (last 12 months held out).
    Forecast,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    model: Model,
    /// The data file or folder of the protocol.
    #[arg(long)]
    data: PathBuf,
    /// Sentiment only: reference compound scores of vaderSentiment 3.3.2 to compare with
    /// (`crates/nexus-ai/tests/fixtures/vader_3.3.2_compound.txt`).
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Segments only: skip the exact O(n²) silhouette.
    #[arg(long)]
    no_silhouette: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// The eval-data folder (for CDNOW_master and the tweets file).
    #[arg(long, env = "NEXUS_EVAL_DATA")]
    data: PathBuf,
    /// Customers to segment.
    #[arg(long, default_value_t = 1_000_000)]
    customers: usize,
}

pub fn run(command: AiCommand) -> Result<()> {
    match command {
        AiCommand::Eval(args) => run_eval(args),
        AiCommand::Bench(args) => run_bench(args),
        AiCommand::Serve | AiCommand::Train => {
            bail!("`nexus ai serve` and `nexus ai train` run from main")
        }
    }
}

fn run_eval(args: EvalArgs) -> Result<()> {
    let started = Instant::now();
    let json = match args.model {
        Model::Sentiment => {
            let r = eval::sentiment::evaluate(&args.data, args.reference.as_deref())?;
            if !args.json {
                println!(
                    "{:<40} {:>6} {:>8} {:>8} {:>9} {:>9} {:>6} {:>10}",
                    "file", "n", "r", "ref r", "accuracy", "ref acc", "polar", "mismatch"
                );
                for f in &r.files {
                    let mismatch = f.mismatches.map_or("-".to_string(), |m| m.to_string());
                    println!(
                        "{:<40} {:>6} {:>8.4} {:>8.4} {:>9.4} {:>9.4} {:>6} {:>10}",
                        f.file,
                        f.n,
                        f.pearson_r,
                        f.reference_r,
                        f.binary_accuracy,
                        f.reference_accuracy,
                        f.binary_n,
                        mismatch
                    );
                }
                println!(
                    "accuracy: polarity agreement over the `polar` texts, those outside the neutral band (±0.05) on both sides (human mean / 4 and compound)"
                );
                println!(
                    "{} texts scored in {:.3} s: {:.0} texts/s on one core",
                    r.texts, r.seconds, r.texts_per_second
                );
            }
            serde_json::to_string_pretty(&r)?
        }
        Model::Clv => {
            let r = eval::clv::evaluate(&args.data)?;
            if !args.json {
                let [rr, ra, raa, rb, rll] = eval::clv::REFERENCE_BGNBD;
                let [gp, gq, gg] = eval::clv::REFERENCE_GAMMA_GAMMA;
                let m = &r.bgnbd;
                let g = &r.gamma_gamma;
                println!("customers {} (repeaters {})", r.customers, r.repeaters);
                println!(
                    "BG/NBD       r {:.4} (ref {rr})  alpha {:.4} (ref {ra})  a {:.4} (ref {raa})  b {:.4} (ref {rb})",
                    m.r, m.alpha, m.a, m.b
                );
                println!(
                    "             log-likelihood {:.2} (ref {rll}), fit {:.3} s, {} evaluations",
                    m.log_likelihood, r.fit_seconds, m.evaluations
                );
                println!(
                    "Gamma-Gamma  p {:.4} (ref {gp})  q {:.4} (ref {gq})  gamma {:.4} (ref {gg}), fit {:.3} s",
                    g.p, g.q, g.gamma, r.gamma_gamma_fit_seconds
                );
                let (rs, rmae, ract) = eval::clv::REFERENCE_HOLDOUT;
                println!(
                    "holdout 39 weeks: predicted {:.1} (ref {rs}), actual {} (ref {ract}), MAE {:.4} (ref {rmae})",
                    r.holdout_predicted, r.holdout_actual, r.holdout_mae
                );
                println!("(reference numbers are for CDNOW_sample.txt)");
            }
            serde_json::to_string_pretty(&r)?
        }
        Model::Segments => {
            let r = eval::segments::evaluate(&args.data, !args.no_silhouette)?;
            if !args.json {
                println!("customers {}", r.customers);
                println!(
                    "{:>2} {:>10} {:>10} {:>8} {:>10} {:>10} {:>7}  segments",
                    "k", "SSE", "ref SSE", "SSE Δ%", "silhouette", "ref", "fit s"
                );
                for k in &r.ks {
                    let segments: Vec<String> = k
                        .names
                        .iter()
                        .zip(&k.sizes)
                        .map(|(n, s)| format!("{n} {s}"))
                        .collect();
                    println!(
                        "{:>2} {:>10.2} {:>10.2} {:>8.4} {:>10.4} {:>10.4} {:>7.3}  {}",
                        k.k,
                        k.sse,
                        k.reference_sse,
                        (k.sse - k.reference_sse) / k.reference_sse * 100.0,
                        k.silhouette,
                        k.reference_silhouette,
                        k.fit_seconds,
                        segments.join(", ")
                    );
                }
            }
            serde_json::to_string_pretty(&r)?
        }
        Model::Recommend => {
            let r = eval::recommend::evaluate(&args.data)?;
            if !args.json {
                println!(
                    "items {}, members {}, test members {}",
                    r.items, r.members, r.test_members
                );
                println!(
                    "{:<11} {:>7} {:>8} {:>8} {:>8} {:>8} {:>8}",
                    "model", "setting", "members", "HR@10", "ref", "MAP@10", "ref"
                );
                for row in &r.rows {
                    println!(
                        "{:<11} {:>7} {:>8} {:>8.4} {:>8.4} {:>8.4} {:>8.4}",
                        row.model,
                        row.setting,
                        row.members,
                        row.hr_at_10,
                        row.reference_hr,
                        row.map_at_10,
                        row.reference_map
                    );
                }
            }
            serde_json::to_string_pretty(&r)?
        }
        Model::Forecast => {
            let r = eval::forecast::evaluate(&args.data)?;
            if !args.json {
                println!("months {} (last 12 held out)", r.months);
                println!(
                    "{}  MAPE {:.2}%  MASE {:.3}  ({:.1} ms)",
                    r.method, r.mape, r.mase, r.fit_ms
                );
                println!(
                    "seasonal naive  MAPE {:.2}%  MASE {:.3}",
                    r.seasonal_naive_mape, r.seasonal_naive_mase
                );
                println!(
                    "interval coverage on the holdout: 80% -> {:.2}, 95% -> {:.2}",
                    r.coverage80, r.coverage95
                );
            }
            serde_json::to_string_pretty(&r)?
        }
    };
    if args.json {
        println!("{json}");
    } else {
        println!("total time {:.3} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

fn run_bench(args: BenchArgs) -> Result<()> {
    if !args.data.is_dir() {
        bail!(
            "eval data not found at {} (pass --data or set NEXUS_EVAL_DATA)",
            args.data.display()
        );
    }
    let s = bench::segments(args.customers, 5)?;
    println!(
        "segments: {} synthetic customers, k {}, 10 restarts: fit {:.2} s, assign {:.2} s, total {:.2} s (bar < 10 s)",
        s.customers,
        s.k,
        s.fit_seconds,
        s.assign_seconds,
        s.fit_seconds + s.assign_seconds
    );
    let master = args.data.join("clv/CDNOW_master.txt");
    let histories = eval::clv::calibration(
        &eval::clv::read_cdnow(&master).with_context(|| master.display().to_string())?,
    );
    let rfm: Vec<_> = histories.iter().map(|h| h.calibration).collect();
    let f = bench::bgnbd(&rfm, 5)?;
    println!(
        "bg/nbd: fit on CDNOW_master ({} customers): best {:.3} s, median {:.3} s (bar < 0.5 s)",
        f.customers, f.best_seconds, f.median_seconds
    );
    let texts = bench::texts_of(
        &args
            .data
            .join("sentiment/ground-truth/tweets_GroundTruth.txt"),
    )?;
    let t = bench::sentiment(&texts, 20);
    println!(
        "sentiment: {} tweets (mean {:.0} chars) in {:.3} s on one thread: {:.0} texts/s (bar >= 100,000)",
        t.texts, t.mean_chars, t.seconds, t.texts_per_second
    );
    let r = bench::recommend(100_000, 10_000, 10)?;
    println!(
        "recommend: item-kNN on {} customers x {} products ({} purchases): fit {:.2} s; one customer p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (bar < 5 ms)",
        r.customers, r.products, r.purchases, r.fit_seconds, r.p50_ms, r.p99_ms, r.max_ms
    );
    Ok(())
}
