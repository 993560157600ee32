//! The event log: writing events inside a change's transaction, numbering committed events in
//! commit order (the sequencer), and reading them back.

use crate::rows::{EVENT_COLUMNS, EventRow};
use crate::{Db, db_err, dialect, with_pool};
use nexus_core::error::CoreResult;
use nexus_core::event::Event;
use nexus_core::ids::EventId;
use sqlx::Connection as _;
use uuid::Uuid;

/// Binds the ten columns of an event row (`id, event_type, entity, entity_id, action,
/// actor_id, owner_id, team_id, changes, occurred_at`) to `$query`, in that order.
#[macro_export]
#[doc(hidden)]
macro_rules! bind_event {
    ($query:expr, $ev:expr) => {{
        let ev: &nexus_core::event::Event = $ev;
        $query
            .bind(ev.id.0)
            .bind(&ev.event_type)
            .bind(&ev.entity)
            .bind(ev.entity_id)
            .bind(&ev.action)
            .bind(ev.actor_id.map(|u| u.0))
            .bind(ev.owner_id.map(|u| u.0))
            .bind(ev.team_id.map(|t| t.0))
            .bind(sqlx::types::Json(&ev.changes))
            .bind(ev.occurred_at)
    }};
}

/// The columns of an event row that writes set, as [`bind_event!`] binds them (`seq` stays
/// NULL until the sequencer numbers the committed row).
macro_rules! insert_event_head {
    () => {
        "INSERT INTO events (id, event_type, entity, entity_id, action, actor_id, owner_id, team_id, changes, occurred_at)"
    };
}
pub(crate) const INSERT_EVENT_HEAD: &str = insert_event_head!();

/// Inserts one event, bound by [`bind_event!`]; its sequence number comes when it commits.
pub(crate) const INSERT_EVENT: &str = concat!(
    insert_event_head!(),
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
);

/// Inserts an event on the given transaction (the change and its event commit together).
#[macro_export]
#[doc(hidden)]
macro_rules! insert_event {
    ($tx:expr, $ev:expr) => {{
        let query = sqlx::query($crate::events::INSERT_EVENT);
        $crate::bind_event!(query, $ev)
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
    }};
}

