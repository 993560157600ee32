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
use crate::store::Store;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The live definitions of each entity, kept in process so that a record write does not read
/// them from the store each time (on PostgreSQL that read is a round trip of its own).
///
/// - The custom-field service forgets them right after each definition write it commits, so
///   on one instance a write that follows sees the new definitions.
/// - Every instance forgets them when a `custom_field.*` event of the log reaches it
///   (`spawn_background` in the API crate), which covers the other instances; the time to live
///   bounds staleness should events stop.
/// - No stale fill: a load that started before a forget is not kept.
///
/// The store's uniqueness index does not depend on this: it reads the definitions inside the
/// record write's own transaction (see the store's `custom_fields.rs`). [`Self::uncached`]
/// (services built alone, in tests) reads the store every time.
#[derive(Clone)]
pub struct FieldDefs(Option<Arc<Mutex<DefsState>>>);

struct DefsState {
    ttl: Duration,
    /// Moves on with every forget; a load keeps its result only if it did not move.
    generation: u64,
    loaded: HashMap<CustomFieldEntity, (Arc<Vec<CustomField>>, Instant)>,
}

impl FieldDefs {
    /// Definitions kept for at most `ttl`.
    pub fn cached(ttl: Duration) -> Self {
        Self(Some(Arc::new(Mutex::new(DefsState {
            ttl,
            generation: 0,
            loaded: HashMap::new(),
        }))))
    }

    /// No cache: every call reads the store.
    pub fn uncached() -> Self {
        Self(None)
    }

    /// The live definitions of `entity`, by position.
    pub async fn get(
        &self,
        store: &dyn Store,
        entity: CustomFieldEntity,
    ) -> CoreResult<Arc<Vec<CustomField>>> {
        let Some(state) = &self.0 else {
            return Ok(Arc::new(store.custom_field_definitions(entity).await?));
        };
        let generation = {
            let s = state.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((defs, at)) = s.loaded.get(&entity)
                && at.elapsed() < s.ttl
            {
                return Ok(defs.clone());
            }
            s.generation
        };
        let defs = Arc::new(store.custom_field_definitions(entity).await?);
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.generation == generation {
            s.loaded.insert(entity, (defs.clone(), Instant::now()));
        }
        Ok(defs)
    }

    /// Drops every entity's definitions (a definition changed somewhere).
    pub fn forget(&self) {
        if let Some(state) = &self.0 {
            let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
            s.generation += 1;
            s.loaded.clear();
        }
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
