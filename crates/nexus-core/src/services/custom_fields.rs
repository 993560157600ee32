//! Custom-field service. Admins (`custom_fields:manage`) define, change, delete and restore the
//! fields of an entity (customers, deals, products, activities, transactions); whoever may read an entity reads its
//! definitions. Stored values are
//! never lost: deleting a definition keeps them in the records' `attributes`, and a change that
//! would reinterpret them (a new type or currency while values exist, removing an option in use)
//! is refused with 409.

use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::custom_field::{
    CustomField, CustomFieldEntity, CustomFieldPatch, CustomFieldQuery, FIELDS_MAX, NewCustomField,
};
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::CustomFieldId;
use crate::services::custom_values::FieldDefs;
use crate::store::Store;
use serde_json::Value;
use std::sync::Arc;

const ENTITY: &str = "custom_field";

#[derive(Clone)]
pub struct CustomFieldService {
    store: Arc<dyn Store>,
    bus: EventBus,
    /// The record services' definitions, forgotten after every write here.
    fields: FieldDefs,
}

/// The permission to read records of an entity, which also reads its field definitions.
fn read_permission(e: CustomFieldEntity) -> Permission {
    match e {
        CustomFieldEntity::Customer => Permission::CustomersRead,
        CustomFieldEntity::Deal => Permission::DealsRead,
        CustomFieldEntity::Product => Permission::ProductsRead,
        CustomFieldEntity::Activity => Permission::ActivitiesRead,
        CustomFieldEntity::Transaction => Permission::TransactionsRead,
    }
}

/// The stored values that a definition would reject: a field cannot be defined (or restored)
/// over values of another shape.
fn accepts_stored(f: &CustomField, values: &[Value]) -> CoreResult<()> {
    let misfits = values
        .iter()
        .filter(|v| !v.is_null() && f.check_value(v).is_err())
        .count();
    if misfits == 0 {
        return Ok(());
    }
    Err(CoreError::conflict(
        "values_exist",
        Some("key"),
        format!(
            "{misfits} record(s) already hold values under attributes.{} that are not valid {} values",
            f.key,
            f.field_type.as_str()
        ),
    ))
}

/// Whether `next` may replace `cur` given the stored values: no new type or currency while
/// values exist, no removed option that a value uses.
fn change_allowed(cur: &CustomField, next: &CustomField, values: &[Value]) -> CoreResult<()> {
    let used: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
    if !used.is_empty() {
        for (field, changed) in [
            ("field_type", cur.field_type != next.field_type),
            ("currency", cur.currency != next.currency),
        ] {
            if changed {
                return Err(CoreError::conflict(
                    "values_exist",
                    Some(field),
                    format!(
                        "{} record(s) hold values of this field; its {field} cannot change",
                        used.len()
                    ),
                ));
            }
        }
    }
    for removed in cur.options.iter().filter(|o| !next.options.contains(o)) {
        let n = used
            .iter()
            .filter(|v| CustomField::uses_option(v, removed))
            .count();
        if n > 0 {
            return Err(CoreError::conflict(
                "option_in_use",
                Some("options"),
                format!("{n} record(s) use the option {removed:?}; change them first"),
            ));
        }
    }
    Ok(())
}

