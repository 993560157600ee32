//! `on_duplicate=update` for customers and products: a row whose key (a customer's e-mail, a
//! product's SKU; case-insensitive) belongs to a live record is merged into it the way a PATCH
//! changes it — the same service code checks and builds the change and its `<entity>.updated`
//! event — and the change commits with the batch and its checkpoint, so a restarted job never
//! applies a row twice. Rows whose key is new are created as in `skip` mode, in bulk.
//!
//! The merge: the row's mapped, non-empty cells become the patch (empty cells leave the field
//! as it is); the key column itself is not rewritten (its case stays as stored); `cf.<key>` cells
//! are merged into the record's custom-field values (the others stay) and checked as a PATCH
//! checks them; `tags` replaces the tags. A customer's `kind` cannot change (a row giving
//! another kind is refused, as a PATCH is). Several rows with one key: they apply in file order,
//! each to what the rows before it left — a later row updates the record an earlier row of the
//! file created (merged into the new record when both are in one batch) or updated.
//!
//! Reach: a row may change only a customer the importer may write (a PATCH's rule). Any other is
//! refused with `not_permitted` on the key column, the same answer whether the customer is one
//! the importer may read or one it cannot see: all the row learns is that the e-mail is taken,
//! which a create tells anyone who may create customers (`email_taken`) — never the record's id,
//! owner or values.

use super::rejected::refused_rows;
use super::worker::Checked;
use super::{ImportEntity, ImportJob, ImportRecords, ImportRejection, ImportUpdate};
use crate::auth::{Actor, Permission};
use crate::custom_field::{CustomField, HasCustomFields};
use crate::customer::{Customer, CustomerPatch};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::event::Event;
use crate::product::{Product, ProductPatch};
use crate::services::Services;
use crate::services::products::created_event;
use crate::validate::Patch;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The rows of a batch that passed the cell checks: create bodies, each with its row number and
/// cells.
pub(super) struct Rows<'a> {
    pub items: Vec<Value>,
    pub item_rows: Vec<(i64, &'a [String])>,
}

/// Checks a batch of customers or products in update mode: new keys become records to create,
/// taken ones changes of the stored records.
pub(super) async fn check(
    services: &Services,
    job: &ImportJob,
    actor: &Actor,
    mapping: &BTreeMap<String, String>,
    rows: Rows<'_>,
    rejections: Vec<ImportRejection>,
) -> CoreResult<Checked> {
    match job.entity {
        ImportEntity::Customers => {
            Upsert::<Customers>::new(services, job, actor, mapping, rows, rejections)
                .run()
                .await
        }
        _ => {
            Upsert::<Products>::new(services, job, actor, mapping, rows, rejections)
                .run()
                .await
        }
    }
}

/// What differs between customers and products.
trait Kind {
    type Rec: Clone + HasCustomFields;
    type Patch;
    /// The field holding the key.
    const KEY: &'static str;
    /// "a customer with this e-mail", for messages.
    const WHO: &'static str;
    fn key_of(r: &Self::Rec) -> Option<String>;
    fn version(r: &Self::Rec) -> i64;
    async fn stored(s: &Services, keys: &[String]) -> CoreResult<Vec<Self::Rec>>;
    #[allow(clippy::type_complexity)]
    async fn check_creates(
        s: &Services,
        actor: &Actor,
        items: &[Value],
    ) -> CoreResult<(Vec<(usize, Self::Rec)>, BTreeMap<usize, Vec<FieldError>>)>;
    fn may_write(actor: &Actor, cur: &Self::Rec) -> bool;
    /// The patch a row makes of `cur`: its cells, without the key, custom fields merged.
    fn patch(body: &Value, cur: &Self::Rec) -> Result<Self::Patch, Vec<FieldError>>;
    async fn prepare(
        s: &Services,
        actor: &Actor,
        cur: &Self::Rec,
        patch: &Self::Patch,
    ) -> CoreResult<Option<(Self::Rec, Event)>>;
    /// `next` made of a record created by this batch: still new (version, update time).
    fn still_new(next: &mut Self::Rec, created: &Self::Rec);
    fn update(next: Self::Rec, expected_version: i64, event: Event) -> ImportUpdate;
    fn records(actor: &Actor, created: Vec<Self::Rec>) -> ImportRecords;
}

struct Customers;
struct Products;

