//! Customer persistence: inserts with their events and tags, optimistic updates, keyset lists
//! with filters and search; bulk load in [`bulk`].

use crate::custom_fields::{SortPart, custom_sort, list_in_sort_parts};
use crate::dialect::{Dialect, SearchPlan};
use crate::events::INSERT_EVENT;
use crate::query::{Filter, select_in};
use crate::rollups::{
    BUMP_SIGNUPS, UNROLL_ERASED_DEALS, revenue_sql, unroll_erased_activities_sql,
};
use crate::rows::{Arg, CUSTOMER_COLUMNS, CustomerRow, bind_args};
use crate::{Db, db_err, insert_event, with_pool};
use nexus_core::customer::{Customer, CustomerQuery, CustomerSortField};
use nexus_core::error::{CoreError, CoreResult};
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, UserId};
use nexus_core::page::SortOrder;
use nexus_core::time::Timestamp;
use sqlx::Connection as _;
use sqlx::{Postgres, Sqlite};
use std::sync::LazyLock;

const INSERT_CUSTOMER: &str = "INSERT INTO customers (id, kind, name, email, email_norm, phone, company_id, company_name, status, owner_id, team_id, tags, attributes, segment, version, created_at, updated_at, deleted_at, segment_status, segment_confidence) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)";

/// Binds a customer's columns in the order of [`INSERT_CUSTOMER`].
macro_rules! bind_customer {
    ($q:expr, $c:expr) => {{
        let c: &nexus_core::customer::Customer = $c;
        $q.bind(c.id.0)
            .bind(c.kind.as_str())
            .bind(&c.name)
            .bind(&c.email)
            .bind(c.email_normalized())
            .bind(&c.phone)
            .bind(c.company_id.map(|x| x.0))
            .bind(&c.company_name)
            .bind(c.status.as_str())
            .bind(c.owner_id.0)
            .bind(c.team_id.map(|x| x.0))
            .bind(sqlx::types::Json(&c.tags))
            .bind(sqlx::types::Json(&c.attributes))
            .bind(&c.segment)
            .bind(c.version)
            .bind(c.created_at)
            .bind(c.updated_at)
            .bind(c.deleted_at)
            .bind(c.segment_status.as_str())
            .bind(c.segment_confidence)
    }};
}

pub(crate) use bind_customer;

/// Replaces the tag rows of one customer on a transaction.
macro_rules! write_tags {
    ($tx:expr, $c:expr, $replace:expr) => {{
        let c: &nexus_core::customer::Customer = $c;
        if $replace {
            sqlx::query("DELETE FROM customer_tags WHERE customer_id = $1")
                .bind(c.id.0)
                .execute(&mut *$tx)
                .await
                .map_err($crate::db_err)?;
        }
        for t in &c.tags {
            sqlx::query("INSERT INTO customer_tags (tag, customer_id) VALUES ($1, $2)")
                .bind(t)
                .bind(c.id.0)
                .execute(&mut *$tx)
                .await
                .map_err($crate::db_err)?;
        }
    }};
}
pub(crate) use write_tags;

/// The statements of a create of `$customers` with their `$events` on an open transaction (or
/// savepoint) `$tx`: the rows and tags, the unique custom-field values, the events and the
/// signup rollup. The transaction path of `Db::insert_customers` and SQLite's group commit
/// (`group.rs`, one create per savepoint) both run it.
macro_rules! insert_customers_in {
    ($tx:expr, $customers:expr, $events:expr) => {{
        let (customers, events): (
            &[nexus_core::customer::Customer],
            &[nexus_core::event::Event],
        ) = ($customers, $events);
        for c in customers {
            bind_customer!(sqlx::query($crate::customers::INSERT_CUSTOMER), c)
                .execute(&mut *$tx)
                .await
                .map_err($crate::db_err)?;
            write_tags!($tx, c, false);
        }
        $crate::custom_fields::write_unique_values!($tx, customers, false);
        for ev in events {
            $crate::insert_event!($tx, ev);
        }
        $crate::rollups::bump_signups!($tx, $crate::rollups::signup_counts(customers));
    }};
}

/// The multi-row `UPDATE` of [`update_customers_in!`] for `rows` customers, each bound as
/// [`bind_customer!`] binds it (the columns of [`INSERT_CUSTOMER`]) and then the version it
/// replaces ([`update_from_values`](crate::query::update_from_values)).
pub(crate) fn update_from_values(positional: bool, rows: usize) -> String {
    let columns: Vec<&str> = INSERT_CUSTOMER
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(cols, _)| cols)
        .split(", ")
        .collect();
    crate::query::update_from_values("customers", &columns, "", positional, rows)
}

