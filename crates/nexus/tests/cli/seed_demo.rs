//! `nexus seed-demo` on a fresh embedded database, then a second run on the same database: users,
//! teams, customers, and their history (products, orders, deals, activities) with exact derived
//! figures.

use nexus_core::activity::ActivityQuery;
use nexus_core::auth::Scope;
use nexus_core::customer::{Customer, CustomerKind, CustomerQuery};
use nexus_core::deal::DealQuery;
use nexus_core::ids::{CustomerId, UserId};
use nexus_core::product::ProductQuery;
use nexus_core::store::{DashboardStore, Store};
use nexus_core::transaction::{
    CustomerAggregates, Transaction, TransactionQuery, TransactionStatus,
};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn seed_demo(data_dir: &Path, customers: usize, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_nexus"))
        .args(["seed-demo", "--customers", &customers.to_string()])
        .args(extra)
        .env("NEXUS_DATA_DIR", data_dir)
        .env_remove("NEXUS_DATABASE_URL")
        .env_remove("NEXUS_DB_KEY")
        .env_remove("NEXUS_DB_KEY_FILE")
        .env_remove("NEXUS_BOOTSTRAP_ADMIN_EMAIL")
        .env_remove("NEXUS_BOOTSTRAP_ADMIN_PASSWORD")
        .env("NEXUS_LOG_LEVEL", "warn")
        .output()
        .expect("run nexus");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "seed-demo failed\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

async fn open(data_dir: &Path) -> nexus_store::Db {
    let key = std::fs::read_to_string(data_dir.join("nexus.key")).expect("key file");
    nexus_store::connect(&nexus_store::StoreConfig {
        database_url: None,
        data_dir: data_dir.to_path_buf(),
        db_key: Some(key.trim().to_owned()),
        max_connections: 2,
        acquire_timeout: Duration::from_secs(10),
    })
    .await
    .expect("open the seeded store")
}

fn query(q: Option<&str>, tag: Option<&str>) -> CustomerQuery {
    CustomerQuery {
        tag: tag.map(str::to_owned),
        q: q.map(str::to_owned),
        ..CustomerQuery::all_live(100_000)
    }
}

async fn all_customers(db: &nexus_store::Db) -> Vec<Customer> {
    db.list_customers(&query(None, None)).await.unwrap()
}

/// The number printed before ` {what}` in the summary line.
fn count(out: &str, what: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.starts_with("seeded "))
        .expect("summary line");
    let words: Vec<&str> = line.split_whitespace().collect();
    let i = words
        .iter()
        .position(|w| w.trim_matches(|c: char| !c.is_alphanumeric()) == what)
        .unwrap_or_else(|| panic!("no {what} in {line}"));
    words[i - 1]
        .trim_start_matches('(')
        .parse()
        .unwrap_or_else(|_| panic!("no count before {what} in {line}"))
}

async fn all_transactions(db: &nexus_store::Db) -> Vec<Transaction> {
    db.list_transactions(&TransactionQuery {
        limit: 1_000_000,
        ..TransactionQuery::default()
    })
    .await
    .unwrap()
}

