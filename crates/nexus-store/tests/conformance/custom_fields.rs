//! Custom fields: definitions (round trip, key uniqueness among live fields, soft delete and
//! restore), the uniqueness index of `unique` fields kept in the customer write's transaction,
//! the stored values a definition write is checked against, typed `cf.<key>` filters and sorts
//! paged by keyset cursors, the sort indexes kept with the definitions, and the upgrade that
//! adds migration 0007 after 0008.

use crate::fixtures::{add_customers, add_user, customer, next_version, query, updated_event};
use crate::harness::{Backend, run_unmigrated};
use nexus_core::CoreError;
use nexus_core::custom_field::{
    CustomCriteria, CustomField, CustomFieldEntity, CustomFieldQuery, NewCustomField,
};
use nexus_core::customer::{Customer, CustomerQuery, DeletedFilter};
use nexus_core::event::Event;
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::store::Store;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

conformance!(
    definitions_round_trip_with_live_keys_unique,
    unique_values_are_enforced_with_the_customer_write,
    definition_writes_see_every_stored_value,
    unique_flag_and_concurrent_writes_agree,
    custom_filters_and_sorts_page_with_cursors,
);

fn def(v: Value) -> CustomField {
    NewCustomField::parse(&v).unwrap().into_field()
}

fn event(f: &CustomField, action: &str) -> Event {
    Event::new("custom_field", f.id.0, action, None, Map::new())
}

fn accept_all(_: &[Value]) -> nexus_core::error::CoreResult<()> {
    Ok(())
}

async fn add_def(s: &dyn Store, f: &CustomField) {
    s.insert_custom_field(f, &event(f, "created"), &accept_all)
        .await
        .unwrap();
}

