//! Customer service: create, read, update, soft delete, restore, batch create, list, history.

use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::cache::{RecordKind, Records};
use crate::custom_field::{CustomField, CustomFieldEntity, check_attributes};
use crate::customer::{Customer, CustomerKind, CustomerPatch, CustomerQuery, NewCustomer};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::event::{Event, diff};
use crate::ids::{CustomerId, EventId};
use crate::services::ai::AiClient;
use crate::services::custom_values::{self, FieldDefs};
use crate::services::ownership::{self, OwnerCache, check_assignment};
use crate::store::Store;
use crate::validate::Patch;
use serde_json::Value;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

pub const BATCH_MAX: usize = 1000;
/// Optimistic-concurrency retries of an update without `If-Match` before answering 409.
const UPDATE_ATTEMPTS: u64 = 30;
const ENTITY: &str = "customer";

#[derive(Clone)]
pub struct CustomerService {
    store: Arc<dyn Store>,
    bus: EventBus,
    ai: AiClient,
    pub(crate) records: Records,
    fields: FieldDefs,
}

impl CustomerService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, ai: AiClient, fields: FieldDefs) -> Self {
        Self {
            store,
            bus,
            ai,
            records: Records::disabled(),
            fields,
        }
    }

    /// The same service reading single customers through `records`.
    pub fn with_records(mut self, records: Records) -> Self {
        self.records = records;
        self
    }

    pub async fn create(&self, actor: &Actor, input: NewCustomer) -> CoreResult<Customer> {
        actor.require(Permission::CustomersWrite)?;
        let defs = self.custom_fields().await?;
        let mut errors = check_attributes(&defs, &input.attributes, None, "", true);
        let mut owners = OwnerCache::of(actor);
        let mut c = match self.build(actor, input, "", &mut owners).await {
            Ok(c) if errors.is_empty() => c,
            Ok(_) => return Err(CoreError::Validation(errors)),
            Err(e) => {
                errors.splice(0..0, e);
                return Err(CoreError::Validation(errors));
            }
        };
        // The creation flow's classification: it needs only the validated profile, so it runs
        // before the one write that stores the customer with its segment (or `pending`).
        self.ai.classify_new(std::slice::from_mut(&mut c)).await;
        let ev = created_event(actor, &c);
        self.store
            .insert_customers(std::slice::from_ref(&c), std::slice::from_ref(&ev))
            .await?;
        self.bus.committed();
        Ok(c)
    }

    /// Creates up to [`BATCH_MAX`] customers in one transaction, or none: every bad item is
    /// reported with its index.
    pub async fn create_batch(&self, actor: &Actor, items: &[Value]) -> CoreResult<Vec<Customer>> {
        actor.require(Permission::CustomersWrite)?;
        if items.is_empty() || items.len() > BATCH_MAX {
            return Err(CoreError::invalid(
                "items",
                "out_of_range",
                format!("must hold 1 to {BATCH_MAX} items"),
            ));
        }
        let mut checked = self.check_items(actor, items).await?;
        if !checked.errors.is_empty() {
            checked.errors.sort_by_key(|e| item_index(&e.field));
            return Err(CoreError::Validation(checked.errors));
        }
        self.ai.classify_new(&mut checked.built).await;
        let events: Vec<Event> = checked
            .built
            .iter()
            .map(|c| created_event(actor, c))
            .collect();
        self.store.insert_customers(&checked.built, &events).await?;
        self.bus.committed();
        Ok(checked.built)
    }

    /// Checks the rows of an import batch as [`Self::create_batch`] checks its items, but
    /// keeps the good ones: returns the customers to create with their item index, and the
    /// errors of every refused item by index (field names without the `items[i].` prefix).
    /// Nothing is written: the import commits the customers with its checkpoint.
    pub async fn check_import_rows(
        &self,
        actor: &Actor,
        items: &[Value],
    ) -> CoreResult<(Vec<(usize, Customer)>, BTreeMap<usize, Vec<FieldError>>)> {
        actor.require(Permission::CustomersWrite)?;
        let checked = self.check_items(actor, items).await?;
        let mut refused: BTreeMap<usize, Vec<FieldError>> = BTreeMap::new();
        for mut e in checked.errors {
            let i = item_index(&e.field);
            let prefix = format!("items[{i}]");
            if let Some(rest) = e.field.strip_prefix(&prefix) {
                e.field = rest.trim_start_matches('.').to_owned();
            }
            refused.entry(i).or_default().push(e);
        }
        let accepted = checked
            .positions
            .into_iter()
            .zip(checked.built)
            .filter(|(i, _)| !refused.contains_key(i))
            .collect();
        Ok((accepted, refused))
    }

    /// Parses and checks create bodies: custom fields, ownership, company links, e-mails
    /// repeated within the items or taken, unique custom-field values. Errors name the item
    /// (`items[i].field`).
    async fn check_items(&self, actor: &Actor, items: &[Value]) -> CoreResult<CheckedItems> {
        let mut errors = Vec::new();
        let mut built = Vec::with_capacity(items.len());
        // The item index of each built customer.
        let mut positions = Vec::with_capacity(items.len());
        let mut owners = OwnerCache::of(actor);
        let mut seen_emails: HashMap<String, usize> = HashMap::new();
        let defs = self.custom_fields().await?;
        for (i, item) in items.iter().enumerate() {
            let prefix = format!("items[{i}]");
            let parsed = NewCustomer::parse(item, &prefix);
            if let Ok(input) = &parsed {
                errors.extend(check_attributes(
                    &defs,
                    &input.attributes,
                    None,
                    &prefix,
                    true,
                ));
            }
            let c = match parsed {
                Ok(input) => self.build(actor, input, &prefix, &mut owners).await,
                Err(e) => Err(e),
            };
            match c {
                Ok(c) => {
                    if let Some(e) = c.email_normalized() {
                        match seen_emails.entry(e) {
                            Entry::Occupied(first) => errors.push(FieldError::new(
                                format!("{prefix}.email"),
                                "duplicate_in_batch",
                                format!("same email as items[{}]", first.get()),
                            )),
                            Entry::Vacant(v) => {
                                v.insert(i);
                            }
                        }
                    }
                    built.push(c);
                    positions.push(i);
                }
                Err(e) => errors.extend(e),
            }
        }
        let emails: Vec<String> = seen_emails.keys().cloned().collect();
        if !emails.is_empty() {
            let taken: HashSet<String> = self
                .store
                .customers_with_emails(&emails)
                .await?
                .into_iter()
                .collect();
            // Every item with a taken e-mail, not only the first of the batch to carry it.
            for (i, c) in positions.iter().zip(&built) {
                if c.email_normalized().is_some_and(|e| taken.contains(&e)) {
                    errors.push(FieldError::new(
                        format!("items[{i}].email"),
                        "email_taken",
                        "a customer with this email exists",
                    ));
                }
            }
        }
        errors
            .extend(custom_values::unique_in_batch(&*self.store, &defs, &built, &positions).await?);
        Ok(CheckedItems {
            built,
            positions,
            errors,
        })
    }

    /// Resolves ownership and the company link of a new customer.
    async fn build(
        &self,
        actor: &Actor,
        input: NewCustomer,
        prefix: &str,
        owners: &mut OwnerCache,
    ) -> Result<Customer, Vec<FieldError>> {
        let path = |f: &str| {
            if prefix.is_empty() {
                f.to_owned()
            } else {
                format!("{prefix}.{f}")
            }
        };
        let mut errors = Vec::new();
        let owner_id = input.owner_id.unwrap_or(actor.user_id);
        let owner_team = match owners.team_of(&*self.store, owner_id).await {
            Ok(Some(t)) => t,
            Ok(None) => {
                errors.push(FieldError::new(
                    path("owner_id"),
                    "unknown_user",
                    "no active user has this id",
                ));
                None
            }
            Err(e) => {
                return Err(vec![FieldError::new(
                    path("owner_id"),
                    "unavailable",
                    e.to_string(),
                )]);
            }
        };
        let team_id = input.team_id.or(owner_team);
        if let Err(e) = check_assignment(actor, owner_id, owner_team, team_id) {
            errors.push(FieldError::new(path(e.0), e.1, e.2));
        }
        let mut company_name = input.company_name.clone();
        if let Some(cid) = input.company_id {
            match self.store.get_customer(cid).await {
                Ok(Some(co))
                    if co.deleted_at.is_none()
                        && co.kind == CustomerKind::Company
                        && actor.can_read_record(co.ownership()) =>
                {
                    company_name = company_name.or(Some(co.name));
                }
                Ok(_) => errors.push(FieldError::new(
                    path("company_id"),
                    "unknown_company",
                    "no company customer with this id",
                )),
                Err(e) => {
                    return Err(vec![FieldError::new(
                        path("company_id"),
                        "unavailable",
                        e.to_string(),
                    )]);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if input.kind == CustomerKind::Company {
            company_name = Some(input.name.clone());
        }
        let now = crate::time::now();
        Ok(Customer {
            id: CustomerId::new(),
            kind: input.kind,
            name: input.name,
            email: input.email.map(|e| e.into_string()),
            phone: input.phone,
            company_id: input.company_id,
            company_name,
            status: input.status,
            owner_id,
            team_id,
            tags: input.tags,
            attributes: input.attributes,
            segment: None,
            segment_status: crate::customer::SegmentStatus::Unscored,
            segment_confidence: None,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
    }

    /// A live customer the actor may read; anything else is "not found". Served from the
    /// record cache when it holds the customer; the checks run on every read all the same.
    pub async fn get(&self, actor: &Actor, id: CustomerId) -> CoreResult<Customer> {
        actor
            .require(Permission::CustomersRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let stored = self
            .records
            .read(RecordKind::Customer, id.0, || self.store.get_customer(id))
            .await?;
        readable(actor, stored)
    }

    /// [`Self::get`] from the store, never the cache: what a write starts from.
    async fn current(&self, actor: &Actor, id: CustomerId) -> CoreResult<Customer> {
        actor
            .require(Permission::CustomersRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        readable(actor, self.store.get_customer(id).await?)
    }

    /// Forgets a customer in the record cache once a write of it committed.
    async fn written(&self, id: CustomerId) {
        self.bus.committed();
        self.records.evict(RecordKind::Customer, id.0).await;
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: CustomerId,
        patch: CustomerPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Customer> {
        for attempt in 0..UPDATE_ATTEMPTS {
            if attempt > 0 {
                // Someone else wrote between our read and write: back off a little and redo.
                tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(
                    0..(2 + 2 * attempt),
                )))
                .await;
            }
            let cur = self.current(actor, id).await?;
            check_if_match(if_match, &cur)?;
            let Some((next, ev)) = self.prepare_update(actor, &cur, &patch).await? else {
                return Ok(cur);
            };
            if self.store.update_customer(&next, cur.version, &ev).await? {
                self.written(id).await;
                return Ok(next);
            }
            if if_match.is_some() {
                return Err(CoreError::PreconditionFailed);
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the customer is being changed by others; retry",
        ))
    }

    /// What a PATCH makes of `cur` (the stored customer): the new state, version bumped, with its
    /// `customer.updated` event, after every check of an update (write reach, reassignment,
    /// company link, custom fields); `None` when nothing changes. Nothing is written: the
    /// caller writes it with `cur.version` expected (a PATCH alone, an import with its batch).
    pub(crate) async fn prepare_update(
        &self,
        actor: &Actor,
        cur: &Customer,
        patch: &CustomerPatch,
    ) -> CoreResult<Option<(Customer, Event)>> {
        if !actor.can_write_record(cur.ownership()) {
            return Err(CoreError::Forbidden);
        }
        let mut next = patch.apply(cur);
        if next.owner_id != cur.owner_id || next.team_id != cur.team_id {
            let mut owners = OwnerCache::of(actor);
            let owner_team = if next.owner_id == cur.owner_id {
                None
            } else {
                match owners.team_of(&*self.store, next.owner_id).await? {
                    Some(t) => t,
                    None => {
                        return Err(CoreError::invalid(
                            "owner_id",
                            "unknown_user",
                            "no active user has this id",
                        ));
                    }
                }
            };
            if patch.team_id.is_absent() && next.owner_id != cur.owner_id {
                next.team_id = owner_team.or(next.team_id);
            }
            if !actor.has(Permission::CustomersReassign) {
                return Err(CoreError::Forbidden);
            }
            if let Err(e) = check_assignment(
                actor,
                next.owner_id,
                owner_team.or(next.team_id),
                next.team_id,
            ) {
                return Err(CoreError::invalid(e.0, e.1, e.2));
            }
        }
        if let Patch::Value(cid) = patch.company_id {
            if cur.kind == CustomerKind::Company {
                return Err(CoreError::invalid(
                    "company_id",
                    "not_allowed",
                    "a company cannot belong to another company",
                ));
            }
            match self.store.get_customer(cid).await? {
                Some(co)
                    if co.deleted_at.is_none()
                        && co.kind == CustomerKind::Company
                        && cid != cur.id
                        && actor.can_read_record(co.ownership()) =>
                {
                    if patch.company_name.is_absent() {
                        next.company_name = Some(co.name);
                    }
                }
                _ => {
                    return Err(CoreError::invalid(
                        "company_id",
                        "unknown_company",
                        "no company customer with this id",
                    ));
                }
            }
        }
        if cur.kind == CustomerKind::Company {
            next.company_name = Some(next.name.clone());
        }
        if next == *cur {
            return Ok(None);
        }
        custom_values::check_update(
            &self.fields,
            &*self.store,
            cur,
            &next,
            !patch.attributes.is_absent(),
        )
        .await?;
        next.version = cur.version + 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        let ev = Event::new(
            ENTITY,
            cur.id.0,
            "updated",
            Some(actor.user_id),
            diff(Some(cur), Some(&next)),
        )
        .with_ownership(Some(next.owner_id), next.team_id);
        Ok(Some((next, ev)))
    }

    /// Forgets a customer in the record cache (an import's batch that changed it committed).
    pub(crate) async fn evict(&self, id: CustomerId) {
        self.records.evict(RecordKind::Customer, id.0).await;
    }

    /// Soft delete: the record disappears from reads and lists but can be restored.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: CustomerId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.current(actor, id).await?;
        check_if_match(if_match, &cur)?;
        if !actor.can_write_record(cur.ownership()) {
            return Err(CoreError::Forbidden);
        }
        let mut next = cur.clone();
        let now = crate::time::now();
        next.deleted_at = Some(now);
        next.version += 1;
        next.updated_at = now.max(cur.updated_at);
        let ev = Event::new(
            ENTITY,
            id.0,
            "deleted",
            Some(actor.user_id),
            diff(Some(&cur), Some(&next)),
        )
        .with_ownership(Some(next.owner_id), next.team_id);
        if !self.store.update_customer(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.written(id).await;
        Ok(())
    }

    pub async fn restore(&self, actor: &Actor, id: CustomerId) -> CoreResult<Customer> {
        actor
            .require(Permission::CustomersRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let cur = match self.store.get_customer(id).await? {
            Some(c) if actor.can_read_record(c.ownership()) => c,
            _ => return Err(CoreError::not_found(ENTITY)),
        };
        if !actor.can_write_record(cur.ownership()) {
            return Err(CoreError::Forbidden);
        }
        if cur.deleted_at.is_none() {
            return Ok(cur);
        }
        if self.store.customer_erased_at(id).await?.is_some() {
            return Err(CoreError::conflict(
                "customer_erased",
                None,
                "the customer's personal data was erased; it cannot be restored",
            ));
        }
        let mut next = cur.clone();
        next.deleted_at = None;
        next.version += 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        let ev = Event::new(
            ENTITY,
            id.0,
            "restored",
            Some(actor.user_id),
            diff(Some(&cur), Some(&next)),
        )
        .with_ownership(Some(next.owner_id), next.team_id);
        if !self.store.update_customer(&next, cur.version, &ev).await? {
            return Err(CoreError::PreconditionFailed);
        }
        self.written(id).await;
        Ok(next)
    }

    /// Lists customers; the query's scope must come from [`Actor::record_scope`].
    pub async fn list(&self, actor: &Actor, mut q: CustomerQuery) -> CoreResult<Vec<Customer>> {
        actor.require(Permission::CustomersRead)?;
        q.scope = actor.record_scope();
        self.resolve_custom(actor, &mut q).await?;
        self.store.list_customers(&q).await
    }

    /// Types the query's `cf.<key>` filters and sort with the live custom-field definitions
    /// (422 naming `cf.<key>` or `sort` when they do not fit). Lists call it; handlers call it
    /// first when they need the resolved sort for the next cursor.
    pub async fn resolve_custom(&self, actor: &Actor, q: &mut CustomerQuery) -> CoreResult<()> {
        actor.require(Permission::CustomersRead)?;
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Customer,
            &mut q.custom,
        )
        .await
    }

    /// The live custom-field definitions of customers, for a reader of customers.
    pub async fn field_definitions(&self, actor: &Actor) -> CoreResult<Arc<Vec<CustomField>>> {
        actor.require(Permission::CustomersRead)?;
        self.custom_fields().await
    }

    /// The live custom-field definitions of customers.
    async fn custom_fields(&self) -> CoreResult<Arc<Vec<CustomField>>> {
        self.fields
            .get(&*self.store, CustomFieldEntity::Customer)
            .await
    }

    /// The change history of a customer (also of a deleted one), oldest first.
    pub async fn history(
        &self,
        actor: &Actor,
        id: CustomerId,
        after: Option<EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>> {
        actor
            .require(Permission::EventsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        match self.store.get_customer(id).await? {
            Some(c) if actor.can_read_record(c.ownership()) => {
                self.store.entity_events(id.0, after, limit).await
            }
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }
}

impl CustomerService {
    /// One page of a customer's timeline, newest first: of the `kinds` asked for (all when
    /// empty), those the actor may read, with activities and deals limited to the actor's scope.
    pub async fn timeline(
        &self,
        actor: &Actor,
        id: CustomerId,
        kinds: &[crate::timeline::TimelineKind],
        before: Option<(crate::time::Timestamp, uuid::Uuid)>,
        limit: u32,
    ) -> CoreResult<Vec<crate::timeline::TimelineItem>> {
        use crate::timeline::{TimelineKind, TimelineQuery};
        actor
            .require(Permission::CustomersRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        match self.store.get_customer(id).await? {
            Some(c) if c.deleted_at.is_none() && actor.can_read_record(c.ownership()) => {}
            _ => return Err(CoreError::not_found(ENTITY)),
        }
        let allowed = [
            (TimelineKind::Activity, Permission::ActivitiesRead),
            (TimelineKind::Transaction, Permission::TransactionsRead),
            (TimelineKind::Deal, Permission::DealsRead),
            (TimelineKind::Customer, Permission::EventsRead),
        ];
        let kinds = allowed
            .into_iter()
            .filter(|(k, p)| (kinds.is_empty() || kinds.contains(k)) && actor.has(*p))
            .map(|(k, _)| k)
            .collect();
        self.store
            .customer_timeline(&TimelineQuery {
                customer: id,
                scope: actor.record_scope(),
                kinds,
                before,
                limit,
            })
            .await
    }
}

/// Items of a batch after [`CustomerService::check_items`].
struct CheckedItems {
    built: Vec<Customer>,
    /// The item index of each built customer.
    positions: Vec<usize>,
    errors: Vec<FieldError>,
}

/// A stored customer as the actor may see it: live and in reach, else "not found".
fn readable(actor: &Actor, stored: Option<Customer>) -> CoreResult<Customer> {
    match stored {
        Some(c) if c.deleted_at.is_none() && actor.can_read_record(c.ownership()) => Ok(c),
        _ => Err(CoreError::not_found(ENTITY)),
    }
}

fn created_event(actor: &Actor, c: &Customer) -> Event {
    Event::new(
        ENTITY,
        c.id.0,
        "created",
        Some(actor.user_id),
        diff(None, Some(c)),
    )
    .with_ownership(Some(c.owner_id), c.team_id)
}

fn check_if_match(if_match: Option<&str>, cur: &Customer) -> CoreResult<()> {
    ownership::check_if_match(if_match, &cur.etag())
}

/// The item index of `items[10].x`, so errors sort by item (stable within one item).
fn item_index(field: &str) -> usize {
    field
        .strip_prefix("items[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX)
}
