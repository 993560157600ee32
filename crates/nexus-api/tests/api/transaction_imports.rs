//! CSV import of transactions: rows as line items grouped into orders by `order_ref`, orders
//! accepted or refused as a whole, de-duplication by `external_ref`, the customers' aggregates,
//! and resuming at every checkpoint (also inside an order too long for one batch).

use crate::helpers::{TestApp, id_of};
use crate::imports::{on_backends_importing, run_next, upload_as, worker};
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const ORDERS: &str = "Order ID,Email,Date,Status,SKU,Qty,Price\n\
    ORD-1,ada@x.io,2024-05-01,completed,W-1,2,\n\
    ORD-1,ada@x.io,2024-05-01,completed,W-2,1,4.99\n\
    ORD-2,ada@x.io,2024-05-03T10:00:00Z,refunded,W-1,1,\n\
    ORD-3,ada@x.io,2024-05-04,completed,W-1,1,\n\
    ORD-3,ada@x.io,2024-05-04,completed,NOPE,1,\n\
    ORD-0,ada@x.io,2024-05-05,,W-1,1,\n\
    ORD-4,nobody@x.io,2024-05-06,,W-1,1,\n\
    ORD-5,bo@x.io,2024-05-07,pending,W-2,3,\n\
    ORD-1,ada@x.io,2024-05-08,,W-1,1,\n\
    ORD-3,ada@x.io,2024-05-09,,W-1,1,\n";

/// Uploads `csv` as a transactions import by `token`, starts it with the suggested mapping and
/// returns the job's id.
async fn start(app: &TestApp, token: &str, csv: &str) -> String {
    let r = upload_as(app, token, csv, "text/csv", "transactions")
        .await
        .expect(StatusCode::CREATED);
    let id = id_of(&r.body);
    app.post(&format!("/api/v1/imports/{id}/start"), token, json!({}))
        .await
        .expect(StatusCode::ACCEPTED);
    id
}

async fn rejections(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/imports/{id}/rejections"), &app.admin)
        .await
        .expect(StatusCode::OK);
    r.body["data"].as_array().unwrap().clone()
}

async fn aggregates(app: &TestApp, customer: &str, token: &str) -> Value {
    let path = format!("/api/v1/customers/{customer}/aggregates");
    app.get(&path, token).await.expect(StatusCode::OK).body
}