/// The demo history: products, orders with exact aggregates and rollups, deals in the default
/// pipeline with their history, activities; all of it readable through the store.
async fn check_history(db: &nexus_store::Db, out: &str, customers: &[Customer]) {
    let products = db
        .list_products(&ProductQuery {
            q: Some("NXD-".into()),
            limit: 1000,
            ..ProductQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(products.len(), 72);
    assert!(products.iter().any(|p| !p.active), "discontinued products");

    let txs = all_transactions(db).await;
    assert_eq!(txs.len() as u64, count(out, "transactions"));
    let per_customer = txs.len() as f64 / customers.len() as f64;
    assert!((5.0..15.0).contains(&per_customer), "{per_customer}");
    let statuses: HashSet<_> = txs.iter().map(|t| t.status).collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    assert!(
        txs.iter()
            .all(|t| t.total == t.items.iter().map(|i| i.line_total).sum::<i64>())
    );
    let mut by_customer: HashMap<CustomerId, Vec<Transaction>> = HashMap::new();
    for t in &txs {
        by_customer
            .entry(t.customer_id)
            .or_default()
            .push(t.clone());
    }
    for c in customers.iter().step_by(37) {
        let rows = by_customer.remove(&c.id).unwrap_or_default();
        let stored = db.customer_aggregates(c.id).await.unwrap();
        assert!(
            stored.same_figures(&CustomerAggregates::compute(c.id, &rows)),
            "{stored:?}"
        );
        assert_eq!(stored.version, rows.len() as i64);
    }
    let mut revenue: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for t in txs
        .iter()
        .filter(|t| t.status == TransactionStatus::Completed)
    {
        let e = revenue
            .entry((
                t.occurred_at.format("%Y-%m").to_string(),
                t.currency.to_string(),
            ))
            .or_insert((0, 0));
        e.0 += t.total;
        e.1 += 1;
    }
    let stored: HashMap<_, _> = db
        .revenue_by_month(Scope::All, "2000-01", "2100-12")
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.month, r.currency.to_string()), (r.revenue, r.purchases)))
        .collect();
    assert_eq!(stored, revenue);

    let pipeline = db.default_pipeline().await.unwrap().unwrap();
    let deals = db
        .list_deals(&DealQuery {
            limit: 100_000,
            ..DealQuery::everything()
        })
        .await
        .unwrap();
    assert_eq!(deals.len() as u64, count(out, "deals"));
    assert!(deals.iter().all(|d| d.pipeline_id == pipeline.id));
    let stages: HashSet<_> = deals.iter().map(|d| d.stage_id).collect();
    assert!(stages.len() >= 4, "deals spread over the stages");
    let mut positions = HashSet::new();
    for d in &deals {
        assert!(positions.insert((d.stage_id, d.position)));
    }
    let d = &deals[deals.len() / 2];
    let history = db.deal_stage_history(d.id, None, 100).await.unwrap();
    assert_eq!(history.last().map(|c| c.to_stage_id), Some(d.stage_id));

    let activities = db
        .list_activities(&ActivityQuery {
            limit: 1_000_000,
            ..ActivityQuery::everything()
        })
        .await
        .unwrap();
    assert_eq!(activities.len() as u64, count(out, "activities"));
    let bodies: HashSet<_> = activities
        .iter()
        .filter_map(|a| a.body.as_deref())
        .collect();
    assert!(bodies.len() > activities.len() / 2, "varied note texts");
    assert!(activities.iter().any(|a| a.deal_id.is_some()));
    assert!(activities.iter().any(|a| !a.done && a.due_at.is_some()));
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_demo_creates_users_teams_and_customers_and_can_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("segments.csv");
    let out = seed_demo(dir.path(), 2000, &["--segments-out", key.to_str().unwrap()]);
    assert!(
        out.contains("seeded 2000 customers, 72 products (0 existing reused)"),
        "{out}"
    );
    // The command checkpointed its write-ahead log into the database file before reporting.
    let wal = dir.path().join("nexus.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "WAL left behind"
    );
    assert!(out.contains("customers/s, backend sqlite"), "{out}");
    assert!(count(&out, "transactions") > 10_000, "{out}");
    assert!(count(&out, "deals") > 300, "{out}");
    assert!(count(&out, "activities") > 4000, "{out}");
    assert!(
        out.contains("password of the demo users created now: "),
        "{out}"
    );

    let db = open(dir.path()).await;
    // Seeding a new database also creates the first admin, so someone can log in.
    let admin = db
        .get_user_by_email("admin@nexus.local")
        .await
        .unwrap()
        .expect("the first admin exists after seeding a new database");
    assert_eq!(admin.user.role, nexus_core::auth::Role::Admin);
    let customers = all_customers(&db).await;
    assert_eq!(customers.len(), 2000);
    let companies: HashMap<_, _> = customers
        .iter()
        .filter(|c| c.kind == CustomerKind::Company)
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let people = customers.len() - companies.len();
    assert!(
        (150..500).contains(&companies.len()),
        "{} companies",
        companies.len()
    );
    let employed: Vec<_> = customers
        .iter()
        .filter(|c| c.company_id.is_some())
        .collect();
    assert!(
        employed.len() > people / 4,
        "{} of {people} employed",
        employed.len()
    );
    for c in &employed {
        let id = c.company_id.unwrap();
        assert_eq!(c.kind, CustomerKind::Person);
        assert_eq!(c.company_name.as_ref(), companies.get(&id));
    }
    let emails: HashSet<_> = customers.iter().filter_map(|c| c.email.clone()).collect();
    assert_eq!(emails.len(), 2000, "every customer has a unique e-mail");
    assert!(emails.iter().all(|e| *e == e.to_lowercase()));
    assert!(customers.iter().any(|c| !c.tags.is_empty()));
    assert!(
        customers
            .iter()
            .all(|c| c.version == 1 && c.updated_at >= c.created_at)
    );
    assert!(customers.iter().all(|c| !c.attributes.is_empty()));
    check_history(&db, &out, &customers).await;

    // The hidden segments are not in the database, only in the answer key, one per customer.
    let key = std::fs::read_to_string(&key).unwrap();
    let mut lines = key.lines();
    assert_eq!(lines.next(), Some("customer_id,segment"));
    let segments: HashMap<String, String> = lines
        .map(|l| {
            let (id, s) = l.split_once(',').unwrap();
            (id.to_owned(), s.to_owned())
        })
        .collect();
    assert_eq!(segments.len(), 2000);
    assert!(
        customers
            .iter()
            .all(|c| segments.contains_key(&c.id.to_string()))
    );
    let kinds: HashSet<&str> = segments.values().map(String::as_str).collect();
    assert_eq!(
        kinds,
        HashSet::from(["whale", "loyal", "bargain", "lapsed", "new", "prospect"])
    );
    assert!(customers.iter().all(|c| c.segment.is_none()));

    // Owners are the demo sales reps; each customer's team is its owner's team.
    let users = db.list_users(None, None, 1000).await.unwrap();
    let demo: HashMap<UserId, _> = users
        .iter()
        .filter(|u| u.email.ends_with("@demo.nexus.local"))
        .map(|u| (u.id, u))
        .collect();
    assert_eq!(demo.len(), 18);
    assert_eq!(db.list_teams(None, None, 100).await.unwrap().len(), 4);
    for c in &customers {
        let owner = demo.get(&c.owner_id).expect("owner is a demo user");
        assert_eq!(owner.role.as_str(), "sales_rep");
        assert_eq!(owner.team_id, c.team_id);
    }

    // The first admin, demo users and teams were created with their events; the customers, a
    // bulk load, have none. Numbering the log gives every event a consecutive sequence number.
    let numbered = db.sequence_events(10_000).await.unwrap();
    let events = db.events_after(0, 10_000).await.unwrap();
    assert_eq!(
        numbered,
        events
            .iter()
            .map(|e| (e.id, e.seq.unwrap()))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        events.len(),
        4 + 18 + 1,
        "teams, demo users and the first admin"
    );
    assert!(
        events
            .iter()
            .all(|e| e.entity == "team" || e.entity == "user")
    );
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=23).map(Some).collect::<Vec<_>>()
    );

    // The tag table and the search index were filled too.
    let vip = customers
        .iter()
        .filter(|c| c.tags.iter().any(|t| t == "vip"))
        .count();
    assert!(vip > 0);
    assert_eq!(
        db.list_customers(&query(None, Some("vip")))
            .await
            .unwrap()
            .len(),
        vip
    );
    let probe = &customers[1234];
    let found = db
        .list_customers(&query(probe.email.as_deref(), None))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![probe.id]
    );
    let by_name = db
        .list_customers(&query(Some(&probe.name), None))
        .await
        .unwrap();
    assert!(by_name.iter().any(|c| c.id == probe.id));

    // The load suspends the SQLite search trigger; an ordinary insert afterwards is indexed.
    let mut later = probe.clone();
    later.id = nexus_core::ids::CustomerId::new();
    later.name = "Zebulon Quixotic".into();
    later.email = Some("zebulon.quixotic@after-seed.example".into());
    later.company_id = None;
    later.company_name = None;
    let ev = nexus_core::event::Event::new(
        "customer",
        later.id.0,
        "created",
        None,
        nexus_core::event::diff(None, Some(&later)),
    );
    db.insert_customers(std::slice::from_ref(&later), &[ev])
        .await
        .unwrap();
    let found = db
        .list_customers(&query(Some("quixotic"), None))
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![later.id]
    );
    db.close().await;

    // A second run keeps the demo users and teams and adds more customers.
    let out = seed_demo(dir.path(), 500, &[]);
    assert!(
        out.contains("seeded 500 customers, 0 products (72 existing reused)"),
        "{out}"
    );
    assert!(out.contains("all demo users existed already"), "{out}");
    let db = open(dir.path()).await;
    let customers = all_customers(&db).await;
    assert_eq!(customers.len(), 2501);
    let products = db
        .list_products(&ProductQuery {
            q: Some("NXD-".into()),
            limit: 1000,
            ..ProductQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(products.len(), 72, "the second run reuses the catalogue");
    let emails: HashSet<_> = customers.iter().filter_map(|c| c.email.clone()).collect();
    assert_eq!(emails.len(), 2501);
    assert_eq!(
        db.list_users(None, None, 1000).await.unwrap().len(),
        users.len()
    );
    assert_eq!(db.list_teams(None, None, 100).await.unwrap().len(), 4);
    // The second run wrote no events either (the post-seed insert above wrote one).
    assert_eq!(db.sequence_events(10_000).await.unwrap().len(), 1);
    let events = db.events_after(23, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].seq, Some(24));
    assert_eq!(events[0].entity_id, later.id.0);
    let transactions = all_transactions(&db).await.len();
    db.close().await;

    // `--no-history` adds customers only.
    let out = seed_demo(dir.path(), 300, &["--no-history"]);
    assert!(
        out.contains(
            "seeded 300 customers, 0 products (72 existing reused), 0 transactions (0 line items), \
             0 deals (0 stage changes), 0 activities"
        ),
        "{out}"
    );
    let db = open(dir.path()).await;
    assert_eq!(all_customers(&db).await.len(), 2801);
    assert_eq!(all_transactions(&db).await.len(), transactions);
    db.close().await;
}
