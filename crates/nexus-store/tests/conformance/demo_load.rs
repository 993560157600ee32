//! The demo-data bulk load (`DemoStore::bulk_load_demo`): the rows read back through the normal
//! getters and lists, and everything derived from them (per-customer aggregates, revenue and
//! signup rollups, pipeline totals, activity volume, top customers, search) equals a
//! recomputation from the raw rows, also next to data written the ordinary way.

use crate::crm_fixtures::{activity, activity_query, add_deal, board, deal, deal_query};
use crate::fixtures::{
    add_customers, add_product, add_team, add_user, all_transactions, assert_aggregates_exact,
    customer, product, search, transaction, transaction_event,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use futures::StreamExt;
use nexus_core::activity::{Activity, ActivityKind};
use nexus_core::auth::Scope;
use nexus_core::customer::Customer;
use nexus_core::dashboard::SignupQuery;
use nexus_core::deal::{Deal, DealStatus, StageChange};
use nexus_core::ids::{CustomerId, StageChangeId, UserId};
use nexus_core::pipeline::{Pipeline, StageKind};
use nexus_core::product::Product;
use nexus_core::store::{DemoBatch, DemoCounts, Store};
use nexus_core::timeline::{TimelineKind, TimelineQuery};
use nexus_core::transaction::{Transaction, TransactionStatus::*};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

conformance!(
    demo_load_reads_back_and_derives_exact_figures,
    demo_load_is_all_or_nothing,
);

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 30, 0).unwrap()
}

fn order(
    c: &Customer,
    status: nexus_core::transaction::TransactionStatus,
    lines: &[(&Product, i64)],
    when: DateTime<Utc>,
) -> Transaction {
    let mut t = transaction(c.id, status, lines);
    t.occurred_at = when;
    t.created_at = when;
    t.updated_at = when;
    t
}

/// A deal of `c` that went through `path` (stage indexes of `p`), with its history.
fn deal_through(
    p: &Pipeline,
    c: &Customer,
    path: &[usize],
    value: i64,
    changes: &mut Vec<StageChange>,
) -> Deal {
    let mut d = deal(p, c.id, c.owner_id, &format!("{} – deal", c.name));
    let last = &p.stages[path[path.len() - 1]];
    d.stage_id = last.id;
    d.status = match last.kind {
        StageKind::Open => DealStatus::Open,
        StageKind::Won => DealStatus::Won,
        StageKind::Lost => DealStatus::Lost,
    };
    d.lost_reason = (d.status == DealStatus::Lost).then(|| "Budget cut".to_owned());
    d.closed_at = (d.status != DealStatus::Open).then_some(d.updated_at);
    d.team_id = c.team_id;
    d.value = value;
    d.version = path.len() as i64;
    for (i, s) in path.iter().enumerate() {
        changes.push(StageChange {
            id: StageChangeId::new(),
            deal_id: d.id,
            pipeline_id: p.id,
            from_stage_id: (i > 0).then(|| p.stages[path[i - 1]].id),
            from_stage_name: (i > 0).then(|| p.stages[path[i - 1]].name.clone()),
            to_stage_id: p.stages[*s].id,
            to_stage_name: p.stages[*s].name.clone(),
            actor_id: Some(c.owner_id),
            changed_at: d.created_at,
        });
    }
    d
}

fn note(c: &Customer, kind: ActivityKind, created: DateTime<Utc>) -> Activity {
    let mut a = activity(c.id, c.owner_id, "Call with Ada");
    a.kind = kind;
    a.body = Some("Ada is very happy with the headset.".into());
    a.done = kind != ActivityKind::Task;
    a.completed_at = a.done.then_some(created);
    a.team_id = c.team_id;
    a.created_at = created;
    a.updated_at = created;
    a
}

pub struct Fixture {
    pub products: Vec<Product>,
    pub batches: Vec<DemoBatch>,
    pub customers: Vec<Customer>,
}

