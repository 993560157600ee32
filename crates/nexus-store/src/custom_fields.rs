//! Custom-field definitions: inserts and optimistic updates with their events, each after the
//! domain's check of the values already stored under the field's key, and the uniqueness index
//! of `unique` fields (`custom_field_values_unique`), rebuilt by definition writes and kept in
//! step by customer writes ([`write_unique_values!`]).
//!
//! On PostgreSQL a definition write first locks `customers` in SHARE mode: it waits for the
//! customer writes in flight and holds new ones back until it commits, so its check and index
//! build see every committed value, and customer writes that follow see the new definition
//! (they read the definitions after writing their row). SQLite has a single writer anyway.

use crate::dialect::Dialect;
use crate::query::{Filter, int_value, select_in};
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use async_trait::async_trait;
use nexus_core::custom_field::{CustomField, CustomFieldEntity, CustomFieldQuery, FieldType};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::CustomFieldId;
use nexus_core::store::{CustomFieldStore, StoredValuesCheck};
use nexus_core::time::Timestamp;
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{Connection as _, Postgres, Sqlite};
use uuid::Uuid;

const COLUMNS: &str = "id, entity, key, label, field_type, options, currency, required, unique_values, position, version, created_at, updated_at, deleted_at";

type Row = (
    Uuid,
    String,
    String,
    String,
    String,
    Json<Vec<String>>,
    Option<String>,
    bool,
    bool,
    i64,
    i64,
    Timestamp,
    Timestamp,
    Option<Timestamp>,
);

fn field(r: Row) -> CoreResult<CustomField> {
    let (
        id,
        entity,
        key,
        label,
        ty,
        options,
        currency,
        required,
        unique,
        position,
        version,
        c,
        u,
        d,
    ) = r;
    let bad =
        |what: &str, v: &str| CoreError::Internal(format!("stored custom field {what} {v:?}"));
    Ok(CustomField {
        id: CustomFieldId(id),
        entity: entity.parse().map_err(|()| bad("entity", &entity))?,
        key,
        label,
        field_type: ty.parse().map_err(|()| bad("type", &ty))?,
        options: options.0,
        currency: currency
            .map(|c| nexus_core::money::Currency::parse(&c).map_err(|_| bad("currency", &c)))
            .transpose()?,
        required,
        unique,
        position,
        version,
        created_at: c,
        updated_at: u,
        deleted_at: d,
    })
}

/// Binds a definition's columns in the order of [`COLUMNS`].
macro_rules! bind_field {
    ($q:expr, $f:expr) => {{
        let f: &CustomField = $f;
        $q.bind(f.id.0)
            .bind(f.entity.as_str())
            .bind(&f.key)
            .bind(&f.label)
            .bind(f.field_type.as_str())
            .bind(Json(&f.options))
            .bind(f.currency.map(|c| c.as_str()))
            .bind(f.required)
            .bind(f.unique)
            .bind(f.position)
            .bind(f.version)
            .bind(f.created_at)
            .bind(f.updated_at)
            .bind(f.deleted_at)
    }};
}

