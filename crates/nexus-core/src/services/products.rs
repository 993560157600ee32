//! Product service: the catalogue. Every role reads it; admins and managers change it
//! (`products:write`). Products have no owner.

use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::cache::{RecordKind, Records};
use crate::custom_field::{CustomField, CustomFieldEntity, check_attributes};
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::ProductId;
use crate::product::{NewProduct, Product, ProductPatch, ProductQuery};
use crate::services::custom_values::{self, FieldDefs};
use crate::store::Store;
use std::sync::Arc;

/// Optimistic-concurrency retries of an update without `If-Match` before answering 409.
const UPDATE_ATTEMPTS: u64 = 30;
const ENTITY: &str = "product";

#[derive(Clone)]
pub struct ProductService {
    store: Arc<dyn Store>,
    bus: EventBus,
    records: Records,
    fields: FieldDefs,
}

impl ProductService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, fields: FieldDefs) -> Self {
        Self {
            store,
            bus,
            records: Records::disabled(),
            fields,
        }
    }

    /// The same service reading single products through `records`.
    pub fn with_records(mut self, records: Records) -> Self {
        self.records = records;
        self
    }

    pub async fn create(&self, actor: &Actor, input: NewProduct) -> CoreResult<Product> {
        actor.require(Permission::ProductsWrite)?;
        custom_values::check_create(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Product,
            &input.attributes,
        )
        .await?;
        let p = input.into_product();
        let ev = created_event(actor, &p);
        self.store.insert_product(&p, &ev).await?;
        self.bus.committed();
        Ok(p)
    }

    /// Checks the rows of an import batch as a create would: returns the products to create,
    /// each with its `product.created` event and item index, and the errors of every refused
    /// item by index. A SKU held by a live product or by an earlier item is `sku_taken` /
    /// `duplicate_in_batch` (the import counts such rows as duplicates); custom-field values are
    /// checked as on create, unique ones also across the batch. Nothing is written.
    pub async fn check_import_rows(
        &self,
        actor: &Actor,
        items: &[serde_json::Value],
    ) -> CoreResult<(
        Vec<(usize, (Product, Event))>,
        std::collections::BTreeMap<usize, Vec<crate::error::FieldError>>,
    )> {
        use crate::error::FieldError;
        actor.require(Permission::ProductsWrite)?;
        let mut refused: std::collections::BTreeMap<usize, Vec<FieldError>> = Default::default();
        let mut built = Vec::with_capacity(items.len());
        let mut first: std::collections::HashMap<String, usize> = Default::default();
        let defs = self.custom_fields().await?;
        for (i, item) in items.iter().enumerate() {
            match NewProduct::parse(item) {
                Ok(input) => {
                    let errors = check_attributes(&defs, &input.attributes, None, "", true);
                    if !errors.is_empty() {
                        refused.insert(i, errors);
                        continue;
                    }
                    let p = input.into_product();
                    if let Some(j) = first.get(&p.sku_normalized()) {
                        refused.entry(i).or_default().push(FieldError::new(
                            "sku",
                            "duplicate_in_batch",
                            format!("same SKU as items[{j}]"),
                        ));
                    } else {
                        first.insert(p.sku_normalized(), i);
                        built.push((i, p));
                    }
                }
                Err(e) => {
                    refused.insert(i, e);
                }
            }
        }
        let skus: Vec<String> = first.keys().cloned().collect();
        let taken: std::collections::HashSet<String> = if skus.is_empty() {
            Default::default()
        } else {
            self.store
                .products_with_skus(&skus)
                .await?
                .iter()
                .map(Product::sku_normalized)
                .collect()
        };
        let (positions, products): (Vec<usize>, Vec<Product>) = built.into_iter().unzip();
        for mut e in
            custom_values::unique_in_batch(&*self.store, &defs, &products, &positions).await?
        {
            // `items[i].attributes.<key>` → row i, field `attributes.<key>`.
            let i = e
                .field
                .strip_prefix("items[")
                .and_then(|r| r.split_once("]."))
                .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest.to_owned())));
            if let Some((i, rest)) = i {
                e.field = rest;
                refused.entry(i).or_default().push(e);
            }
        }
        let mut accepted = Vec::with_capacity(products.len());
        for (i, p) in positions.into_iter().zip(products) {
            if refused.contains_key(&i) {
                continue;
            }
            if taken.contains(&p.sku_normalized()) {
                refused.entry(i).or_default().push(FieldError::new(
                    "sku",
                    "sku_taken",
                    "a product with this SKU exists",
                ));
                continue;
            }
            let ev = created_event(actor, &p);
            accepted.push((i, (p, ev)));
        }
        Ok((accepted, refused))
    }

    /// A live product; deleted and unknown ones are "not found". Served from the record cache
    /// when it holds the product; the checks run on every read all the same.
    pub async fn get(&self, actor: &Actor, id: ProductId) -> CoreResult<Product> {
        actor
            .require(Permission::ProductsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let stored = self
            .records
            .read(RecordKind::Product, id.0, || self.store.get_product(id))
            .await?;
        live(stored)
    }

    /// [`Self::get`] from the store, never the cache: what a write starts from.
    async fn current(&self, actor: &Actor, id: ProductId) -> CoreResult<Product> {
        actor
            .require(Permission::ProductsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        live(self.store.get_product(id).await?)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: ProductId,
        patch: ProductPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Product> {
        for attempt in 0..UPDATE_ATTEMPTS {
            if attempt > 0 {
                super::backoff(attempt).await;
            }
            let cur = self.current(actor, id).await?;
            super::check_if_match(if_match, &cur.etag())?;
            let Some((next, ev)) = self.prepare_update(actor, &cur, &patch).await? else {
                return Ok(cur);
            };
            if self.store.update_product(&next, cur.version, &ev).await? {
                self.written(cur.id).await;
                return Ok(next);
            }
            if if_match.is_some() {
                return Err(CoreError::PreconditionFailed);
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the product is being changed by others; retry",
        ))
    }

    /// What a PATCH makes of `cur` (the stored product): the new state, version bumped, with its
    /// `product.updated` event, after the checks of an update; `None` when nothing changes.
    /// Nothing is written: the caller writes it with `cur.version` expected (a PATCH alone, an
    /// import with its batch).
    pub(crate) async fn prepare_update(
        &self,
        actor: &Actor,
        cur: &Product,
        patch: &ProductPatch,
    ) -> CoreResult<Option<(Product, Event)>> {
        actor.require(Permission::ProductsWrite)?;
        let mut next = patch.apply(cur);
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
        let ev = change_event(actor, cur, &next, "updated");
        Ok(Some((next, ev)))
    }

    /// Forgets a product in the record cache (an import's batch that changed it committed).
    pub(crate) async fn evict(&self, id: ProductId) {
        self.records.evict(RecordKind::Product, id.0).await;
    }

    async fn written(&self, id: ProductId) {
        self.bus.committed();
        self.evict(id).await;
    }

    /// Soft delete: the product leaves the catalogue but past transactions keep their lines.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: ProductId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.current(actor, id).await?;
        super::check_if_match(if_match, &cur.etag())?;
        actor.require(Permission::ProductsWrite)?;
        let mut next = cur.clone();
        let now = crate::time::now().max(cur.updated_at);
        next.deleted_at = Some(now);
        next.version += 1;
        next.updated_at = now;
        if !self.write(actor, &cur, &next, "deleted").await? {
            return Err(CoreError::PreconditionFailed);
        }
        Ok(())
    }

    /// Brings a soft-deleted product back (409 if its SKU was taken meanwhile).
    pub async fn restore(&self, actor: &Actor, id: ProductId) -> CoreResult<Product> {
        actor
            .require(Permission::ProductsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let Some(cur) = self.store.get_product(id).await? else {
            return Err(CoreError::not_found(ENTITY));
        };
        actor.require(Permission::ProductsWrite)?;
        if cur.deleted_at.is_none() {
            return Ok(cur);
        }
        let mut next = cur.clone();
        next.deleted_at = None;
        next.version += 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        if !self.write(actor, &cur, &next, "restored").await? {
            return Err(CoreError::PreconditionFailed);
        }
        Ok(next)
    }

    pub async fn list(&self, actor: &Actor, mut q: ProductQuery) -> CoreResult<Vec<Product>> {
        actor.require(Permission::ProductsRead)?;
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Product,
            &mut q.custom,
        )
        .await?;
        self.store.list_products(&q).await
    }

    /// Types the query's `cf.<key>` filters and sort with the live custom-field definitions of
    /// products (422 naming `cf.<key>` or `sort` when they do not fit).
    pub async fn resolve_custom(&self, actor: &Actor, q: &mut ProductQuery) -> CoreResult<()> {
        actor.require(Permission::ProductsRead)?;
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Product,
            &mut q.custom,
        )
        .await
    }

    /// The live custom-field definitions of products, for a reader of the catalogue.
    pub async fn field_definitions(&self, actor: &Actor) -> CoreResult<Arc<Vec<CustomField>>> {
        actor.require(Permission::ProductsRead)?;
        self.custom_fields().await
    }

    async fn custom_fields(&self) -> CoreResult<Arc<Vec<CustomField>>> {
        self.fields
            .get(&*self.store, CustomFieldEntity::Product)
            .await
    }

    /// Writes `next` over `cur` with its event; `false` if `cur` is no longer the stored version.
    async fn write(
        &self,
        actor: &Actor,
        cur: &Product,
        next: &Product,
        action: &str,
    ) -> CoreResult<bool> {
        let ev = change_event(actor, cur, next, action);
        let done = self.store.update_product(next, cur.version, &ev).await?;
        if done {
            self.written(cur.id).await;
        }
        Ok(done)
    }
}

/// `product.created`, for a new product.
pub(crate) fn created_event(actor: &Actor, p: &Product) -> Event {
    Event::new(
        ENTITY,
        p.id.0,
        "created",
        Some(actor.user_id),
        diff(None, Some(p)),
    )
}

/// `product.<action>` from `cur` to `next`.
fn change_event(actor: &Actor, cur: &Product, next: &Product, action: &str) -> Event {
    Event::new(
        ENTITY,
        cur.id.0,
        action,
        Some(actor.user_id),
        diff(Some(cur), Some(next)),
    )
}

fn live(stored: Option<Product>) -> CoreResult<Product> {
    match stored {
        Some(p) if p.deleted_at.is_none() => Ok(p),
        _ => Err(CoreError::not_found(ENTITY)),
    }
}