impl CustomFieldService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, fields: FieldDefs) -> Self {
        Self { store, bus, fields }
    }

    pub async fn create(&self, actor: &Actor, input: NewCustomField) -> CoreResult<CustomField> {
        actor.require(Permission::CustomFieldsManage)?;
        if self
            .store
            .custom_field_definitions(input.entity)
            .await?
            .len()
            >= FIELDS_MAX
        {
            return Err(CoreError::invalid(
                "entity",
                "too_many_fields",
                format!("an entity has at most {FIELDS_MAX} custom fields"),
            ));
        }
        let f = input.into_field();
        let ev = event(actor, &f, None, "created");
        let check = |values: &[Value]| accepts_stored(&f, values);
        let written = self.store.insert_custom_field(&f, &ev, &check).await;
        // Also after a failure: an error may arrive after the commit.
        self.fields.forget();
        written?;
        self.bus.committed();
        Ok(f)
    }

    /// A definition the actor may read, deleted ones only when `deleted` is true.
    async fn readable(
        &self,
        actor: &Actor,
        id: CustomFieldId,
        deleted: bool,
    ) -> CoreResult<CustomField> {
        match self.store.get_custom_field(id).await? {
            Some(f)
                if f.deleted_at.is_some() == deleted && actor.has(read_permission(f.entity)) =>
            {
                Ok(f)
            }
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    pub async fn get(&self, actor: &Actor, id: CustomFieldId) -> CoreResult<CustomField> {
        self.readable(actor, id, false).await
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: CustomFieldId,
        patch: &CustomFieldPatch,
        if_match: Option<&str>,
    ) -> CoreResult<CustomField> {
        let cur = self.readable(actor, id, false).await?;
        super::check_if_match(if_match, &cur.etag())?;
        actor.require(Permission::CustomFieldsManage)?;
        let next = patch.apply(&cur).map_err(CoreError::Validation)?;
        if next == cur {
            return Ok(cur);
        }
        let check = |values: &[Value]| change_allowed(&cur, &next, values);
        self.write(actor, &cur, next.clone(), "updated", &check)
            .await
    }

    /// Soft delete: the definition goes, the values stay in the records' `attributes` (no
    /// longer validated, filterable or unique) and come back with a restore.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: CustomFieldId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let cur = self.readable(actor, id, false).await?;
        super::check_if_match(if_match, &cur.etag())?;
        actor.require(Permission::CustomFieldsManage)?;
        let mut next = cur.clone();
        next.deleted_at = Some(crate::time::now());
        self.write(actor, &cur, next, "deleted", &|_: &[Value]| Ok(()))
            .await
            .map(drop)
    }

    /// Brings a deleted definition back: 409 when its key was taken meanwhile, or when values
    /// written while it was gone do not fit it (or, for a unique field, repeat).
    pub async fn restore(&self, actor: &Actor, id: CustomFieldId) -> CoreResult<CustomField> {
        let cur = match self.readable(actor, id, false).await {
            Ok(live) => return Ok(live),
            Err(_) => self.readable(actor, id, true).await?,
        };
        actor.require(Permission::CustomFieldsManage)?;
        let mut next = cur.clone();
        next.deleted_at = None;
        let check = |values: &[Value]| accepts_stored(&cur, values);
        self.write(actor, &cur, next, "restored", &check).await
    }

    /// Definitions of the entities in `q.entities` (all the actor may read when empty).
    pub async fn list(
        &self,
        actor: &Actor,
        mut q: CustomFieldQuery,
    ) -> CoreResult<Vec<CustomField>> {
        if q.entities.is_empty() {
            q.entities = CustomFieldEntity::ALL
                .iter()
                .copied()
                .filter(|e| actor.has(read_permission(*e)))
                .collect();
            if q.entities.is_empty() {
                return Err(CoreError::Forbidden);
            }
        }
        for e in &q.entities {
            actor.require(read_permission(*e))?;
        }
        self.store.list_custom_fields(&q).await
    }

    async fn write(
        &self,
        actor: &Actor,
        cur: &CustomField,
        mut next: CustomField,
        action: &str,
        check: crate::store::StoredValuesCheck<'_>,
    ) -> CoreResult<CustomField> {
        next.version = cur.version + 1;
        next.updated_at = crate::time::now().max(cur.updated_at);
        if let Some(d) = &mut next.deleted_at {
            *d = next.updated_at;
        }
        let ev = event(actor, &next, Some(cur), action);
        let written = self
            .store
            .update_custom_field(&next, cur.version, &ev, check)
            .await;
        self.fields.forget();
        if !written? {
            return Err(CoreError::PreconditionFailed);
        }
        self.bus.committed();
        Ok(next)
    }
}

fn event(actor: &Actor, f: &CustomField, before: Option<&CustomField>, action: &str) -> Event {
    Event::new(
        ENTITY,
        f.id.0,
        action,
        Some(actor.user_id),
        diff(before, Some(f)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(options: &[&str]) -> CustomField {
        NewCustomField::parse(
            &json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "select", "options": options}),
        )
        .unwrap()
        .into_field()
    }

    #[test]
    fn changes_keep_stored_values_meaningful() {
        let cur = select(&["gold", "silver"]);
        let mut fewer = cur.clone();
        fewer.options = vec!["gold".into()];
        let values = [json!("silver"), Value::Null];
        assert!(matches!(
            change_allowed(&cur, &fewer, &values),
            Err(CoreError::Conflict {
                code: "option_in_use",
                ..
            })
        ));
        assert!(change_allowed(&cur, &fewer, &[json!("gold")]).is_ok());
        let mut text = cur.clone();
        text.field_type = crate::custom_field::FieldType::Text;
        text.options.clear();
        assert!(matches!(
            change_allowed(&cur, &text, &[json!("gold")]),
            Err(CoreError::Conflict {
                code: "values_exist",
                ..
            })
        ));
        assert!(change_allowed(&cur, &text, &[Value::Null]).is_ok());
        assert!(accepts_stored(&cur, &[json!("gold")]).is_ok());
        assert!(accepts_stored(&cur, &[json!("bronze")]).is_err());
    }
}