async fn transactions(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/transactions?limit=500&{query}"),
            &app.admin,
        )
        .await
        .expect(StatusCode::OK);
    r.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn transaction_imports_commit_good_orders_whole_and_refuse_or_skip_the_others() {
    on_backends_importing(|app| async move {
            let (_, rep) = app.user("rep@test.local", Role::SalesRep, None).await;
            let (_, viewer) = app.user("viewer@test.local", Role::Viewer, None).await;
            let w1 = app.product("W-1", 1250, "EUR").await;
            app.product("W-2", 500, "EUR").await;
            let ada = app.customer(&rep, json!({"name": "Ada", "email": "Ada@x.io"})).await;
            let bo = app.customer(&app.admin, json!({"name": "Bo", "email": "bo@x.io"})).await;
            // Recorded before, by the API: its external_ref makes ORD-0 of the file a duplicate.
            let old = app
                .transaction(&app.admin, json!({"customer_id": id_of(&ada), "status": "completed",
                    "occurred_at": "2024-04-01T09:00:00Z", "external_ref": "ORD-0",
                    "items": [{"product_id": id_of(&w1), "quantity": 1}]}))
                .await;
            assert_eq!(old["external_ref"], "ORD-0");
            app.post("/api/v1/transactions", &app.admin, json!({"customer_id": id_of(&bo),
                    "external_ref": "ORD-0", "items": [{"product_id": id_of(&w1), "quantity": 1}]}))
                .await
                .expect(StatusCode::CONFLICT);

            upload_as(&app, &viewer, ORDERS, "text/csv", "transactions")
                .await
                .expect(StatusCode::FORBIDDEN);
            let f = app
                .get("/api/v1/imports/fields?entity=transactions", &rep)
                .await
                .expect(StatusCode::OK);
            let names: Vec<&str> =
                f.body["data"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
            assert_eq!(
                names,
                vec!["order_ref", "customer_email", "customer_id", "occurred_at", "status",
                    "currency", "sku", "quantity", "unit_price"]
            );
            let r = upload_as(&app, &app.admin, ORDERS, "text/csv", "transactions")
                .await
                .expect(StatusCode::CREATED);
            let id = id_of(&r.body);
            assert_eq!(
                r.body["suggested_mapping"],
                json!({"Order ID": "order_ref", "Email": "customer_email", "Date": "occurred_at",
                    "Status": "status", "SKU": "sku", "Qty": "quantity", "Price": "unit_price"})
            );
            // Without a customer column, the mapping is refused.
            let r = app
                .post(&format!("/api/v1/imports/{id}/start"), &app.admin,
                    json!({"mapping": {"Order ID": "order_ref", "SKU": "sku"}}))
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(r.body["errors"][0]["code"], "missing_field");
            app.post(&format!("/api/v1/imports/{id}/start"), &app.admin, json!({}))
                .await
                .expect(StatusCode::ACCEPTED);

            // Three rows a batch: the batches end between orders, never inside one.
            let done = run_next(&app).await;
            assert_eq!(done.status.as_str(), "completed");
            let p = done.progress;
            assert_eq!(
                (p.rows_processed, p.rows_accepted, p.rows_rejected, p.rows_duplicate),
                (10, 4, 3, 3)
            );
            let got: Vec<(i64, bool, String, String, String)> = rejections(&app, &id)
                .await
                .iter()
                .map(|r| {
                    let e = &r["errors"][0];
                    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                    (r["row"].as_i64().unwrap(), r["duplicate"].as_bool().unwrap(),
                        text(&e["column"]), text(&e["code"]), text(&e["message"]))
                })
                .collect();
            let brief: Vec<(i64, bool, &str, &str)> =
                got.iter().map(|(r, d, c, code, _)| (*r, *d, c.as_str(), code.as_str())).collect();
            assert_eq!(
                brief,
                vec![
                    // ORD-3 is refused whole: one bad line, and the good one with it.
                    (5, false, "Order ID", "order_rejected"),
                    (6, false, "SKU", "unknown_product"),
                    (7, true, "Order ID", "order_ref_taken"),
                    (8, false, "Email", "unknown_customer"),
                    // ORD-1 again, further down: committed by then.
                    (10, true, "Order ID", "order_ref_taken"),
                    // ORD-3 again: refused in an earlier batch, still the same order.
                    (11, true, "Order ID", "duplicate_in_file"),
                ]
            );
            assert!(got[0].4.contains("row 6"), "{:?}", got[0]);
            assert!(got[5].4.contains("row 5"), "{:?}", got[5]);

            // The orders are transactions like any other, priced by the server.
            let ord1 = transactions(&app, "external_ref=ORD-1").await;
            assert_eq!(ord1.len(), 1);
            let t = &ord1[0];
            assert_eq!(t["customer_id"], id_of(&ada));
            assert_eq!((t["status"].as_str(), t["currency"].as_str()), (Some("completed"), Some("EUR")));
            assert_eq!(t["reference"], "ORD-1");
            assert_eq!(t["occurred_at"], "2024-05-01T00:00:00Z");
            let lines: Vec<(&str, i64, i64, i64)> = t["items"].as_array().unwrap().iter()
                .map(|i| (i["sku"].as_str().unwrap(), i["quantity"].as_i64().unwrap(),
                    i["unit_price"].as_i64().unwrap(), i["line_total"].as_i64().unwrap()))
                .collect();
            assert_eq!(lines, vec![("W-1", 2, 1250, 2500), ("W-2", 1, 499, 499)]);
            assert_eq!(t["total"], 2999);
            assert_eq!(transactions(&app, "external_ref=ORD-3").await.len(), 0);
            let bos = transactions(&app, &format!("customer_id={}", id_of(&bo))).await;
            assert_eq!(bos.len(), 1);
            assert_eq!((bos[0]["status"].as_str(), bos[0]["total"].as_i64()), (Some("pending"), Some(1500)));

            // The customer's figures count the imported orders exactly as creates would.
            let expect_ada = json!({"purchase_count": 2, "refund_count": 1,
                "first_purchase_at": "2024-04-01T09:00:00Z", "last_purchase_at": "2024-05-01T00:00:00Z",
                "revenue": [{"currency": "EUR", "revenue": 1250 + 2999, "purchase_count": 2,
                    "refunded_amount": 1250, "refund_count": 1}]});
            let figures = |a: &Value| {
                json!({"purchase_count": a["purchase_count"], "refund_count": a["refund_count"],
                    "first_purchase_at": a["first_purchase_at"], "last_purchase_at": a["last_purchase_at"],
                    "revenue": a["revenue"]})
            };
            let agg = aggregates(&app, &id_of(&ada), &rep).await;
            assert_eq!(figures(&agg), expect_ada);
            let agg = aggregates(&app, &id_of(&bo), &app.admin).await;
            assert_eq!((agg["purchase_count"].as_i64(), agg["revenue"].as_array().map(Vec::len)), (Some(0), Some(0)));

            // Each imported transaction has its transaction.created event, delivered to whoever
            // may read its customer.
            app.state.store.sequence_events(10_000).await.unwrap();
            let created = |ev: &Value| -> Vec<String> {
                ev["data"].as_array().unwrap().iter()
                    .filter(|e| e["type"] == "transaction.created")
                    .map(|e| e["entity_id"].as_str().unwrap().to_owned())
                    .collect()
            };
            let ev = app.get("/api/v1/events?limit=500", &app.admin).await.expect(StatusCode::OK).body;
            assert_eq!(created(&ev).len(), 4, "ORD-0 by the API and three imported");
            let ev = app.get("/api/v1/events?limit=500", &rep).await.expect(StatusCode::OK).body;
            assert!(created(&ev).contains(&id_of(t)), "the rep owns Ada");
            assert_eq!(created(&ev).len(), 3, "not Bo's order");

            // The same file again: nothing new; the good orders are duplicates now.
            let again = start(&app, &app.admin, ORDERS).await;
            let done = run_next(&app).await;
            assert_eq!(done.id.0.to_string(), again);
            let p = done.progress;
            assert_eq!((p.rows_accepted, p.rows_rejected, p.rows_duplicate), (0, 3, 7));
            assert_eq!(transactions(&app, "").await.len(), 4);
            let agg = aggregates(&app, &id_of(&ada), &rep).await;
            assert_eq!(figures(&agg), expect_ada);

            // A rep imports for customers they may write only.
            let csv = "order,email,sku\nR-1,ada@x.io,W-1\nR-2,bo@x.io,W-1\n";
            start(&app, &rep, csv).await;
            let done = run_next(&app).await;
            assert_eq!((done.progress.rows_accepted, done.progress.rows_rejected), (1, 1));
            let r = rejections(&app, &done.id.0.to_string()).await;
            assert_eq!(r[0]["errors"][0]["code"], "unknown_customer", "Bo is out of the rep's reach");
        },
    )
    .await;
}

#[tokio::test]
async fn a_transaction_import_resumed_at_every_checkpoint_imports_each_order_once() {
    on_backends_importing(|app| async move {
        app.product("W-1", 100, "EUR").await;
        app.product("W-2", 250, "EUR").await;
        let mut customers = Vec::new();
        for i in 0..5 {
            customers.push(id_of(
                &app.customer(&app.admin, json!({"name": format!("C{i}")}))
                    .await,
            ));
        }
        let mut csv = String::from("order_ref,customer_id,sku,quantity,unit_price\n");
        for i in 0..150 {
            let c = &customers[i % 5];
            csv.push_str(&format!("R-{i:03},{c},W-1,{},\n", i % 3 + 1));
            csv.push_str(&format!("R-{i:03},{c},W-2,1,2.00\n"));
        }
        // One order with more lines than an order may have: split across two batches.
        for _ in 0..102 {
            csv.push_str(&format!("L-1,{},W-1,1,\n", customers[0]));
        }
        csv.push_str(&format!("R-150,{},W-1,1,\n", customers[1]));
        let id = start(&app, &app.admin, &csv).await;

        // Every batch is committed by a worker that then dies; the next one takes the job
        // over from its checkpoint once the lease has run out.
        let mut batches = 0;
        let job = loop {
            let w = worker(&app, 100, Duration::from_millis(150));
            let job = loop {
                match w.claim_next().await.unwrap() {
                    Some(job) => break job,
                    None => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            };
            let stop = CancellationToken::new();
            let dying = stop.clone();
            let j = w.process(job, &stop, |_| dying.cancel()).await.unwrap();
            batches += 1;
            if j.status.as_str() != "running" {
                break j;
            }
            assert!(batches < 20, "the import does not end");
        };
        assert_eq!(job.id.0.to_string(), id);
        assert_eq!(job.status.as_str(), "completed");
        let p = job.progress;
        assert_eq!(
            (
                p.rows_processed,
                p.rows_accepted,
                p.rows_rejected,
                p.rows_duplicate
            ),
            (300 + 102 + 1, 301, 102, 0)
        );
        // Each order once, whole.
        let mut seen: HashMap<String, (i64, i64)> = HashMap::new();
        for t in app
            .all_pages("/api/v1/transactions?limit=500", &app.admin)
            .await
        {
            let key = t["external_ref"].as_str().unwrap().to_owned();
            let lines = t["items"].as_array().unwrap().len() as i64;
            let total = t["total"].as_i64().unwrap();
            assert!(seen.insert(key, (lines, total)).is_none(), "twice: {t}");
        }
        assert_eq!(seen.len(), 151);
        assert_eq!(seen["R-004"], (2, 200 + 200));
        assert_eq!(seen["R-150"], (1, 100));
        assert!(!seen.contains_key("L-1"));
        // The rest of the long order is refused like its start, though read after a restart.
        let r = app
            .get(
                &format!("/api/v1/imports/{id}/rejections?after=400"),
                &app.admin,
            )
            .await
            .expect(StatusCode::OK)
            .body;
        let last = &r["data"].as_array().unwrap()[2];
        assert_eq!(last["row"], 403);
        assert_eq!(last["errors"][0]["code"], "too_many_lines");
        // The figures of every customer equal a sum over its transactions.
        for c in &customers {
            let a = aggregates(&app, c, &app.admin).await;
            let mine = transactions(&app, &format!("customer_id={c}")).await;
            let sum: i64 = mine.iter().map(|t| t["total"].as_i64().unwrap()).sum();
            assert_eq!(a["purchase_count"].as_i64(), Some(mine.len() as i64));
            assert_eq!(a["revenue"][0]["revenue"].as_i64(), Some(sum));
        }
    })
    .await;
}
