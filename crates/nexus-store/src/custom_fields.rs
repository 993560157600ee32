//! Custom-field definitions: inserts and optimistic updates with their events, each after the
//! domain's check of the values already stored under the field's key, and the uniqueness index
//! of `unique` fields (`custom_field_values_unique`), rebuilt by definition writes and kept in
//! step by the record writes of customers, deals, products, activities and transactions ([`write_unique_values!`]). The
//! `cf.<key>` filters and sorts of their lists are built here too ([`custom_conditions`],
//! [`custom_sort`]), so every entity shares one code path.
//!
//! On PostgreSQL a definition write first locks the entity's table (`customers`, `deals`,
//! `products`, `activities` or `transactions`) in SHARE mode: it waits for the record writes in flight and holds new ones back
//! until it commits, so its check and index build see every committed value, and record writes
//! that follow see the new definition (they read the definitions after writing their row).
//! SQLite has a single writer anyway.

use crate::dialect::Dialect;
use crate::query::{Filter, bad_cursor, int_value, select_in};
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use async_trait::async_trait;
use nexus_core::custom_field::{
    CfCondition, CfSort, CfValue, CustomCriteria, CustomField, CustomFieldEntity, CustomFieldQuery,
    FieldType, HasCustomFields, ValueKind,
};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::CustomFieldId;
use nexus_core::page::{Cursor, SortOrder};
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

/// Keeps the uniqueness index in step with record writes (customers, deals, products, activities
/// or transactions: any [`HasCustomFields`]), on an open transaction `$tx`, after the records'
/// rows were written: drops their entries (`$replace`: updates) and adds the values of live
/// records for every live `unique` field of their entity. A value another record holds is a 409
/// naming `attributes.<key>`.
macro_rules! write_unique_values {
    ($tx:expr, $records:expr, $replace:expr) => {{
        let records: Vec<_> = $records.into_iter().collect();
        if let Some(first) = records.first() {
            let entity = $crate::custom_fields::entity_of(*first);
            let defs: Vec<(uuid::Uuid, String, String)> = sqlx::query_as(
                "SELECT id, key, field_type FROM custom_fields WHERE entity = $1 AND unique_values AND deleted_at IS NULL",
            )
            .bind(entity.as_str())
            .fetch_all(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
            for r in records.iter().filter(|_| !defs.is_empty()) {
                let id = nexus_core::custom_field::HasCustomFields::record_id(*r);
                if $replace {
                    sqlx::query("DELETE FROM custom_field_values_unique WHERE entity_id = $1")
                        .bind(id)
                        .execute(&mut *$tx)
                        .await
                        .map_err($crate::db_err)?;
                }
                if nexus_core::custom_field::HasCustomFields::is_deleted(*r) {
                    continue;
                }
                let attributes = nexus_core::custom_field::HasCustomFields::attributes(*r);
                for (field_id, key, ty) in &defs {
                    let Some(v) = $crate::custom_fields::unique_value(ty, attributes.get(key)) else {
                        continue;
                    };
                    sqlx::query("INSERT INTO custom_field_values_unique (field_id, value_text, entity_id) VALUES ($1, $2, $3)")
                        .bind(*field_id)
                        .bind(v)
                        .bind(id)
                        .execute(&mut *$tx)
                        .await
                        .map_err(|e| $crate::custom_fields::value_taken(e, key, entity))?;
                }
            }
        }
    }};
}
pub(crate) use write_unique_values;

/// The entity of a record, for [`write_unique_values!`].
pub(crate) fn entity_of<R: HasCustomFields>(_: &R) -> CustomFieldEntity {
    R::ENTITY
}

/// The table holding the records of an entity (a constant: safe to splice into SQL).
fn table(entity: CustomFieldEntity) -> &'static str {
    match entity {
        CustomFieldEntity::Customer => "customers",
        CustomFieldEntity::Deal => "deals",
        CustomFieldEntity::Product => "products",
        CustomFieldEntity::Activity => "activities",
        CustomFieldEntity::Transaction => "transactions",
    }
}

