//! Transactions and per-customer aggregates: round trips with items, optimistic updates that
//! roll back completely, aggregates that equal a recomputation from the rows after every kind of
//! write (also under concurrent writers), and lists with filters, scope and keyset pages.

use crate::fixtures::{
    add_customers, add_product, add_team, add_user, all_transactions, assert_aggregates_exact,
    change_transaction, customer, product, transaction, transaction_event,
};
use TransactionStatus::*;
use chrono::Duration;
use nexus_core::CoreError;
use nexus_core::auth::Scope;
use nexus_core::customer::DeletedFilter;
use nexus_core::ids::{CustomerId, ProductId, TransactionId};
use nexus_core::money::Currency;
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::product::Product;
use nexus_core::store::Store;
use nexus_core::time::now;
use nexus_core::transaction::{
    CustomerAggregates, Transaction, TransactionQuery, TransactionSortField, TransactionStatus,
};
use std::sync::Arc;

conformance!(
    transaction_round_trip_keeps_items_in_order,
    aggregates_follow_every_kind_of_write,
    failed_writes_leave_rows_and_aggregates_untouched,
    concurrent_writers_keep_aggregates_exact,
    transaction_filters_scope_and_pages,
    external_refs_are_unique_among_live_transactions,
);

/// A customer with an owner, and two EUR products and one USD product.
async fn setup(s: &dyn Store) -> (CustomerId, [Product; 3]) {
    let owner = add_user(s, None).await;
    let c = customer(owner, "Buyer");
    add_customers(s, std::slice::from_ref(&c)).await;
    let products = [
        product("EUR-A", 1250, "EUR"),
        product("EUR-B", 99, "EUR"),
        product("USD-A", 5000, "USD"),
    ];
    for p in &products {
        add_product(s, p).await;
    }
    (c.id, products)
}

async fn insert(s: &dyn Store, t: &Transaction) {
    s.insert_transaction(t, &transaction_event(t, "created"))
        .await
        .unwrap();
}

