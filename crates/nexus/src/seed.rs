//! `nexus seed-demo`: realistic demo data — regional teams, their managers and sales reps, a
//! support agent and a viewer, a product catalogue, and any number of customers (people and
//! companies, with tags and custom attributes) owned by the sales reps, each with a history:
//! - **orders** (about 10 per customer, varying with the customer) over the last two years with
//!   seasonality (November/December peak, summer dip), 1–4 lines from the catalogue (in USD, or
//!   EUR in the euro area), priced by the domain's pricing; mostly completed, some refunded,
//!   cancelled or (recent ones) pending;
//! - **deals** (about 0.3 per customer) in the default pipeline: open ones spread over the open
//!   stages, won ones, lost ones with a reason, each with its full stage history;
//! - **activities** (about 2.5 per customer): notes, calls, e-mails, meetings and tasks, some
//!   linked to a deal, tasks with due dates (some open, some overdue), and note texts with a
//!   positive, neutral, mixed or negative tone ([`notes`]).
//!
//! `--no-history` leaves the history out: users, teams, products and customers (with their tags
//! and attributes) only — the quickest way to a large customer base.
//!
//! Every customer belongs to a **hidden behaviour segment** (whales, loyal regulars, bargain
//! hunters, lapsed, new, prospects) that drives all of the above; it is never stored. See
//! [`segments`] for the definitions.
//!
//! Re-running is safe: existing demo teams, users and products are kept (products are found by
//! their `NXD-` SKUs) and N more customers are added. Customer e-mails carry a random run tag
//! plus a counter, so they are unique within a run and across runs. `--seed` makes names,
//! links, segments, histories and distributions reproducible (ids, the run tag and times
//! relative to now still differ).
//!
//! Every new demo user gets the same generated password, printed once at the end on standard
//! output (never logged).

mod catalogue;
mod generate;
mod history;
mod notes;
mod segments;
mod users;
mod words;

use anyhow::{Context, Result};
use generate::Generator;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use nexus_core::CoreError;
use nexus_core::product::{Product, ProductQuery};
use nexus_core::services::Services;
use nexus_core::store::DemoBatch;
use rand::Rng;
use std::collections::HashSet;
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
    /// Also write each generated customer's hidden segment to this CSV file
    /// (`customer_id,segment`), as the answer key for evaluating segmentation models. The
    /// database never holds the segments.
    #[arg(long, value_name = "PATH", conflicts_with = "no_history")]
    pub segments_out: Option<std::path::PathBuf>,
    /// Create the users, teams, products and customers only: no orders, deals or activities
    /// (customers then keep the status the generator drew, and have no hidden segment).
    #[arg(long)]
    pub no_history: bool,
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
    let history = !args.no_history;
    let seed = args.seed.unwrap_or_else(|| rand::rng().random());
    let run_tag = run_tag();
    let now = nexus_core::time::now();
    let started = Instant::now();

    // The catalogue: demo products of earlier runs are sold again, missing ones are added.
    let stored = services
        .store
        .list_products(&ProductQuery {
            q: Some(catalogue::SKU_PREFIX.to_owned()),
            limit: 10_000,
            ..ProductQuery::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("reading the product catalogue: {e}"))?;
    let taken: HashSet<String> = stored.iter().map(|p| p.sku_normalized()).collect();
    let new_products: Vec<Product> = catalogue::products(now)
        .into_iter()
        .filter(|p| !taken.contains(&p.sku_normalized()))
        .collect();
    let all_products: Vec<Product> = stored.iter().chain(&new_products).cloned().collect();
    let pipeline = services
        .store
        .default_pipeline()
        .await
        .map_err(|e| anyhow::anyhow!("reading the default pipeline: {e}"))?;
    let context = history::Context::new(
        now,
        &all_products,
        catalogue::sellable(&all_products),
        pipeline,
        reps.clone(),
    );

    // Generation runs on a blocking thread and stays a few batches ahead, so the store is never
    // waiting for data.
    let mut answer_key = match &args.segments_out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<DemoBatch>(QUEUE_DEPTH);
    let producer = tokio::task::spawn_blocking(move || -> Result<()> {
        use std::io::Write as _;
        let mut generator = Generator::new(seed, run_tag, reps, now, total as u64, context);
        if let Some(out) = &mut answer_key {
            writeln!(out, "customer_id,segment")?;
        }
        let mut left = total;
        while left > 0 {
            let n = left.min(batch_size);
            let batch = if history {
                generator.batch(n)
            } else {
                DemoBatch {
                    customers: generator.customers(n),
                    ..DemoBatch::default()
                }
            };
            let segments = generator.take_segments();
            if let Some(out) = &mut answer_key {
                for (id, segment) in segments {
                    writeln!(out, "{id},{}", segment.name())?;
                }
            }
            if tx.blocking_send(batch).is_err() {
                break; // the writer stopped on an error
            }
            left -= n;
        }
        if let Some(out) = &mut answer_key {
            out.flush()?;
        }
        Ok(())
    });

    // One bulk load for the whole run: the store writes the products and every batch in one
    // transaction as it arrives and builds its indexes once at the end (the bar says so when the
    // batches are in). A bulk load writes no per-row events by design: demo data is a bulk load,
    // not a sequence of user changes, so it does not flood the event log or the real-time feed.
    let bar = progress_bar(total as u64)?;
    bar.set_message(format!("+ {} new products", new_products.len()));
    let shown = bar.clone();
    let mut received = 0usize;
    let mut records = [0usize; 3];
    let mut ended = false;
    let batches = futures::stream::poll_fn(move |cx| {
        if ended {
            return Poll::Ready(None);
        }
        Poll::Ready(match std::task::ready!(rx.poll_recv(cx)) {
            Some(batch) => {
                received += batch.customers.len();
                records[0] += batch.transactions.len();
                records[1] += batch.deals.len();
                records[2] += batch.activities.len();
                shown.inc(batch.customers.len() as u64);
                shown.set_message(format!(
                    "+ {} transactions, {} deals, {} activities",
                    records[0], records[1], records[2]
                ));
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
    let counts = services
        .store
        .bulk_load_demo(&new_products, Box::pin(batches), total as u64)
        .await
        .map_err(|e| anyhow::anyhow!("loading the demo data: {e}"))?;
    producer
        .await
        .context("demo data generator")?
        .context("writing the segments file")?;
    // Closing the store checkpoints SQLite's write-ahead log into the database file: the time
    // reported covers the data being in place, not only committed.
    bar.set_message("writing the database file");
    services.store.close().await;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    print_users(&demo, &password);
    println!(
        "seeded {} customers, {} products ({} existing reused), {} transactions ({} line items), \
         {} deals ({} stage changes), {} activities in {:.2}s ({:.0} customers/s, backend {backend})",
        counts.customers,
        counts.products,
        stored.len(),
        counts.transactions,
        counts.line_items,
        counts.deals,
        counts.stage_changes,
        counts.activities,
        elapsed.as_secs_f64(),
        rate(counts.customers, elapsed)
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