/// The index value of a stored value of a field of type `ty` (text as stored in the table).
pub(crate) fn unique_value(ty: &str, v: Option<&Value>) -> Option<String> {
    let t: FieldType = ty.parse().ok()?;
    nexus_core::custom_field::unique_key(t, v)
}

/// A unique violation of the value index names the field; anything else maps as usual.
pub(crate) fn value_taken(e: sqlx::Error, key: &str, entity: CustomFieldEntity) -> CoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return CoreError::conflict(
            "value_taken",
            Some(&format!("attributes.{key}")),
            format!(
                "another {} holds this value of a unique custom field",
                entity.noun()
            ),
        );
    }
    db_err(e)
}

/// Records of `entity` holding a non-null value under the attribute bound at `$1`: id,
/// attributes and whether they are deleted.
fn stored_values_sql<D: Dialect>(entity: CustomFieldEntity) -> String {
    format!(
        "SELECT r.id, r.attributes, r.deleted_at FROM {} r WHERE {}",
        table(entity),
        D::attr_present("r", 1)
    )
}

/// The SQL operand of the attribute path of `key`. A key of the form definitions allow
/// (snake_case ASCII, checked again here) is spliced as a literal, so that the expression
/// matches the one of the field's sort index ([`sort_index`]), which, being DDL, cannot take a
/// parameter; any other key is bound.
fn path_operand<D: Dialect>(f: &mut Filter, key: &str) -> String {
    match path_literal::<D>(key) {
        Some(l) => l,
        None => format!("${}", f.arg(Arg::Text(D::attr_path(key)))),
    }
}

/// The attribute path of `key` as an SQL string literal, for snake_case keys only (no quote
/// or other character that could end the literal).
fn path_literal<D: Dialect>(key: &str) -> Option<String> {
    nexus_core::custom_field::is_key(key).then(|| format!("'{}'", D::attr_path(key)))
}

/// The sort indexes of custom fields: `cf_sort_<entity letter>_<key>_<t|n|b>` on the entity's
/// table, over the typed value (the very expression [`custom_sort`] orders by), then the id, as
/// the lists' own sort indexes are. At most 60 characters, under PostgreSQL's 63.
const SORT_INDEX_PREFIX: &str = "cf_sort_";

/// The part of a sort index's name before its kind letter: prefix, entity letter, key.
fn sort_index_stem(entity: CustomFieldEntity, key: &str) -> String {
    let e = match entity {
        CustomFieldEntity::Customer => "c",
        CustomFieldEntity::Deal => "d",
        CustomFieldEntity::Product => "p",
        CustomFieldEntity::Activity => "a",
        CustomFieldEntity::Transaction => "t",
    };
    format!("{SORT_INDEX_PREFIX}{e}_{key}_")
}

/// The name and `CREATE INDEX` statement of the sort index of field `key` of `entity`, of
/// `kind`; `None` for lists (never sorted) and keys that are not snake_case. Every field that
/// can be sorted has one: a list sorted by it then reads a page, not the whole table, at the
/// price of one more index entry per record write.
pub(crate) fn sort_index<D: Dialect>(
    entity: CustomFieldEntity,
    key: &str,
    kind: ValueKind,
) -> Option<(String, String)> {
    let suffix = match kind {
        ValueKind::Text => "t",
        ValueKind::Number => "n",
        ValueKind::Boolean => "b",
        ValueKind::List => return None,
    };
    let p = path_literal::<D>(key)?;
    let name = format!("{}{suffix}", sort_index_stem(entity, key));
    let expr = D::attr_value("", kind, &p);
    let sql = format!(
        "CREATE INDEX IF NOT EXISTS {name} ON {} ({expr}, id)",
        table(entity)
    );
    Some((name, sql))
}

/// The sort indexes the live definitions among `defs` call for, by name.
fn wanted_sort_indexes<D: Dialect>(
    defs: &[CustomField],
) -> std::collections::BTreeMap<String, String> {
    defs.iter()
        .filter(|d| d.deleted_at.is_none())
        .filter_map(|d| sort_index::<D>(d.entity, &d.key, d.field_type.kind()))
        .collect()
}