async fn transaction_round_trip_keeps_items_in_order(s: Arc<dyn Store>) {
    let (c, [a, b, usd]) = setup(&*s).await;
    let mut t = transaction(c, Completed, &[(&b, 3), (&a, 1), (&b, 7)]);
    t.items[1].unit_price = 1000;
    t.items[1].line_total = 1000;
    t.total = t.items.iter().map(|i| i.line_total).sum();
    t.reference = Some("PO-7".into());
    t.occurred_at = now() - Duration::days(30);
    insert(&*s, &t).await;
    assert_eq!(s.get_transaction(t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(s.get_transaction(TransactionId::new()).await.unwrap(), None);
    let other = transaction(c, Pending, &[(&usd, 1)]);
    insert(&*s, &other).await;
    let listed = s
        .list_transactions(&TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![other.clone(), t.clone()],
        "newest occurred_at first"
    );
    // Replacing the items rewrites them whole.
    let t2 = change_transaction(&*s, &t, |n| {
        n.items.truncate(1);
        n.items[0].quantity = 4;
        n.items[0].line_total = 4 * b.price;
        n.total = n.items[0].line_total;
    })
    .await
    .unwrap();
    assert_eq!(s.get_transaction(t.id).await.unwrap(), Some(t2));
    let events = s.entity_events(t.id.0, None, 10).await.unwrap();
    assert_eq!(events.len(), 2, "one event per write");
}

async fn aggregates_follow_every_kind_of_write(s: Arc<dyn Store>) {
    let (c, [a, b, usd]) = setup(&*s).await;
    assert_eq!(
        s.customer_aggregates(c).await.unwrap(),
        CustomerAggregates::empty(c)
    );
    let base = now() - Duration::days(100);
    let day = |d: i64| base + Duration::days(d);
    let mut first = transaction(c, Completed, &[(&a, 2)]);
    first.occurred_at = day(10);
    insert(&*s, &first).await;
    let agg = assert_aggregates_exact(&*s, c).await;
    assert_eq!((agg.purchase_count, agg.version), (1, 1));
    assert_eq!(agg.first_purchase_at, Some(day(10)));
    assert_eq!(agg.revenue[0].revenue, 2500);

    let mut later = transaction(c, Completed, &[(&b, 1)]);
    later.occurred_at = day(20);
    insert(&*s, &later).await;
    let mut pending = transaction(c, Pending, &[(&usd, 1)]);
    pending.occurred_at = day(30);
    insert(&*s, &pending).await;
    let agg = assert_aggregates_exact(&*s, c).await;
    assert_eq!(
        (agg.purchase_count, agg.last_purchase_at),
        (2, Some(day(20)))
    );
    assert_eq!(agg.revenue.len(), 1, "pending transactions do not count");
    assert_eq!(agg.version, 3);

    // Completing the USD order opens a second currency and moves the last purchase.
    let pending = change_transaction(&*s, &pending, |n| n.status = Completed)
        .await
        .unwrap();
    let agg = assert_aggregates_exact(&*s, c).await;
    let currencies: Vec<&str> = agg.revenue.iter().map(|r| r.currency.as_str()).collect();
    assert_eq!(currencies, vec!["EUR", "USD"]);
    assert_eq!(agg.last_purchase_at, Some(day(30)));

    // Refunding the latest purchase takes it out of revenue and moves last_purchase_at back.
    let refunded = change_transaction(&*s, &pending, |n| n.status = Refunded)
        .await
        .unwrap();
    let agg = assert_aggregates_exact(&*s, c).await;
    assert_eq!((agg.purchase_count, agg.refund_count), (2, 1));
    assert_eq!(agg.last_purchase_at, Some(day(20)));
    let usd_row = &agg.revenue[1];
    assert_eq!(
        (
            usd_row.revenue,
            usd_row.refunded_amount,
            usd_row.refund_count
        ),
        (0, 5000, 1)
    );

    // Deleting the first purchase moves first_purchase_at; restoring it moves it back.
    let deleted = change_transaction(&*s, &first, |n| n.deleted_at = Some(now()))
        .await
        .unwrap();
    let agg = assert_aggregates_exact(&*s, c).await;
    assert_eq!(
        (agg.purchase_count, agg.first_purchase_at),
        (1, Some(day(20)))
    );
    assert_eq!(agg.revenue[0].revenue, 99);
    let restored = change_transaction(&*s, &deleted, |n| n.deleted_at = None)
        .await
        .unwrap();
    assert_eq!(
        assert_aggregates_exact(&*s, c).await.first_purchase_at,
        Some(day(10))
    );

    // Changing items and the time of a purchase.
    change_transaction(&*s, &restored, |n| {
        n.items[0].quantity = 10;
        n.items[0].line_total = 12_500;
        n.total = 12_500;
        n.occurred_at = day(5);
    })
    .await
    .unwrap();
    let agg = assert_aggregates_exact(&*s, c).await;
    assert_eq!(agg.revenue[0].revenue, 12_500 + 99);
    assert_eq!(agg.first_purchase_at, Some(day(5)));

    // Deleting the refund removes the USD row entirely.
    change_transaction(&*s, &refunded, |n| n.deleted_at = Some(now()))
        .await
        .unwrap();
    let agg = assert_aggregates_exact(&*s, c).await;
    assert_eq!(agg.revenue.len(), 1);
    assert_eq!(agg.refund_count, 0);
    assert_eq!(agg.version, 9, "one version per write");
}

async fn failed_writes_leave_rows_and_aggregates_untouched(s: Arc<dyn Store>) {
    let (c, [a, ..]) = setup(&*s).await;
    let t = transaction(c, Completed, &[(&a, 1)]);
    insert(&*s, &t).await;
    let before = s.customer_aggregates(c).await.unwrap();
    // A stale version: nothing is written, not even the aggregate version bump.
    let mut stale = t.clone();
    stale.status = Refunded;
    stale.version = 2;
    assert!(
        !s.update_transaction(&stale, 7, &transaction_event(&stale, "updated"))
            .await
            .unwrap()
    );
    assert_eq!(s.customer_aggregates(c).await.unwrap(), before);
    assert_eq!(s.get_transaction(t.id).await.unwrap(), Some(t.clone()));
    // A line referencing a product that does not exist fails the whole write.
    let ghost = product("GHOST", 10, "EUR");
    let bad = transaction(c, Completed, &[(&a, 1), (&ghost, 1)]);
    let r = s
        .insert_transaction(&bad, &transaction_event(&bad, "created"))
        .await;
    assert!(
        matches!(
            r,
            Err(CoreError::Conflict {
                code: "reference_missing",
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(s.get_transaction(bad.id).await.unwrap(), None);
    assert_eq!(s.customer_aggregates(c).await.unwrap(), before);
    assert!(
        s.entity_events(bad.id.0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // So does a transaction of an unknown customer.
    let orphan = transaction(CustomerId::new(), Completed, &[(&a, 1)]);
    assert!(
        s.insert_transaction(&orphan, &transaction_event(&orphan, "created"))
            .await
            .is_err()
    );
}

/// Many writers on one customer (and a neighbour) at once: creates in two currencies, status
/// changes, refunds, deletes, restores and item changes. Afterwards the stored aggregates must
/// equal a recomputation from the rows, for both customers.
async fn concurrent_writers_keep_aggregates_exact(s: Arc<dyn Store>) {
    let (c, products) = setup(&*s).await;
    let owner = add_user(&*s, None).await;
    let neighbour = customer(owner, "Neighbour");
    add_customers(&*s, std::slice::from_ref(&neighbour)).await;
    let products = Arc::new(products);
    let mut tasks = Vec::new();
    for w in 0..12_u64 {
        let s = s.clone();
        let products = products.clone();
        let who = if w % 4 == 3 { neighbour.id } else { c };
        tasks.push(tokio::spawn(async move {
            let mut mine: Vec<Transaction> = Vec::new();
            for step in 0..10_u64 {
                let p = &products[((w + step) % 3) as usize];
                let status = if (w + step) % 3 == 0 {
                    Pending
                } else {
                    Completed
                };
                let mut t = transaction(who, status, &[(p, 1 + ((w * step) % 4) as i64)]);
                t.occurred_at = now() - Duration::minutes(((w * 7 + step * 13) % 50) as i64);
                insert(&*s, &t).await;
                mine.push(t);
                // Then change an earlier one of this writer's transactions.
                let k = ((w + step * 3) % mine.len() as u64) as usize;
                let cur = s.get_transaction(mine[k].id).await.unwrap().unwrap();
                let next = change_transaction(&*s, &cur, |n| match (step % 5, n.status) {
                    (0 | 1, Completed) => n.status = Refunded,
                    (0 | 1, Pending) => n.status = Completed,
                    (2, _) => {
                        n.deleted_at = if n.deleted_at.is_some() {
                            None
                        } else {
                            Some(now())
                        }
                    }
                    (3, Pending | Completed) => {
                        n.items[0].quantity += 1;
                        n.items[0].line_total = n.items[0].quantity * n.items[0].unit_price;
                        n.total = n.items[0].line_total;
                    }
                    _ => n.occurred_at -= Duration::hours(1),
                })
                .await
                .expect("only this writer changes its own transactions");
                mine[k] = next;
            }
            mine
        }));
    }
    let mut written = Vec::new();
    for t in tasks {
        written.extend(t.await.unwrap());
    }
    for who in [c, neighbour.id] {
        let agg = assert_aggregates_exact(&*s, who).await;
        let rows = all_transactions(&*s, who).await;
        assert_eq!(
            agg.version,
            2 * rows.len() as i64,
            "every write locked and bumped once"
        );
        assert!(agg.purchase_count > 0 && agg.refund_count > 0, "{agg:?}");
    }
    // The rows are what the writers last wrote.
    for t in written {
        assert_eq!(s.get_transaction(t.id).await.unwrap(), Some(t));
    }
}

async fn transaction_filters_scope_and_pages(s: Arc<dyn Store>) {
    let team = add_team(&*s, "Alpha").await;
    let rep = add_user(&*s, Some(team)).await;
    let mate = add_user(&*s, Some(team)).await;
    let outsider = add_user(&*s, None).await;
    let mut own = customer(rep, "Own");
    own.team_id = Some(team);
    let mut teammate = customer(mate, "Teammate's");
    teammate.team_id = Some(team);
    let foreign = customer(outsider, "Foreign");
    add_customers(&*s, &[own.clone(), teammate.clone(), foreign.clone()]).await;
    let [eur, eur2, usd] = [
        product("F-EUR", 300, "EUR"),
        product("F-EUR2", 300, "EUR"),
        product("F-USD", 700, "USD"),
    ];
    for p in [&eur, &eur2, &usd] {
        add_product(&*s, p).await;
    }
    let base = now() - Duration::days(10);
    let mut all = Vec::new();
    for i in 0..30_i64 {
        let who = [own.id, teammate.id, foreign.id][(i % 3) as usize];
        let status = [Pending, Completed, Refunded, Cancelled][(i % 4) as usize];
        let lines: Vec<(&Product, i64)> = match i % 5 {
            0 => vec![(&usd, 1)],
            1 => vec![(&eur, 1), (&eur2, 2)],
            _ => vec![(&eur, 1 + i % 3)],
        };
        let mut t = transaction(who, status, &lines);
        // Pairs share an occurred_at so that ties are broken by id.
        t.occurred_at = base + Duration::hours(i / 2);
        if i == 29 {
            t.deleted_at = Some(now());
        }
        insert(&*s, &t).await;
        all.push(t);
    }
    let live: Vec<&Transaction> = all.iter().filter(|t| t.deleted_at.is_none()).collect();
    let ids = |v: &[Transaction]| {
        let mut x: Vec<TransactionId> = v.iter().map(|t| t.id).collect();
        x.sort();
        x
    };
    let expect = |pred: &dyn Fn(&Transaction) -> bool| {
        let mut x: Vec<TransactionId> = live.iter().filter(|t| pred(t)).map(|t| t.id).collect();
        x.sort();
        assert!(!x.is_empty(), "vacuous filter");
        x
    };
    let list = |q: TransactionQuery| {
        let s = s.clone();
        async move {
            s.list_transactions(&TransactionQuery { limit: 500, ..q })
                .await
                .unwrap()
        }
    };
    let q = TransactionQuery::default;
    assert_eq!(ids(&list(q()).await), expect(&|_| true));
    assert_eq!(
        ids(&list(TransactionQuery {
            customer_id: Some(own.id),
            ..q()
        })
        .await),
        expect(&|t| t.customer_id == own.id)
    );
    assert_eq!(
        ids(&list(TransactionQuery {
            statuses: vec![Completed, Refunded],
            ..q()
        })
        .await),
        expect(&|t| matches!(t.status, Completed | Refunded))
    );
    assert_eq!(
        ids(&list(TransactionQuery {
            currency: Currency::parse("usd").ok(),
            ..q()
        })
        .await),
        expect(&|t| t.currency.as_str() == "USD")
    );
    assert_eq!(
        ids(&list(TransactionQuery {
            product_id: Some(eur2.id),
            ..q()
        })
        .await),
        expect(&|t| t.items.iter().any(|i| i.product_id == eur2.id))
    );
    let (from, to) = (base + Duration::hours(3), base + Duration::hours(9));
    assert_eq!(
        ids(&list(TransactionQuery {
            occurred_after: Some(from),
            occurred_before: Some(to),
            ..q()
        })
        .await),
        expect(&|t| t.occurred_at >= from && t.occurred_at < to)
    );
    assert_eq!(
        ids(&list(TransactionQuery {
            deleted: DeletedFilter::Only,
            ..q()
        })
        .await),
        vec![all[29].id]
    );
    // A sales rep's scope: own records and the team's, never the foreign customer's.
    let scoped = list(TransactionQuery {
        scope: Scope::Team {
            team_id: Some(team),
            user_id: rep,
        },
        ..q()
    })
    .await;
    assert_eq!(ids(&scoped), expect(&|t| t.customer_id != foreign.id));
    let lonely = list(TransactionQuery {
        scope: Scope::Team {
            team_id: None,
            user_id: rep,
        },
        ..q()
    })
    .await;
    assert_eq!(ids(&lonely), expect(&|t| t.customer_id == own.id));
    // Every sort, both orders, pages of 4: complete, no duplicates, in order, items intact.
    for sort in [
        TransactionSortField::OccurredAt,
        TransactionSortField::CreatedAt,
        TransactionSortField::Total,
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let mut expected: Vec<Transaction> = live.iter().map(|t| (*t).clone()).collect();
            expected.sort_by_key(|t| match sort {
                TransactionSortField::Total => (format!("{:020}", t.total), t.id),
                _ => (t.sort_value(sort), t.id),
            });
            if order == SortOrder::Desc {
                expected.reverse();
            }
            let mut got = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = s
                    .list_transactions(&TransactionQuery {
                        sort,
                        order,
                        after: after.clone(),
                        limit: 4,
                        ..q()
                    })
                    .await
                    .unwrap();
                after = page.last().map(|t| Cursor {
                    sort: sort.as_str().into(),
                    value: t.sort_value(sort),
                    id: t.id.0,
                });
                let n = page.len();
                got.extend(page);
                if n < 4 {
                    break;
                }
            }
            assert_eq!(got, expected, "{sort:?} {order:?}");
        }
    }
    let _ = ProductId::new();
}

async fn external_refs_are_unique_among_live_transactions(s: Arc<dyn Store>) {
    let (c, [a, ..]) = setup(&*s).await;
    let mut first = transaction(c, Completed, &[(&a, 1)]);
    first.external_ref = Some("ORD-1".into());
    insert(&*s, &first).await;
    assert_eq!(
        s.get_transaction(first.id)
            .await
            .unwrap()
            .unwrap()
            .external_ref
            .as_deref(),
        Some("ORD-1")
    );
    let mut second = transaction(c, Completed, &[(&a, 2)]);
    second.external_ref = Some("ORD-1".into());
    match s
        .insert_transaction(&second, &transaction_event(&second, "created"))
        .await
    {
        Err(CoreError::Conflict { code, field, .. }) => {
            assert_eq!(
                (code, field.as_deref()),
                ("external_ref_taken", Some("external_ref"))
            );
        }
        other => panic!("expected external_ref_taken, got {other:?}"),
    }
    // The failed insert left no trace in the figures.
    assert_eq!(assert_aggregates_exact(&*s, c).await.purchase_count, 1);
    // Other refs, and none at all, do not collide; the lookup names the taken ones.
    let mut other = transaction(c, Pending, &[(&a, 1)]);
    other.external_ref = Some("ord-1".into());
    insert(&*s, &other).await;
    insert(&*s, &transaction(c, Pending, &[(&a, 1)])).await;
    insert(&*s, &transaction(c, Pending, &[(&a, 1)])).await;
    let mut taken = s
        .transactions_with_external_refs(&["ORD-1".into(), "ord-1".into(), "ORD-2".into()])
        .await
        .unwrap();
    taken.sort();
    assert_eq!(taken, vec!["ORD-1".to_owned(), "ord-1".to_owned()]);
    let q = TransactionQuery {
        external_ref: Some("ORD-1".into()),
        ..TransactionQuery::default()
    };
    let found: Vec<TransactionId> = s
        .list_transactions(&q)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(found, vec![first.id]);
    // Deleting frees the ref; restoring while another holds it conflicts.
    let deleted = change_transaction(&*s, &first, |t| t.deleted_at = Some(now()))
        .await
        .unwrap();
    insert(&*s, &second).await;
    assert!(
        s.transactions_with_external_refs(&["ORD-1".into()])
            .await
            .unwrap()
            .len()
            == 1
    );
    let mut restored = deleted.clone();
    restored.deleted_at = None;
    restored.version += 1;
    let r = s
        .update_transaction(
            &restored,
            deleted.version,
            &transaction_event(&restored, "restored"),
        )
        .await;
    assert!(matches!(r, Err(CoreError::Conflict { .. })), "{r:?}");
    assert_eq!(assert_aggregates_exact(&*s, c).await.purchase_count, 1);
}