/// Keeps the uniqueness index in step with customer writes, on an open transaction `$tx`, after
/// the customers' rows were written: drops their entries (`$replace`: updates) and adds the
/// values of live customers for every live `unique` field. A value another customer holds is a
/// 409 naming `attributes.<key>`.
macro_rules! write_unique_values {
    ($tx:expr, $customers:expr, $replace:expr) => {{
        let defs: Vec<(uuid::Uuid, String, String)> = sqlx::query_as(
            "SELECT id, key, field_type FROM custom_fields WHERE entity = 'customer' AND unique_values AND deleted_at IS NULL",
        )
        .fetch_all(&mut *$tx)
        .await
        .map_err($crate::db_err)?;
        if !defs.is_empty() {
            for c in $customers {
                let c: &nexus_core::customer::Customer = c;
                if $replace {
                    sqlx::query("DELETE FROM custom_field_values_unique WHERE entity_id = $1")
                        .bind(c.id.0)
                        .execute(&mut *$tx)
                        .await
                        .map_err($crate::db_err)?;
                }
                if c.deleted_at.is_some() {
                    continue;
                }
                for (field_id, key, ty) in &defs {
                    let Some(v) = $crate::custom_fields::unique_value(ty, c.attributes.get(key)) else {
                        continue;
                    };
                    sqlx::query("INSERT INTO custom_field_values_unique (field_id, value_text, entity_id) VALUES ($1, $2, $3)")
                        .bind(*field_id)
                        .bind(v)
                        .bind(c.id.0)
                        .execute(&mut *$tx)
                        .await
                        .map_err(|e| $crate::custom_fields::value_taken(e, key))?;
                }
            }
        }
    }};
}
pub(crate) use write_unique_values;

/// The index value of a stored value of a field of type `ty` (text as stored in the table).
pub(crate) fn unique_value(ty: &str, v: Option<&Value>) -> Option<String> {
    let t: FieldType = ty.parse().ok()?;
    nexus_core::custom_field::unique_key(t, v)
}

/// A unique violation of the value index names the field; anything else maps as usual.
pub(crate) fn value_taken(e: sqlx::Error, key: &str) -> CoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return CoreError::conflict(
            "value_taken",
            Some(&format!("attributes.{key}")),
            "another customer holds this value of a unique custom field",
        );
    }
    db_err(e)
}

/// Customers holding a non-null value under the attribute bound at `$1`: id, attributes and
/// whether they are deleted.
fn stored_values_sql<D: Dialect>() -> String {
    format!(
        "SELECT c.id, c.attributes, c.deleted_at FROM customers c WHERE {}",
        D::attr_present(1)
    )
}

type StoredRow = (Uuid, Json<Map<String, Value>>, Option<Timestamp>);

/// The work of a definition write on an open transaction `$tx`: lock the customers (PostgreSQL),
/// run `$write` (which may return `Ok(false)` from the enclosing function), let `$check` judge
/// the stored values, rebuild the field's uniqueness index, append the event and commit.
macro_rules! definition_write {
    ($self:ident, $conn:ident, $f:expr, $event:expr, $check:expr, |$tx:ident| $write:block) => {{
        let f: &CustomField = $f;
        let is_sqlite = $self.is_sqlite();
        let (sql, arg) = if is_sqlite {
            (stored_values_sql::<Sqlite>(), <Sqlite as Dialect>::attr_path(&f.key))
        } else {
            (stored_values_sql::<Postgres>(), <Postgres as Dialect>::attr_path(&f.key))
        };
        let mut $tx = $conn.begin().await.map_err(db_err)?;
        if !is_sqlite {
            sqlx::query("LOCK TABLE customers IN SHARE MODE")
                .execute(&mut *$tx)
                .await
                .map_err(db_err)?;
        }
        $write
        let rows: Vec<StoredRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(arg)
            .fetch_all(&mut *$tx)
            .await
            .map_err(db_err)?;
        let values: Vec<Value> = rows
            .iter()
            .filter_map(|(_, a, _)| a.0.get(&f.key).cloned())
            .collect();
        ($check)(&values)?;
        sqlx::query("DELETE FROM custom_field_values_unique WHERE field_id = $1")
            .bind(f.id.0)
            .execute(&mut *$tx)
            .await
            .map_err(db_err)?;
        if f.unique && f.deleted_at.is_none() {
            for (id, attrs, deleted) in &rows {
                let Some(v) = f.unique_key(attrs.0.get(&f.key)) else {
                    continue;
                };
                if deleted.is_some() {
                    continue;
                }
                sqlx::query("INSERT INTO custom_field_values_unique (field_id, value_text, entity_id) VALUES ($1, $2, $3)")
                    .bind(f.id.0)
                    .bind(v)
                    .bind(*id)
                    .execute(&mut *$tx)
                    .await
                    .map_err(|e| match value_taken(e, &f.key) {
                        CoreError::Conflict { .. } => CoreError::conflict(
                            "values_not_unique",
                            Some("unique"),
                            "live customers already share values of this field",
                        ),
                        other => other,
                    })?;
            }
        }
        insert_event!($tx, $event);
        $tx.commit().await.map_err(db_err)?;
    }};
}