/// Brings the sort indexes on connection `conn` (inside the caller's transaction) in line with
/// the definitions `defs`: builds the missing ones (one read of the table each) and drops those
/// no live definition calls for. `only`: look at the indexes of that field (entity and key)
/// alone, a definition write; `None`: all of them. Evaluates to the names built.
macro_rules! sync_sort_indexes {
    ($conn:expr, $dialect:ty, $defs:expr, $only:expr) => {{
        let only: Option<(CustomFieldEntity, &str)> = $only;
        let stem = only.map(|(e, key)| sort_index_stem(e, key));
        let wanted = wanted_sort_indexes::<$dialect>($defs);
        let existing: Vec<String> = sqlx::query_scalar(<$dialect as SortIndexes>::LIST)
            .fetch_all(&mut *$conn)
            .await
            .map_err(db_err)?;
        // A stem ends before the one kind letter, so `a_b` never takes in the indexes of `a`.
        let mine = |name: &str| match &stem {
            None => true,
            Some(stem) => name
                .strip_prefix(stem.as_str())
                .is_some_and(|k| k.len() == 1),
        };
        for name in existing
            .iter()
            .filter(|n| mine(n) && !wanted.contains_key(*n))
        {
            let drop = format!("DROP INDEX IF EXISTS {name}");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut *$conn)
                .await
                .map_err(db_err)?;
        }
        let mut built = Vec::new();
        for (name, create) in wanted
            .iter()
            .filter(|(n, _)| mine(n) && !existing.contains(n))
        {
            sqlx::query(sqlx::AssertSqlSafe(create.clone()))
                .execute(&mut *$conn)
                .await
                .map_err(db_err)?;
            built.push(name.clone());
        }
        built
    }};
}

/// The statement listing a backend's sort indexes ([`SORT_INDEX_PREFIX`]).
trait SortIndexes {
    const LIST: &'static str;
}

impl SortIndexes for Sqlite {
    const LIST: &'static str = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'cf\\_sort\\_%' ESCAPE '\\'";
}

impl SortIndexes for Postgres {
    const LIST: &'static str = "SELECT indexname::text FROM pg_indexes \
         WHERE schemaname = current_schema() AND indexname LIKE 'cf\\_sort\\_%' ESCAPE '\\'";
}

impl Db {
    /// Builds the sort index of every live custom field that lacks one, and drops those no
    /// definition calls for: run after the migrations, so that fields defined before sort
    /// indexes existed (or by an older release during a rolling upgrade) get theirs. On
    /// PostgreSQL one instance at a time (an advisory lock). Returns the names built.
    pub async fn sync_sort_indexes(&self) -> CoreResult<Vec<String>> {
        let sql = format!("SELECT {COLUMNS} FROM custom_fields WHERE deleted_at IS NULL");
        let rows: Vec<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(conn).await.map_err(db_err)?);
        let defs = rows
            .into_iter()
            .map(field)
            .collect::<CoreResult<Vec<_>>>()?;
        let built = match self {
            Db::Sqlite { writer, .. } => {
                let mut conn = writer.lease().await.map_err(db_err)?;
                let mut tx = conn.begin().await.map_err(db_err)?;
                let built = sync_sort_indexes!(tx, Sqlite, &defs, None);
                tx.commit().await.map_err(db_err)?;
                built
            }
            Db::Postgres(pool) => {
                let mut conn = pool.lease().await.map_err(db_err)?;
                let mut tx = conn.begin().await.map_err(db_err)?;
                sqlx::query("SELECT pg_advisory_xact_lock(7346133)")
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                let built = sync_sort_indexes!(tx, Postgres, &defs, None);
                tx.commit().await.map_err(db_err)?;
                built
            }
        };
        Ok(built)
    }
}

type StoredRow = (Uuid, Json<Map<String, Value>>, Option<Timestamp>);

