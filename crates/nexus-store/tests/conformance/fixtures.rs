//! Builders for domain values and small store helpers shared by the tests.

use chrono::{DateTime, Duration, Utc};
use nexus_core::auth::Role;
use nexus_core::customer::{
    Customer, CustomerKind, CustomerQuery, CustomerSortField, CustomerStatus, DeletedFilter,
};
use nexus_core::event::{Event, diff};
use nexus_core::ids::{CustomerId, ProductId, TeamId, TransactionId, UserId};
use nexus_core::money::Currency;
use nexus_core::page::SortOrder;
use nexus_core::product::Product;
use nexus_core::store::Store;
use nexus_core::time::now;
use nexus_core::transaction::{
    CustomerAggregates, LineItem, Transaction, TransactionQuery, TransactionStatus,
};
use nexus_core::user::{Team, User, UserRecord};
use serde_json::Map;

pub fn user_record(email: &str, team_id: Option<TeamId>) -> UserRecord {
    let t = now();
    UserRecord {
        user: User {
            id: UserId::new(),
            email: email.to_owned(),
            name: format!("User {email}"),
            role: Role::SalesRep,
            team_id,
            active: true,
            password_expires_at: Some(t + Duration::days(90)),
            version: 1,
            created_at: t,
            updated_at: t,
            last_login_at: None,
        },
        password_hash: format!("$argon2id$v=19$fake${email}"),
    }
}

pub fn user_event(u: &UserRecord) -> Event {
    Event::new(
        "user",
        u.user.id.0,
        "created",
        None,
        diff(None, Some(&u.user)),
    )
}

/// Inserts a user with a unique email and returns its id.
pub async fn add_user(s: &dyn Store, team_id: Option<TeamId>) -> UserId {
    let u = user_record(
        &format!("user-{}@test.example", uuid::Uuid::now_v7().simple()),
        team_id,
    );
    s.insert_user(&u, &user_event(&u)).await.unwrap();
    u.user.id
}

pub fn team(name: &str) -> Team {
    let t = now();
    Team {
        id: TeamId::new(),
        name: name.to_owned(),
        version: 1,
        created_at: t,
        updated_at: t,
    }
}

pub fn team_event(t: &Team, action: &str) -> Event {
    Event::new("team", t.id.0, action, None, Map::new())
}

pub async fn add_team(s: &dyn Store, name: &str) -> TeamId {
    let t = team(name);
    s.insert_team(&t, &team_event(&t, "created")).await.unwrap();
    t.id
}

/// A plain person owned by `owner`, created now.
pub fn customer(owner: UserId, name: &str) -> Customer {
    let t = now();
    Customer {
        id: CustomerId::new(),
        kind: CustomerKind::Person,
        name: name.to_owned(),
        email: None,
        phone: None,
        company_id: None,
        company_name: None,
        status: CustomerStatus::Lead,
        owner_id: owner,
        team_id: None,
        tags: vec![],
        attributes: Map::new(),
        segment: None,
        segment_status: nexus_core::customer::SegmentStatus::Unscored,
        segment_confidence: None,
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    }
}

pub fn created_event(c: &Customer) -> Event {
    Event::new(
        "customer",
        c.id.0,
        "created",
        Some(c.owner_id),
        diff(None, Some(c)),
    )
    .with_ownership(Some(c.owner_id), c.team_id)
}

pub fn updated_event(before: &Customer, after: &Customer) -> Event {
    Event::new(
        "customer",
        after.id.0,
        "updated",
        Some(after.owner_id),
        diff(Some(before), Some(after)),
    )
    .with_ownership(Some(after.owner_id), after.team_id)
}

/// Inserts customers with one `created` event each.
pub async fn add_customers(s: &dyn Store, customers: &[Customer]) {
    let events: Vec<Event> = customers.iter().map(created_event).collect();
    s.insert_customers(customers, &events).await.unwrap();
}

/// Bulk-loads `rows` as a stream of batches of `batch` rows; returns what the store reports.
pub async fn bulk_load(
    s: &dyn Store,
    rows: &[Customer],
    batch: usize,
) -> nexus_core::error::CoreResult<u64> {
    let batches: Vec<_> = rows.chunks(batch).map(|b| Ok(b.to_vec())).collect();
    s.bulk_load_customers(Box::pin(futures::stream::iter(batches)), rows.len() as u64)
        .await
}

/// The next version of `c`: bumped version, `updated_at` later, changed by `f`.
pub fn next_version(c: &Customer, f: impl FnOnce(&mut Customer)) -> Customer {
    let mut n = c.clone();
    n.version += 1;
    n.updated_at = (c.updated_at + Duration::milliseconds(1)).max(now());
    f(&mut n);
    n
}

/// Soft-deletes `c` through an optimistic update; returns the stored state.
pub async fn soft_delete(s: &dyn Store, c: &Customer) -> Customer {
    let d = next_version(c, |d| d.deleted_at = Some(d.updated_at));
    assert!(
        s.update_customer(&d, c.version, &updated_event(c, &d))
            .await
            .unwrap()
    );
    d
}

/// An unfiltered query over everything, newest first, with the maximum page size.
pub fn query() -> CustomerQuery {
    CustomerQuery::all_live(500)
}

