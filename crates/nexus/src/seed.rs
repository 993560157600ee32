//! `nexus seed-demo`: realistic demo data — regional teams, their managers and sales reps, a
//! support agent and a viewer, and any number of customers (people and companies, with tags and
//! custom attributes) owned by the sales reps.
//!
//! Re-running is safe: existing demo teams and users are kept and N more customers are added.
//! Customer e-mails carry a random run tag plus a counter, so they are unique within a run and
//! across runs. `--seed` makes names, links and distributions reproducible (ids, the run tag and
//! times relative to now still differ).
//!
//! Every new demo user gets the same generated password, printed once at the end on standard
//! output (never logged).

mod generate;
mod users;
mod words;

use anyhow::{Context, Result};
use generate::Generator;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use nexus_core::CoreError;
use nexus_core::customer::Customer;
use nexus_core::services::Services;
use rand::Rng;
use std::task::Poll;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct SeedArgs {
    /// Number of customers to create.
    #[arg(long, default_value_t = 1000)]
    pub customers: usize,
    /// Seed of the random generator, to reproduce the same data set.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Customers per generated batch (the progress bar moves per batch; the whole load is one
    /// transaction).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub batch_size: u32,
}

/// Batches generated ahead of the one being written.
const QUEUE_DEPTH: usize = 2;
const RUN_TAG_LEN: usize = 6;

pub async fn run(services: &Services, args: SeedArgs) -> Result<()> {
    let backend = services.store.backend();
    let password = nexus_core::password::random_password();
    let demo = users::ensure(services, &password).await?;
    let reps = demo.reps();
    anyhow::ensure!(
        !reps.is_empty(),
        "no active demo sales rep (@{}) to own the customers",
        users::DEMO_DOMAIN
    );

    let total = args.customers;
    let batch_size = args.batch_size as usize;
    let seed = args.seed.unwrap_or_else(|| rand::rng().random());
    let run_tag = run_tag();
    let now = nexus_core::time::now();
    let started = Instant::now();

    // Generation runs on a blocking thread and stays a few batches ahead, so the store is never
    // waiting for data.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Customer>>(QUEUE_DEPTH);
    let producer = tokio::task::spawn_blocking(move || {
        let mut generator = Generator::new(seed, run_tag, reps, now, total as u64);
        let mut left = total;
        while left > 0 {
            let n = left.min(batch_size);
            if tx.blocking_send(generator.batch(n)).is_err() {
                break; // the writer stopped on an error
            }
            left -= n;
        }
    });

    // One bulk load for the whole run: the store writes every batch in one transaction as it
    // arrives and builds its indexes once at the end (the bar says so when the batches are in).
    // A bulk load writes no per-row events by design: demo data is a bulk load, not a sequence
    // of user changes, so it does not flood the event log or the real-time feed.
    let bar = progress_bar(total as u64)?;
    let shown = bar.clone();
    let mut received = 0usize;
    let mut ended = false;
    let batches = futures::stream::poll_fn(move |cx| {
        if ended {
            return Poll::Ready(None);
        }
        Poll::Ready(match std::task::ready!(rx.poll_recv(cx)) {
            Some(batch) => {
                received += batch.len();
                shown.inc(batch.len() as u64);
                Some(Ok(batch))
            }
            None => {
                ended = true;
                shown.set_message("building indexes");
                // The generator stopped early only if it panicked: load nothing then.
                (received < total).then(|| {
                    Err(CoreError::Internal(
                        "the customer generator stopped early".into(),
                    ))
                })
            }
        })
    });
    let written = services
        .store
        .bulk_load_customers(Box::pin(batches), total as u64)
        .await
        .map_err(|e| anyhow::anyhow!("loading customers: {e}"))?;
    producer.await.context("customer generator")?;
    // Closing the store checkpoints SQLite's write-ahead log into the database file: the time
    // reported covers the data being in place, not only committed.
    bar.set_message("writing the database file");
    services.store.close().await;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    print_users(&demo, &password);
    println!(
        "seeded {written} customers in {:.2}s ({:.0} customers/s, backend {backend})",
        elapsed.as_secs_f64(),
        rate(written, elapsed)
    );
    Ok(())
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Fixed-length lowercase alphanumeric tag, from the OS-seeded generator even with `--seed`,
/// so that re-runs with the same seed still get fresh e-mails.
fn run_tag() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..RUN_TAG_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn progress_bar(total: u64) -> Result<ProgressBar> {
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} customers, {rate}, eta {eta} {msg}",
    )?
    .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.0} customers/s", s.per_sec());
    });
    let bar = ProgressBar::new(total).with_style(style);
    bar.enable_steady_tick(Duration::from_millis(100));
    Ok(bar)
}

fn print_users(demo: &users::DemoUsers, password: &str) {
    println!(
        "demo users ({} created, {} already present; {} teams created):",
        demo.created(),
        demo.users.len() - demo.created(),
        demo.teams_created
    );
    for u in &demo.users {
        println!(
            "  {:<34} {:<10} {}{}",
            u.user.email,
            u.user.role.as_str(),
            u.team.as_deref().unwrap_or("-"),
            if u.created { "" } else { "  (existing)" }
        );
    }
    if demo.created() > 0 {
        println!(
            "password of the demo users created now: {password}\n(shown once; existing demo users keep their password)"
        );
    } else {
        println!("all demo users existed already and keep their passwords");
    }
}