/// The body of customer updates on an open transaction `$tx`: `$changes` (an iterator of
/// `(&Customer, expected version)`, in order; one customer may come more than once, each change
/// expecting the version the one before it wrote) are checked against the stored rows, read in
/// one statement per [`IN_CHUNK`](crate::query::IN_CHUNK) customers. Returns `Ok(false)` from
/// the enclosing function when a version moved on. Each customer's last state is then written
/// by multi-row `UPDATE … FROM (VALUES …)` statements of [`UPDATE_ROWS`](crate::query::UPDATE_ROWS) customers
/// ([`update_from_values`]). The rollups (`rollups.rs`) follow in one upsert for all and a
/// revenue move per reassigned customer; tag rows are rewritten for customers whose tags
/// changed; the uniqueness index of custom fields once for all.
///
/// Why in bulk: an import of 200,000 updates ran at ~1,900 rows/s with seven statements per
/// row, most of the time spent waiting for SQLite's worker thread; and every statement that
/// changes the search index makes FTS5 flush its pending entries to disk (the statement's
/// savepoint), a quarter of the time with one `UPDATE` per row.
macro_rules! update_customers_in {
    ($tx:ident, $changes:expr, $revenue:expr) => {{
        use $crate::dialect::ConnectionDialect as _;
        let changes: Vec<(&nexus_core::customer::Customer, i64)> = $changes.into_iter().collect();
        let (take_revenue, put_revenue) = $revenue;
        // The stored rows these writes replace: for the version check, the rollups and the tags.
        type Stored = (
            uuid::Uuid,
            i64,
            uuid::Uuid,
            Option<uuid::Uuid>,
            nexus_core::time::Timestamp,
            Option<nexus_core::time::Timestamp>,
            sqlx::types::Json<Vec<String>>,
        );
        let mut ids: Vec<uuid::Uuid> = changes.iter().map(|(c, _)| c.id.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut stored: std::collections::HashMap<uuid::Uuid, Stored> =
            std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks($crate::query::IN_CHUNK) {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, version, owner_id, team_id, created_at, deleted_at, tags FROM customers WHERE id IN ({})",
                list.join(", ")
            );
            let mut q = sqlx::query_as::<_, Stored>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(&mut *$tx).await.map_err($crate::db_err)? {
                stored.insert(row.0, row);
            }
        }
        // Each change must expect the version the one before it left; the last state of each
        // customer is what gets written, over the version stored now.
        let mut version: std::collections::HashMap<uuid::Uuid, i64> =
            stored.iter().map(|(id, s)| (*id, s.1)).collect();
        let mut last: std::collections::HashMap<uuid::Uuid, &nexus_core::customer::Customer> =
            std::collections::HashMap::with_capacity(ids.len());
        let mut order: Vec<uuid::Uuid> = Vec::with_capacity(ids.len());
        for (c, expected) in &changes {
            match version.get_mut(&c.id.0) {
                Some(v) if *v == *expected => *v = c.version,
                _ => return Ok(false),
            }
            if last.insert(c.id.0, *c).is_none() {
                order.push(c.id.0);
            }
        }
        let finals: Vec<(&nexus_core::customer::Customer, &Stored)> = order
            .iter()
            .filter_map(|id| Some((*last.get(id)?, stored.get(id)?)))
            .collect();
        let reassigned = |c: &nexus_core::customer::Customer, s: &Stored| {
            s.2 != c.owner_id.0 || s.3 != c.team_id.map(|t| t.0)
        };
        for (c, s) in &finals {
            if reassigned(c, s) {
                // The customer's revenue moves to its new owner and team, under the lock that
                // serialises the customer's transaction writes.
                sqlx::query($crate::transactions::LOCK_AGGREGATES).bind(c.id.0).bind(c.updated_at).execute(&mut *$tx).await.map_err($crate::db_err)?;
                $crate::rollups::move_revenue!($tx, take_revenue, c.id.0);
            }
        }
        let positional = (&*$tx).bulk_positional();
        let mut written: u64 = 0;
        for chunk in finals.chunks($crate::query::UPDATE_ROWS) {
            let sql = $crate::customers::update_from_values(positional, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (c, s) in chunk {
                q = $crate::customers::bind_customer!(q, *c).bind(s.1);
            }
            written += q.execute(&mut *$tx).await.map_err($crate::db_err)?.rows_affected();
        }
        if written != finals.len() as u64 {
            return Ok(false);
        }
        let mut signups: std::collections::BTreeMap<$crate::rollups::SignupKey, i64> =
            std::collections::BTreeMap::new();
        for (c, s) in &finals {
            if reassigned(c, s) {
                $crate::rollups::move_revenue!($tx, put_revenue, c.id.0);
            }
            let (_, _, owner, team, created_at, deleted_at, tags) = s;
            let old_key = $crate::rollups::signup_key(*created_at, nexus_core::ids::UserId(*owner), team.map(nexus_core::ids::TeamId));
            let new_key = $crate::rollups::signup_key(c.created_at, c.owner_id, c.team_id);
            let was_live = i64::from(deleted_at.is_none());
            let is_live = i64::from(c.deleted_at.is_none());
            for (k, n) in $crate::rollups::replace_deltas(Some((old_key, was_live)), Some((new_key, is_live))) {
                *signups.entry(k).or_insert(0) += n;
            }
            // The tag index follows the stored tags whatever the event records.
            if tags.0 != c.tags {
                $crate::customers::write_tags!($tx, *c, true);
            }
        }
        $crate::rollups::bump_signups!($tx, signups);
        $crate::custom_fields::write_unique_values!($tx, finals.iter().map(|(c, _)| *c), true);
    }};
}
pub(crate) use update_customers_in;

/// What erasing customer `$1` deletes or empties besides its own row (order matters: rows that
/// reference others go first).
const ERASE_STATEMENTS: &[&str] = &[
    "UPDATE events SET changes = '{}' WHERE entity_id = $1 \
     OR entity_id IN (SELECT id FROM deals WHERE customer_id = $1) \
     OR entity_id IN (SELECT id FROM activities WHERE customer_id = $1)",
    "DELETE FROM custom_field_values_unique WHERE entity_id IN (SELECT id FROM activities \
     WHERE customer_id = $1 OR deal_id IN (SELECT id FROM deals WHERE customer_id = $1))",
    "DELETE FROM activities WHERE customer_id = $1 OR deal_id IN (SELECT id FROM deals WHERE customer_id = $1)",
    "DELETE FROM deal_stage_changes WHERE deal_id IN (SELECT id FROM deals WHERE customer_id = $1)",
    "DELETE FROM custom_field_values_unique WHERE entity_id IN (SELECT id FROM deals WHERE customer_id = $1)",
    "DELETE FROM deals WHERE customer_id = $1",
];

/// Row locks an erasure takes on PostgreSQL before it unrolls and deletes customer `$1`'s deals
/// and activities.
const ERASE_LOCKS_PG: &[&str] = &[
    "SELECT 1 FROM deals WHERE customer_id = $1 ORDER BY id FOR UPDATE",
    "SELECT 1 FROM activities WHERE customer_id = $1 OR deal_id IN (SELECT id FROM deals WHERE customer_id = $1) ORDER BY id FOR UPDATE",
];

/// Erasing customer `$1`: the webhook deliveries of the events about it (and its deals and
/// activities) keep their envelope but lose the event's `changes`, as the events themselves do
/// (a replay then sends no personal data). Runs before the deals and activities are deleted.
fn erase_deliveries_sql(sqlite: bool) -> &'static str {
    const ABOUT: &str = "SELECT id FROM events WHERE entity_id = $1 \
         OR entity_id IN (SELECT id FROM deals WHERE customer_id = $1) \
         OR entity_id IN (SELECT id FROM activities WHERE customer_id = $1)";
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        [
            format!(
                "UPDATE webhook_deliveries SET payload = json_set(payload, '$.data.changes', json('{{}}')) \
                 WHERE event_id IN ({ABOUT})"
            ),
            format!(
                "UPDATE webhook_deliveries SET payload = jsonb_set(payload, '{{data,changes}}', '{{}}'::jsonb) \
                 WHERE event_id IN ({ABOUT})"
            ),
        ]
    });
    &SQL[usize::from(!sqlite)]
}