/// The body without `fields`.
fn without(body: &Value, fields: &[&str]) -> Value {
    match body {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !fields.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Patch attributes `sent` over the stored ones: the values given replace theirs, the others
/// stay.
fn merged(stored: &Map<String, Value>, sent: &mut Patch<Map<String, Value>>) {
    if let Patch::Value(given) = sent {
        let mut all = stored.clone();
        all.extend(std::mem::take(given));
        *given = all;
    }
}

/// The lower-cased text of `field`, the form keys are compared in.
fn text_key(body: &Value, field: &str) -> Option<String> {
    body.get(field)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
}

impl Kind for Customers {
    type Rec = Customer;
    type Patch = CustomerPatch;
    const KEY: &'static str = "email";
    const WHO: &'static str = "a customer with this e-mail";

    fn key_of(r: &Customer) -> Option<String> {
        r.email_normalized()
    }
    fn version(r: &Customer) -> i64 {
        r.version
    }
    async fn stored(s: &Services, keys: &[String]) -> CoreResult<Vec<Customer>> {
        s.store.live_customers_by_keys(&[], keys).await
    }
    async fn check_creates(
        s: &Services,
        actor: &Actor,
        items: &[Value],
    ) -> CoreResult<(Vec<(usize, Customer)>, BTreeMap<usize, Vec<FieldError>>)> {
        s.customers.check_import_rows(actor, items).await
    }
    fn may_write(actor: &Actor, cur: &Customer) -> bool {
        actor.can_write_record(cur.ownership())
    }
    fn patch(body: &Value, cur: &Customer) -> Result<CustomerPatch, Vec<FieldError>> {
        // The key stays as stored; a kind equal to the record's is no change.
        let mut left_out = vec!["email"];
        if body.get("kind").and_then(Value::as_str) == Some(cur.kind.as_str()) {
            left_out.push("kind");
        }
        let mut p = CustomerPatch::parse(&without(body, &left_out))?;
        merged(&cur.attributes, &mut p.attributes);
        Ok(p)
    }
    async fn prepare(
        s: &Services,
        actor: &Actor,
        cur: &Customer,
        patch: &CustomerPatch,
    ) -> CoreResult<Option<(Customer, Event)>> {
        s.customers.prepare_update(actor, cur, patch).await
    }
    fn still_new(next: &mut Customer, created: &Customer) {
        next.version = created.version;
        next.updated_at = created.updated_at;
    }
    fn update(next: Customer, expected_version: i64, event: Event) -> ImportUpdate {
        ImportUpdate::Customer {
            next,
            expected_version,
            event,
        }
    }
    fn records(_: &Actor, created: Vec<Customer>) -> ImportRecords {
        ImportRecords::Customers(created)
    }
}

impl Kind for Products {
    type Rec = Product;
    type Patch = ProductPatch;
    const KEY: &'static str = "sku";
    const WHO: &'static str = "a product with this SKU";

    fn key_of(r: &Product) -> Option<String> {
        Some(r.sku_normalized())
    }
    fn version(r: &Product) -> i64 {
        r.version
    }
    async fn stored(s: &Services, keys: &[String]) -> CoreResult<Vec<Product>> {
        s.store.products_with_skus(keys).await
    }
    async fn check_creates(
        s: &Services,
        actor: &Actor,
        items: &[Value],
    ) -> CoreResult<(Vec<(usize, Product)>, BTreeMap<usize, Vec<FieldError>>)> {
        let (ok, refused) = s.products.check_import_rows(actor, items).await?;
        // The events are made again once rows of the batch have been merged into them.
        Ok((ok.into_iter().map(|(i, (p, _))| (i, p)).collect(), refused))
    }
    fn may_write(actor: &Actor, _: &Product) -> bool {
        actor.has(Permission::ProductsWrite)
    }
    fn patch(body: &Value, cur: &Product) -> Result<ProductPatch, Vec<FieldError>> {
        let mut p = ProductPatch::parse(&without(body, &["sku"]))?;
        merged(&cur.attributes, &mut p.attributes);
        Ok(p)
    }
    async fn prepare(
        s: &Services,
        actor: &Actor,
        cur: &Product,
        patch: &ProductPatch,
    ) -> CoreResult<Option<(Product, Event)>> {
        s.products.prepare_update(actor, cur, patch).await
    }
    fn still_new(next: &mut Product, created: &Product) {
        next.version = created.version;
        next.updated_at = created.updated_at;
    }
    fn update(next: Product, expected_version: i64, event: Event) -> ImportUpdate {
        ImportUpdate::Product {
            next,
            expected_version,
            event,
        }
    }
    fn records(actor: &Actor, created: Vec<Product>) -> ImportRecords {
        ImportRecords::Products(
            created
                .into_iter()
                .map(|p| {
                    let ev = created_event(actor, &p);
                    (p, ev)
                })
                .collect(),
        )
    }
}

/// Where a key's record stands while the batch is checked.
enum Target<R> {
    /// A stored record: as the rows so far left it.
    Stored(R),
    /// Created by the batch: the item index of its create.
    New(usize),
}

struct Upsert<'a, 'r, K: Kind> {
    services: &'a Services,
    job: &'a ImportJob,
    actor: &'a Actor,
    mapping: &'a BTreeMap<String, String>,
    rows: Rows<'r>,
    rejections: Vec<ImportRejection>,
    _kind: std::marker::PhantomData<K>,
}

impl<'a, 'r, K: Kind> Upsert<'a, 'r, K> {
    fn new(
        services: &'a Services,
        job: &'a ImportJob,
        actor: &'a Actor,
        mapping: &'a BTreeMap<String, String>,
        rows: Rows<'r>,
        rejections: Vec<ImportRejection>,
    ) -> Self {
        Self {
            services,
            job,
            actor,
            mapping,
            rows,
            rejections,
            _kind: std::marker::PhantomData,
        }
    }

    fn refuse(&mut self, i: usize, errors: Vec<FieldError>) {
        let mut one = BTreeMap::new();
        one.insert(0, errors);
        let row = [self.rows.item_rows[i]];
        self.rejections
            .extend(refused_rows(self.job, self.mapping, &row, one));
    }

    async fn run(mut self) -> CoreResult<Checked> {
        let keys: Vec<Option<String>> = self
            .rows
            .items
            .iter()
            .map(|b| text_key(b, K::KEY))
            .collect();
        let distinct: Vec<String> = keys
            .iter()
            .flatten()
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut targets: HashMap<String, Target<K::Rec>> = HashMap::new();
        if !distinct.is_empty() {
            for r in K::stored(self.services, &distinct).await? {
                if let Some(k) = K::key_of(&r) {
                    targets.insert(k, Target::Stored(r));
                }
            }
        }
        // Creates, in rounds: the first row of each new key is a create; a later row with the
        // key updates that create if it was accepted, or is a create of the next round if not.
        let mut created: BTreeMap<usize, K::Rec> = BTreeMap::new();
        let mut updates_of_new: Vec<usize> = Vec::new();
        let mut pending: Vec<usize> = (0..self.rows.items.len())
            .filter(|&i| {
                keys[i]
                    .as_ref()
                    .is_none_or(|k| !matches!(targets.get(k), Some(Target::Stored(_))))
            })
            .collect();
        while !pending.is_empty() {
            let mut round = Vec::new();
            let mut wait = Vec::new();
            let mut seen = HashSet::new();
            for i in pending {
                match &keys[i] {
                    Some(k) if targets.contains_key(k) => updates_of_new.push(i),
                    Some(k) if !seen.insert(k.clone()) => wait.push(i),
                    _ => round.push(i),
                }
            }
            if !round.is_empty() {
                let bodies: Vec<Value> =
                    round.iter().map(|&i| self.rows.items[i].clone()).collect();
                let (ok, refused) = K::check_creates(self.services, self.actor, &bodies).await?;
                for (j, rec) in ok {
                    let i = round[j];
                    if let Some(k) = &keys[i] {
                        targets.insert(k.clone(), Target::New(i));
                    }
                    created.insert(i, rec);
                }
                let rows: Vec<(i64, &[String])> =
                    round.iter().map(|&i| self.rows.item_rows[i]).collect();
                self.rejections
                    .extend(refused_rows(self.job, self.mapping, &rows, refused));
            }
            pending = wait;
        }
        // Values of unique custom fields the batch gives records: those of the new ones, then
        // those the changes set, in file order (a value another record holds refuses the row,
        // as it would refuse a PATCH, instead of failing the batch at its commit).
        let unique: Vec<CustomField> = self
            .services
            .store
            .custom_field_definitions(<K::Rec as HasCustomFields>::ENTITY)
            .await?
            .into_iter()
            .filter(|d| d.unique)
            .collect();
        let mut claimed: HashSet<(String, String)> = created
            .values()
            .flat_map(|r| unique_values(&unique, r))
            .collect();
        // Changes, in file order.
        let mut changing: Vec<usize> = (0..self.rows.items.len())
            .filter(|&i| {
                keys[i]
                    .as_ref()
                    .is_some_and(|k| matches!(targets.get(k), Some(Target::Stored(_))))
            })
            .chain(updates_of_new)
            .collect();
        changing.sort_unstable();
        let mut updates = Vec::new();
        let mut updated_rows = 0;
        for i in changing {
            let Some(k) = keys[i].clone() else { continue };
            let (cur, new_at) = match targets.get(&k) {
                Some(Target::Stored(r)) => (r.clone(), None),
                Some(Target::New(at)) => match created.get(at) {
                    Some(r) => (r.clone(), Some(*at)),
                    None => continue,
                },
                None => continue,
            };
            let mut change = self.change(i, &cur).await?;
            if let Ok(Some((next, _))) = &change {
                let fresh: Vec<(String, String)> = unique_values(&unique, next)
                    .into_iter()
                    .filter(|kv| !unique_values(&unique, &cur).contains(kv))
                    .collect();
                let taken = self.taken(&unique, &fresh, &claimed).await?;
                if taken.is_empty() {
                    claimed.extend(fresh);
                } else {
                    change = Err(taken);
                }
            }
            match change {
                Err(errors) => self.refuse(i, errors),
                Ok(None) => updated_rows += 1,
                Ok(Some((mut next, ev))) => {
                    updated_rows += 1;
                    match new_at {
                        Some(at) => {
                            K::still_new(&mut next, &cur);
                            created.insert(at, next);
                        }
                        None => {
                            updates.push(K::update(next.clone(), K::version(&cur), ev));
                            targets.insert(k, Target::Stored(next));
                        }
                    }
                }
            }
        }
        let accepted_rows = created.len() as i64;
        Ok(Checked {
            records: K::records(self.actor, created.into_values().collect()),
            accepted_rows,
            updates,
            updated_rows,
            rejections: self.rejections,
        })
    }

    /// The errors of the unique values (key, value) a change gives that the batch or a stored
    /// record holds already.
    async fn taken(
        &self,
        unique: &[CustomField],
        fresh: &[(String, String)],
        claimed: &HashSet<(String, String)>,
    ) -> CoreResult<Vec<FieldError>> {
        let mut errors = Vec::new();
        for (key, value) in fresh {
            let Some(d) = unique.iter().find(|d| d.key == *key) else {
                continue;
            };
            let held = claimed.contains(&(key.clone(), value.clone()))
                || !self
                    .services
                    .store
                    .custom_field_values_taken(d.id, std::slice::from_ref(value))
                    .await?
                    .is_empty();
            if held {
                errors.push(FieldError::new(
                    d.path(""),
                    "value_taken",
                    format!(
                        "another {} holds this value",
                        <K::Rec as HasCustomFields>::ENTITY.noun()
                    ),
                ));
            }
        }
        Ok(errors)
    }

    /// What row `i` makes of `cur`: the change (`None`: nothing to change) or why it is refused.
    #[allow(clippy::type_complexity)]
    async fn change(
        &self,
        i: usize,
        cur: &K::Rec,
    ) -> CoreResult<Result<Option<(K::Rec, Event)>, Vec<FieldError>>> {
        if !K::may_write(self.actor, cur) {
            return Ok(Err(vec![FieldError::new(
                K::KEY,
                "not_permitted",
                format!("{} exists and you may not change it", K::WHO),
            )]));
        }
        let patch = match K::patch(&self.rows.items[i], cur) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        match K::prepare(self.services, self.actor, cur, &patch).await {
            Ok(change) => Ok(Ok(change)),
            Err(CoreError::Validation(e)) => Ok(Err(e)),
            // Within reach: what is not permitted is the reassignment.
            Err(CoreError::Forbidden) => Ok(Err(vec![FieldError::new(
                "owner_id",
                "not_permitted",
                "you may not reassign this record",
            )])),
            Err(CoreError::Conflict {
                code,
                field,
                message,
            }) => Ok(Err(vec![FieldError::new(
                field.unwrap_or_else(|| K::KEY.to_owned()),
                code,
                message,
            )])),
            Err(e) => Err(e),
        }
    }
}

/// The values of `record` for the `unique` fields, as (key, comparable value).
fn unique_values<R: HasCustomFields>(unique: &[CustomField], record: &R) -> Vec<(String, String)> {
    unique
        .iter()
        .filter_map(|d| {
            d.unique_key(record.attributes().get(&d.key))
                .map(|v| (d.key.clone(), v))
        })
        .collect()
}