/// A query searching for `text`.
pub fn search(text: &str) -> CustomerQuery {
    CustomerQuery {
        q: Some(text.to_owned()),
        ..query()
    }
}

pub fn ids(v: &[Customer]) -> Vec<CustomerId> {
    v.iter().map(|c| c.id).collect()
}

/// Sorted ids, for comparing result sets regardless of order.
pub fn id_set(v: &[Customer]) -> Vec<CustomerId> {
    let mut out = ids(v);
    out.sort();
    out
}

/// `v` in the order a list with this sort returns it: by the cursor value, then by id.
pub fn sorted(v: &[Customer], sort: CustomerSortField, order: SortOrder) -> Vec<Customer> {
    let mut out = v.to_vec();
    out.sort_by_key(|c| (c.sort_value(sort), c.id));
    if order == SortOrder::Desc {
        out.reverse();
    }
    out
}

/// A time truncated to whole seconds, an hour in the past.
pub fn whole_second_base() -> DateTime<Utc> {
    use chrono::SubsecRound;
    (now() - Duration::hours(1)).trunc_subsecs(0)
}

pub const SORTS: [CustomerSortField; 4] = [
    CustomerSortField::CreatedAt,
    CustomerSortField::UpdatedAt,
    CustomerSortField::Name,
    CustomerSortField::Email,
];
pub const ORDERS: [SortOrder; 2] = [SortOrder::Asc, SortOrder::Desc];

/// A product priced `price` minor units of `currency`, created now.
pub fn product(sku: &str, price: i64, currency: &str) -> Product {
    let t = now();
    Product {
        id: ProductId::new(),
        sku: sku.to_owned(),
        name: format!("Product {sku}"),
        description: None,
        category: None,
        price,
        currency: Currency::parse(currency).unwrap(),
        active: true,
        attributes: Default::default(),
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    }
}

pub fn product_event(p: &Product, action: &str) -> Event {
    Event::new("product", p.id.0, action, None, diff(None, Some(p)))
}

/// Inserts `p` with its event.
pub async fn add_product(s: &dyn Store, p: &Product) {
    s.insert_product(p, &product_event(p, "created"))
        .await
        .unwrap();
}

/// A transaction of `customer` with one line per `(product, quantity)` at list price.
pub fn transaction(
    customer: CustomerId,
    status: TransactionStatus,
    lines: &[(&Product, i64)],
) -> Transaction {
    let t = now();
    let items: Vec<LineItem> = lines
        .iter()
        .map(|(p, q)| LineItem {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            quantity: *q,
            unit_price: p.price,
            line_total: p.price * q,
        })
        .collect();
    Transaction {
        id: TransactionId::new(),
        customer_id: customer,
        status,
        currency: lines
            .first()
            .map_or(Currency::parse("EUR").unwrap(), |(p, _)| p.currency),
        occurred_at: t,
        reference: None,
        external_ref: None,
        total: items.iter().map(|i| i.line_total).sum(),
        items,
        created_by: None,
        attributes: Default::default(),
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    }
}

pub fn transaction_event(t: &Transaction, action: &str) -> Event {
    Event::new("transaction", t.id.0, action, None, diff(None, Some(t)))
}

/// Writes a changed copy of `cur` (version bumped) if `cur` is still current; `None` if another
/// writer got there first.
pub async fn change_transaction(
    s: &dyn Store,
    cur: &Transaction,
    f: impl FnOnce(&mut Transaction),
) -> Option<Transaction> {
    let mut next = cur.clone();
    f(&mut next);
    next.version = cur.version + 1;
    next.updated_at = now().max(cur.updated_at);
    s.update_transaction(&next, cur.version, &transaction_event(&next, "updated"))
        .await
        .unwrap()
        .then_some(next)
}

/// Every transaction of `customer`, live and deleted.
pub async fn all_transactions(s: &dyn Store, customer: CustomerId) -> Vec<Transaction> {
    let mut out = Vec::new();
    for deleted in [DeletedFilter::Exclude, DeletedFilter::Only] {
        let mut after = None;
        loop {
            let q = TransactionQuery {
                customer_id: Some(customer),
                deleted,
                after: after.clone(),
                limit: 100,
                ..TransactionQuery::default()
            };
            let page = s.list_transactions(&q).await.unwrap();
            after = page.last().map(|t| nexus_core::page::Cursor {
                sort: q.sort.as_str().into(),
                value: t.sort_value(q.sort),
                id: t.id.0,
            });
            let n = page.len();
            out.extend(page);
            if n < 100 {
                break;
            }
        }
    }
    out
}

/// Asserts that the stored aggregates of `customer` equal a recomputation from its rows.
pub async fn assert_aggregates_exact(s: &dyn Store, customer: CustomerId) -> CustomerAggregates {
    let rows = all_transactions(s, customer).await;
    let stored = s.customer_aggregates(customer).await.unwrap();
    let expected = CustomerAggregates::compute(customer, &rows);
    assert!(
        stored.same_figures(&expected),
        "stored aggregates {stored:#?} differ from the rows' {expected:#?}"
    );
    stored
}