/// Two batches: customers of two owners (one with a team), orders in two currencies and every
/// status (one deleted), deals open, won and lost, and activities (one on a deal).
pub fn fixture(
    p: &Pipeline,
    owners: [(UserId, Option<nexus_core::ids::TeamId>); 2],
    tag: &str,
) -> Fixture {
    let eur = product(&format!("{tag}-EUR"), 1250, "EUR");
    let usd = product(&format!("{tag}-USD"), 990, "USD");
    let mut batches = Vec::new();
    let mut customers = Vec::new();
    for b in 0..2 {
        let mut batch = DemoBatch::default();
        for i in 0..3 {
            let (owner, team) = owners[(b + i) % 2];
            let mut c = customer(owner, &format!("Demo {tag} {b}-{i}"));
            c.email = Some(format!("demo.{b}.{i}@{tag}.example"));
            c.team_id = team;
            c.created_at = at(2025, 1 + i as u32, 10 + b as u32);
            c.updated_at = c.created_at;
            batch.customers.push(c);
        }
        for (i, c) in batch.customers.clone().iter().enumerate() {
            if i == 2 {
                continue; // a customer without orders
            }
            let mut ts = vec![
                order(
                    c,
                    Completed,
                    &[(&eur, 2), (&eur, 1)],
                    at(2025, 11, 3 + i as u32),
                ),
                order(c, Completed, &[(&eur, 1)], at(2025, 12, 20)),
                order(c, Refunded, &[(&eur, 4)], at(2025, 12, 21)),
                order(c, Cancelled, &[(&eur, 3)], at(2026, 1, 2)),
                order(c, Pending, &[(&eur, 1)], at(2026, 2, 2)),
                order(c, Completed, &[(&usd, 5)], at(2025, 7, 14)),
            ];
            let mut gone = order(c, Completed, &[(&usd, 7)], at(2025, 8, 1));
            gone.deleted_at = Some(at(2025, 8, 2));
            ts.push(gone);
            ts[2].version = 2;
            batch.transactions.extend(ts);
            let path: &[usize] = match (b + i) % 3 {
                0 => &[0, 1],
                1 => &[0, 1, 2, 3, 4],
                _ => &[0, 5],
            };
            let d = deal_through(
                p,
                c,
                path,
                100_000 * (i as i64 + 1),
                &mut batch.stage_changes,
            );
            let mut on_deal = note(c, ActivityKind::Meeting, at(2025, 10, 1));
            on_deal.deal_id = Some(d.id);
            batch.activities.push(on_deal);
            batch.deals.push(d);
            batch
                .activities
                .push(note(c, ActivityKind::Call, at(2025, 10, 2)));
            batch
                .activities
                .push(note(c, ActivityKind::Task, at(2025, 10, 3)));
        }
        customers.extend(batch.customers.clone());
        batches.push(batch);
    }
    Fixture {
        products: vec![eur, usd],
        batches,
        customers,
    }
}

pub async fn load(
    s: &dyn Store,
    products: &[Product],
    batches: Vec<DemoBatch>,
) -> nexus_core::error::CoreResult<DemoCounts> {
    let n = batches.iter().map(|b| b.customers.len() as u64).sum();
    let stream = futures::stream::iter(batches.into_iter().map(Ok)).boxed();
    s.bulk_load_demo(products, stream, n).await
}

