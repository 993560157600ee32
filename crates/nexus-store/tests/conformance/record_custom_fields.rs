//! Custom fields of deals and products (migration 0017): their values round-trip in
//! `attributes`, the uniqueness index is kept in the deal and product writes' transactions (and
//! per entity: a customer, a deal and a product may hold the same value), definition writes are
//! checked against the values of their own entity only, `cf.<key>` filters and sorts page with
//! keyset cursors, and the upgrade from 0016 keeps every deal and product.

use crate::crm_fixtures::{
    add_deal, add_pipeline, deal, deal_event, deal_query, owner_and_customer, pipeline,
};
use crate::fixtures::{add_customers, add_product, customer, product, product_event};
use crate::harness::{Backend, run_unmigrated};
use nexus_core::CoreError;
use nexus_core::custom_field::{CustomCriteria, CustomField, NewCustomField};
use nexus_core::deal::{Deal, DealQuery};
use nexus_core::event::Event;
use nexus_core::page::SortOrder;
use nexus_core::product::{Product, ProductQuery};
use nexus_core::store::{DealWrite, Store};
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

conformance!(
    deal_and_product_values_keep_their_unique_index,
    definition_writes_judge_the_values_of_their_entity,
    deal_and_product_lists_filter_and_sort_by_custom_fields,
);

pub(crate) fn def(v: Value) -> CustomField {
    NewCustomField::parse(&v).unwrap().into_field()
}

pub(crate) fn accept_all(_: &[Value]) -> nexus_core::error::CoreResult<()> {
    Ok(())
}

pub(crate) async fn add_def(s: &dyn Store, f: &CustomField) {
    let ev = Event::new("custom_field", f.id.0, "created", None, Map::new());
    s.insert_custom_field(f, &ev, &accept_all).await.unwrap();
}

pub(crate) fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

