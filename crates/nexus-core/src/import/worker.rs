//! The import worker: takes a queued (or orphaned) job, reads its file batch by batch on a
//! blocking thread, checks every row exactly as an API create would, and commits each batch
//! together with the job's checkpoint (see [`crate::store::ImportStore::commit_import_batch`]).
//!
//! Several workers (instances, or `nexus import` beside a server) may run: a job is held under a
//! lease renewed by every batch, and a commit only lands while its worker holds the lease and the
//! checkpoint is where that worker read from, so no row is imported twice. A job whose worker
//! died is taken over when its lease runs out, from its last checkpoint.
//!
//! Memory stays flat whatever the file's size: at most [`QUEUE_DEPTH`] batches are read ahead.

use super::csv_file::{Batches, RawBatch};
use super::rejected::{refused_rows, rejection};
use super::{
    ImportBatch, ImportCommit, ImportEntity, ImportJob, ImportRecords, ImportRejection,
    ImportStatus, ImportUpdate, OnDuplicate, customer_row, group_column, product_row,
};
use crate::auth::{Actor, Credential, Permission};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::ids::UserId;
use crate::services::Services;
use crate::services::imports::job_event;
use crate::transaction::ITEMS_MAX;
use crate::user::User;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Batches read ahead of the one being committed.
const QUEUE_DEPTH: usize = 2;
/// Attempts at committing a batch that lost a race for a unique value (re-checked each time).
const COMMIT_ATTEMPTS: usize = 3;

/// How the worker runs.
#[derive(Clone, Debug)]
pub struct ImportSettings {
    /// Rows per committed batch.
    pub batch_rows: usize,
    /// How long a job stays held without a commit before another worker may take it over.
    pub lease: Duration,
    /// How often an idle worker looks for jobs (it also wakes on every local commit).
    pub poll: Duration,
    /// The folder of uploaded files: files of jobs that have ended are removed from it (the
    /// files `nexus import` reads in place are never touched).
    pub upload_dir: Option<std::path::PathBuf>,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            batch_rows: 50_000,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(2),
            upload_dir: None,
        }
    }
}

/// How often the worker looks for upload files to remove.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// An upload file without a job is removed only after this long (its upload may still be
/// running: uploads may take up to an hour).
const ORPHAN_AGE: Duration = Duration::from_secs(2 * 3600);

pub struct ImportWorker {
    services: Services,
    settings: ImportSettings,
    /// This worker's name in leases.
    owner: String,
}

