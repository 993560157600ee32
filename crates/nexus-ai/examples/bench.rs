//! The measurements of `nexus ai bench` without building the whole server binary:
//! `cargo run --release -p nexus-ai --example bench [eval-data dir]`.

use nexus_ai::{bench, eval};
use std::path::PathBuf;

fn main() -> Result<(), nexus_ai::AiError> {
    let data = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/eval-data"));
    let s = bench::segments(1_000_000, 5)?;
    println!(
        "segments: {} synthetic customers, k {}, 10 restarts: fit {:.2} s, assign {:.2} s",
        s.customers, s.k, s.fit_seconds, s.assign_seconds
    );
    let histories =
        eval::clv::calibration(&eval::clv::read_cdnow(&data.join("clv/CDNOW_master.txt"))?);
    let rfm: Vec<_> = histories.iter().map(|h| h.calibration).collect();
    let f = bench::bgnbd(&rfm, 5)?;
    println!(
        "bg/nbd: CDNOW_master ({} customers): best {:.3} s, median {:.3} s",
        f.customers, f.best_seconds, f.median_seconds
    );
    let texts = bench::texts_of(&data.join("sentiment/ground-truth/tweets_GroundTruth.txt"))?;
    let t = bench::sentiment(&texts, 20);
    println!(
        "sentiment: {} tweets (mean {:.0} chars) in {:.3} s, one thread: {:.0} texts/s",
        t.texts, t.mean_chars, t.seconds, t.texts_per_second
    );
    let r = bench::recommend(100_000, 10_000, 10)?;
    println!(
        "recommend: {} customers x {} products ({} purchases): fit {:.2} s; p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        r.customers, r.products, r.purchases, r.fit_seconds, r.p50_ms, r.p99_ms, r.max_ms
    );
    Ok(())
}
