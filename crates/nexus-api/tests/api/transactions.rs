//! The transaction contract: server-side pricing and totals, strict bodies, status moves,
//! If-Match, soft delete and restore, events in the outbox, list filters and pages, and the
//! per-customer aggregates, also under many concurrent writers on one customer.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::ids::CustomerId;
use nexus_core::transaction::{CustomerAggregates, Transaction};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

fn errors(r: &Res) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A customer, two EUR products and a USD one.
async fn shop(app: &TestApp) -> (String, Value, Value, Value) {
    let c = app.customer(&app.admin, json!({"name": "Buyer"})).await;
    let a = app.product("EUR-A", 1250, "EUR").await;
    let b = app.product("EUR-B", 99, "EUR").await;
    let usd = app.product("USD-A", 5000, "USD").await;
    (id_of(&c), a, b, usd)
}

async fn aggregates(app: &TestApp, customer: &str) -> Value {
    app.get(
        &format!("/api/v1/customers/{customer}/aggregates"),
        &app.admin,
    )
    .await
    .expect(StatusCode::OK)
    .body
}

#[tokio::test]
async fn totals_are_computed_by_the_server_and_bodies_are_strict() {
    on_backends(|app| async move {
        let (c, a, b, usd) = shop(&app).await;
        let r = app
            .post("/api/v1/transactions", &app.admin, json!({
                "customer_id": c, "occurred_at": "2024-03-01T10:00:00+01:00", "reference": "PO-1",
                "items": [{"product_id": a["id"], "quantity": 3}, {"product_id": b["id"], "quantity": 2, "unit_price": 80}]
            }))
            .await
            .expect(StatusCode::CREATED);
        let id = id_of(&r.body);
        assert_eq!(r.header("location"), Some(format!("/api/v1/transactions/{id}").as_str()));
        assert!(r.header("etag").is_some());
        assert_eq!((&r.body["status"], &r.body["currency"], &r.body["total"]), (&json!("pending"), &json!("EUR"), &json!(3 * 1250 + 2 * 80)));
        assert_eq!(r.body["occurred_at"], "2024-03-01T09:00:00Z");
        assert_eq!(r.body["items"][0], json!({"product_id": a["id"], "sku": "EUR-A", "name": "Product EUR-A", "quantity": 3, "unit_price": 1250, "line_total": 3750}));
        assert_eq!(r.body["items"][1]["line_total"], 160);
        let g = app.get(&format!("/api/v1/transactions/{id}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!(g.body, r.body);

        // Client totals are refused, like any field the server owns.
        let bad = app.post("/api/v1/transactions", &app.admin, json!({
            "customer_id": c, "total": 1, "items": [{"product_id": a["id"], "quantity": 1, "line_total": 1}]
        })).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&bad), pairs(&[("items[0].line_total", "read_only"), ("total", "read_only")]));
        // Currency mismatches, unknown products and customers, floats and bad quantities.
        let bad = app.post("/api/v1/transactions", &app.admin, json!({
            "customer_id": c, "items": [{"product_id": a["id"], "quantity": 1}, {"product_id": usd["id"], "quantity": 1}, {"product_id": c, "quantity": 1}]
        })).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&bad), pairs(&[("items[1].product_id", "currency_mismatch"), ("items[2].product_id", "unknown_product")]));
        let bad = app.post("/api/v1/transactions", &app.admin, json!({
            "customer_id": c, "currency": "USD", "items": [{"product_id": a["id"], "quantity": 1}]
        })).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&bad), pairs(&[("items[0].product_id", "currency_mismatch")]));
        let bad = app.post("/api/v1/transactions", &app.admin, json!({
            "customer_id": a["id"], "items": [{"product_id": a["id"], "quantity": 1.5, "unit_price": 9.99}]
        })).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&bad), pairs(&[("items[0].quantity", "invalid_type"), ("items[0].unit_price", "invalid_type")]));
        let bad = app.post("/api/v1/transactions", &app.admin, json!({
            "customer_id": a["id"], "items": [{"product_id": a["id"], "quantity": 1}]
        })).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&bad), pairs(&[("customer_id", "unknown_customer")]));
        let bad = app.post("/api/v1/transactions", &app.admin, json!({"customer_id": c, "items": []})).await;
        assert_eq!(errors(&bad.expect(StatusCode::UNPROCESSABLE_ENTITY)), pairs(&[("items", "out_of_range")]));
        // Inactive products cannot be sold.
        app.patch(&format!("/api/v1/products/{}", id_of(&b)), &app.admin, json!({"active": false})).await.expect(StatusCode::OK);
        let bad = app.post("/api/v1/transactions", &app.admin, json!({"customer_id": c, "items": [{"product_id": b["id"], "quantity": 1}]})).await;
        assert_eq!(errors(&bad.expect(StatusCode::UNPROCESSABLE_ENTITY)), pairs(&[("items[0].product_id", "product_inactive")]));
        // …but a transaction already holding it can keep it when its items are edited.
        let edited = app.patch(&format!("/api/v1/transactions/{id}"), &app.admin, json!({
            "items": [{"product_id": b["id"], "quantity": 5}]
        })).await.expect(StatusCode::OK);
        assert_eq!((&edited.body["total"], &edited.body["version"]), (&json!(5 * 99), &json!(2)));
        let nothing = app.get("/api/v1/transactions?customer_id=".to_owned().as_str(), &app.admin).await;
        nothing.expect(StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn status_moves_if_match_delete_restore_and_events() {
    on_backends(|app| async move {
        let (c, a, _, _) = shop(&app).await;
        let t = app
            .transaction(
                &app.admin,
                json!({"customer_id": c, "items": [{"product_id": a["id"], "quantity": 2}]}),
            )
            .await;
        let id = id_of(&t);
        let url = format!("/api/v1/transactions/{id}");
        let etag = app
            .get(&url, &app.admin)
            .await
            .header("etag")
            .unwrap()
            .to_owned();
        let done = app
            .call_with(
                Method::PATCH,
                &url,
                Some(&app.admin),
                Some(json!({"status": "completed"})),
                &[("if-match", &etag)],
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(done.body["status"], "completed");
        app.call_with(
            Method::PATCH,
            &url,
            Some(&app.admin),
            Some(json!({"reference": "late"})),
            &[("if-match", &etag)],
        )
        .await
        .expect(StatusCode::PRECONDITION_FAILED);
        let bad = app
            .patch(&url, &app.admin, json!({"status": "pending"}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(bad.body["code"], "invalid_status_transition");
        assert_eq!(bad.body["errors"][0]["field"], "status");
        let bad = app
            .patch(
                &url,
                &app.admin,
                json!({"currency": "USD", "customer_id": c, "total": 5}),
            )
            .await;
        assert_eq!(
            errors(&bad.expect(StatusCode::UNPROCESSABLE_ENTITY)),
            pairs(&[
                ("total", "read_only"),
                ("customer_id", "read_only"),
                ("currency", "read_only")
            ])
        );
        app.patch(&url, &app.admin, json!({"status": "refunded"}))
            .await
            .expect(StatusCode::OK);
        // Refunding again is a no-op; a refunded transaction is closed.
        let same = app
            .patch(&url, &app.admin, json!({"status": "refunded"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(same.body["version"], 3);
        for body in [
            json!({"status": "completed"}),
            json!({"status": "cancelled"}),
            json!({"status": "pending"}),
        ] {
            app.patch(&url, &app.admin, body)
                .await
                .expect(StatusCode::CONFLICT);
        }
        let closed = app
            .patch(
                &url,
                &app.admin,
                json!({"items": [{"product_id": a["id"], "quantity": 1}]}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(closed.body["code"], "transaction_closed");

        app.delete(&url, &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.get(&url, &app.admin)
            .await
            .expect(StatusCode::NOT_FOUND);
        app.patch(&url, &app.admin, json!({"reference": "x"}))
            .await
            .expect(StatusCode::NOT_FOUND);
        let deleted = app
            .get("/api/v1/transactions?deleted=only", &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(deleted.body["data"][0]["id"], json!(id));
        let back = app
            .post(&format!("{url}/restore"), &app.admin, json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            (&back.body["deleted_at"], &back.body["version"]),
            (&Value::Null, &json!(5))
        );
        assert!(back.header("etag").is_some());

        // Every write left its event in the outbox, carrying the customer's ownership.
        let events = app
            .state
            .store
            .entity_events(uuid::Uuid::parse_str(&id).unwrap(), None, 20)
            .await
            .unwrap();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            vec![
                "transaction.created",
                "transaction.status_changed",
                "transaction.status_changed",
                "transaction.deleted",
                "transaction.restored"
            ]
        );
        let me = app.get("/api/v1/auth/me", &app.admin).await.body["id"].clone();
        assert!(
            events
                .iter()
                .all(|e| json!(e.owner_id) == me && json!(e.actor_id) == me)
        );
        assert_eq!(
            events[2].changes["status"],
            json!({"before": "completed", "after": "refunded"})
        );

        // Pending → cancelled is allowed; cancelled is final.
        let p = app
            .transaction(
                &app.admin,
                json!({"customer_id": c, "items": [{"product_id": a["id"], "quantity": 1}]}),
            )
            .await;
        let purl = format!("/api/v1/transactions/{}", id_of(&p));
        app.patch(&purl, &app.admin, json!({"status": "cancelled"}))
            .await
            .expect(StatusCode::OK);
        app.patch(&purl, &app.admin, json!({"status": "completed"}))
            .await
            .expect(StatusCode::CONFLICT);
        app.get("/api/v1/transactions/not-a-uuid", &app.admin)
            .await
            .expect(StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn aggregates_count_completed_and_exclude_refunds() {
    on_backends(|app| async move {
        let (c, a, b, usd) = shop(&app).await;
        let empty = aggregates(&app, &c).await;
        assert_eq!(empty, json!({"customer_id": c, "purchase_count": 0, "refund_count": 0, "first_purchase_at": null,
            "last_purchase_at": null, "revenue": [], "version": 0, "updated_at": null}));
        let tx = |status: &str, p: &Value, q: i64, at: &str| json!({"customer_id": c, "status": status, "occurred_at": at,
            "items": [{"product_id": p["id"], "quantity": q}]});
        let t1 = app.transaction(&app.admin, tx("completed", &a, 2, "2024-01-10T00:00:00Z")).await;
        app.transaction(&app.admin, tx("completed", &b, 1, "2024-02-10T00:00:00Z")).await;
        let t3 = app.transaction(&app.admin, tx("completed", &usd, 1, "2024-03-10T00:00:00Z")).await;
        app.transaction(&app.admin, tx("pending", &a, 9, "2024-04-10T00:00:00Z")).await;
        let agg = aggregates(&app, &c).await;
        assert_eq!((&agg["purchase_count"], &agg["first_purchase_at"], &agg["last_purchase_at"], &agg["version"]),
            (&json!(3), &json!("2024-01-10T00:00:00Z"), &json!("2024-03-10T00:00:00Z"), &json!(4)));
        assert_eq!(agg["revenue"], json!([
            {"currency": "EUR", "revenue": 2599, "purchase_count": 2, "refunded_amount": 0, "refund_count": 0},
            {"currency": "USD", "revenue": 5000, "purchase_count": 1, "refunded_amount": 0, "refund_count": 0},
        ]));
        // A refund leaves revenue and purchase times; deleting the first purchase moves them.
        app.patch(&format!("/api/v1/transactions/{}", id_of(&t3)), &app.admin, json!({"status": "refunded"})).await.expect(StatusCode::OK);
        app.delete(&format!("/api/v1/transactions/{}", id_of(&t1)), &app.admin).await.expect(StatusCode::NO_CONTENT);
        let agg = aggregates(&app, &c).await;
        assert_eq!((&agg["purchase_count"], &agg["refund_count"], &agg["first_purchase_at"], &agg["last_purchase_at"]),
            (&json!(1), &json!(1), &json!("2024-02-10T00:00:00Z"), &json!("2024-02-10T00:00:00Z")));
        assert_eq!(agg["revenue"], json!([
            {"currency": "EUR", "revenue": 99, "purchase_count": 1, "refunded_amount": 0, "refund_count": 0},
            {"currency": "USD", "revenue": 0, "purchase_count": 0, "refunded_amount": 5000, "refund_count": 1},
        ]));
        app.post(&format!("/api/v1/transactions/{}/restore", id_of(&t1)), &app.admin, json!({})).await.expect(StatusCode::OK);
        assert_eq!(aggregates(&app, &c).await["revenue"][0]["revenue"], 2599);
        // Unknown or deleted customers have no aggregates.
        app.get(&format!("/api/v1/customers/{}/aggregates", CustomerId::new()), &app.admin).await.expect(StatusCode::NOT_FOUND);
        app.delete(&format!("/api/v1/customers/{c}"), &app.admin).await.expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/customers/{c}/aggregates"), &app.admin).await.expect(StatusCode::NOT_FOUND);
        // A deleted customer cannot get new transactions.
        let r = app.post("/api/v1/transactions", &app.admin, tx("completed", &a, 1, "2024-05-01T00:00:00Z")).await;
        assert_eq!(errors(&r.expect(StatusCode::UNPROCESSABLE_ENTITY)), pairs(&[("customer_id", "unknown_customer")]));
    })
    .await;
}

async fn walk(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let url = match &cursor {
            Some(c) => format!("/api/v1/transactions?{query}&limit={limit}&cursor={c}"),
            None => format!("/api/v1/transactions?{query}&limit={limit}"),
        };
        let r = app.get(&url, &app.admin).await.expect(StatusCode::OK);
        let page = r.body["data"].as_array().unwrap().clone();
        assert!(page.len() <= limit);
        out.extend(page);
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
    panic!("pagination did not end");
}

#[tokio::test]
async fn list_filters_pages_and_refuses_unknown_parameters() {
    on_backends(|app| async move {
        let (c, a, b, usd) = shop(&app).await;
        let other = id_of(&app.customer(&app.admin, json!({"name": "Other"})).await);
        for i in 0..20_i64 {
            let (who, p) = if i % 4 == 0 { (&other, &usd) } else { (&c, if i % 2 == 0 { &a } else { &b }) };
            let status = ["pending", "completed"][(i % 2) as usize];
            app.transaction(&app.admin, json!({"customer_id": who, "status": status,
                "occurred_at": format!("2024-06-{:02}T12:00:00Z", 1 + i / 2), "items": [{"product_id": p["id"], "quantity": 1 + i}]})).await;
        }
        assert_eq!(walk(&app, &format!("customer_id={c}"), 4).await.len(), 15);
        assert_eq!(walk(&app, "status=completed", 3).await.len(), 10);
        assert_eq!(walk(&app, "status=completed,pending&currency=usd", 3).await.len(), 5);
        assert_eq!(walk(&app, &format!("product_id={}", id_of(&a)), 50).await.len(), 5);
        let june = walk(&app, "occurred_after=2024-06-03T00:00:00Z&occurred_before=2024-06-05T12:00:00Z", 2).await;
        assert_eq!(june.len(), 4);
        let newest = walk(&app, "", 6).await;
        let times: Vec<&str> = newest.iter().map(|t| t["occurred_at"].as_str().unwrap()).collect();
        let mut sorted = times.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!((times, newest.len()), (sorted, 20));
        let by_total = walk(&app, "sort=total", 7).await;
        let totals: Vec<i64> = by_total.iter().map(|t| t["total"].as_i64().unwrap()).collect();
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
        assert_eq!(by_total.iter().map(|t| t["id"].as_str().unwrap()).collect::<HashSet<_>>().len(), 20);
        let bad = app.get("/api/v1/transactions?amount=5", &app.admin).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&bad), pairs(&[("amount", "unknown_parameter")]));
        let bad = app.get("/api/v1/transactions?status=lost&customer_id=x&occurred_after=monday&sort=amount&currency=E", &app.admin)
            .await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let got: HashSet<String> = errors(&bad).into_iter().map(|e| e.0).collect();
        assert_eq!(got, ["status", "customer_id", "occurred_after", "sort", "currency"].iter().map(|s| s.to_string()).collect());
    })
    .await;
}

#[tokio::test]
async fn idempotency_key_replays_the_first_transaction() {
    on_backends(|app| async move {
        let (c, a, _, _) = shop(&app).await;
        let body = json!({"customer_id": c, "status": "completed", "items": [{"product_id": a["id"], "quantity": 1}]});
        let h = [("idempotency-key", "order-42")];
        let first = app.call_with(Method::POST, "/api/v1/transactions", Some(&app.admin), Some(body.clone()), &h).await.expect(StatusCode::CREATED);
        let again = app.call_with(Method::POST, "/api/v1/transactions", Some(&app.admin), Some(body), &h).await.expect(StatusCode::CREATED);
        assert_eq!(first.body, again.body);
        assert_eq!(aggregates(&app, &c).await["purchase_count"], 1, "a retried POST counted twice");
    })
    .await;
}

/// Many clients hammer one customer at once: creates in two currencies, completions, refunds,
/// item edits, deletes and restores, several of them racing on the same transactions. The
/// aggregates must then equal a recomputation from the transaction rows.
#[tokio::test]
async fn concurrent_writes_keep_aggregates_exact() {
    on_backends(|app| async move {
        let (c, a, b, usd) = shop(&app).await;
        let app = Arc::new(app);
        // Transactions every task races on.
        let mut hot = Vec::new();
        for p in [&a, &usd, &b] {
            hot.push(id_of(&app.transaction(&app.admin, json!({"customer_id": c, "status": "completed",
                "items": [{"product_id": p["id"], "quantity": 2}]})).await));
        }
        let hot = Arc::new(hot);
        let products = Arc::new([a, b, usd]);
        let mut tasks = Vec::new();
        for w in 0..10_usize {
            let (app, c, hot, products) = (app.clone(), c.clone(), hot.clone(), products.clone());
            tasks.push(tokio::spawn(async move {
                let mut statuses = Vec::new();
                let mut mine: Vec<String> = Vec::new();
                for step in 0..6_usize {
                    let p = &products[(w + step) % 3];
                    let status = if (w + step) % 3 == 0 { "pending" } else { "completed" };
                    let r = app.post("/api/v1/transactions", &app.admin, json!({"customer_id": c, "status": status,
                        "occurred_at": format!("2024-07-{:02}T{:02}:00:00Z", 1 + step, w),
                        "items": [{"product_id": p["id"], "quantity": 1 + w % 4}]})).await;
                    statuses.push(r.status.as_u16());
                    mine.push(id_of(&r.body));
                    let target = if step % 2 == 0 { hot[(w + step) % hot.len()].clone() } else { mine[(w * step) % mine.len()].clone() };
                    let url = format!("/api/v1/transactions/{target}");
                    let r = match (w + step) % 5 {
                        0 => app.patch(&url, &app.admin, json!({"status": "refunded"})).await,
                        1 => app.patch(&url, &app.admin, json!({"status": "completed"})).await,
                        2 => app.delete(&url, &app.admin).await,
                        3 => app.post(&format!("{url}/restore"), &app.admin, json!({})).await,
                        _ => app.patch(&url, &app.admin, json!({"items": [{"product_id": products[0]["id"], "quantity": 1 + step}]})).await,
                    };
                    statuses.push(r.status.as_u16());
                }
                statuses
            }));
        }
        for t in tasks {
            for s in t.await.unwrap() {
                // 404: deleted by another task; 409: a status move or item edit that the
                // state reached by others no longer allows; 422: items of another currency.
                assert!([200, 201, 204, 404, 409, 422].contains(&s), "unexpected status {s}");
            }
        }
        let rows: Vec<Transaction> = walk(&app, &format!("customer_id={c}"), 500)
            .await
            .into_iter()
            .map(|v| serde_json::from_value(v).unwrap())
            .collect();
        let stored: CustomerAggregates = serde_json::from_value(aggregates(&app, &c).await).unwrap();
        let expected = CustomerAggregates::compute(c.parse().unwrap(), &rows);
        assert!(stored.same_figures(&expected), "stored {stored:#?}\nrecomputed {expected:#?}");
        assert!(stored.purchase_count > 0 && stored.refund_count > 0, "{stored:?}");
    })
    .await;
}

#[tokio::test]
async fn external_refs_round_trip_filter_and_stay_unique_among_live_transactions() {
    on_backends(|app| async move {
        let (c, a, _, _) = shop(&app).await;
        let item = json!([{"product_id": id_of(&a), "quantity": 1}]);
        let t = app
            .transaction(
                &app.admin,
                json!({"customer_id": c, "external_ref": " SHOP-1 ", "items": item}),
            )
            .await;
        assert_eq!(t["external_ref"], "SHOP-1");
        let other = app
            .transaction(&app.admin, json!({"customer_id": c, "items": item}))
            .await;
        assert_eq!(other["external_ref"], Value::Null);
        let r = app
            .post(
                "/api/v1/transactions",
                &app.admin,
                json!({"customer_id": c, "external_ref": "SHOP-1", "items": item}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "external_ref_taken");
        let found = app
            .get("/api/v1/transactions?external_ref=SHOP-1", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(found["data"].as_array().unwrap().len(), 1);
        assert_eq!(found["data"][0]["id"], t["id"]);

        // Patched like the reference: changed, taken (409), cleared with null.
        let path = format!("/api/v1/transactions/{}", id_of(&other));
        app.patch(&path, &app.admin, json!({"external_ref": "SHOP-1"}))
            .await
            .expect(StatusCode::CONFLICT);
        let r = app
            .patch(&path, &app.admin, json!({"external_ref": "SHOP-2"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["external_ref"], "SHOP-2");
        let r = app
            .patch(&path, &app.admin, json!({"external_ref": null}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["external_ref"], Value::Null);
        let r = app
            .patch(&path, &app.admin, json!({"external_ref": "x".repeat(101)}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(errors(&r), pairs(&[("external_ref", "too_long")]));

        // A deleted transaction frees its ref; restoring it while taken is a conflict.
        let first = format!("/api/v1/transactions/{}", id_of(&t));
        app.delete(&first, &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.transaction(
            &app.admin,
            json!({"customer_id": c, "external_ref": "SHOP-1", "items": item}),
        )
        .await;
        let r = app
            .post(&format!("{first}/restore"), &app.admin, json!({}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "external_ref_taken");
        app.get("/api/v1/transactions?external_ref=", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}