/// Erasing a customer whose normalised e-mail is `$1`: rejected import rows holding that
/// e-mail in a cell go (the rows were never imported; their values are kept only to show why).
fn erase_rejections_sql(sqlite: bool) -> &'static str {
    if sqlite {
        "DELETE FROM import_rejections WHERE EXISTS \
         (SELECT 1 FROM json_each(import_rejections.vals) v WHERE lower(trim(v.value)) = $1)"
    } else {
        "DELETE FROM import_rejections r WHERE EXISTS \
         (SELECT 1 FROM jsonb_each_text(r.vals) v WHERE lower(trim(v.value)) = $1)"
    }
}

pub(crate) mod bulk;
pub(crate) mod group;

/// One new customer with its event in one PostgreSQL statement, made of the statements of
/// the statement-by-statement path: the row ([`INSERT_CUSTOMER`], `$1`–`$20`), its event
/// ([`INSERT_EVENT`], `$21`–`$30`), its tag rows (`$31`), its entries in the uniqueness index
/// of custom fields (`$32`–`$34`) and its day's signup count ([`BUMP_SIGNUPS`], `$35`–`$38`).
///
/// The index entries are found inside the statement: `$32`–`$34` hold every (attribute, field
/// type, index value) the attributes could give (see [`unique_candidates`]), and the join keeps
/// those of the live `unique` fields of that key and type. The statement's snapshot is taken
/// after its lock on `customers`, so, as in the statement-by-statement path, a definition write
/// (which locks the table in SHARE mode) either sees this row or is seen by it.
///
/// Sub-statements of one statement share its snapshot and its foreign keys are checked at its
/// end, so the tag rows may reference the customer inserted beside them.
static INSERT_ONE_PG: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH c AS ({INSERT_CUSTOMER}), e AS ({}), \
         t AS (INSERT INTO customer_tags (tag, customer_id) SELECT tag, $1 FROM unnest($31::text[]) AS tag), \
         u AS (INSERT INTO custom_field_values_unique (field_id, value_text, entity_id) \
         SELECT f.id, v.value_text, $1 FROM unnest($32::text[], $33::text[], $34::text[]) AS v (key, field_type, value_text) \
         JOIN custom_fields f ON f.entity = 'customer' AND f.key = v.key AND f.field_type = v.field_type \
         WHERE f.unique_values AND f.deleted_at IS NULL) {}",
        shift_params(INSERT_EVENT, 20),
        shift_params(BUMP_SIGNUPS, 34),
    )
});