async fn demo_load_reads_back_and_derives_exact_figures(s: Arc<dyn Store>) {
    let team = add_team(&*s, "Demo North").await;
    let (alice, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let p = s
        .default_pipeline()
        .await
        .unwrap()
        .expect("the default pipeline");

    // Data written the ordinary way first: a customer of alice with an order in a month the
    // load also fills, and a deal at the bottom of the first stage.
    let mut before = customer(alice, "Ordinary");
    before.team_id = Some(team);
    add_customers(&*s, std::slice::from_ref(&before)).await;
    let older = product("ORDINARY-EUR", 500, "EUR");
    add_product(&*s, &older).await;
    let t = order(&before, Completed, &[(&older, 3)], at(2025, 11, 5));
    s.insert_transaction(&t, &transaction_event(&t, "created"))
        .await
        .unwrap();
    let mut existing = deal(&p, before.id, alice, "Ordinary deal");
    existing.team_id = Some(team);
    let existing = add_deal(&*s, &existing).await;

    let f = fixture(&p, [(alice, Some(team)), (bob, None)], "dl");
    let expected_counts = DemoCounts {
        customers: 6,
        products: 2,
        transactions: f.batches.iter().map(|b| b.transactions.len() as u64).sum(),
        line_items: f
            .batches
            .iter()
            .flat_map(|b| &b.transactions)
            .map(|t| t.items.len() as u64)
            .sum(),
        deals: 4,
        stage_changes: f.batches.iter().map(|b| b.stage_changes.len() as u64).sum(),
        activities: 12,
    };
    let counts = load(&*s, &f.products, f.batches.clone()).await.unwrap();
    assert_eq!(counts, expected_counts);

    // Rows read back through the normal getters and lists.
    assert_eq!(
        s.get_products(&[f.products[0].id, f.products[1].id])
            .await
            .unwrap()
            .len(),
        2
    );
    for c in &f.customers {
        assert_eq!(s.get_customer(c.id).await.unwrap().as_ref(), Some(c));
        let found = s
            .list_customers(&search(c.email.as_deref().unwrap()))
            .await
            .unwrap();
        assert_eq!(
            found.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![c.id],
            "search index"
        );
        let mut stored = all_transactions(&*s, c.id).await;
        let mut generated: Vec<Transaction> = f
            .batches
            .iter()
            .flat_map(|b| &b.transactions)
            .filter(|t| t.customer_id == c.id)
            .cloned()
            .collect();
        stored.sort_by_key(|t| t.id);
        generated.sort_by_key(|t| t.id);
        assert_eq!(stored, generated);
        // The aggregates equal a recomputation, and count one write per transaction.
        let a = assert_aggregates_exact(&*s, c.id).await;
        assert_eq!(a.version, generated.len() as i64);
    }
    assert_aggregates_exact(&*s, before.id).await;

    // Deals: readable, placed after the existing deal, one position per deal in each stage, with
    // their history.
    for d in f.batches.iter().flat_map(|b| &b.deals) {
        let stored = s.get_deal(d.id).await.unwrap().expect("deal");
        assert_eq!(
            Deal {
                position: stored.position,
                win_probability: None,
                ..d.clone()
            },
            stored
        );
        let history = s.deal_stage_history(d.id, None, 100).await.unwrap();
        let generated: Vec<_> = f
            .batches
            .iter()
            .flat_map(|b| &b.stage_changes)
            .filter(|c| c.deal_id == d.id)
            .cloned()
            .collect();
        assert_eq!(history, generated);
    }
    let first = board(&*s, p.stages[0].id).await;
    assert_eq!(
        first.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![existing.id]
    );
    let won = board(&*s, p.stages[4].id).await;
    assert_eq!(won.len(), 2);
    assert!(won[0].position < won[1].position);

    // Activities.
    let mut listed = s.list_activities(&activity_query()).await.unwrap();
    listed.sort_by_key(|a| a.id);
    let mut generated: Vec<Activity> = f
        .batches
        .iter()
        .flat_map(|b| b.activities.clone())
        .collect();
    generated.sort_by_key(|a| a.id);
    assert_eq!(listed, generated);
    let c0 = &f.customers[0];
    let timeline = s
        .customer_timeline(&TimelineQuery {
            customer: c0.id,
            scope: Scope::All,
            kinds: vec![TimelineKind::Activity, TimelineKind::Transaction],
            before: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(timeline.len(), 3 + 6, "activities and live transactions");

    // Revenue by month: the rollup equals the rows (the ordinary customer's order included).
    let mut expected: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for c in f.customers.iter().chain([&before]) {
        for t in all_transactions(&*s, c.id).await {
            if t.deleted_at.is_none() && t.status == Completed {
                let e = expected
                    .entry((
                        t.occurred_at.format("%Y-%m").to_string(),
                        t.currency.as_str().to_owned(),
                    ))
                    .or_insert((0, 0));
                e.0 += t.total;
                e.1 += 1;
            }
        }
    }
    let stored: BTreeMap<_, _> = s
        .revenue_by_month(Scope::All, "2020-01", "2030-12")
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                (r.month, r.currency.as_str().to_owned()),
                (r.revenue, r.purchases),
            )
        })
        .collect();
    assert_eq!(stored, expected);
    // … also per owner: bob's scope (no team) sees exactly his customers' revenue.
    let bobs: Vec<CustomerId> = f
        .customers
        .iter()
        .filter(|c| c.owner_id == bob)
        .map(|c| c.id)
        .collect();
    let mut expected_bob: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for c in &bobs {
        for t in all_transactions(&*s, *c).await {
            if t.deleted_at.is_none() && t.status == Completed {
                let e = expected_bob
                    .entry((
                        t.occurred_at.format("%Y-%m").to_string(),
                        t.currency.as_str().to_owned(),
                    ))
                    .or_insert((0, 0));
                e.0 += t.total;
                e.1 += 1;
            }
        }
    }
    let bob_scope = Scope::Team {
        team_id: None,
        user_id: bob,
    };
    let stored_bob: BTreeMap<_, _> = s
        .revenue_by_month(bob_scope, "2020-01", "2030-12")
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                (r.month, r.currency.as_str().to_owned()),
                (r.revenue, r.purchases),
            )
        })
        .collect();
    assert_eq!(stored_bob, expected_bob);

    // Signups per day.
    let signups = s
        .signups_by_day(&SignupQuery {
            scope: Scope::All,
            from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
        })
        .await
        .unwrap();
    let mut days: BTreeMap<String, i64> = BTreeMap::new();
    for c in f.customers.iter().chain([&before]) {
        *days
            .entry(c.created_at.format("%Y-%m-%d").to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(signups.into_iter().collect::<BTreeMap<_, _>>(), days);

    // Pipeline totals and activity volume equal the live rows.
    let deals = s.list_deals(&deal_query()).await.unwrap();
    let mut by_stage: HashMap<(nexus_core::ids::StageId, String), (i64, i64)> = HashMap::new();
    for d in deals.iter().filter(|d| d.pipeline_id == p.id) {
        let e = by_stage
            .entry((d.stage_id, d.currency.as_str().to_owned()))
            .or_insert((0, 0));
        e.0 += 1;
        e.1 += d.value;
    }
    let totals: HashMap<_, _> = s
        .pipeline_totals(Scope::All, p.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                (t.stage_id, t.currency.as_str().to_owned()),
                (t.deals, t.value),
            )
        })
        .collect();
    assert_eq!(totals, by_stage);
    let volume = s
        .activity_counts(Scope::All, at(2020, 1, 1), at(2030, 1, 1))
        .await
        .unwrap();
    let mut counted: HashMap<(UserId, ActivityKind), i64> = HashMap::new();
    for a in &generated {
        *counted.entry((a.owner_id, a.kind)).or_insert(0) += 1;
    }
    let volume: HashMap<_, _> = volume
        .into_iter()
        .map(|v| ((v.owner_id, v.kind), v.count))
        .collect();
    assert_eq!(volume, counted);

    // Top customers by EUR revenue read the loaded per-currency figures.
    let eur = f.products[0].currency;
    let top = s.top_customers(Scope::All, eur, 10).await.unwrap();
    let mut expected_top: Vec<(CustomerId, i64)> = Vec::new();
    for c in f.customers.iter().chain([&before]) {
        let a = s.customer_aggregates(c.id).await.unwrap();
        if let Some(r) = a
            .revenue
            .iter()
            .find(|r| r.currency == eur && r.revenue > 0)
        {
            expected_top.push((c.id, r.revenue));
        }
    }
    expected_top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(
        top.iter()
            .map(|t| (t.customer_id, t.revenue))
            .collect::<Vec<_>>(),
        expected_top
    );

    // A second load (a re-run) adds to the rollups and places its deals after the first ones.
    let g = fixture(&p, [(alice, Some(team)), (bob, None)], "again");
    load(&*s, &g.products, g.batches.clone()).await.unwrap();
    let stored: Vec<_> = s
        .revenue_by_month(Scope::All, "2025-11", "2025-11")
        .await
        .unwrap();
    let mut expected_nov = (0, 0);
    for c in g.customers.iter().chain(&f.customers).chain([&before]) {
        for t in all_transactions(&*s, c.id).await {
            if t.deleted_at.is_none()
                && t.status == Completed
                && t.occurred_at.format("%Y-%m").to_string() == "2025-11"
                && t.currency == eur
            {
                expected_nov.0 += t.total;
                expected_nov.1 += 1;
            }
        }
    }
    let got = stored
        .iter()
        .find(|r| r.currency == eur)
        .map(|r| (r.revenue, r.purchases));
    assert_eq!(got, Some(expected_nov));
    let won = board(&*s, p.stages[4].id).await;
    assert_eq!(won.len(), 4);
    assert!(won.windows(2).all(|w| w[0].position < w[1].position));
    // The ordinary path places a new deal after the loaded ones.
    let mut later = deal(&p, before.id, alice, "After the load");
    later.stage_id = p.stages[1].id;
    let later = add_deal(&*s, &later).await;
    let qualified = board(&*s, p.stages[1].id).await;
    assert_eq!(qualified.last().map(|d| d.id), Some(later.id));
    assert_eq!(qualified.len(), 3);
}