#[async_trait]
impl CustomFieldStore for Db {
    async fn insert_custom_field(
        &self,
        f: &CustomField,
        event: &Event,
        check: StoredValuesCheck<'_>,
    ) -> CoreResult<()> {
        let sql = format!(
            "INSERT INTO custom_fields ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        with_pool!(self, write, conn => {
            definition_write!(self, conn, f, event, check, |tx| {
                bind_field!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), f)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            });
        });
        Ok(())
    }

    async fn get_custom_field(&self, id: CustomFieldId) -> CoreResult<Option<CustomField>> {
        let sql = format!("SELECT {COLUMNS} FROM custom_fields WHERE id = $1");
        let row: Option<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        row.map(field).transpose()
    }

    async fn update_custom_field(
        &self,
        f: &CustomField,
        expected_version: i64,
        event: &Event,
        check: StoredValuesCheck<'_>,
    ) -> CoreResult<bool> {
        const SQL: &str = "UPDATE custom_fields SET id = $1, entity = $2, key = $3, label = $4, field_type = $5, options = $6, \
             currency = $7, required = $8, unique_values = $9, position = $10, version = $11, created_at = $12, \
             updated_at = $13, deleted_at = $14 WHERE id = $1 AND version = $15";
        with_pool!(self, write, conn => {
            definition_write!(self, conn, f, event, check, |tx| {
                let done = bind_field!(sqlx::query(SQL), f)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
            });
        });
        Ok(true)
    }

    async fn list_custom_fields(&self, q: &CustomFieldQuery) -> CoreResult<Vec<CustomField>> {
        let mut f = Filter::default();
        f.deleted(q.deleted, "f");
        let entities: Vec<String> = q
            .entities
            .iter()
            .map(|e| format!("${}", f.arg(Arg::Text(e.as_str().into()))))
            .collect();
        if entities.is_empty() {
            return Ok(Vec::new());
        }
        f.cond(format!("f.entity IN ({})", entities.join(", ")));
        if let Some(c) = &q.after {
            f.after(
                c,
                "position",
                "f.position",
                "f.id",
                nexus_core::page::SortOrder::Asc,
                int_value,
            )?;
        }
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let cols = COLUMNS
            .split(", ")
            .map(|c| format!("f.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM custom_fields f {} ORDER BY f.position ASC, f.id ASC LIMIT ${limit}",
            f.where_clause()
        );
        let rows: Vec<Row> = with_pool!(self, read, conn => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &f.args)
                .fetch_all(conn)
                .await
                .map_err(db_err)?
        });
        rows.into_iter().map(field).collect()
    }

    async fn custom_field_definitions(
        &self,
        entity: CustomFieldEntity,
    ) -> CoreResult<Vec<CustomField>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE entity = $1 AND deleted_at IS NULL ORDER BY position, id"
        );
        let rows: Vec<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(entity.as_str()).fetch_all(conn).await.map_err(db_err)?);
        rows.into_iter().map(field).collect()
    }

    async fn custom_field_values_taken(
        &self,
        id: CustomFieldId,
        values: &[String],
    ) -> CoreResult<Vec<String>> {
        const SQL: &str = "SELECT value_text FROM custom_field_values_unique WHERE field_id = $1 AND value_text IN ({in})";
        Ok(select_in!(
            self,
            sqlx::query_scalar,
            SQL,
            [id.0],
            values,
            |v| v
        ))
    }
}
