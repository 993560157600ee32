//! Saved views: inserts and optimistic updates with their events, and the list of views a
//! reader may see (their own and their team's shared ones; everything for admins) by name.

use crate::query::{Filter, direction, text_value};
use crate::rows::{Arg, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use async_trait::async_trait;
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{TeamId, UserId, ViewId};
use nexus_core::store::ViewStore;
use nexus_core::time::Timestamp;
use nexus_core::view::{View, ViewQuery};
use sqlx::Connection as _;
use sqlx::types::Json;
use uuid::Uuid;

const COLUMNS: &str = "id, name, resource, filters, sort, columns, visibility, owner_id, team_id, version, created_at, updated_at, deleted_at";

type Row = (
    Uuid,
    String,
    String,
    Json<serde_json::Map<String, serde_json::Value>>,
    Option<String>,
    Json<Vec<String>>,
    String,
    Uuid,
    Option<Uuid>,
    i64,
    Timestamp,
    Timestamp,
    Option<Timestamp>,
);

fn view(r: Row) -> CoreResult<View> {
    let (id, name, resource, filters, sort, columns, visibility, owner, team, version, c, u, d) = r;
    let bad = |what: &str, v: &str| CoreError::Internal(format!("stored view {what} {v:?}"));
    Ok(View {
        id: ViewId(id),
        name,
        resource: resource.parse().map_err(|()| bad("resource", &resource))?,
        filters: filters.0,
        sort,
        columns: columns.0,
        visibility: visibility
            .parse()
            .map_err(|()| bad("visibility", &visibility))?,
        owner_id: UserId(owner),
        team_id: team.map(TeamId),
        version,
        created_at: c,
        updated_at: u,
        deleted_at: d,
    })
}

/// Binds a view's columns in the order of [`COLUMNS`] plus `name_norm` last.
macro_rules! bind_view {
    ($q:expr, $v:expr) => {{
        let v: &View = $v;
        $q.bind(v.id.0)
            .bind(&v.name)
            .bind(v.resource.as_str())
            .bind(Json(&v.filters))
            .bind(&v.sort)
            .bind(Json(&v.columns))
            .bind(v.visibility.as_str())
            .bind(v.owner_id.0)
            .bind(v.team_id.map(|t| t.0))
            .bind(v.version)
            .bind(v.created_at)
            .bind(v.updated_at)
            .bind(v.deleted_at)
            .bind(v.name.to_lowercase())
    }};
}

#[async_trait]
impl ViewStore for Db {
    async fn insert_view(&self, v: &View, event: &Event) -> CoreResult<()> {
        const SQL: &str = "INSERT INTO saved_views (id, name, resource, filters, sort, columns, visibility, owner_id, team_id, version, created_at, updated_at, deleted_at, name_norm) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            bind_view!(sqlx::query(SQL), v).execute(&mut *tx).await.map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    async fn get_view(&self, id: ViewId) -> CoreResult<Option<View>> {
        let sql = format!("SELECT {COLUMNS} FROM saved_views WHERE id = $1");
        let row: Option<Row> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        row.map(view).transpose()
    }

    async fn update_view(
        &self,
        v: &View,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        const SQL: &str = "UPDATE saved_views SET id = $1, name = $2, resource = $3, filters = $4, sort = $5, columns = $6, visibility = $7, \
             owner_id = $8, team_id = $9, version = $10, created_at = $11, updated_at = $12, deleted_at = $13, name_norm = $14 \
             WHERE id = $1 AND version = $15";
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let done = bind_view!(sqlx::query(SQL), v).bind(expected_version).execute(&mut *tx).await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    async fn list_views(&self, q: &ViewQuery) -> CoreResult<Vec<View>> {
        let mut f = Filter::default();
        f.deleted(q.deleted, "v");
        if let Some((user, team)) = q.reader {
            let u = f.arg(Arg::Uuid(user.0));
            match team {
                Some(t) => {
                    let t = f.arg(Arg::Uuid(t.0));
                    f.cond(format!(
                        "(v.owner_id = ${u} OR (v.visibility = 'team' AND v.team_id = ${t}))"
                    ));
                }
                None => f.cond(format!("v.owner_id = ${u}")),
            }
        }
        if let Some(r) = q.resource {
            let n = f.arg(Arg::Text(r.as_str().into()));
            f.cond(format!("v.resource = ${n}"));
        }
        if let Some(c) = &q.after {
            f.after(c, "name", "v.name_norm", "v.id", q.order, text_value)?;
        }
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let dir = direction(q.order);
        let cols = COLUMNS
            .split(", ")
            .map(|c| format!("v.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols} FROM saved_views v {} ORDER BY v.name_norm {dir}, v.id {dir} LIMIT ${limit}",
            f.where_clause()
        );
        let rows: Vec<Row> = with_pool!(self, read, conn => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &f.args)
                .fetch_all(conn)
                .await
                .map_err(db_err)?
        });
        rows.into_iter().map(view).collect()
    }
}
