//! Import service: registering an uploaded file, starting it with a column mapping, reading its
//! progress and rejected rows, cancelling it. The rows themselves are read and committed by the
//! [`crate::import::worker`].
//!
//! Who may do what: importing into a resource needs the permission to create it (customers:
//! `customers:write`, products: `products:write`, transactions: `transactions:write`, and each
//! order's customer must be one the importer may write); with `on_duplicate=update`, a row
//! changes an existing customer only if the importer may write that customer (as a PATCH); a job
//! is seen and cancelled by its creator and by admins.

use crate::auth::{Actor, Permission, Role};
use crate::bus::EventBus;
use crate::custom_field::CustomField;
use crate::error::{CoreError, CoreResult, FieldError};
use crate::event::Event;
use crate::ids::ImportId;
use crate::import::{
    self, ImportEntity, ImportField, ImportJob, ImportProgress, ImportRejection, ImportStatus,
    OnDuplicate,
};
use crate::store::Store;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

const ENTITY: &str = "import";

#[derive(Clone)]
pub struct ImportService {
    store: Arc<dyn Store>,
    bus: EventBus,
}

/// A file received for import, inspected, before it becomes a job.
pub struct Upload {
    pub id: ImportId,
    pub entity: ImportEntity,
    pub file_name: String,
    pub file_path: String,
    pub file_bytes: i64,
    pub columns: Vec<String>,
    pub preview: Vec<Vec<String>>,
}

impl ImportService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus) -> Self {
        Self { store, bus }
    }

    /// Fails unless the actor may create the entity's records.
    pub fn require(actor: &Actor, entity: ImportEntity) -> CoreResult<()> {
        match entity {
            ImportEntity::Customers => actor.require(Permission::CustomersWrite),
            ImportEntity::Products => actor.require(Permission::ProductsWrite),
            ImportEntity::Transactions => actor.require(Permission::TransactionsWrite),
        }
    }

    async fn defs(&self, entity: ImportEntity) -> CoreResult<Vec<CustomField>> {
        match entity.custom_fields() {
            Some(e) => self.store.custom_field_definitions(e).await,
            None => Ok(Vec::new()),
        }
    }

    /// The fields a column of an entity's file can be mapped to.
    pub async fn fields(
        &self,
        actor: &Actor,
        entity: ImportEntity,
    ) -> CoreResult<Vec<ImportField>> {
        Self::require(actor, entity)?;
        Ok(import::fields(entity, &self.defs(entity).await?))
    }

    /// Registers an uploaded file as a job waiting for its mapping (with a suggested one).
    pub async fn create(&self, actor: &Actor, u: Upload) -> CoreResult<ImportJob> {
        Self::require(actor, u.entity)?;
        let defs = self.defs(u.entity).await?;
        let now = crate::time::now();
        let job = ImportJob {
            id: u.id,
            entity: u.entity,
            status: ImportStatus::Uploaded,
            suggested_mapping: import::suggest_mapping(u.entity, &u.columns, &defs),
            file_name: u.file_name,
            file_bytes: u.file_bytes,
            columns: u.columns,
            preview: u.preview,
            mapping: None,
            on_duplicate: OnDuplicate::Skip,
            progress: ImportProgress::default(),
            error: None,
            created_by: actor.user_id,
            version: 1,
            created_at: now,
            updated_at: now,
            started_at: None,
            finished_at: None,
            file_path: u.file_path,
        };
        self.store
            .insert_import(&job, &job_event(&job, "created", Some(actor)))
            .await?;
        self.bus.committed();
        Ok(job)
    }

    pub async fn get(&self, actor: &Actor, id: ImportId) -> CoreResult<ImportJob> {
        match self.store.get_import(id).await? {
            Some(j) if may_see(actor, &j) => Ok(j),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    /// The caller's jobs (an admin's: everybody's), newest first.
    pub async fn list(
        &self,
        actor: &Actor,
        before: Option<ImportId>,
        limit: u32,
    ) -> CoreResult<Vec<ImportJob>> {
        let creator = (actor.role != Role::Admin).then_some(actor.user_id);
        self.store.list_imports(creator, before, limit).await
    }

    /// Queues an uploaded job with its mapping (`mapping`: column → field; absent: the
    /// suggested one) and options.
    pub async fn start(
        &self,
        actor: &Actor,
        id: ImportId,
        body: &Value,
        if_match: Option<&str>,
    ) -> CoreResult<ImportJob> {
        let cur = self.get(actor, id).await?;
        Self::require(actor, cur.entity)?;
        super::check_if_match(if_match, &cur.etag())?;
        let (mapping, on_duplicate) = parse_start(body)?;
        if cur.status != ImportStatus::Uploaded {
            return Err(CoreError::conflict(
                "not_startable",
                Some("status"),
                format!(
                    "the import is {}; only an uploaded one starts",
                    cur.status.as_str()
                ),
            ));
        }
        let mapping = mapping.unwrap_or_else(|| cur.suggested_mapping.clone());
        let defs = self.defs(cur.entity).await?;
        let on_duplicate = on_duplicate.unwrap_or(OnDuplicate::Skip);
        let mut errors =
            import::check_mapping(cur.entity, &mapping, &cur.columns, &defs, on_duplicate);
        if on_duplicate == OnDuplicate::Update && cur.entity == ImportEntity::Transactions {
            // A transaction is changed by its own rules (status transitions, refunds), not by
            // merging cells into it.
            errors.push(FieldError::new(
                "on_duplicate",
                "not_supported",
                "transactions cannot be updated by an import: use skip or reject",
            ));
        }
        if !errors.is_empty() {
            return Err(CoreError::Validation(errors));
        }
        let mut next = cur.clone();
        next.mapping = Some(mapping);
        next.on_duplicate = on_duplicate;
        next.status = ImportStatus::Queued;
        self.write(&cur, next, "queued", Some(actor)).await
    }

    /// Cancels a job that has not ended. Batches committed before stay committed; the batch
    /// being read is dropped.
    pub async fn cancel(
        &self,
        actor: &Actor,
        id: ImportId,
        if_match: Option<&str>,
    ) -> CoreResult<ImportJob> {
        // Without If-Match, a batch committed between the read and the write is no reason to
        // fail: read again and retry.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let cur = self.get(actor, id).await?;
            super::check_if_match(if_match, &cur.etag())?;
            if cur.status.is_final() {
                return Err(CoreError::conflict(
                    "already_ended",
                    Some("status"),
                    format!("the import is {} already", cur.status.as_str()),
                ));
            }
            let mut next = cur.clone();
            next.status = ImportStatus::Cancelled;
            next.finished_at = Some(crate::time::now());
            match self.write(&cur, next, "cancelled", Some(actor)).await {
                Err(CoreError::Conflict { .. }) if if_match.is_none() && attempt < 10 => {
                    super::backoff(attempt).await;
                }
                r => return r,
            }
        }
    }

    /// Rejected rows of a job, by row number.
    pub async fn rejections(
        &self,
        actor: &Actor,
        id: ImportId,
        after_row: i64,
        limit: u32,
    ) -> CoreResult<Vec<ImportRejection>> {
        self.get(actor, id).await?;
        self.store.import_rejections(id, after_row, limit).await
    }

    /// Ends a job (completed or failed) on behalf of the worker.
    pub async fn finish(
        &self,
        cur: &ImportJob,
        status: ImportStatus,
        error: Option<String>,
    ) -> CoreResult<ImportJob> {
        let mut next = cur.clone();
        next.status = status;
        next.error = error;
        next.finished_at = Some(crate::time::now());
        self.write(cur, next, status.as_str(), None).await
    }

    async fn write(
        &self,
        cur: &ImportJob,
        mut next: ImportJob,
        action: &str,
        actor: Option<&Actor>,
    ) -> CoreResult<ImportJob> {
        next.version = cur.version + 1;
        next.updated_at = crate::time::now();
        let ev = job_event(&next, action, actor);
        if !self.store.update_import(&next, cur.version, &ev).await? {
            return Err(CoreError::conflict(
                "version_mismatch",
                None,
                "the import changed meanwhile; read it again",
            ));
        }
        self.bus.committed();
        Ok(next)
    }
}