/// `sql` with each parameter `$n` renumbered `$(n + by)` (the statements here hold no `$`
/// elsewhere).
fn shift_params(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Every (key, field type, index value) that the attributes of `c` would put in the uniqueness
/// index were the key a `unique` field of that type (types whose values the index does not
/// cover give none).
fn unique_candidates(c: &Customer) -> (Vec<&str>, Vec<&'static str>, Vec<String>) {
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for (key, value) in &c.attributes {
        for &ty in nexus_core::custom_field::FieldType::ALL {
            if let Some(v) = nexus_core::custom_field::unique_key(ty, Some(value)) {
                out.0.push(key.as_str());
                out.1.push(ty.as_str());
                out.2.push(v);
            }
        }
    }
    out
}

impl Db {
    pub(crate) async fn insert_customers(
        &self,
        customers: &[Customer],
        events: &[Event],
    ) -> CoreResult<()> {
        // A single create on SQLite shares a transaction (and its fsync) with the creates
        // waiting beside it (see `group.rs`).
        if let (
            Db::Sqlite {
                writer, creates, ..
            },
            [c],
            [ev],
        ) = (self, customers, events)
        {
            return creates.insert(writer, c, ev).await;
        }
        // A single create on PostgreSQL: one statement, one round trip, instead of a
        // transaction of seven or more. A unique violation goes on to the path below, which
        // names the value taken (the statement wrote nothing).
        if let (Db::Postgres(pool), [c], [ev]) = (self, customers, events)
            && c.deleted_at.is_none()
        {
            let (keys, types, values) = unique_candidates(c);
            let (day, owner, team) =
                crate::rollups::signup_key(c.created_at, c.owner_id, c.team_id);
            // The connection goes back before the path below takes one (never two at once).
            let done = {
                let mut lease = pool.lease().await.map_err(db_err)?;
                let query =
                    bind_customer!(sqlx::query(sqlx::AssertSqlSafe(INSERT_ONE_PG.as_str())), c);
                crate::bind_event!(query, ev)
                    .bind(&c.tags)
                    .bind(keys)
                    .bind(types)
                    .bind(values)
                    .bind(day)
                    .bind(owner)
                    .bind(team)
                    .bind(1_i64)
                    .execute(&mut *lease)
                    .await
            };
            match done {
                Ok(_) => return Ok(()),
                Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {}
                Err(e) => return Err(db_err(e)),
            }
        }
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            insert_customers_in!(tx, customers, events);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn customers_with_emails(&self, emails: &[String]) -> CoreResult<Vec<String>> {
        const SQL: &str =
            "SELECT email_norm FROM customers WHERE deleted_at IS NULL AND email_norm IN ({in})";
        Ok(select_in!(self, sqlx::query_scalar, SQL, [], emails, |e| e))
    }

    /// Live customers with one of these ids or normalized (lower-case) e-mails.
    pub(crate) async fn live_customers_by_keys(
        &self,
        ids: &[CustomerId],
        emails: &[String],
    ) -> CoreResult<Vec<Customer>> {
        let by_id = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE deleted_at IS NULL AND id IN ({{in}})"
        );
        let by_email = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE deleted_at IS NULL AND email_norm IN ({{in}})"
        );
        let mut rows: Vec<CustomerRow> =
            select_in!(self, sqlx::query_as, by_id, [], ids, |id| id.0);
        let mut more: Vec<CustomerRow> =
            select_in!(self, sqlx::query_as, by_email, [], emails, |e| e);
        rows.append(&mut more);
        rows.into_iter().map(Customer::try_from).collect()
    }

    pub(crate) async fn get_customer(&self, id: CustomerId) -> CoreResult<Option<Customer>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = $1");
        let row: Option<CustomerRow> = with_pool!(self, read, conn =>
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id.0).fetch_optional(conn).await.map_err(db_err)?);
        row.map(Customer::try_from).transpose()
    }

    pub(crate) async fn update_customer(
        &self,
        c: &Customer,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        let revenue = revenue_sql(self.is_sqlite());
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            update_customers_in!(tx, [(c, expected_version)], revenue);
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    /// Erases a customer's personal data in one transaction: the row becomes the anonymised
    /// `c` (checked against `expected_version`), its activities, deals, stage history and tags
    /// are deleted, the recorded changes of the customer, its deals and activities are emptied,
    /// and stored idempotent responses that mention it are dropped. Transactions stay (they
    /// reference the anonymised row), so revenue figures do not move. `false` when the version
    /// moved on.
    pub(crate) async fn erase_customer(
        &self,
        c: &Customer,
        expected_version: i64,
        erased_by: Option<UserId>,
        event: &Event,
    ) -> CoreResult<bool> {
        let revenue = revenue_sql(self.is_sqlite());
        let unroll = unroll_erased_activities_sql(self.is_sqlite());
        let id = c.id.0;
        with_pool!(self, write, conn => {
            let mut tx = conn.begin().await.map_err(db_err)?;
            let email: Option<String> = sqlx::query_scalar("SELECT email_norm FROM customers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?
                .flatten();
            update_customers_in!(tx, [(c, expected_version)], revenue);
            sqlx::query(erase_deliveries_sql(self.is_sqlite())).bind(id).execute(&mut *tx).await.map_err(db_err)?;
            if let Some(email) = email {
                sqlx::query(erase_rejections_sql(self.is_sqlite())).bind(email).execute(&mut *tx).await.map_err(db_err)?;
            }
            // On PostgreSQL (READ COMMITTED, several writers) the deals and activities about to
            // be deleted are locked first: a concurrent move or delete of one of them then waits
            // and finds it gone (a version conflict), instead of changing its rollup around the
            // unroll below. SQLite has one writer.
            if !self.is_sqlite() {
                for lock in ERASE_LOCKS_PG {
                    sqlx::query(*lock).bind(id).execute(&mut *tx).await.map_err(db_err)?;
                }
            }
            // The activities and deals about to be deleted leave their rollups first.
            sqlx::query(unroll).bind(id).bind(uuid::Uuid::nil()).execute(&mut *tx).await.map_err(db_err)?;
            sqlx::query(UNROLL_ERASED_DEALS).bind(id).bind(uuid::Uuid::nil()).execute(&mut *tx).await.map_err(db_err)?;
            for sql in ERASE_STATEMENTS {
                sqlx::query(*sql).bind(id).execute(&mut *tx).await.map_err(db_err)?;
            }
            sqlx::query("DELETE FROM idempotency_keys WHERE body LIKE $1")
                .bind(format!("%{id}%"))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("INSERT INTO customer_erasures (customer_id, erased_at, erased_by) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(c.updated_at)
                .bind(erased_by.map(|u| u.0))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn customer_erased_at(&self, id: CustomerId) -> CoreResult<Option<Timestamp>> {
        let at: Option<Timestamp> = with_pool!(self, read, conn =>
            sqlx::query_scalar("SELECT erased_at FROM customer_erasures WHERE customer_id = $1")
                .bind(id.0)
                .fetch_optional(conn)
                .await
                .map_err(db_err)?);
        Ok(at)
    }

    pub(crate) async fn list_customers(&self, q: &CustomerQuery) -> CoreResult<Vec<Customer>> {
        list_in_sort_parts!(self, q, CustomerQuery, list_customers_in)
    }

    /// The list of `q` within `part` of a custom-field sort (ignored by other sorts).
    async fn list_customers_in(
        &self,
        q: &CustomerQuery,
        part: SortPart,
    ) -> CoreResult<Vec<Customer>> {
        let plan = match (self.is_sqlite(), indexed_needle(q)) {
            (true, Some(needle)) => {
                if needle.is_ascii() {
                    // A common needle matches a large share of the table. The first rows in
                    // list order answer it quickly; only when they hold less than a page does
                    // the trigram index run.
                    let (sql, args) = list_sql::<Sqlite>(q, ListPlan::Window(SEARCH_WINDOW), part)?;
                    let rows = self.fetch_customer_rows(sql, args).await?;
                    if rows.len() >= q.limit as usize {
                        return rows.into_iter().map(Customer::try_from).collect();
                    }
                }
                // The index hands back every match before any can be sorted (0.7–2 s for
                // 83,000 matches of 1M, most of the table's pages read and decrypted): past
                // WALK_ABOVE matches the rows are walked in list order instead (a custom-field
                // sort walks its field's sort index).
                if self.matches_at_least(needle, WALK_ABOVE).await? {
                    ListPlan::Search(SearchPlan::Walk)
                } else {
                    ListPlan::Search(SearchPlan::Index)
                }
            }
            _ => ListPlan::Search(SearchPlan::Index),
        };
        let (sql, args) = if self.is_sqlite() {
            list_sql::<Sqlite>(q, plan, part)?
        } else {
            list_sql::<Postgres>(q, plan, part)?
        };
        let rows = self.fetch_customer_rows(sql, args).await?;
        rows.into_iter().map(Customer::try_from).collect()
    }

    /// Whether the SQLite trigram index holds at least `n` customers (live or deleted) matching
    /// `needle`; it stops counting at `n`.
    async fn matches_at_least(&self, needle: &str, n: i64) -> CoreResult<bool> {
        let count: i64 = with_pool!(self, read, conn =>
            sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT rowid FROM customers_fts WHERE customers_fts MATCH $1 LIMIT $2)",
            )
            .bind(<Sqlite as Dialect>::search_arg(needle, SearchPlan::Index))
            .bind(n)
            .fetch_one(conn)
            .await
            .map_err(db_err)?);
        Ok(count >= n)
    }

    async fn fetch_customer_rows(
        &self,
        sql: String,
        args: Vec<Arg>,
    ) -> CoreResult<Vec<CustomerRow>> {
        Ok(with_pool!(self, read, conn => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(conn)
                .await
                .map_err(db_err)?
        }))
    }
}

/// Rows (in list order, after every filter but the search) that a windowed search looks at.
const SEARCH_WINDOW: i64 = 5_000;

/// Matches of a needle past which an SQLite search walks the rows in list order (see
/// [`SearchPlan::Walk`]): below it, fetching and sorting every match reads at most this many
/// rows; above it, a walk meets a page of matches after about `limit × rows / matches` rows
/// when the matches are spread over the list order (a walk's worst case, matches all at the
/// end of the order, reads the sort's whole index: about 0.3 s at 1M customers).
const WALK_ABOVE: i64 = 5_000;

/// How the list statement looks for the search.
#[derive(Clone, Copy, Debug)]
enum ListPlan {
    /// The search as one more condition, run as the plan says (needles under three characters
    /// always use `LIKE`).
    Search(SearchPlan),
    /// The search as `LIKE` over only the first `n` rows (in list order) that pass the other
    /// filters: when that finds `limit` rows, they are the first `limit` matches of the whole
    /// list, since every row after the window also comes after them.
    Window(i64),
}

/// The search text of a query when the SQLite trigram index can serve it: three characters or
/// more. A windowed search (`LIKE`, whose case folding is ASCII only, where the index folds
/// Unicode) is tried only for ASCII needles, so that both find the same rows.
fn indexed_needle(q: &CustomerQuery) -> Option<&str> {
    q.q.as_deref()
        .map(str::trim)
        .filter(|t| t.chars().count() >= 3)
}

/// Builds the list statement and its arguments for backend `D` (within `part` of a
/// custom-field sort).
fn list_sql<D: Dialect>(
    q: &CustomerQuery,
    plan: ListPlan,
    part: SortPart,
) -> CoreResult<(String, Vec<Arg>)> {
    let mut f = Filter::default();
    f.scope(q.scope, "c");
    f.deleted(q.deleted, "c");
    if !q.statuses.is_empty() {
        let ps: Vec<String> = q
            .statuses
            .iter()
            .map(|s| format!("${}", f.arg(Arg::Text(s.as_str().into()))))
            .collect();
        f.cond(format!("c.status IN ({})", ps.join(", ")));
    }
    if let Some(k) = q.kind {
        let n = f.arg(Arg::Text(k.as_str().into()));
        f.cond(format!("c.kind = ${n}"));
    }
    for (col, v) in [
        ("owner_id", q.owner_id.map(|x| x.0)),
        ("team_id", q.team_id.map(|x| x.0)),
        ("company_id", q.company_id.map(|x| x.0)),
    ] {
        if let Some(v) = v {
            let n = f.arg(Arg::Uuid(v));
            f.cond(format!("c.{col} = ${n}"));
        }
    }
    if let Some(s) = &q.segment {
        let n = f.arg(Arg::Text(s.clone()));
        f.cond(format!("c.segment = ${n}"));
    }
    if let Some(t) = &q.tag {
        let n = f.arg(Arg::Text(t.to_lowercase()));
        f.cond(format!(
            "EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id AND t.tag = ${n})"
        ));
    }
    for (expr, v) in [
        ("c.created_at >= ", q.created_after),
        ("c.created_at < ", q.created_before),
        ("c.updated_at >= ", q.updated_after),
        ("c.updated_at < ", q.updated_before),
    ] {
        if let Some(t) = v {
            let n = f.arg(Arg::Time(t));
            f.cond(format!("{expr}${n}"));
        }
    }
    let mut search = None;
    let window = match plan {
        ListPlan::Window(n) => Some(n),
        ListPlan::Search(_) => None,
    };
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let how = match plan {
            ListPlan::Search(how) if text.chars().count() >= 3 => how,
            _ => SearchPlan::Like,
        };
        let n = f.arg(Arg::Text(D::search_arg(text, how)));
        search = Some(D::search_clause(n, how));
    }
    // Without a window the search is one more condition; with one it applies to the window.
    let search_in_window = match (window, search) {
        (Some(_), Some(cond)) => Some(cond),
        (_, cond) => {
            f.conds.extend(cond);
            None
        }
    };
    let select = |cols: &str, conds: &[String], order_by: &str, f: &mut Filter| -> String {
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        match (&search_in_window, window) {
            (Some(like), Some(w)) => {
                let w = f.arg(Arg::Int(w));
                format!(
                    "SELECT {cols} FROM (SELECT c.* FROM customers c WHERE {} ORDER BY {order_by} LIMIT ${w}) AS c \
                     WHERE {like} ORDER BY {order_by} LIMIT ${limit}",
                    conds.join(" AND ")
                )
            }
            _ => format!(
                "SELECT {cols} FROM customers c WHERE {} ORDER BY {order_by} LIMIT ${limit}",
                conds.join(" AND ")
            ),
        }
    };
    let custom_order = custom_sort::<D>(&mut f, "c", &q.custom, q.order, q.after.as_ref(), part)?;
    let (cmp, dir) = match q.order {
        SortOrder::Asc => (">", "ASC"),
        SortOrder::Desc => ("<", "DESC"),
    };
    let cols: Vec<String> = CUSTOMER_COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect();
    if let Some(order_by) = custom_order {
        let conds = std::mem::take(&mut f.conds);
        let sql = select(&cols.join(", "), &conds, &order_by, &mut f);
        return Ok((sql, f.args));
    }
    let sort_expr = match q.sort {
        CustomerSortField::CreatedAt => "c.created_at",
        CustomerSortField::UpdatedAt => "c.updated_at",
        CustomerSortField::Name => "c.name",
        CustomerSortField::Email => "coalesce(c.email_norm, '')",
    };
    if let Some(cur) = &q.after {
        if cur.sort != q.sort.as_str() {
            return Err(CoreError::invalid(
                "cursor",
                "invalid_cursor",
                "was issued for another sort order",
            ));
        }
        let v = match q.sort {
            CustomerSortField::CreatedAt | CustomerSortField::UpdatedAt => Arg::Time(
                chrono::DateTime::parse_from_rfc3339(&cur.value)
                    .map_err(|_| {
                        CoreError::invalid(
                            "cursor",
                            "invalid_cursor",
                            "is not a cursor returned by this API",
                        )
                    })?
                    .with_timezone(&chrono::Utc),
            ),
            _ => Arg::Text(cur.value.clone()),
        };
        let a = f.arg(v);
        let b = f.arg(Arg::Uuid(cur.id));
        f.cond(format!("({sort_expr}, c.id) {cmp} (${a}, ${b})"));
    }
    let conds = std::mem::take(&mut f.conds);
    let order_by = format!("{sort_expr} {dir}, c.id {dir}");
    let sql = select(&cols.join(", "), &conds, &order_by, &mut f);
    Ok((sql, f.args))
}

#[cfg(test)]
mod tests {
    use super::{ListPlan, SortPart, list_sql};
    use crate::custom_fields::sort_index;
    use crate::dialect::SearchPlan;
    use crate::plans::{migrated_sqlite, sqlite_plan};
    use nexus_core::custom_field::{CfSort, CustomCriteria, CustomFieldEntity, ValueKind};
    use nexus_core::customer::CustomerQuery;
    use nexus_core::page::{Cursor, SortOrder};
    use sqlx::Sqlite;

    fn sorted_by_score(order: SortOrder, after: Option<&str>) -> CustomerQuery {
        CustomerQuery {
            custom: CustomCriteria {
                sort: Some(CfSort {
                    key: "score".into(),
                    kind: ValueKind::Number,
                }),
                ..Default::default()
            },
            order,
            after: after.map(|value| Cursor {
                sort: "cf.score".into(),
                value: value.into(),
                id: uuid::Uuid::nil(),
            }),
            ..CustomerQuery::all_live(50)
        }
    }

    /// A list sorted by a custom field reads its pages from a range of the field's sort index,
    /// in index order, in both directions and both parts (valued, then missing), from the
    /// start and after a cursor.
    #[tokio::test]
    async fn custom_field_sorts_read_the_sort_index_on_sqlite() {
        let (_dir, db) = migrated_sqlite().await;
        let (name, create) =
            sort_index::<Sqlite>(CustomFieldEntity::Customer, "score", ValueKind::Number).unwrap();
        let crate::Db::Sqlite { writer, .. } = &db else {
            unreachable!()
        };
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(writer.inner())
            .await
            .unwrap();
        let plan = ListPlan::Search(SearchPlan::Index);
        for order in [SortOrder::Asc, SortOrder::Desc] {
            for (part, after) in [
                (SortPart::Valued, None),
                (SortPart::Valued, Some("v:2.5")),
                (SortPart::Missing, None),
                (SortPart::Missing, Some("n")),
            ] {
                let (sql, args) =
                    list_sql::<Sqlite>(&sorted_by_score(order, after), plan, part).unwrap();
                let steps = sqlite_plan(&db, &sql, args.len()).await;
                let case = format!("{order:?} {part:?} {after:?}: {steps:?} {sql}");
                // A range of the index (SEARCH), never a walk over the records without a
                // value to reach the first with one (SCAN).
                assert!(
                    steps
                        .iter()
                        .any(|s| s.starts_with("SEARCH c USING INDEX") && s.contains(&name)),
                    "{case}"
                );
                assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{case}");
            }
        }
        db.close().await;
    }

    #[test]
    fn updates_from_values_set_every_column_but_the_id() {
        let sql = super::update_from_values(false, 2);
        assert!(sql.starts_with("UPDATE customers SET kind = v.column2, name = v.column3, "));
        assert!(sql.contains("segment_confidence = v.column20 FROM (VALUES ($1, "));
        assert!(sql.contains("$21), ($22, "));
        assert!(sql.ends_with(
            "$42)) AS v WHERE customers.id = v.column1 AND customers.version = v.column21"
        ));
        assert!(!sql.contains(" id = v."), "{sql}");
        assert!(super::update_from_values(true, 1).contains("(VALUES (?, ?, "));
    }

    #[test]
    fn shift_params_renumbers_every_parameter() {
        assert_eq!(
            super::shift_params("VALUES ($1, NULL, $10) WHERE x = $2", 20),
            "VALUES ($21, NULL, $30) WHERE x = $22"
        );
        assert_eq!(super::shift_params("no parameters", 3), "no parameters");
    }
}