/// `f` with `change` applied, stored over its current version.
async fn change_def(
    s: &dyn Store,
    f: &CustomField,
    change: impl FnOnce(&mut CustomField),
) -> CustomField {
    let mut n = f.clone();
    change(&mut n);
    n.version = f.version + 1;
    assert!(
        s.update_custom_field(&n, f.version, &event(&n, "updated"), &accept_all)
            .await
            .unwrap()
    );
    n
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn conflict_code(r: Result<impl std::fmt::Debug, CoreError>) -> (String, Option<String>) {
    match r {
        Err(CoreError::Conflict { code, field, .. }) => (code.to_owned(), field),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn definitions_round_trip_with_live_keys_unique(s: Arc<dyn Store>) {
    let tier = def(json!({"entity": "customer", "key": "tier", "label": "Tier",
        "field_type": "select", "options": ["gold", "silver"], "required": true, "position": 2}));
    let budget = def(
        json!({"entity": "customer", "key": "budget", "label": "Budget",
        "field_type": "currency", "currency": "EUR", "unique": true, "position": 1}),
    );
    add_def(&*s, &tier).await;
    add_def(&*s, &budget).await;
    assert_eq!(
        s.get_custom_field(tier.id).await.unwrap(),
        Some(tier.clone())
    );
    assert_eq!(
        s.custom_field_definitions(CustomFieldEntity::Customer)
            .await
            .unwrap(),
        vec![budget.clone(), tier.clone()]
    );
    // Keyset pages by position.
    let page = |after: Option<Cursor>| CustomFieldQuery {
        entities: vec![CustomFieldEntity::Customer],
        deleted: DeletedFilter::Exclude,
        after,
        limit: 1,
    };
    let first = s.list_custom_fields(&page(None)).await.unwrap();
    assert_eq!(first, vec![budget.clone()]);
    let second = s
        .list_custom_fields(&page(Some(first[0].cursor())))
        .await
        .unwrap();
    assert_eq!(second, vec![tier.clone()]);

    // One live field per key; a deleted one frees its key, and cannot come back while taken.
    let twin =
        def(json!({"entity": "customer", "key": "tier", "label": "Again", "field_type": "text"}));
    let (code, field) = conflict_code(
        s.insert_custom_field(&twin, &event(&twin, "created"), &accept_all)
            .await,
    );
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("key_taken", Some("key"))
    );
    let gone = change_def(&*s, &tier, |f| f.deleted_at = Some(nexus_core::time::now())).await;
    add_def(&*s, &twin).await;
    let mut back = gone.clone();
    back.deleted_at = None;
    back.version += 1;
    let (code, _) = conflict_code(
        s.update_custom_field(&back, gone.version, &event(&back, "restored"), &accept_all)
            .await,
    );
    assert_eq!(code, "key_taken");
    let deleted = s
        .list_custom_fields(&CustomFieldQuery {
            deleted: DeletedFilter::Only,
            limit: 10,
            ..page(None)
        })
        .await
        .unwrap();
    assert_eq!(deleted, vec![gone.clone()]);
    // A stale version is refused.
    assert!(
        !s.update_custom_field(&back, 1, &event(&back, "updated"), &accept_all)
            .await
            .unwrap()
    );
}

async fn unique_values_are_enforced_with_the_customer_write(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let code = def(json!({"entity": "customer", "key": "code", "label": "Code",
        "field_type": "text", "unique": true}));
    add_def(&*s, &code).await;
    let mut a = customer(owner, "A");
    a.attributes = attrs(json!({"code": "ABC"}));
    add_customers(&*s, std::slice::from_ref(&a)).await;

    // Case-insensitively taken: a single insert and a whole batch are refused.
    let mut b = customer(owner, "B");
    b.attributes = attrs(json!({"code": " abc "}));
    let ok = customer(owner, "Fine");
    let (c, field) = conflict_code(
        s.insert_customers(
            &[ok.clone(), b.clone()],
            &[
                crate::fixtures::created_event(&ok),
                crate::fixtures::created_event(&b),
            ],
        )
        .await,
    );
    assert_eq!(
        (c.as_str(), field.as_deref()),
        ("value_taken", Some("attributes.code"))
    );
    assert_eq!(s.get_customer(ok.id).await.unwrap(), None, "all or nothing");
    // A single insert (one statement on PostgreSQL) names the field too and writes nothing.
    let (c, field) = conflict_code(
        s.insert_customers(
            std::slice::from_ref(&b),
            &[crate::fixtures::created_event(&b)],
        )
        .await,
    );
    assert_eq!(
        (c.as_str(), field.as_deref()),
        ("value_taken", Some("attributes.code"))
    );
    assert_eq!(s.get_customer(b.id).await.unwrap(), None);
    assert!(
        s.entity_events(b.id.0, None, 10).await.unwrap().is_empty(),
        "no event of a refused insert"
    );
    assert_eq!(
        s.custom_field_values_taken(code.id, &["abc".into(), "zzz".into()])
            .await
            .unwrap(),
        vec!["abc".to_owned()]
    );

    // Changing a's value frees the old one; an update onto a taken value is refused.
    let a2 = next_version(&a, |c| c.attributes = attrs(json!({"code": "XYZ"})));
    assert!(
        s.update_customer(&a2, a.version, &updated_event(&a, &a2))
            .await
            .unwrap()
    );
    add_customers(&*s, std::slice::from_ref(&b)).await;
    let a3 = next_version(&a2, |c| c.attributes = attrs(json!({"code": "ABC"})));
    let (c, _) = conflict_code(
        s.update_customer(&a3, a2.version, &updated_event(&a2, &a3))
            .await,
    );
    assert_eq!(c, "value_taken");
    assert_eq!(s.get_customer(a.id).await.unwrap(), Some(a2.clone()));

    // A soft-deleted customer frees its value; restoring it while taken is refused.
    let b_gone = next_version(&b, |c| c.deleted_at = Some(nexus_core::time::now()));
    assert!(
        s.update_customer(&b_gone, b.version, &updated_event(&b, &b_gone))
            .await
            .unwrap()
    );
    assert!(
        s.update_customer(&a3, a2.version, &updated_event(&a2, &a3))
            .await
            .unwrap()
    );
    let b_back = next_version(&b_gone, |c| c.deleted_at = None);
    let (c, _) = conflict_code(
        s.update_customer(&b_back, b_gone.version, &updated_event(&b_gone, &b_back))
            .await,
    );
    assert_eq!(c, "value_taken");

    // Turning `unique` on over duplicates among live customers is refused; deleted ones count
    // neither way. Turning it off drops the index, and the values stay.
    let city =
        def(json!({"entity": "customer", "key": "city", "label": "City", "field_type": "text"}));
    add_def(&*s, &city).await;
    let mut x = customer(owner, "X");
    x.attributes = attrs(json!({"city": "Ghent"}));
    let mut y = customer(owner, "Y");
    y.attributes = attrs(json!({"city": "ghent"}));
    add_customers(&*s, &[x.clone(), y.clone()]).await;
    let mut unique_city = city.clone();
    unique_city.unique = true;
    unique_city.version += 1;
    let (c, field) = conflict_code(
        s.update_custom_field(
            &unique_city,
            city.version,
            &event(&unique_city, "updated"),
            &accept_all,
        )
        .await,
    );
    assert_eq!(
        (c.as_str(), field.as_deref()),
        ("values_not_unique", Some("unique"))
    );
    let code_off = change_def(&*s, &code, |f| f.unique = false).await;
    add_customers(
        &*s,
        &[{
            let mut d = customer(owner, "D");
            d.attributes = attrs(json!({"code": "abc"}));
            d
        }],
    )
    .await;
    assert!(
        s.custom_field_values_taken(code_off.id, &["abc".into()])
            .await
            .unwrap()
            .is_empty()
    );
    // Bulk loads index unique values too: a taken one fails the whole load, loaded ones are
    // taken afterwards.
    let serial = def(
        json!({"entity": "customer", "key": "serial", "label": "Serial",
        "field_type": "number", "unique": true}),
    );
    add_def(&*s, &serial).await;
    let with_serial = |name: &str, v: Value| {
        let mut c = customer(owner, name);
        c.attributes = attrs(json!({ "serial": v }));
        c
    };
    let first = with_serial("S1", json!(1));
    assert!(
        crate::fixtures::bulk_load(
            &*s,
            &[first.clone(), with_serial("S1 again", json!(1.0))],
            1
        )
        .await
        .is_err()
    );
    assert_eq!(s.get_customer(first.id).await.unwrap(), None);
    crate::fixtures::bulk_load(&*s, std::slice::from_ref(&first), 1)
        .await
        .unwrap();
    let (c, _) = conflict_code(
        s.insert_customers(&[with_serial("S1 later", json!(1))], &[])
            .await,
    );
    assert_eq!(c, "value_taken");
    // Deleting a definition keeps the values in the records.
    change_def(&*s, &city, |f| f.deleted_at = Some(nexus_core::time::now())).await;
    assert_eq!(
        s.get_customer(x.id).await.unwrap().unwrap().attributes["city"],
        "Ghent"
    );
}

async fn definition_writes_see_every_stored_value(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut live = customer(owner, "Live");
    live.attributes = attrs(json!({"score": 3, "other": 1}));
    let mut gone = customer(owner, "Gone");
    gone.attributes = attrs(json!({"score": "high"}));
    let mut null = customer(owner, "Null");
    null.attributes = attrs(json!({"score": null}));
    add_customers(
        &*s,
        &[
            live.clone(),
            gone.clone(),
            null.clone(),
            customer(owner, "None"),
        ],
    )
    .await;
    crate::fixtures::soft_delete(&*s, &gone).await;

    let score = def(
        json!({"entity": "customer", "key": "score", "label": "Score", "field_type": "number"}),
    );
    let seen = Mutex::new(Vec::new());
    let refuse = |values: &[Value]| {
        seen.lock().unwrap().extend(values.iter().cloned());
        Err(CoreError::conflict("values_exist", Some("key"), "no"))
    };
    let (c, _) = conflict_code(
        s.insert_custom_field(&score, &event(&score, "created"), &refuse)
            .await,
    );
    assert_eq!(c, "values_exist");
    let mut got = seen.lock().unwrap().clone();
    got.sort_by_key(|v| v.to_string());
    assert_eq!(
        got,
        vec![json!("high"), json!(3)],
        "deleted customers count, nulls do not"
    );
    assert_eq!(
        s.get_custom_field(score.id).await.unwrap(),
        None,
        "a refused write leaves nothing"
    );
}

/// Customers written while `unique` is switched on: whichever wins, a unique field ends with no
/// two live customers sharing a value and every value indexed.
async fn unique_flag_and_concurrent_writes_agree(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let f = def(json!({"entity": "customer", "key": "ref", "label": "Ref", "field_type": "text"}));
    add_def(&*s, &f).await;
    let writers: Vec<_> = (0..24)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut c = customer(owner, &format!("W{i}"));
                c.attributes = attrs(json!({ "ref": format!("R{}", i % 6) }));
                let ev = crate::fixtures::created_event(&c);
                s.insert_customers(std::slice::from_ref(&c), &[ev])
                    .await
                    .map(|()| c)
            })
        })
        .collect();
    let flip = {
        let s = s.clone();
        let f = f.clone();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            let mut n = f.clone();
            n.unique = true;
            n.version += 1;
            s.update_custom_field(&n, f.version, &event(&n, "updated"), &accept_all)
                .await
        })
    };
    let mut written = Vec::new();
    for w in writers {
        match w.await.unwrap() {
            Ok(c) => written.push(c),
            Err(CoreError::Conflict {
                code: "value_taken",
                ..
            }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    let flipped = match flip.await.unwrap() {
        Ok(done) => done,
        Err(CoreError::Conflict {
            code: "values_not_unique",
            ..
        }) => false,
        Err(e) => panic!("unexpected {e:?}"),
    };
    let stored = s.get_custom_field(f.id).await.unwrap().unwrap();
    assert_eq!(stored.unique, flipped);
    if flipped {
        let mut values: Vec<String> = written
            .iter()
            .map(|c| c.attributes["ref"].as_str().unwrap().to_lowercase())
            .collect();
        values.sort();
        let before = values.len();
        values.dedup();
        assert_eq!(values.len(), before, "duplicates under a unique field");
        let taken = s.custom_field_values_taken(f.id, &values).await.unwrap();
        assert_eq!(taken.len(), values.len(), "every value indexed");
    } else {
        assert_eq!(written.len(), 24);
    }
}

/// Customer ids of the whole list of `q`, walked in pages of `limit` through cursors built as
/// the API builds them.
async fn walk(
    s: &dyn Store,
    mut q: CustomerQuery,
    defs: &[CustomField],
    limit: u32,
) -> Vec<String> {
    q.custom.resolve(defs).unwrap();
    let sort = q.custom.sort.clone().unwrap();
    let mut names = Vec::new();
    let mut after = None;
    for _ in 0..100 {
        let page = s
            .list_customers(&CustomerQuery {
                after: after.clone(),
                limit,
                ..q.clone()
            })
            .await
            .unwrap();
        names.extend(page.iter().map(|c| c.name.clone()));
        let Some(last) = page.last() else { break };
        if page.len() < limit as usize {
            break;
        }
        after = Some(Cursor {
            sort: sort.name(),
            value: sort.cursor_value(last.attributes.get(&sort.key)),
            id: last.id.0,
        });
    }
    names
}

fn by(filters: &[(&str, &str)], sort: Option<&str>, order: SortOrder) -> CustomerQuery {
    CustomerQuery {
        custom: CustomCriteria {
            filters: filters
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            sort_key: sort.map(str::to_owned),
            ..Default::default()
        },
        order,
        ..query()
    }
}

async fn custom_filters_and_sorts_page_with_cursors(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let defs = vec![
        def(json!({"entity": "customer", "key": "score", "label": "S", "field_type": "number"})),
        def(json!({"entity": "customer", "key": "since", "label": "D", "field_type": "date"})),
        def(json!({"entity": "customer", "key": "vip", "label": "V", "field_type": "boolean"})),
        def(
            json!({"entity": "customer", "key": "tier", "label": "T", "field_type": "select",
            "options": ["gold", "silver"]}),
        ),
        def(
            json!({"entity": "customer", "key": "langs", "label": "L", "field_type": "multi_select",
            "options": ["en", "fr", "nl"]}),
        ),
        def(
            json!({"entity": "customer", "key": "budget", "label": "B", "field_type": "currency",
            "currency": "EUR"}),
        ),
    ];
    for d in &defs {
        add_def(&*s, d).await;
    }
    let rows = [
        (
            "c9",
            json!({"score": 9, "since": "2024-01-31", "vip": true, "tier": "gold", "langs": ["en", "fr"], "budget": 100}),
        ),
        (
            "c10",
            json!({"score": 10, "since": "2023-12-01", "vip": false, "tier": "silver", "langs": ["nl"], "budget": 2500}),
        ),
        (
            "c2_5",
            json!({"score": 2.5, "since": "2024-06-15", "vip": true, "tier": "gold", "budget": -5}),
        ),
        ("c100", json!({"score": 100, "langs": ["fr"]})),
        ("cminus", json!({"score": -1.25, "vip": false})),
        ("cstr", json!({"score": "ten", "since": 20240101})),
        ("cnone", json!({})),
    ];
    let mut customers: Vec<Customer> = Vec::new();
    for (name, a) in &rows {
        let mut c = customer(owner, name);
        c.attributes = attrs(a.clone());
        customers.push(c);
    }
    add_customers(&*s, &customers).await;
    let ids_of = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();

    // Numbers compare as numbers (10 after 9, 100 last); stray strings sort with the missing.
    for limit in [1, 2, 3, 50] {
        let asc = walk(&*s, by(&[], Some("score"), SortOrder::Asc), &defs, limit).await;
        assert_eq!(
            &asc[..5],
            ids_of(&["cminus", "c2_5", "c9", "c10", "c100"]),
            "limit {limit}"
        );
        let mut tail = asc[5..].to_vec();
        tail.sort();
        assert_eq!(tail, ids_of(&["cnone", "cstr"]));
        let desc = walk(&*s, by(&[], Some("score"), SortOrder::Desc), &defs, limit).await;
        assert_eq!(
            &desc[..5],
            ids_of(&["c100", "c10", "c9", "c2_5", "cminus"]),
            "limit {limit}"
        );
        assert_eq!(desc.len(), 7);
    }
    // Dates in date order, currency amounts as integers, booleans false before true.
    let since = walk(&*s, by(&[], Some("since"), SortOrder::Asc), &defs, 2).await;
    assert_eq!(&since[..3], ids_of(&["c10", "c9", "c2_5"]));
    let budget = walk(&*s, by(&[], Some("budget"), SortOrder::Desc), &defs, 2).await;
    assert_eq!(&budget[..3], ids_of(&["c10", "c9", "c2_5"]));
    let vip = walk(
        &*s,
        by(&[("vip", "true")], Some("tier"), SortOrder::Asc),
        &defs,
        1,
    )
    .await;
    let mut vip_sorted = vip.clone();
    vip_sorted.sort();
    assert_eq!(vip_sorted, ids_of(&["c2_5", "c9"]));

    // Filters: typed equality, list membership, combined.
    let names = |mut q: CustomerQuery| {
        let s = s.clone();
        let defs = defs.clone();
        async move {
            q.custom.resolve(&defs).unwrap();
            let mut n: Vec<String> = s
                .list_customers(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.name)
                .collect();
            n.sort();
            n
        }
    };
    assert_eq!(
        names(by(&[("score", "10.0")], None, SortOrder::Desc)).await,
        ids_of(&["c10"])
    );
    assert_eq!(
        names(by(&[("score", "2.5")], None, SortOrder::Desc)).await,
        ids_of(&["c2_5"])
    );
    assert_eq!(
        names(by(&[("vip", "false")], None, SortOrder::Desc)).await,
        ids_of(&["c10", "cminus"])
    );
    assert_eq!(
        names(by(&[("tier", "gold")], None, SortOrder::Desc)).await,
        ids_of(&["c2_5", "c9"])
    );
    assert_eq!(
        names(by(&[("langs", "fr")], None, SortOrder::Desc)).await,
        ids_of(&["c100", "c9"])
    );
    assert_eq!(
        names(by(&[("since", "2024-01-31")], None, SortOrder::Desc)).await,
        ids_of(&["c9"])
    );
    assert_eq!(
        names(by(&[("budget", "-5")], None, SortOrder::Desc)).await,
        ids_of(&["c2_5"])
    );
    assert_eq!(
        names(by(
            &[("tier", "gold"), ("langs", "en")],
            None,
            SortOrder::Desc
        ))
        .await,
        ids_of(&["c9"])
    );
    // A cursor of another sort, or a malformed value, is refused.
    let mut q = by(&[], Some("score"), SortOrder::Asc);
    q.custom.resolve(&defs).unwrap();
    for (sort, value) in [
        ("cf.since", "v:1"),
        ("cf.score", "v:abc"),
        ("cf.score", "garbage"),
    ] {
        let bad = CustomerQuery {
            after: Some(Cursor {
                sort: sort.into(),
                value: value.into(),
                id: uuid::Uuid::now_v7(),
            }),
            ..q.clone()
        };
        assert!(
            matches!(s.list_customers(&bad).await, Err(CoreError::Validation(_))),
            "{sort} {value}"
        );
    }
}

/// 0007 (custom fields) arrives on a database already at 0008: it is applied, and existing
/// attributes become filterable once a field is defined over them.
async fn custom_fields_migration_applies_after_0008(db: nexus_store::Db) {
    let all = if db.is_sqlite() {
        nexus_store::migrations::sqlite()
    } else {
        nexus_store::migrations::postgres()
    };
    let without = sqlx::migrate::Migrator::with_migrations(
        all.migrations
            .iter()
            .filter(|m| m.version != 7)
            .cloned()
            .collect(),
    );
    match &db {
        nexus_store::Db::Sqlite { writer, .. } => without.run(writer.inner()).await,
        nexus_store::Db::Postgres(p) => without.run(p.inner()).await,
    }
    .unwrap();
    let old = crate::upgrade_previous::rows();
    crate::upgrade_previous::insert(&db, &old).await;
    db.migrate().await.unwrap();
    let s: Arc<dyn Store> = Arc::new(db.clone());
    let c = old.company.clone();
    assert_eq!(c.attributes["employees"], 1200);
    let f = def(
        json!({"entity": "customer", "key": "employees", "label": "Staff", "field_type": "number"}),
    );
    add_def(&*s, &f).await;
    let mut q = by(&[("employees", "1200")], None, SortOrder::Desc);
    q.custom.resolve(&[f]).unwrap();
    let found: Vec<_> = s
        .list_customers(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(found, vec![c.id]);
    s.close().await;
}

#[tokio::test]
async fn migration_0007_after_0008_sqlite() {
    run_unmigrated(Backend::Sqlite, custom_fields_migration_applies_after_0008).await;
}

#[tokio::test]
async fn migration_0007_after_0008_postgres() {
    run_unmigrated(
        Backend::Postgres,
        custom_fields_migration_applies_after_0008,
    )
    .await;
}

/// The sort indexes of custom fields in the database, by name.
async fn sort_indexes(db: &nexus_store::Db) -> Vec<String> {
    const SQLITE: &str = "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'cf\\_sort\\_%' ESCAPE '\\' ORDER BY name";
    const PG: &str = "SELECT indexname::text FROM pg_indexes WHERE indexname LIKE 'cf\\_sort\\_%' ESCAPE '\\' ORDER BY 1";
    match db {
        nexus_store::Db::Sqlite { writer, .. } => {
            sqlx::query_scalar(SQLITE).fetch_all(writer.inner()).await
        }
        nexus_store::Db::Postgres(p) => sqlx::query_scalar(PG).fetch_all(p.inner()).await,
    }
    .unwrap()
}

/// Runs one statement of the test's own on `db`.
async fn execute(db: &nexus_store::Db, sql: &'static str) {
    match db {
        nexus_store::Db::Sqlite { writer, .. } => {
            sqlx::query(sql).execute(writer.inner()).await.map(drop)
        }
        nexus_store::Db::Postgres(p) => sqlx::query(sql).execute(p.inner()).await.map(drop),
    }
    .unwrap();
}

/// Every live field that can be sorted has a sort index on its entity's table, kept in the
/// definition's transaction: built on create and restore, rebuilt for a new type, dropped on
/// delete (and only that field's, not one whose key it prefixes). Migrating brings back a
/// missing index and drops one no definition calls for (the upgrade of a database whose fields
/// were defined before sort indexes existed).
async fn sort_indexes_follow_definitions(db: nexus_store::Db) {
    db.migrate().await.unwrap();
    let s: Arc<dyn Store> = Arc::new(db.clone());
    let score =
        def(json!({"entity": "customer", "key": "score", "label": "S", "field_type": "number"}));
    let a = def(json!({"entity": "customer", "key": "a", "label": "A", "field_type": "text"}));
    let a_b =
        def(json!({"entity": "customer", "key": "a_b", "label": "AB", "field_type": "boolean"}));
    let langs = def(json!({"entity": "customer", "key": "langs", "label": "L",
        "field_type": "multi_select", "options": ["en", "fr"]}));
    let region =
        def(json!({"entity": "deal", "key": "region", "label": "R", "field_type": "date"}));
    for d in [&score, &a, &a_b, &langs, &region] {
        add_def(&*s, d).await;
    }
    let names = |v: &[&str]| v.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        sort_indexes(&db).await,
        names(&[
            "cf_sort_c_a_b_b",
            "cf_sort_c_a_t",
            "cf_sort_c_score_n",
            "cf_sort_d_region_t"
        ])
    );

    let score = change_def(&*s, &score, |f| {
        f.field_type = nexus_core::custom_field::FieldType::Text;
    })
    .await;
    let a = change_def(&*s, &a, |f| f.deleted_at = Some(f.updated_at)).await;
    let score = change_def(&*s, &score, |f| f.deleted_at = Some(f.updated_at)).await;
    assert_eq!(
        sort_indexes(&db).await,
        names(&["cf_sort_c_a_b_b", "cf_sort_d_region_t"])
    );
    change_def(&*s, &score, |f| f.deleted_at = None).await;
    change_def(&*s, &a, |f| f.label = "still deleted".into()).await;
    assert_eq!(
        sort_indexes(&db).await,
        names(&["cf_sort_c_a_b_b", "cf_sort_c_score_t", "cf_sort_d_region_t"])
    );

    execute(&db, "DROP INDEX cf_sort_d_region_t").await;
    execute(&db, "CREATE INDEX cf_sort_c_gone_t ON customers (id)").await;
    db.migrate().await.unwrap();
    assert_eq!(
        sort_indexes(&db).await,
        names(&["cf_sort_c_a_b_b", "cf_sort_c_score_t", "cf_sort_d_region_t"])
    );
}

#[tokio::test]
async fn sort_indexes_follow_definitions_sqlite() {
    run_unmigrated(Backend::Sqlite, sort_indexes_follow_definitions).await;
}

#[tokio::test]
async fn sort_indexes_follow_definitions_postgres() {
    run_unmigrated(Backend::Postgres, sort_indexes_follow_definitions).await;
}
