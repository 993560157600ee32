//! The custom-field values of records — customers, deals, products, activities and
//! transactions alike, through
//! [`HasCustomFields`]: loading an entity's live definitions, checking the values of creates,
//! updates and batches (422 naming `attributes.<key>`), unique values repeated in a batch or held
//! already, and typing `cf.<key>` filters and sorts. The record services call these; the store
//! keeps the uniqueness index in the record write's transaction.

use crate::custom_field::{
    CustomCriteria, CustomField, CustomFieldEntity, HasCustomFields, check_attributes,
};
use crate::error::{CoreError, CoreResult, FieldError};
use crate::memo::Memo;
use crate::store::Store;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The live definitions of each entity, kept in process (a [`Memo`]) so that a record write
/// does not read them from the store each time (on PostgreSQL that read is a round trip of its
/// own). The custom-field service forgets them after each definition write it commits; every
/// instance forgets them on `custom_field.*` events.
///
/// The store's uniqueness index does not depend on this: it reads the definitions inside the
/// record write's own transaction (see the store's `custom_fields.rs`).
#[derive(Clone)]
pub struct FieldDefs(Memo<CustomFieldEntity, Arc<Vec<CustomField>>>);

impl FieldDefs {
    /// Definitions kept for at most `ttl`.
    pub fn cached(ttl: Duration) -> Self {
        Self(Memo::cached(ttl, 64))
    }

    /// No cache: every call reads the store.
    pub fn uncached() -> Self {
        Self(Memo::uncached())
    }

    /// The live definitions of `entity`, by position.
    pub async fn get(
        &self,
        store: &dyn Store,
        entity: CustomFieldEntity,
    ) -> CoreResult<Arc<Vec<CustomField>>> {
        self.0
            .get(entity, || async move {
                Ok(Arc::new(store.custom_field_definitions(entity).await?))
            })
            .await
    }

    /// Drops every entity's definitions (a definition changed somewhere).
    pub fn forget(&self) {
        self.0.forget();
    }
}

/// 422 unless the attributes of a new record of `entity` fit its live definitions (required
/// fields included).
pub(crate) async fn check_create(
    fields: &FieldDefs,
    store: &dyn Store,
    entity: CustomFieldEntity,
    attributes: &Map<String, Value>,
) -> CoreResult<()> {
    let defs = fields.get(store, entity).await?;
    into_result(check_attributes(&defs, attributes, None, "", true))
}

/// 422 unless the attributes of an update fit the live definitions. Only updates that send
/// `attributes` are checked, and values unchanged from `cur` pass (values stored before their
/// field was defined do not block unrelated edits).
pub(crate) async fn check_update<R: HasCustomFields>(
    fields: &FieldDefs,
    store: &dyn Store,
    cur: &R,
    next: &R,
    sent: bool,
) -> CoreResult<()> {
    if !sent {
        return Ok(());
    }
    let defs = fields.get(store, R::ENTITY).await?;
    check_change(&defs, cur, next)
}

/// 422 unless the attributes of `next` fit the definitions `defs` (loaded beforehand, for a
/// change made where nothing can be awaited); values unchanged from `cur` pass.
pub(crate) fn check_change<R: HasCustomFields>(
    defs: &[CustomField],
    cur: &R,
    next: &R,
) -> CoreResult<()> {
    into_result(check_attributes(
        defs,
        next.attributes(),
        Some(cur.attributes()),
        "",
        true,
    ))
}

fn into_result(errors: Vec<FieldError>) -> CoreResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CoreError::Validation(errors))
    }
}

/// Values of `unique` fields repeated within a batch of new records, or already held by live
/// records, as errors of the items (`items[i].attributes.<key>`); `positions` holds the item
/// index of each record of `built`.
pub(crate) async fn unique_in_batch<R: HasCustomFields>(
    store: &dyn Store,
    defs: &[CustomField],
    built: &[R],
    positions: &[usize],
) -> CoreResult<Vec<FieldError>> {
    let mut errors = Vec::new();
    for d in defs.iter().filter(|d| d.unique) {
        let mut first: HashMap<String, usize> = HashMap::new();
        for (&i, r) in positions.iter().zip(built) {
            let Some(v) = d.unique_key(r.attributes().get(&d.key)) else {
                continue;
            };
            if let Some(j) = first.get(&v) {
                errors.push(FieldError::new(
                    d.path(&format!("items[{i}]")),
                    "duplicate_in_batch",
                    format!("same value as items[{j}]"),
                ));
            } else {
                first.insert(v, i);
            }
        }
        let values: Vec<String> = first.keys().cloned().collect();
        if values.is_empty() {
            continue;
        }
        for taken in store.custom_field_values_taken(d.id, &values).await? {
            if let Some(i) = first.get(&taken) {
                errors.push(FieldError::new(
                    d.path(&format!("items[{i}]")),
                    "value_taken",
                    format!("another {} holds this value", R::ENTITY.noun()),
                ));
            }
        }
    }
    Ok(errors)
}

/// Types a list query's `cf.<key>` filters and sort with the live definitions of `entity` (422
/// naming `cf.<key>` or `sort` when they do not fit). Already resolved criteria are kept.
pub(crate) async fn resolve(
    fields: &FieldDefs,
    store: &dyn Store,
    entity: CustomFieldEntity,
    custom: &mut CustomCriteria,
) -> CoreResult<()> {
    if custom.is_resolved() {
        return Ok(());
    }
    let defs = fields.get(store, entity).await?;
    custom.resolve(&defs).map_err(CoreError::Validation)
}
