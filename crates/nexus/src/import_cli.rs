//! `nexus import FILE`: the CSV import of the API, from the command line, with a progress bar.
//!
//! The job is the same as an upload's (listed by `GET /api/v1/imports`, same checks, same
//! batches and checkpoints), but the file is read in place instead of being copied: it must stay
//! where it is until the job ends. Interrupted (Ctrl-C, a crash), the job keeps its checkpoint;
//! `nexus import --resume ID` goes on from there (so does a running server, once the job's lease
//! has run out, if it can read the file).

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nexus_core::auth::{Actor, Credential, Role};
use nexus_core::ids::ImportId;
use nexus_core::import::worker::{ImportSettings, ImportWorker};
use nexus_core::import::{
    COLUMNS_MAX, ImportEntity, ImportJob, ImportStatus, PREVIEW_ROWS, csv_file,
};
use nexus_core::services::Services;
use nexus_core::services::imports::Upload;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV file (UTF-8; the first row names the columns).
    #[arg(required_unless_present = "resume", conflicts_with = "resume")]
    pub file: Option<PathBuf>,
    /// What the rows are: customers, products or transactions (one row per line item, the rows
    /// of an order adjacent and sharing its order_ref).
    #[arg(long, default_value = "customers")]
    pub entity: String,
    /// Column mapping, COLUMN=FIELD (repeatable); default: the mapping suggested from the
    /// column names (printed before the import starts).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// E-mail of the user importing (owner of the new records unless a column says otherwise).
    /// Default: the first active admin.
    #[arg(long = "as", value_name = "EMAIL")]
    pub user: Option<String>,
    /// What to do with a row whose key is taken (a customer's e-mail, a product's SKU, an
    /// order's order_ref): skip it (counted as a duplicate), update the existing record with
    /// the row's non-empty cells (customers and products), or reject it.
    #[arg(
        long,
        value_name = "skip|update|reject",
        default_value = "skip",
        conflicts_with = "resume"
    )]
    pub on_duplicate: String,
    /// Resume an interrupted import job by its id.
    #[arg(long, value_name = "ID")]
    pub resume: Option<String>,
    /// Rows per committed batch (default: `import_batch_rows`).
    #[arg(long, value_parser = clap::value_parser!(u32).range(100..=100_000))]
    pub batch_size: Option<u32>,
}

pub async fn run(
    services: &Services,
    mut settings: ImportSettings,
    args: ImportArgs,
) -> Result<()> {
    if let Some(n) = args.batch_size {
        settings.batch_rows = n as usize;
    }
    let job = match &args.resume {
        Some(id) => resume(services, id).await?,
        None => create(services, &args).await?,
    };
    let started = Instant::now();
    let worker = ImportWorker::new(services.clone(), settings);
    let Some(job) = worker.claim(&job).await.map_err(anyhow_core)? else {
        bail!(
            "import {} is being run by another process (or has ended); try again when its lease runs out",
            job.id
        );
    };
    let first_bytes = job.progress.bytes_processed;
    let first_rows = job.progress.rows_processed;
    let bar = progress_bar(&job)?;
    let stop = CancellationToken::new();
    let ctrl_c = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });
    let shown = bar.clone();
    let done = worker
        .process(job, &stop, move |j| {
            shown.set_position(u64::try_from(j.progress.bytes_processed).unwrap_or(0));
            shown.set_message(format!(
                "{} rows: {} imported, {} updated, {} rejected, {} duplicates",
                j.progress.rows_processed,
                j.progress.rows_accepted,
                j.progress.rows_updated,
                j.progress.rows_rejected,
                j.progress.rows_duplicate
            ));
        })
        .await
        .map_err(anyhow_core)?;
    // Closing the store checkpoints SQLite's write-ahead log into the database file: the time
    // reported covers the data being in place, not only committed.
    bar.set_message("writing the database file");
    let shown_rejections = if done.progress.rows_rejected + done.progress.rows_duplicate > 0 {
        services
            .store
            .import_rejections(done.id, 0, SHOWN_REJECTIONS)
            .await
            .map_err(anyhow_core)?
    } else {
        Vec::new()
    };
    services.store.close().await;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let p = done.progress;
    let rows = p.rows_processed - first_rows;
    println!(
        "import {}: {} — {} rows read in {:.2}s ({:.0} rows/s, {:.1} MB/s): {} imported, {} updated, {} rejected, {} duplicates",
        done.id,
        done.status.as_str(),
        p.rows_processed,
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64().max(1e-9),
        (p.bytes_processed - first_bytes) as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9),
        p.rows_accepted,
        p.rows_updated,
        p.rows_rejected,
        p.rows_duplicate,
    );
    match done.status {
        ImportStatus::Completed => {
            print_rejections(&done, &shown_rejections);
            Ok(())
        }
        ImportStatus::Running => {
            println!(
                "interrupted; resume with: nexus import --resume {}",
                done.id
            );
            Ok(())
        }
        ImportStatus::Failed => bail!(
            "the import failed: {}",
            done.error.as_deref().unwrap_or("unknown error")
        ),
        other => bail!("the import ended {}", other.as_str()),
    }
}