/// Inserts `$events` (an iterator of `&Event`) on the given transaction in multi-row
/// statements of [`EVENT_ROWS`] events: what [`insert_event!`] does for each, in one round trip
/// per chunk.
macro_rules! insert_events {
    ($tx:expr, $events:expr) => {{
        use $crate::dialect::ConnectionDialect as _;
        let events: Vec<&nexus_core::event::Event> = $events.into_iter().collect();
        let positional = (&*$tx).bulk_positional();
        for chunk in events.chunks($crate::events::EVENT_ROWS) {
            let sql = $crate::customers::bulk::multi_row_values(
                $crate::events::INSERT_EVENT_HEAD,
                positional,
                chunk.len(),
                10,
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for ev in chunk {
                query = $crate::bind_event!(query, *ev);
            }
            query.execute(&mut *$tx).await.map_err($crate::db_err)?;
        }
    }};
}
pub(crate) use insert_events;

/// Events per multi-row insert of [`insert_events!`] (ten parameters each).
pub(crate) const EVENT_ROWS: usize = 1000;

/// Writes a batch of background changes (AI segments, sentiments), each with its event, in one
/// transaction, skipping any record changed since it was read: `$table` and `[columns]` name
/// what a change sets, and `|query, record, expected| binds` binds one change to a statement
/// (its id, the columns in order, then the version it expects; expanded once per backend).
/// The changes are written [`UPDATE_ROWS`](crate::query::UPDATE_ROWS) at a time by one multi-row `UPDATE … RETURNING id`
/// ([`update_from_values`](crate::query::update_from_values)) where the version still matches
/// and the record is live, and the events of those written follow in multi-row inserts: a first
/// training run that re-segments 1,000,000 customers made two round trips per customer. One
/// change per record. Evaluates to how many were written.
macro_rules! write_unless_changed {
    ($db:expr, $what:literal, $changes:expr, $events:expr, $table:literal, [$($col:literal),+],
     |$q:ident, $r:ident, $e:ident| $bind:expr) => {{
        use $crate::dialect::ConnectionDialect as _;
        let (changes, events) = ($changes, $events);
        if changes.len() != events.len() {
            return Err(nexus_core::error::CoreError::Internal(
                concat!($what, ": one event per change").into(),
            ));
        }
        let columns = ["id", $($col),+];
        let mut written: u64 = 0;
        $crate::with_pool!($db, write, pool => {
            let mut tx = pool.begin().await.map_err($crate::db_err)?;
            let positional = (&*tx).bulk_positional();
            for (chunk, chunk_events) in changes
                .chunks($crate::query::UPDATE_ROWS)
                .zip(events.chunks($crate::query::UPDATE_ROWS))
            {
                let sql = format!(
                    "{} RETURNING {}.id",
                    $crate::query::update_from_values(
                        $table,
                        &columns,
                        concat!(" AND ", $table, ".deleted_at IS NULL"),
                        positional,
                        chunk.len(),
                    ),
                    $table
                );
                let mut $q = sqlx::query_scalar::<_, uuid::Uuid>(sqlx::AssertSqlSafe(sql));
                for ($r, $e) in chunk {
                    $q = $bind;
                }
                let done: std::collections::HashSet<uuid::Uuid> =
                    $q.fetch_all(&mut *tx).await.map_err($crate::db_err)?.into_iter().collect();
                written += done.len() as u64;
                $crate::events::insert_events!(
                    tx,
                    chunk_events.iter().filter(|ev| done.contains(&ev.entity_id))
                );
            }
            tx.commit().await.map_err($crate::db_err)?;
        });
        written
    }};
}
pub(crate) use write_unless_changed;

/// The sequencer's statement: numbers the oldest `$1` unsequenced events, read through the
/// partial index `events_unsequenced (id) WHERE seq IS NULL` in id order. `$hint` names that
/// index for SQLite, which (keeping no statistics) otherwise took the unique index on `seq`
/// for `seq IS NULL` and sorted every unsequenced event for each batch: after a training run
/// had written a million events, a server spent minutes of CPU numbering them.
macro_rules! sequence_sql {
    ($hint:literal) => {
        concat!(
            "UPDATE events SET seq = s.n FROM ( \
               SELECT id, (SELECT coalesce(max(seq), 0) FROM events) + row_number() OVER (ORDER BY id) AS n \
               FROM (SELECT id FROM events ",
            $hint,
            "WHERE seq IS NULL ORDER BY id LIMIT $1) u \
             ) s WHERE events.id = s.id RETURNING events.id, events.seq"
        )
    };
}
const SEQUENCE_PG: &str = sequence_sql!("");
const SEQUENCE_SQLITE: &str = sequence_sql!("INDEXED BY events_unsequenced ");

impl Db {
    pub(crate) async fn entity_events(
        &self,
        entity_id: Uuid,
        after: Option<EventId>,
        limit: u32,
    ) -> CoreResult<Vec<Event>> {
        let after = after.map(|e| e.0).unwrap_or(Uuid::nil());
        let sql = const_format(
            EVENT_COLUMNS,
            "FROM events WHERE entity_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        );
        let rows: Vec<EventRow> = with_pool!(self, read, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(entity_id).bind(after).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?);
        Ok(rows.into_iter().map(Event::from).collect())
    }

    /// Numbers the committed events that have no sequence number yet, oldest id first, and
    /// returns their ids and numbers (not the events: the relay reads those once, through
    /// [`Self::events_after`], as every instance does). Numbering happens in one transaction at a time (PostgreSQL: an advisory
    /// lock; SQLite: its single writer), so numbers are never reused and, once a number is
    /// visible, no smaller number can appear later: readers tailing by `seq` see no gaps
    /// filled in behind them.
    pub(crate) async fn sequence_events(&self, max: u32) -> CoreResult<Vec<(EventId, i64)>> {
        let sql = if self.is_sqlite() {
            SEQUENCE_SQLITE
        } else {
            SEQUENCE_PG
        };
        let mut rows: Vec<(Uuid, i64)> = with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            if !dialect::try_lock_sequencer(&mut tx).await? {
                return Ok(Vec::new());
            }
            let rows = sqlx::query_as(sql).bind(i64::from(max)).fetch_all(&mut *tx).await.map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            rows
        });
        rows.sort_by_key(|r| r.1);
        Ok(rows
            .into_iter()
            .map(|(id, seq)| (EventId(id), seq))
            .collect())
    }

    pub(crate) async fn events_after(&self, seq: i64, limit: u32) -> CoreResult<Vec<Event>> {
        let sql = const_format(
            EVENT_COLUMNS,
            "FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
        );
        let rows: Vec<EventRow> = with_pool!(self, read, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(seq).bind(i64::from(limit)).fetch_all(conn).await.map_err(db_err)?);
        Ok(rows.into_iter().map(Event::from).collect())
    }

    pub(crate) async fn max_seq(&self) -> CoreResult<i64> {
        with_pool!(self, read, conn => sqlx::query_scalar::<_, i64>("SELECT coalesce(max(seq), 0) FROM events")
            .fetch_one(conn).await.map_err(db_err))
    }
}

/// `SELECT <columns> <rest>`.
pub(crate) fn const_format(columns: &str, rest: &str) -> String {
    format!("SELECT {columns} {rest}")
}

#[cfg(test)]
mod tests {
    use super::SEQUENCE_SQLITE;
    use crate::plans::{migrated_sqlite, sqlite_plan};

    /// The sequencer reads the oldest unsequenced events in id order from the partial index
    /// and stops at its limit: no sort of every unsequenced event per batch.
    #[tokio::test]
    async fn the_sequencer_reads_only_its_batch_on_sqlite() {
        let (_dir, db) = migrated_sqlite().await;
        let steps = sqlite_plan(&db, SEQUENCE_SQLITE, 1).await;
        assert!(
            steps
                .iter()
                .any(|d| d == "SCAN events USING INDEX events_unsequenced"),
            "{steps:?}"
        );
        assert!(!steps.iter().any(|d| d.contains("(seq=?)")), "{steps:?}");
        db.close().await;
    }
}