async fn demo_load_is_all_or_nothing(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let p = s
        .default_pipeline()
        .await
        .unwrap()
        .expect("the default pipeline");
    let mut f = fixture(&p, [(owner, None), (owner, None)], "fail");
    // The second batch carries an order of a customer of the first: refused, nothing stays.
    let stray = f.batches[0].transactions[0].clone();
    f.batches[1].transactions.push(stray);
    assert!(load(&*s, &f.products, f.batches).await.is_err());
    assert!(s.get_customer(f.customers[0].id).await.unwrap().is_none());
    assert!(
        s.get_products(&[f.products[0].id])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.revenue_by_month(Scope::All, "2020-01", "2030-12")
            .await
            .unwrap()
            .is_empty()
    );
    let again = fixture(&p, [(owner, None), (owner, None)], "fail");
    load(&*s, &again.products, again.batches).await.unwrap();
    assert_eq!(s.list_deals(&deal_query()).await.unwrap().len(), 4);
}

/// PostgreSQL: the indexes and foreign keys a large load drops are back afterwards, whether the
/// load commits or fails (SQLite: see `sqlite_bulk`).
#[tokio::test]
async fn postgres_demo_load_restores_indexes_and_keys() {
    crate::harness::run_unmigrated(crate::harness::Backend::Postgres, |db| async move {
        db.migrate().await.unwrap();
        let nexus_store::Db::Postgres(pool) = &db else {
            panic!("not PostgreSQL");
        };
        let schema = || async {
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                 UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint \
                 WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2",
            )
            .fetch_all(pool.inner())
            .await
            .unwrap();
            rows
        };
        let before = schema().await;
        assert!(
            before
                .iter()
                .any(|(n, _)| n == "transaction_items_transaction_id_fkey")
        );
        let owner = add_user(&db, None).await;
        let p = db.default_pipeline().await.unwrap().unwrap();
        let f = fixture(&p, [(owner, None), (owner, None)], "pg-a");
        load(&db, &f.products, f.batches).await.unwrap();
        assert_eq!(schema().await, before);
        // The planner's statistics of the loaded tables were refreshed after the commit.
        let analyzed: Vec<String> = sqlx::query_scalar(
            "SELECT relname::text FROM pg_stat_user_tables WHERE schemaname = current_schema() \
             AND last_analyze IS NOT NULL AND relname IN ('customers', 'transactions', 'deals', 'activities') \
             ORDER BY 1",
        )
        .fetch_all(pool.inner())
        .await
        .unwrap();
        assert_eq!(analyzed, ["activities", "customers", "deals", "transactions"]);
        let mut g = fixture(&p, [(owner, None), (owner, None)], "pg-b");
        let stray = g.batches[0].transactions[0].clone();
        g.batches[1].transactions.push(stray);
        assert!(load(&db, &g.products, g.batches).await.is_err());
        assert_eq!(schema().await, before);
    })
    .await;
}

/// PostgreSQL: the store's connections run without JIT compilation (its statements are short;
/// LLVM's compile time per plan was most of a training page's time at 1M customers).
#[tokio::test]
async fn postgres_connections_run_without_jit() {
    crate::harness::run_unmigrated(crate::harness::Backend::Postgres, |db| async move {
        let nexus_store::Db::Postgres(pool) = &db else {
            panic!("not PostgreSQL");
        };
        let jit: String = sqlx::query_scalar("SHOW jit")
            .fetch_one(pool.inner())
            .await
            .unwrap();
        assert_eq!(jit, "off");
    })
    .await;
}