impl ImportWorker {
    pub fn new(services: Services, settings: ImportSettings) -> Self {
        Self {
            services,
            settings,
            owner: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// Takes and runs jobs until `stop`.
    pub async fn run(self, stop: CancellationToken) {
        let mut commits = self.services.bus.subscribe_commits();
        let mut swept = std::time::Instant::now()
            .checked_sub(SWEEP_EVERY)
            .unwrap_or_else(std::time::Instant::now);
        loop {
            if swept.elapsed() >= SWEEP_EVERY {
                swept = std::time::Instant::now();
                if let Err(e) = self.sweep_uploads().await {
                    tracing::warn!(error = %e, "removing the files of ended imports");
                }
            }
            match self.claim_next().await {
                Ok(Some(job)) => {
                    let id = job.id;
                    if let Err(e) = self.process(job, &stop, |_| {}).await {
                        tracing::warn!(import = %id.0, error = %e, "import stopped");
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "looking for import jobs"),
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = commits.changed() => {}
            }
        }
    }

    /// Removes the upload files of jobs that have ended, and files no job has claimed for
    /// [`ORPHAN_AGE`] (an upload that failed half-way, a job deleted by hand). Returns how many.
    pub async fn sweep_uploads(&self) -> CoreResult<usize> {
        let Some(dir) = &self.settings.upload_dir else {
            return Ok(0);
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let id = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<uuid::Uuid>().ok());
            let (Some(id), Some("csv")) = (id, path.extension().and_then(|e| e.to_str())) else {
                continue;
            };
            let ended = match self
                .services
                .store
                .get_import(crate::ids::ImportId(id))
                .await?
            {
                Some(job) => job.status.is_final(),
                None => entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age >= ORPHAN_AGE),
            };
            if ended && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Claims a job this worker can read the file of (a file kept by another instance stays
    /// for that instance).
    pub async fn claim_next(&self) -> CoreResult<Option<ImportJob>> {
        let store = &self.services.store;
        let now = crate::time::now();
        for id in store.claimable_imports(now).await? {
            let Some(job) = store.get_import(id).await? else {
                continue;
            };
            if !Path::new(&job.file_path).is_file() {
                continue;
            }
            if let Some(job) = self.claim(&job).await? {
                return Ok(Some(job));
            }
        }
        Ok(None)
    }

    /// Claims one job (queued, or running with its lease run out).
    pub async fn claim(&self, job: &ImportJob) -> CoreResult<Option<ImportJob>> {
        let now = crate::time::now();
        self.services
            .store
            .claim_import(job.id, &self.owner, now, self.lease_end())
            .await
    }

    fn lease_end(&self) -> crate::time::Timestamp {
        crate::time::now()
            + chrono::Duration::from_std(self.settings.lease).unwrap_or(chrono::Duration::MAX)
    }

    /// Runs a claimed job to its end (or until it is cancelled, taken over, or `stop`), calling
    /// `on_batch` after every committed batch. Returns the job as it is then.
    pub async fn process(
        &self,
        job: ImportJob,
        stop: &CancellationToken,
        mut on_batch: impl FnMut(&ImportJob),
    ) -> CoreResult<ImportJob> {
        let Some(mapping) = job.mapping.clone() else {
            return self
                .fail(&job, "the import has no column mapping".into())
                .await;
        };
        let columns: Vec<(usize, String)> = mapping
            .iter()
            .filter_map(|(col, field)| {
                job.columns
                    .iter()
                    .position(|c| c == col)
                    .map(|i| (i, field.clone()))
            })
            .collect();
        let store = &self.services.store;
        if let Err(e) = store.import_writer_cache(true).await {
            tracing::warn!(error = %e, "sizing the writer for an import");
        }
        let outcome = self
            .run_batches(job, &mapping, &columns, stop, &mut on_batch)
            .await;
        if let Err(e) = store.import_writer_cache(false).await {
            tracing::warn!(error = %e, "sizing the writer after an import");
        }
        outcome
    }

    async fn run_batches(
        &self,
        mut job: ImportJob,
        mapping: &BTreeMap<String, String>,
        columns: &[(usize, String)],
        stop: &CancellationToken,
        on_batch: &mut impl FnMut(&ImportJob),
    ) -> CoreResult<ImportJob> {
        let mut rx = read_ahead(&job, self.settings.batch_rows);
        let mut owners: HashMap<String, Option<User>> = HashMap::new();
        loop {
            let batch = tokio::select! {
                biased;
                _ = stop.cancelled() => return Ok(job),
                b = rx.recv() => b,
            };
            let batch = match batch {
                None => break,
                Some(Ok(b)) => b,
                Some(Err(e)) => return self.fail(&job, e).await,
            };
            let Some(actor) = self.actor_of(job.created_by).await? else {
                return self
                    .fail(&job, "the importing user is no longer active".into())
                    .await;
            };
            let mut committed = false;
            for attempt in 1..=COMMIT_ATTEMPTS {
                match self
                    .commit(&mut job, &actor, columns, mapping, &batch, &mut owners)
                    .await
                {
                    Ok(true) => {
                        committed = true;
                        break;
                    }
                    // Cancelled, or taken over by another worker.
                    Ok(false) => return self.current(job).await,
                    Err(CoreError::Conflict { .. }) if attempt < COMMIT_ATTEMPTS => continue,
                    Err(CoreError::Forbidden) => {
                        return self
                            .fail(
                                &job,
                                "the importing user may no longer create these records".into(),
                            )
                            .await;
                    }
                    Err(e) => return self.fail(&job, e.to_string()).await,
                }
            }
            if committed {
                on_batch(&job);
            }
        }
        let done = self
            .services
            .imports
            .finish(&job, ImportStatus::Completed, None)
            .await;
        match done {
            Ok(j) => Ok(j),
            // Cancelled just as the last batch landed.
            Err(CoreError::Conflict { .. }) => self.current(job).await,
            Err(e) => Err(e),
        }
    }

    async fn current(&self, job: ImportJob) -> CoreResult<ImportJob> {
        Ok(self.services.store.get_import(job.id).await?.unwrap_or(job))
    }

    async fn fail(&self, job: &ImportJob, error: String) -> CoreResult<ImportJob> {
        tracing::warn!(import = %job.id.0, %error, "import failed");
        match self
            .services
            .imports
            .finish(job, ImportStatus::Failed, Some(error))
            .await
        {
            Err(CoreError::Conflict { .. }) => self.current(job.clone()).await,
            r => r,
        }
    }

    /// The creator as an actor with their current role and team; `None` if inactive.
    async fn actor_of(&self, id: UserId) -> CoreResult<Option<Actor>> {
        Ok(self
            .services
            .store
            .get_user(id)
            .await?
            .filter(|r| r.user.active)
            .map(|r| Actor {
                user_id: r.user.id,
                role: r.user.role,
                team_id: r.user.team_id,
                credential: Credential::System,
            }))
    }

    /// Checks and commits one batch; `false` if the job is no longer this worker's to write.
    async fn commit(
        &self,
        job: &mut ImportJob,
        actor: &Actor,
        columns: &[(usize, String)],
        mapping: &BTreeMap<String, String>,
        batch: &RawBatch,
        owners: &mut HashMap<String, Option<User>>,
    ) -> CoreResult<bool> {
        let checked = match job.entity {
            ImportEntity::Transactions => {
                super::order_batch::check_orders(
                    &self.services,
                    job,
                    actor,
                    columns,
                    mapping,
                    batch,
                )
                .await?
            }
            ImportEntity::Customers | ImportEntity::Products => {
                self.check_records(job, actor, columns, mapping, batch, owners)
                    .await?
            }
        };
        let Checked {
            records,
            accepted_rows,
            updates,
            updated_rows,
            mut rejections,
        } = checked;
        rejections.sort_by_key(|r| r.row);
        if job.on_duplicate == OnDuplicate::Reject {
            // Refused like any bad row; the reasons still say the key was taken.
            for r in &mut rejections {
                r.duplicate = false;
            }
        }
        let duplicates = rejections.iter().filter(|r| r.duplicate).count() as i64;
        let mut progress = job.progress;
        progress.bytes_processed = batch.end_offset;
        progress.rows_processed += batch.rows.len() as i64;
        progress.rows_accepted += accepted_rows;
        progress.rows_updated += updated_rows;
        progress.rows_duplicate += duplicates;
        progress.rows_rejected += rejections.len() as i64 - duplicates;
        let mut next = job.clone();
        next.progress = progress;
        next.version += 1;
        next.updated_at = crate::time::now();
        let ev = job_event(&next, "progress", None);
        let from = job.progress.bytes_processed;
        // The records to forget in the cache once the batch has committed.
        let changed: Vec<Changed> = updates
            .iter()
            .map(|u| match u {
                ImportUpdate::Customer { next, .. } => Changed::Customer(next.id),
                ImportUpdate::Product { next, .. } => Changed::Product(next.id),
            })
            .collect();
        let batch = ImportBatch {
            progress,
            rejections,
        };
        let commit = ImportCommit {
            job: job.id,
            owner: &self.owner,
            from_offset: from,
            until: self.lease_end(),
            records,
            updates,
            batch: &batch,
            event: &ev,
        };
        let store = &self.services.store;
        if !store.commit_import_batch(commit).await? {
            return Ok(false);
        }
        self.services.bus.committed();
        for u in &changed {
            match u {
                Changed::Customer(id) => self.services.customers.evict(*id).await,
                Changed::Product(id) => self.services.products.evict(*id).await,
            }
        }
        *job = next;
        Ok(true)
    }

    /// Checks the rows of a customers or products batch, each row one record.
    async fn check_records(
        &self,
        job: &ImportJob,
        actor: &Actor,
        columns: &[(usize, String)],
        mapping: &BTreeMap<String, String>,
        batch: &RawBatch,
        owners: &mut HashMap<String, Option<User>>,
    ) -> CoreResult<Checked> {
        let store = &self.services.store;
        let defs = match job.entity.custom_fields() {
            Some(e) => store.custom_field_definitions(e).await?,
            None => Vec::new(),
        };
        let mut rejections = Vec::new();
        let mut items = Vec::with_capacity(batch.rows.len());
        // Row number and cells of each item.
        let mut item_rows: Vec<(i64, &[String])> = Vec::with_capacity(batch.rows.len());
        for raw in &batch.rows {
            let cells = match &raw.cells {
                Ok(c) => c,
                Err((code, message)) => {
                    let e = FieldError::new("", code, message.clone());
                    rejections.push(rejection(raw.row, false, vec![e], mapping, &[], &[]));
                    continue;
                }
            };
            let mut input = match job.entity {
                ImportEntity::Customers => customer_row(columns, cells, &defs),
                _ => product_row(columns, cells, &defs),
            };
            if let Some(email) = input.owner_email.take() {
                match self.owner_by_email(actor, &email, owners).await? {
                    Ok(id) => {
                        if let Value::Object(b) = &mut input.body {
                            b.insert("owner_id".into(), Value::String(id.0.to_string()));
                        }
                    }
                    Err(e) => input.errors.push(e),
                }
            }
            if !input.errors.is_empty() {
                rejections.push(rejection(
                    raw.row,
                    false,
                    input.errors,
                    mapping,
                    &job.columns,
                    cells,
                ));
                continue;
            }
            items.push(input.body);
            item_rows.push((raw.row, cells));
        }
        if job.on_duplicate == OnDuplicate::Update {
            let rows = super::upsert::Rows { items, item_rows };
            return super::upsert::check(&self.services, job, actor, mapping, rows, rejections)
                .await;
        }
        let (records, refused) = match job.entity {
            ImportEntity::Customers => {
                let (ok, refused) = self
                    .services
                    .customers
                    .check_import_rows(actor, &items)
                    .await?;
                let ok = ok.into_iter().map(|(_, c)| c).collect();
                (ImportRecords::Customers(ok), refused)
            }
            _ => {
                let (ok, refused) = self
                    .services
                    .products
                    .check_import_rows(actor, &items)
                    .await?;
                let ok = ok.into_iter().map(|(_, p)| p).collect();
                (ImportRecords::Products(ok), refused)
            }
        };
        rejections.extend(refused_rows(job, mapping, &item_rows, refused));
        Ok(Checked {
            accepted_rows: records.len() as i64,
            records,
            updates: Vec::new(),
            updated_rows: 0,
            rejections,
        })
    }

    /// The owner a row names by e-mail, or why it cannot be. Whoever may not reassign records
    /// (sales reps) may name only themselves, and any other e-mail gets the same answer whether
    /// it belongs to a user or not; whoever may, any active user they may see (admins: all;
    /// managers: their team's). So an import never tells whether an e-mail outside the
    /// importer's reach belongs to a user.
    async fn owner_by_email(
        &self,
        actor: &Actor,
        email: &str,
        cache: &mut HashMap<String, Option<User>>,
    ) -> CoreResult<Result<UserId, FieldError>> {
        let user = match cache.get(email) {
            Some(u) => u.clone(),
            None => {
                let u = self
                    .services
                    .store
                    .get_user_by_email(email)
                    .await?
                    .map(|r| r.user)
                    .filter(|u| u.active);
                cache.insert(email.to_owned(), u.clone());
                u
            }
        };
        Ok(match user {
            Some(u) if u.id == actor.user_id => Ok(u.id),
            _ if !actor.has(Permission::CustomersReassign) => Err(FieldError::new(
                "owner_email",
                "not_permitted",
                "you may only name yourself as the owner",
            )),
            Some(u) if crate::services::users::UserService::can_read(actor, &u) => Ok(u.id),
            _ => Err(FieldError::new(
                "owner_email",
                "unknown_user",
                "no active user you may see has this e-mail",
            )),
        })
    }
}

/// What a batch's checks found: the records to commit, how many rows they hold, the existing
/// records the batch changes and how many rows were merged into existing records, and the rows
/// refused.
pub(super) struct Checked {
    pub records: ImportRecords,
    pub accepted_rows: i64,
    pub updates: Vec<ImportUpdate>,
    pub updated_rows: i64,
    pub rejections: Vec<ImportRejection>,
}

/// A record an import batch changed.
enum Changed {
    Customer(crate::ids::CustomerId),
    Product(crate::ids::ProductId),
}

/// Reads the job's file from its checkpoint on a blocking thread, [`QUEUE_DEPTH`] batches ahead
/// (the rows of one order in one batch, for transactions).
fn read_ahead(
    job: &ImportJob,
    batch_rows: usize,
) -> tokio::sync::mpsc::Receiver<Result<RawBatch, String>> {
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE_DEPTH);
    let path = job.file_path.clone();
    let group = job
        .mapping
        .as_ref()
        .and_then(|m| group_column(job.entity, m, &job.columns));
    let (offset, rows, columns) = (
        job.progress.bytes_processed,
        job.progress.rows_processed,
        job.columns.len(),
    );
    tokio::task::spawn_blocking(move || {
        let opened = Batches::open(Path::new(&path), offset, rows, columns);
        let mut batches = match opened.map(|b| match group {
            // One row more than an order may have: enough to know it has too many.
            Some(column) => b.grouped(column, ITEMS_MAX + 1),
            None => b,
        }) {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.blocking_send(Err(e.to_string()));
                return;
            }
        };
        loop {
            let next = batches.next_batch(batch_rows).map_err(|e| e.to_string());
            let end = !matches!(next, Ok(Some(_)));
            let sent = match next {
                Ok(Some(b)) => tx.blocking_send(Ok(b)),
                Ok(None) => Ok(()),
                Err(e) => tx.blocking_send(Err(e)),
            };
            if end || sent.is_err() {
                return;
            }
        }
    });
    rx
}
