//! Product writes and reads: round trips, case-insensitive SKU uniqueness among live products,
//! optimistic updates, filters, search, every sort with keyset pages.

use crate::fixtures::{add_product, product, product_event};
use nexus_core::CoreError;
use nexus_core::customer::DeletedFilter;
use nexus_core::ids::ProductId;
use nexus_core::money::Currency;
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::product::{Product, ProductQuery, ProductSortField};
use nexus_core::store::Store;
use nexus_core::time::now;
use std::sync::Arc;

conformance!(
    product_round_trip_keeps_every_field,
    sku_is_unique_case_insensitively_among_live_products,
    product_update_is_optimistic_and_writes_its_event,
    product_filters_and_search_return_exactly_their_matches,
    product_sorts_page_without_gaps_or_duplicates,
);

async fn product_round_trip_keeps_every_field(s: Arc<dyn Store>) {
    let mut p = product("WID-001", 1999, "eur");
    p.name = "Widget « Deluxe » ✓".into();
    p.description = Some("A very\nlong description".into());
    p.category = Some("Hardware".into());
    p.active = false;
    p.version = 3;
    let mut gone = product("GONE-1", 0, "JPY");
    gone.deleted_at = Some(now());
    add_product(&*s, &p).await;
    add_product(&*s, &gone).await;
    assert_eq!(s.get_product(p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(s.get_product(gone.id).await.unwrap(), Some(gone.clone()));
    assert_eq!(s.get_product(ProductId::new()).await.unwrap(), None);
    let mut both = s
        .get_products(&[gone.id, ProductId::new(), p.id])
        .await
        .unwrap();
    both.sort_by_key(|x| x.id);
    let mut expected = vec![p.clone(), gone.clone()];
    expected.sort_by_key(|x| x.id);
    assert_eq!(
        both, expected,
        "deleted products are returned, unknown ids skipped"
    );
    assert_eq!(
        s.list_products(&ProductQuery::default()).await.unwrap(),
        vec![p]
    );
}

async fn sku_is_unique_case_insensitively_among_live_products(s: Arc<dyn Store>) {
    let a = product("Sku-42", 100, "USD");
    add_product(&*s, &a).await;
    let b = product("sKU-42", 200, "USD");
    match s.insert_product(&b, &product_event(&b, "created")).await {
        Err(CoreError::Conflict { code, field, .. }) => {
            assert_eq!(code, "sku_taken");
            assert_eq!(field.as_deref(), Some("sku"));
        }
        other => panic!("expected sku_taken, got {other:?}"),
    }
    assert_eq!(s.get_product(b.id).await.unwrap(), None);
    // Renaming another product onto the SKU conflicts too.
    let c = product("OTHER", 1, "USD");
    add_product(&*s, &c).await;
    let mut c2 = c.clone();
    c2.sku = "SKU-42".into();
    c2.version = 2;
    assert!(matches!(
        s.update_product(&c2, 1, &product_event(&c2, "updated"))
            .await,
        Err(CoreError::Conflict {
            code: "sku_taken",
            ..
        })
    ));
    // A deleted product frees its SKU; restoring it would then collide.
    let mut a_deleted = a.clone();
    a_deleted.deleted_at = Some(now());
    a_deleted.version = 2;
    assert!(
        s.update_product(&a_deleted, 1, &product_event(&a_deleted, "deleted"))
            .await
            .unwrap()
    );
    add_product(&*s, &b).await;
    let mut a_back = a_deleted.clone();
    a_back.deleted_at = None;
    a_back.version = 3;
    assert!(matches!(
        s.update_product(&a_back, 2, &product_event(&a_back, "restored"))
            .await,
        Err(CoreError::Conflict {
            code: "sku_taken",
            ..
        })
    ));
    assert_eq!(s.get_product(a.id).await.unwrap(), Some(a_deleted));
}

async fn product_update_is_optimistic_and_writes_its_event(s: Arc<dyn Store>) {
    let p = product("OPT-1", 500, "GBP");
    add_product(&*s, &p).await;
    let mut n = p.clone();
    n.price = 650;
    n.version = 2;
    let ev = product_event(&n, "updated");
    assert!(s.update_product(&n, 1, &ev).await.unwrap());
    let mut stale = p.clone();
    stale.name = "lost".into();
    stale.version = 2;
    assert!(
        !s.update_product(&stale, 1, &product_event(&stale, "updated"))
            .await
            .unwrap()
    );
    assert_eq!(s.get_product(p.id).await.unwrap(), Some(n));
    let events = s.entity_events(p.id.0, None, 10).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["created", "updated"],
        "no event for the lost write"
    );
    assert_eq!(events[1].id, ev.id);
}

/// 24 products over three categories, three currencies, both activity states.
async fn catalogue(s: &dyn Store) -> Vec<Product> {
    let mut all = Vec::new();
    for i in 0..24_i64 {
        let mut p = product(
            &format!("{}-{i:03}", ["AB", "cd", "Ef"][(i % 3) as usize]),
            (i * 37) % 11 * 100,
            ["EUR", "USD", "JPY"][(i % 3) as usize],
        );
        p.name = format!(
            "{} {}",
            ["Öl Filter", "Bolt", "Nut_50%"][(i % 3) as usize],
            i
        );
        p.category = [Some("Hardware"), Some("hardware"), None, Some("Software")][(i % 4) as usize]
            .map(str::to_owned);
        p.active = i % 5 != 0;
        if i == 23 {
            p.deleted_at = Some(now());
        }
        add_product(s, &p).await;
        all.push(p);
    }
    all
}

fn ids_of(v: &[Product]) -> Vec<ProductId> {
    let mut ids: Vec<ProductId> = v.iter().map(|p| p.id).collect();
    ids.sort();
    ids
}

async fn product_filters_and_search_return_exactly_their_matches(s: Arc<dyn Store>) {
    let all = catalogue(&*s).await;
    let live: Vec<Product> = all
        .iter()
        .filter(|p| p.deleted_at.is_none())
        .cloned()
        .collect();
    let check = |q: ProductQuery, pred: Box<dyn Fn(&Product) -> bool>, what: &'static str| {
        let s = s.clone();
        let expected = ids_of(&live.iter().filter(|p| pred(p)).cloned().collect::<Vec<_>>());
        async move {
            let got = s
                .list_products(&ProductQuery { limit: 500, ..q })
                .await
                .unwrap();
            assert_eq!(ids_of(&got), expected, "{what}");
            assert!(
                !expected.is_empty() || what.starts_with("none"),
                "{what}: vacuous"
            );
        }
    };
    let q = ProductQuery::default;
    check(q(), Box::new(|_| true), "everything live").await;
    check(
        ProductQuery {
            active: Some(true),
            ..q()
        },
        Box::new(|p| p.active),
        "active",
    )
    .await;
    check(
        ProductQuery {
            active: Some(false),
            ..q()
        },
        Box::new(|p| !p.active),
        "inactive",
    )
    .await;
    check(
        ProductQuery {
            category: Some("HARDWARE".into()),
            ..q()
        },
        Box::new(|p| {
            p.category
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case("hardware"))
        }),
        "category, any case",
    )
    .await;
    check(
        ProductQuery {
            currency: Currency::parse("JPY").ok(),
            ..q()
        },
        Box::new(|p| p.currency.as_str() == "JPY"),
        "currency",
    )
    .await;
    check(
        ProductQuery {
            q: Some("öL fil".into()),
            ..q()
        },
        Box::new(|p| p.name.starts_with("Öl")),
        "search name, non-ASCII case folding",
    )
    .await;
    check(
        ProductQuery {
            q: Some("CD-01".into()),
            ..q()
        },
        Box::new(|p| p.sku.to_lowercase().contains("cd-01")),
        "search sku",
    )
    .await;
    check(
        ProductQuery {
            q: Some("_50%".into()),
            ..q()
        },
        Box::new(|p| p.name.contains("_50%")),
        "search with LIKE wildcards taken literally",
    )
    .await;
    check(
        ProductQuery {
            q: Some("%".into()),
            active: Some(true),
            currency: Currency::parse("EUR").ok(),
            ..q()
        },
        Box::new(|_| false),
        "none: a lone % matches nothing",
    )
    .await;
    let deleted = s
        .list_products(&ProductQuery {
            deleted: DeletedFilter::Only,
            ..q()
        })
        .await
        .unwrap();
    assert_eq!(ids_of(&deleted), vec![all[23].id]);
}