fn anyhow_core(e: nexus_core::CoreError) -> anyhow::Error {
    match e {
        nexus_core::CoreError::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| format!("{}: {} ({})", e.field, e.message, e.code))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn importer(services: &Services, email: Option<&str>) -> Result<Actor> {
    let user = match email {
        Some(e) => services
            .store
            .get_user_by_email(&e.to_lowercase())
            .await
            .map_err(anyhow_core)?
            .map(|r| r.user)
            .with_context(|| format!("no user has the e-mail {e}"))?,
        None => {
            let mut after = None;
            loop {
                let page = services
                    .store
                    .list_users(None, after, 500)
                    .await
                    .map_err(anyhow_core)?;
                if let Some(u) = page.iter().find(|u| u.active && u.role == Role::Admin) {
                    break u.clone();
                }
                match page.last() {
                    Some(u) if page.len() == 500 => after = Some(u.id),
                    _ => bail!("no active admin to import as; pass --as EMAIL"),
                }
            }
        }
    };
    anyhow::ensure!(user.active, "the user {} is not active", user.email);
    Ok(Actor {
        user_id: user.id,
        role: user.role,
        team_id: user.team_id,
        credential: Credential::System,
    })
}

async fn create(services: &Services, args: &ImportArgs) -> Result<ImportJob> {
    let entity: ImportEntity = args.entity.parse().map_err(|()| {
        anyhow::anyhow!(
            "--entity must be one of: {}",
            ImportEntity::NAMES.join(", ")
        )
    })?;
    let file = args.file.as_ref().context("the file to import")?;
    let path = std::fs::canonicalize(file).with_context(|| format!("{}", file.display()))?;
    let bytes = std::fs::metadata(&path)?.len();
    let inspected = csv_file::inspect(&path, PREVIEW_ROWS, COLUMNS_MAX)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let actor = importer(services, args.user.as_deref()).await?;
    let job = services
        .imports
        .create(
            &actor,
            Upload {
                id: ImportId::new(),
                entity,
                file_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                file_path: path.to_string_lossy().into_owned(),
                file_bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
                columns: inspected.columns,
                preview: inspected.preview,
            },
        )
        .await
        .map_err(anyhow_core)?;
    let mut body = Map::new();
    body.insert(
        "on_duplicate".into(),
        Value::String(args.on_duplicate.clone()),
    );
    if !args.map.is_empty() {
        let mut mapping = Map::new();
        for m in &args.map {
            let (col, field) = m
                .split_once('=')
                .with_context(|| format!("--map {m:?}: expected COLUMN=FIELD"))?;
            mapping.insert(col.to_owned(), Value::String(field.to_owned()));
        }
        body.insert("mapping".into(), Value::Object(mapping));
    }
    let job = services
        .imports
        .start(&actor, job.id, &Value::Object(body), None)
        .await
        .map_err(anyhow_core)?;
    eprintln!(
        "import {} of {} ({bytes} bytes, on duplicate: {}), columns mapped:",
        job.id,
        path.display(),
        job.on_duplicate.as_str()
    );
    for (col, field) in job.mapping.iter().flatten() {
        eprintln!("  {col:<24} → {field}");
    }
    let unmapped: Vec<&String> = job
        .columns
        .iter()
        .filter(|c| !job.mapping.as_ref().is_some_and(|m| m.contains_key(*c)))
        .collect();
    if !unmapped.is_empty() {
        eprintln!(
            "  (ignored: {})",
            unmapped
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(job)
}

async fn resume(services: &Services, id: &str) -> Result<ImportJob> {
    let id: ImportId = id
        .parse()
        .map_err(|_| anyhow::anyhow!("{id:?} is not an import id"))?;
    let job = services
        .store
        .get_import(id)
        .await
        .map_err(anyhow_core)?
        .with_context(|| format!("no import {id}"))?;
    anyhow::ensure!(
        !job.status.is_final(),
        "import {id} is {} already",
        job.status.as_str()
    );
    anyhow::ensure!(
        job.status != ImportStatus::Uploaded,
        "import {id} was never started (it has no mapping)"
    );
    eprintln!(
        "resuming import {id} at byte {} of {} ({} rows done)",
        job.progress.bytes_processed, job.file_bytes, job.progress.rows_processed
    );
    Ok(job)
}

fn progress_bar(job: &ImportJob) -> Result<ProgressBar> {
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec}, eta {eta} {msg}",
    )?;
    let bar = ProgressBar::new(u64::try_from(job.file_bytes).unwrap_or(0)).with_style(style);
    bar.set_position(u64::try_from(job.progress.bytes_processed).unwrap_or(0));
    bar.enable_steady_tick(Duration::from_millis(100));
    Ok(bar)
}

/// Rejected rows printed at the end.
const SHOWN_REJECTIONS: u32 = 10;

/// The first rejected rows, with their reasons.
fn print_rejections(job: &ImportJob, rows: &[nexus_core::import::ImportRejection]) {
    if rows.is_empty() {
        return;
    }
    println!(
        "rows not imported (first {SHOWN_REJECTIONS}; all: GET /api/v1/imports/{}/rejections):",
        job.id
    );
    for r in rows {
        let reasons: Vec<String> = r
            .errors
            .iter()
            .map(|e| {
                let at = match (&e.column, e.field.as_str()) {
                    (Some(c), _) => c.as_str(),
                    (None, "") => "row",
                    (None, f) => f,
                };
                format!("{at}: {}", e.message)
            })
            .collect();
        println!(
            "  row {:>8}{}: {}",
            r.row,
            if r.duplicate { " (duplicate)" } else { "" },
            reasons.join("; ")
        );
    }
}