/// The work of a definition write on an open transaction `$tx`: lock the records (PostgreSQL),
/// run `$write` (which may return `Ok(false)` from the enclosing function), let `$check` judge
/// the stored values, rebuild the field's uniqueness index, append the event and commit.
macro_rules! definition_write {
    ($self:ident, $conn:ident, $f:expr, $event:expr, $check:expr, |$tx:ident| $write:block) => {{
        let f: &CustomField = $f;
        let is_sqlite = $self.is_sqlite();
        let (sql, arg) = if is_sqlite {
            (stored_values_sql::<Sqlite>(f.entity), <Sqlite as Dialect>::attr_path(&f.key))
        } else {
            (stored_values_sql::<Postgres>(f.entity), <Postgres as Dialect>::attr_path(&f.key))
        };
        let mut $tx = $conn.begin().await.map_err(db_err)?;
        if !is_sqlite {
            let lock = format!("LOCK TABLE {} IN SHARE MODE", table(f.entity));
            sqlx::query(sqlx::AssertSqlSafe(lock))
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
                    .map_err(|e| match value_taken(e, &f.key, f.entity) {
                        CoreError::Conflict { .. } => CoreError::conflict(
                            "values_not_unique",
                            Some("unique"),
                            format!("live {}s already share values of this field", f.entity.noun()),
                        ),
                        other => other,
                    })?;
            }
        }
        // The field's sort index follows the definitions of its key as they now stand.
        let live_sql = format!(
            "SELECT {COLUMNS} FROM custom_fields WHERE entity = $1 AND key = $2 AND deleted_at IS NULL"
        );
        let live: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(live_sql))
            .bind(f.entity.as_str())
            .bind(&f.key)
            .fetch_all(&mut *$tx)
            .await
            .map_err(db_err)?;
        let live = live.into_iter().map(field).collect::<CoreResult<Vec<_>>>()?;
        let only = Some((f.entity, f.key.as_str()));
        if is_sqlite {
            sync_sort_indexes!($tx, Sqlite, &live, only);
        } else {
            sync_sort_indexes!($tx, Postgres, &live, only);
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

/// `cf.<key>=value` conditions on the records of table alias `t`: equality of the typed
/// attribute, membership for lists. Values are bound, never spliced; so are keys, but those
/// of the form definitions allow ([`path_operand`]).
pub(crate) fn custom_conditions<D: Dialect>(f: &mut Filter, t: &str, conditions: &[CfCondition]) {
    for c in conditions {
        match (&c.value, c.kind) {
            (CfValue::Text(v), ValueKind::List) => {
                let p = f.arg(Arg::Text(D::attr_path(&c.key)));
                let n = f.arg(Arg::Text(v.clone()));
                f.cond(D::attr_contains(t, p, n));
            }
            (value, kind) => {
                let p = path_operand::<D>(f, &c.key);
                let expr = D::attr_value(t, kind, &p);
                let rhs = match value {
                    CfValue::Text(s) => format!("${}", f.arg(Arg::Text(s.clone()))),
                    CfValue::Number(s) => {
                        format!("CAST(${} AS NUMERIC)", f.arg(Arg::Text(s.clone())))
                    }
                    CfValue::Boolean(b) => format!("${}", f.arg(Arg::Int(i64::from(*b)))),
                };
                f.cond(format!("{expr} = {rhs}"));
            }
        }
    }
}

/// Which records of a list sorted by a custom field one statement reads. Those holding a
/// value come first, in value order, then those without one, by id, in either direction. Each
/// part is one range of the field's sort index ([`sort_index`]) read in index order; a single
/// statement ordering by `(value IS NULL)` first would be served by an index in one direction
/// only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortPart {
    Valued,
    Missing,
}

impl SortPart {
    /// The part the page after `after` starts in.
    pub(crate) fn start(after: Option<&Cursor>) -> CoreResult<SortPart> {
        let Some(cur) = after else {
            return Ok(SortPart::Valued);
        };
        Ok(
            match CfSort::parse_cursor_value(&cur.value).ok_or_else(bad_cursor)? {
                Some(_) => SortPart::Valued,
                None => SortPart::Missing,
            },
        )
    }
}

/// The page of list query `$q` (of type `$Query`) through `$db.$list(&query, part)`. A list
/// sorted by a custom field is read part by part ([`SortPart`]): the page starts in the part
/// its cursor points into, and a page that reaches the end of the valued part goes on with the
/// first records of the missing part (the query again, without cursor, for the rows left).
/// Lists in their own sort order read once, with `$q` as given.
macro_rules! list_in_sort_parts {
    ($db:expr, $q:expr, $Query:ident, $list:ident) => {{
        use $crate::custom_fields::SortPart;
        let q: &$Query = $q;
        let sorted = q.custom.sort.is_some();
        let part = if sorted {
            SortPart::start(q.after.as_ref())?
        } else {
            SortPart::Valued
        };
        let mut page = $db.$list(q, part).await?;
        let short = q
            .limit
            .saturating_sub(u32::try_from(page.len()).unwrap_or(u32::MAX));
        if sorted && part == SortPart::Valued && short > 0 {
            let rest = $Query {
                after: None,
                limit: short,
                ..q.clone()
            };
            page.extend($db.$list(&rest, SortPart::Missing).await?);
        }
        Ok(page)
    }};
}
pub(crate) use list_in_sort_parts;

/// The `cf.<key>` part of a list on the records of table alias `t`: adds the filters, and when
/// the list is sorted by a custom field, the records of `part`, the keyset condition after
/// `after` and the `ORDER BY` terms (returned). A page that starts in the valued part goes on
/// with the missing part from its start (`after: None`). `None`: the list's own sort applies.
pub(crate) fn custom_sort<D: Dialect>(
    f: &mut Filter,
    t: &str,
    custom: &CustomCriteria,
    order: SortOrder,
    after: Option<&Cursor>,
    part: SortPart,
) -> CoreResult<Option<String>> {
    custom_conditions::<D>(f, t, &custom.conditions);
    let Some(s) = &custom.sort else {
        return Ok(None);
    };
    let (cmp, dir) = match order {
        SortOrder::Asc => (">", "ASC"),
        SortOrder::Desc => ("<", "DESC"),
    };
    let p = path_operand::<D>(f, &s.key);
    let expr = D::attr_value(t, s.kind, &p);
    let value = match after {
        Some(cur) if cur.sort != s.name() => {
            return Err(CoreError::invalid(
                "cursor",
                "invalid_cursor",
                "was issued for another sort order",
            ));
        }
        Some(cur) => Some(CfSort::parse_cursor_value(&cur.value).ok_or_else(bad_cursor)?),
        None => None,
    };
    let id = after.map(|cur| Arg::Uuid(cur.id));
    Ok(Some(match part {
        SortPart::Valued => {
            f.cond(format!("{expr} IS NOT NULL"));
            if let Some(bound) = D::attr_lower_bound(s.kind) {
                f.cond(format!("{expr} >= {bound}"));
            }
            if let (Some(Some(v)), Some(id)) = (value, id) {
                let v = typed_arg(f, s.kind, v).ok_or_else(bad_cursor)?;
                let id = f.arg(id);
                f.cond(format!("({expr}, {t}.id) {cmp} ({v}, ${id})"));
            }
            format!("{expr} {dir}, {t}.id {dir}")
        }
        SortPart::Missing => {
            f.cond(format!("{expr} IS NULL"));
            if let (Some(None), Some(id)) = (value, id) {
                let id = f.arg(id);
                f.cond(format!("{t}.id {cmp} ${id}"));
            }
            format!("{t}.id {dir}")
        }
    }))
}

/// The SQL operand of a cursor's custom-field value of `kind` (bound); `None` if it does not
/// parse as one.
fn typed_arg(f: &mut Filter, kind: ValueKind, v: &str) -> Option<String> {
    match kind {
        ValueKind::Text => Some(format!("${}", f.arg(Arg::Text(v.to_owned())))),
        ValueKind::Number => {
            // Bound as the number's own shortest form, never the cursor's text: `1e-100000`
            // parses (as 0) here but overflows PostgreSQL's NUMERIC.
            let n = v.parse::<f64>().ok().filter(|n| n.is_finite())?;
            Some(format!(
                "CAST(${} AS NUMERIC)",
                f.arg(Arg::Text(format!("{n}")))
            ))
        }
        ValueKind::Boolean => match v {
            "0" | "1" => Some(format!("${}", f.arg(Arg::Int(i64::from(v == "1"))))),
            _ => None,
        },
        ValueKind::List => None,
    }
}