pub(crate) fn conflict(r: Result<impl std::fmt::Debug, CoreError>) -> (String, Option<String>) {
    match r {
        Err(CoreError::Conflict { code, field, .. }) => (code.to_owned(), field),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Writes `next` over `d` (no move), as the service does.
async fn write_deal(
    s: &dyn Store,
    d: &Deal,
    change: impl FnOnce(&mut Deal),
) -> nexus_core::error::CoreResult<Option<Deal>> {
    let mut next = d.clone();
    change(&mut next);
    next.version = d.version + 1;
    let ev = deal_event("updated");
    Ok(s.update_deal(DealWrite {
        deal: &next,
        expected_version: d.version,
        placement: None,
        stage_change: None,
        event: &ev,
    })
    .await?
    .map(|w| w.deal))
}

async fn write_product(
    s: &dyn Store,
    p: &Product,
    change: impl FnOnce(&mut Product),
) -> nexus_core::error::CoreResult<Product> {
    let mut next = p.clone();
    change(&mut next);
    next.version = p.version + 1;
    assert!(
        s.update_product(&next, p.version, &product_event(&next, "updated"))
            .await?
    );
    Ok(next)
}

async fn deal_and_product_values_keep_their_unique_index(s: Arc<dyn Store>) {
    let (owner, cust) = owner_and_customer(&*s, None).await;
    let p = pipeline("Board", &["Lead"]);
    add_pipeline(&*s, &p).await;
    let mut fields = Vec::new();
    for entity in ["customer", "deal", "product"] {
        let f = def(
            json!({"entity": entity, "key": "code", "label": "Code", "field_type": "text", "unique": true}),
        );
        add_def(&*s, &f).await;
        fields.push(f);
    }
    let (deal_code, product_code) = (&fields[1], &fields[2]);

    // Values round-trip; the same value under each entity's field does not collide.
    let mut a = deal(&p, cust, owner, "A");
    a.attributes = attrs(json!({"code": "ABC", "free": {"x": 1}}));
    let a = add_deal(&*s, &a).await;
    assert_eq!(
        s.get_deal(a.id).await.unwrap().unwrap().attributes,
        a.attributes
    );
    let mut pa = product("PA", 100, "EUR");
    pa.attributes = attrs(json!({"code": "abc"}));
    add_product(&*s, &pa).await;
    assert_eq!(s.get_product(pa.id).await.unwrap(), Some(pa.clone()));
    let mut c = customer(owner, "C");
    c.attributes = attrs(json!({"code": "Abc"}));
    add_customers(&*s, std::slice::from_ref(&c)).await;

    // Within an entity a taken value (case-insensitive) is refused, naming the field.
    let mut b = deal(&p, cust, owner, "B");
    b.attributes = attrs(json!({"code": " abc "}));
    let r = s
        .insert_deal(
            &b,
            &crate::crm_fixtures::change(&b, None),
            &deal_event("created"),
        )
        .await;
    assert_eq!(
        conflict(r),
        ("value_taken".into(), Some("attributes.code".into()))
    );
    assert_eq!(s.get_deal(b.id).await.unwrap(), None, "nothing written");
    let mut pb = product("PB", 100, "EUR");
    pb.attributes = attrs(json!({"code": "ABC"}));
    let r = s.insert_product(&pb, &product_event(&pb, "created")).await;
    assert_eq!(conflict(r).0, "value_taken");
    assert_eq!(s.get_product(pb.id).await.unwrap(), None);
    assert_eq!(
        s.custom_field_values_taken(deal_code.id, &["abc".into(), "xyz".into()])
            .await
            .unwrap(),
        vec!["abc".to_owned()]
    );

    // An update moves the value; a soft delete frees it; a restore over a retaken one fails.
    let a2 = write_deal(&*s, &a, |d| d.attributes = attrs(json!({"code": "XYZ"})))
        .await
        .unwrap()
        .unwrap();
    let b = add_deal(&*s, &b).await;
    let r = write_deal(&*s, &a2, |d| d.attributes = attrs(json!({"code": "abc"}))).await;
    assert_eq!(conflict(r).0, "value_taken");
    assert_eq!(
        s.get_deal(a.id).await.unwrap().unwrap().attributes,
        a2.attributes,
        "unchanged"
    );
    let b_gone = write_deal(&*s, &b, |d| d.deleted_at = Some(nexus_core::time::now()))
        .await
        .unwrap()
        .unwrap();
    let a3 = write_deal(&*s, &a2, |d| d.attributes = attrs(json!({"code": "ABC"})))
        .await
        .unwrap()
        .unwrap();
    let r = write_deal(&*s, &b_gone, |d| d.deleted_at = None).await;
    assert_eq!(conflict(r).0, "value_taken");
    assert_eq!(
        s.custom_field_values_taken(deal_code.id, &["abc".into()])
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(a3.attributes["code"], "ABC");

    let pa_gone = write_product(&*s, &pa, |p| p.deleted_at = Some(nexus_core::time::now()))
        .await
        .unwrap();
    assert!(
        s.custom_field_values_taken(product_code.id, &["abc".into()])
            .await
            .unwrap()
            .is_empty()
    );
    add_product(&*s, &pb).await;
    let r = write_product(&*s, &pa_gone, |p| p.deleted_at = None).await;
    assert_eq!(conflict(r).0, "value_taken");

    // Erasing the customer drops its deals' index entries with the deals.
    let erased = {
        let mut e = s.get_customer(cust).await.unwrap().unwrap();
        e.version += 1;
        e.deleted_at = Some(nexus_core::time::now());
        e
    };
    let ev = Event::new("customer", cust.0, "erased", None, Map::new());
    assert!(
        s.erase_customer(&erased, erased.version - 1, None, &ev)
            .await
            .unwrap()
    );
    assert!(
        s.custom_field_values_taken(deal_code.id, &["abc".into()])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn definition_writes_judge_the_values_of_their_entity(s: Arc<dyn Store>) {
    let (owner, cust) = owner_and_customer(&*s, None).await;
    let p = pipeline("Board", &["Lead"]);
    add_pipeline(&*s, &p).await;
    for (title, v) in [
        ("D1", json!("gold")),
        ("D2", json!("gold")),
        ("D3", json!(null)),
    ] {
        let mut d = deal(&p, cust, owner, title);
        d.attributes = attrs(json!({"tier": v}));
        add_deal(&*s, &d).await;
    }
    let mut pr = product("P1", 1, "EUR");
    pr.attributes = attrs(json!({"tier": 5}));
    add_product(&*s, &pr).await;
    let mut c = customer(owner, "C");
    c.attributes = attrs(json!({"tier": true}));
    add_customers(&*s, std::slice::from_ref(&c)).await;

    // Each definition write sees the non-null values of its own entity.
    for (entity, expected) in [
        ("deal", vec![json!("gold"), json!("gold")]),
        ("product", vec![json!(5)]),
        ("customer", vec![json!(true)]),
    ] {
        let seen = Mutex::new(Vec::new());
        let check = |values: &[Value]| {
            seen.lock().unwrap().extend(values.iter().cloned());
            Ok(())
        };
        let f =
            def(json!({"entity": entity, "key": "tier", "label": "Tier", "field_type": "text"}));
        let ev = Event::new("custom_field", f.id.0, "created", None, Map::new());
        s.insert_custom_field(&f, &ev, &check).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), expected, "{entity}");
    }
    // A unique field over repeated live deal values is refused; over products it is fine.
    let f = def(
        json!({"entity": "deal", "key": "code2", "label": "C", "field_type": "text", "unique": true}),
    );
    add_def(&*s, &f).await;
    let twin = def(
        json!({"entity": "deal", "key": "tier", "label": "T", "field_type": "select",
        "options": ["gold"], "unique": true}),
    );
    let ev = Event::new("custom_field", twin.id.0, "created", None, Map::new());
    let r = s.insert_custom_field(&twin, &ev, &accept_all).await;
    assert_eq!(conflict(r).0, "key_taken", "the deal field tier is live");
    let mut unique_tier = s
        .custom_field_definitions(nexus_core::custom_field::CustomFieldEntity::Deal)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.key == "tier")
        .unwrap();
    let cur = unique_tier.clone();
    unique_tier.unique = true;
    unique_tier.version += 1;
    let ev = Event::new("custom_field", cur.id.0, "updated", None, Map::new());
    let r = s
        .update_custom_field(&unique_tier, cur.version, &ev, &accept_all)
        .await;
    assert_eq!(
        conflict(r),
        ("values_not_unique".into(), Some("unique".into()))
    );
}

pub(crate) fn criteria(
    filters: &[(&str, &str)],
    sort: Option<&str>,
    defs: &[CustomField],
) -> CustomCriteria {
    let mut c = CustomCriteria {
        filters: filters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        sort_key: sort.map(str::to_owned),
        ..Default::default()
    };
    c.resolve(defs).unwrap();
    c
}

async fn deal_and_product_lists_filter_and_sort_by_custom_fields(s: Arc<dyn Store>) {
    let (owner, cust) = owner_and_customer(&*s, None).await;
    let p = pipeline("Board", &["Lead"]);
    add_pipeline(&*s, &p).await;
    let mut deal_defs = Vec::new();
    let mut product_defs = Vec::new();
    for entity in ["deal", "product"] {
        let defs = [
            def(json!({"entity": entity, "key": "score", "label": "S", "field_type": "number"})),
            def(json!({"entity": entity, "key": "vip", "label": "V", "field_type": "boolean"})),
            def(
                json!({"entity": entity, "key": "langs", "label": "L", "field_type": "multi_select", "options": ["en", "fr"]}),
            ),
            def(
                json!({"entity": entity, "key": "tier", "label": "T", "field_type": "select", "options": ["gold", "silver"]}),
            ),
        ];
        for d in &defs {
            add_def(&*s, d).await;
        }
        if entity == "deal" {
            deal_defs = defs.to_vec()
        } else {
            product_defs = defs.to_vec()
        }
    }
    let rows = [
        (
            "nine",
            json!({"score": 9, "vip": true, "langs": ["en"], "tier": "gold"}),
        ),
        (
            "ten",
            json!({"score": 10.0, "langs": ["en", "fr"], "tier": "silver"}),
        ),
        (
            "two-half",
            json!({"score": 2.5, "vip": true, "tier": "gold"}),
        ),
        ("hundred", json!({"score": 100, "vip": false})),
        ("stray", json!({"score": "high"})),
        ("none", json!({})),
    ];
    for (name, a) in &rows {
        let mut d = deal(&p, cust, owner, name);
        d.attributes = attrs(a.clone());
        add_deal(&*s, &d).await;
        let mut pr = product(name, 1, "EUR");
        pr.name = (*name).to_owned();
        pr.attributes = attrs(a.clone());
        add_product(&*s, &pr).await;
    }

    // Every page size walks the same order; records without a (typed) value come last by id.
    let deal_walk = |custom: CustomCriteria, order: SortOrder, limit: u32| {
        let s = s.clone();
        async move {
            let mut out = Vec::new();
            let mut q = DealQuery {
                custom,
                order,
                limit,
                ..deal_query()
            };
            loop {
                let page = s.list_deals(&q).await.unwrap();
                out.extend(page.iter().map(|d| d.title.clone()));
                match page.last() {
                    Some(last) if page.len() == limit as usize => {
                        q.after = Some(q.custom.cursor(last).unwrap_or_else(|| {
                            nexus_core::page::Cursor {
                                sort: q.sort.as_str().into(),
                                value: last.sort_value(q.sort),
                                id: last.id.0,
                            }
                        }))
                    }
                    _ => return out,
                }
            }
        }
    };
    let product_walk = |custom: CustomCriteria, order: SortOrder, limit: u32| {
        let s = s.clone();
        async move {
            let mut out = Vec::new();
            let mut q = ProductQuery {
                custom,
                order,
                limit,
                ..ProductQuery::default()
            };
            loop {
                let page = s.list_products(&q).await.unwrap();
                out.extend(page.iter().map(|p| p.name.clone()));
                match page.last() {
                    Some(last) if page.len() == limit as usize => {
                        q.after = Some(q.custom.cursor(last).unwrap_or_else(|| {
                            nexus_core::page::Cursor {
                                sort: q.sort.as_str().into(),
                                value: last.sort_value(q.sort),
                                id: last.id.0,
                            }
                        }))
                    }
                    _ => return out,
                }
            }
        }
    };
    // "stray" and "none" hold no number: last, in id order (stray was created first).
    let asc = vec!["two-half", "nine", "ten", "hundred", "stray", "none"];
    let desc = vec!["hundred", "ten", "nine", "two-half", "none", "stray"];
    for limit in [1, 2, 4, 10] {
        assert_eq!(
            deal_walk(
                criteria(&[], Some("score"), &deal_defs),
                SortOrder::Asc,
                limit
            )
            .await,
            asc,
            "limit {limit}"
        );
        assert_eq!(
            deal_walk(
                criteria(&[], Some("score"), &deal_defs),
                SortOrder::Desc,
                limit
            )
            .await,
            desc,
            "limit {limit}"
        );
        assert_eq!(
            product_walk(
                criteria(&[], Some("score"), &product_defs),
                SortOrder::Asc,
                limit
            )
            .await,
            asc,
            "limit {limit}"
        );
        assert_eq!(
            product_walk(
                criteria(&[], Some("score"), &product_defs),
                SortOrder::Desc,
                limit
            )
            .await,
            desc,
            "limit {limit}"
        );
    }
    for (filters, sort, expected) in [
        (vec![("score", "10")], None, vec!["ten"]),
        (
            vec![("vip", "true")],
            Some("score"),
            vec!["two-half", "nine"],
        ),
        (vec![("vip", "false")], None, vec!["hundred"]),
        (vec![("langs", "fr")], None, vec!["ten"]),
        (vec![("tier", "gold"), ("langs", "en")], None, vec!["nine"]),
        (
            vec![("tier", "gold")],
            Some("tier"),
            vec!["nine", "two-half"],
        ),
    ] {
        let mut d = deal_walk(criteria(&filters, sort, &deal_defs), SortOrder::Asc, 3).await;
        let mut pr = product_walk(criteria(&filters, sort, &product_defs), SortOrder::Asc, 3).await;
        if sort.is_none() || sort == Some("tier") {
            d.sort();
            pr.sort();
        }
        assert_eq!(d, expected, "deals {filters:?}");
        assert_eq!(pr, expected, "products {filters:?}");
    }
    // A cursor of another sort is refused.
    let mut q = DealQuery {
        custom: criteria(&[], Some("score"), &deal_defs),
        limit: 1,
        ..deal_query()
    };
    let first = s.list_deals(&q).await.unwrap();
    q.after = Some(nexus_core::page::Cursor {
        sort: "created_at".into(),
        value: "n".into(),
        id: first[0].id.0,
    });
    assert!(matches!(
        s.list_deals(&q).await,
        Err(CoreError::Validation(_))
    ));
}

/// 0016 → 0017 on a database holding deals and products: every row survives, with empty
/// attributes, and takes custom-field values afterwards.
async fn upgrade_keeps_deals_and_products(db: nexus_store::Db) {
    let all = if db.is_sqlite() {
        nexus_store::migrations::sqlite()
    } else {
        nexus_store::migrations::postgres()
    };
    let before = sqlx::migrate::Migrator::with_migrations(
        all.migrations
            .iter()
            .filter(|m| m.version < 17)
            .cloned()
            .collect(),
    );
    match &db {
        nexus_store::Db::Sqlite { writer, .. } => before.run(writer.inner()).await,
        nexus_store::Db::Postgres(p) => before.run(p.inner()).await,
    }
    .unwrap();
    let s: Arc<dyn Store> = Arc::new(db.clone());
    // Users and customers are written with the foundation's SQL, pipelines as today.
    let (owner, cust) = crate::upgrade_previous::owner_and_customer(&db).await;
    let p = pipeline("Board", &["Lead"]);
    add_pipeline(&*s, &p).await;
    let d = deal(&p, cust, owner, "Old deal");
    let pr = product("OLD-1", 990, "EUR");
    macro_rules! fill {
        ($pool:expr) => {{
            sqlx::query("INSERT INTO deals (id, title, title_norm, customer_id, value, currency, pipeline_id, stage_id, status, lost_reason, \
                 owner_id, team_id, expected_close_date, closed_at, position, version, created_at, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, 0, 'EUR', $5, $6, 'open', NULL, $7, NULL, NULL, NULL, 0, 1, $8, $8, NULL)")
                .bind(d.id.0).bind(&d.title).bind(d.title.to_lowercase()).bind(cust.0).bind(p.id.0)
                .bind(p.stages[0].id.0).bind(owner.0).bind(d.created_at)
                .execute($pool).await.unwrap();
            sqlx::query("INSERT INTO products (id, sku, sku_norm, name, name_norm, description, category, category_norm, price, currency, active, version, created_at, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, NULL, NULL, $6, $7, true, 1, $8, $8, NULL)")
                .bind(pr.id.0).bind(&pr.sku).bind(pr.sku.to_lowercase()).bind(&pr.name).bind(pr.name.to_lowercase())
                .bind(pr.price).bind(pr.currency.as_str()).bind(pr.created_at)
                .execute($pool).await.unwrap();
        }};
    }
    match &db {
        nexus_store::Db::Sqlite { writer, .. } => fill!(writer.inner()),
        nexus_store::Db::Postgres(pool) => fill!(pool.inner()),
    }
    db.migrate().await.unwrap();

    let stored = s.get_deal(d.id).await.unwrap().expect("the deal survives");
    assert_eq!(
        (stored.title.as_str(), stored.attributes.len()),
        ("Old deal", 0)
    );
    let stored_product = s
        .get_product(pr.id)
        .await
        .unwrap()
        .expect("the product survives");
    assert_eq!(
        stored_product, pr,
        "every field as written, attributes empty"
    );

    // The old rows take values and answer custom filters.
    let f = def(
        json!({"entity": "deal", "key": "score", "label": "S", "field_type": "number", "unique": true}),
    );
    add_def(&*s, &f).await;
    write_deal(&*s, &stored, |d| d.attributes = attrs(json!({"score": 7})))
        .await
        .unwrap()
        .unwrap();
    let q = DealQuery {
        custom: criteria(&[("score", "7")], None, &[f]),
        ..deal_query()
    };
    let found: Vec<_> = s
        .list_deals(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(found, vec![d.id]);
    s.close().await;
}

#[tokio::test]
async fn migration_0017_keeps_deals_and_products_sqlite() {
    run_unmigrated(Backend::Sqlite, upgrade_keeps_deals_and_products).await;
}

#[tokio::test]
async fn migration_0017_keeps_deals_and_products_postgres() {
    run_unmigrated(Backend::Postgres, upgrade_keeps_deals_and_products).await;
}