fn may_see(actor: &Actor, j: &ImportJob) -> bool {
    actor.role == Role::Admin || j.created_by == actor.user_id
}

/// `import.<action>`: the job's status and counters (as `{"after": value}` changes), visible to
/// its creator (and admins).
pub fn job_event(job: &ImportJob, action: &str, actor: Option<&Actor>) -> Event {
    let mut state = serde_json::Map::new();
    state.insert("status".into(), Value::from(job.status.as_str()));
    state.insert("entity".into(), Value::from(job.entity.as_str()));
    if let Ok(Value::Object(p)) = serde_json::to_value(job.progress) {
        state.extend(p);
    }
    if let Some(e) = &job.error {
        state.insert("error".into(), Value::from(e.as_str()));
    }
    let changes = state
        .into_iter()
        .map(|(k, v)| (k, serde_json::json!({ "after": v })))
        .collect();
    Event::new(
        ENTITY,
        job.id.0,
        action,
        Some(actor.map_or(job.created_by, |a| a.user_id)),
        changes,
    )
    .with_ownership(Some(job.created_by), None)
}

type StartOptions = (Option<BTreeMap<String, String>>, Option<OnDuplicate>);

fn parse_start(body: &Value) -> CoreResult<StartOptions> {
    let Some(obj) = body.as_object() else {
        return Err(CoreError::invalid(
            "",
            "invalid_type",
            "must be a JSON object",
        ));
    };
    let mut errors = Vec::new();
    for k in obj.keys() {
        if k != "mapping" && k != "on_duplicate" {
            errors.push(FieldError::new(k, "unknown_field", "is not a start option"));
        }
    }
    let mapping = match obj.get("mapping") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            let mut out = BTreeMap::new();
            for (col, f) in m {
                match f.as_str() {
                    Some(f) => {
                        out.insert(col.clone(), f.to_owned());
                    }
                    None => errors.push(FieldError::new(
                        format!("mapping.{col}"),
                        "invalid_type",
                        "must be a field name",
                    )),
                }
            }
            Some(out)
        }
        Some(_) => {
            errors.push(FieldError::new(
                "mapping",
                "invalid_type",
                "must be an object of column → field",
            ));
            None
        }
    };
    let on_duplicate =
        import::parse_choice::<OnDuplicate>(obj.get("on_duplicate"), OnDuplicate::NAMES)
            .unwrap_or_else(|m| {
                errors.push(FieldError::new("on_duplicate", "invalid_choice", m));
                None
            });
    if !errors.is_empty() {
        return Err(CoreError::Validation(errors));
    }
    Ok((mapping, on_duplicate))
}