async fn product_sorts_page_without_gaps_or_duplicates(s: Arc<dyn Store>) {
    let all = catalogue(&*s).await;
    let live: Vec<Product> = all.into_iter().filter(|p| p.deleted_at.is_none()).collect();
    for sort in [
        ProductSortField::CreatedAt,
        ProductSortField::UpdatedAt,
        ProductSortField::Name,
        ProductSortField::Sku,
        ProductSortField::Price,
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let mut expected = live.clone();
            expected.sort_by(|a, b| {
                let key = |p: &Product| match sort {
                    ProductSortField::Price => (format!("{:020}", p.price), p.id),
                    _ => (p.sort_value(sort), p.id),
                };
                key(a).cmp(&key(b))
            });
            if order == SortOrder::Desc {
                expected.reverse();
            }
            let mut got = Vec::new();
            let mut after: Option<Cursor> = None;
            loop {
                let page = s
                    .list_products(&ProductQuery {
                        sort,
                        order,
                        after: after.clone(),
                        limit: 4,
                        ..ProductQuery::default()
                    })
                    .await
                    .unwrap();
                assert!(page.len() <= 4);
                after = page.last().map(|p| Cursor {
                    sort: sort.as_str().into(),
                    value: p.sort_value(sort),
                    id: p.id.0,
                });
                let n = page.len();
                got.extend(page);
                if n < 4 {
                    break;
                }
            }
            let names = |v: &[Product]| v.iter().map(|p| p.id).collect::<Vec<_>>();
            assert_eq!(names(&got), names(&expected), "{sort:?} {order:?}");
        }
    }
    let wrong = s
        .list_products(&ProductQuery {
            sort: ProductSortField::Price,
            after: Some(Cursor {
                sort: "name".into(),
                value: "x".into(),
                id: uuid::Uuid::nil(),
            }),
            ..ProductQuery::default()
        })
        .await;
    assert!(matches!(wrong, Err(CoreError::Validation(_))));
    let garbage = s
        .list_products(&ProductQuery {
            sort: ProductSortField::Price,
            after: Some(Cursor {
                sort: "price".into(),
                value: "ten".into(),
                id: uuid::Uuid::nil(),
            }),
            ..ProductQuery::default()
        })
        .await;
    assert!(matches!(garbage, Err(CoreError::Validation(_))));
}
