//! Custom fields of activities and transactions (entities `activity` / `transaction`), through
//! the same definitions API and the same rules as deals and products: writes are validated (422
//! naming `attributes.<key>`, 409 for a taken unique value), transaction status moves check the
//! values they send and keep the total computed, deleting a definition keeps the values, events
//! carry them, lists filter and sort by `cf.<key>` with working cursors, exports carry the
//! columns and saved views accept them.

use crate::helpers::*;
use crate::record_custom_fields::{codes, define};
use crate::record_custom_lists::{csv_of, walk};
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};

fn activity_body(customer: &Value, subject: &str, attributes: Value) -> Value {
    json!({"kind": "note", "subject": subject, "customer_id": id_of(customer),
        "attributes": attributes})
}

fn transaction_body(
    customer: &Value,
    product: &Value,
    reference: &str,
    attributes: Value,
) -> Value {
    json!({"customer_id": id_of(customer), "reference": reference,
        "items": [{"product_id": id_of(product), "quantity": 2}], "attributes": attributes})
}

/// A required select `tier`, a number `score` and a unique text `code` of `entity`.
async fn define_set(app: &TestApp, entity: &str) {
    define(
        app,
        json!({"entity": entity, "key": "tier", "label": "Tier",
        "field_type": "select", "options": ["gold", "silver"], "required": true}),
    )
    .await;
    define(
        app,
        json!({"entity": entity, "key": "score", "label": "Score", "field_type": "number"}),
    )
    .await;
    define(app, json!({"entity": entity, "key": "code", "label": "Code", "field_type": "text", "unique": true})).await;
}

async fn last_event(app: &TestApp, record: &Value) -> nexus_core::event::Event {
    let events = app
        .state
        .store
        .entity_events(id_of(record).parse().unwrap(), None, 50)
        .await
        .unwrap();
    events.last().unwrap().clone()
}

#[tokio::test]
async fn record_custom_activity_values_are_validated_on_every_write() {
    on_backends(|app| async move {
        define_set(&app, "activity").await;
        let admin = app.admin.clone();
        let c = app.customer(&admin, json!({"name": "Acme"})).await;

        let bad = json!({"score": "high", "code": 7});
        let r = app
            .post("/api/v1/activities", &admin, activity_body(&c, "Bad", bad))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            codes(&r),
            vec![
                "attributes.code:invalid_type",
                "attributes.score:invalid_type",
                "attributes.tier:required",
            ],
            "{}",
            r.body
        );
        let body = activity_body(&c, "Bad", json!({"tier": "platinum"}));
        let r = app
            .post("/api/v1/activities", &admin, body)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:invalid_choice"]);
        let list = format!("/api/v1/activities?customer_id={}", id_of(&c));
        let none = app.get(&list, &admin).await.expect(StatusCode::OK);
        assert_eq!(none.body["data"].as_array().unwrap().len(), 0);

        let attrs = json!({"tier": "gold", "score": 9.5, "code": "A-1", "free": {"any": 1}});
        let a = app
            .post(
                "/api/v1/activities",
                &admin,
                activity_body(&c, "Call", attrs),
            )
            .await
            .expect(StatusCode::CREATED)
            .body;
        assert_eq!(a["attributes"]["tier"], "gold");
        let path = format!("/api/v1/activities/{}", id_of(&a));
        let read = app.get(&path, &admin).await.expect(StatusCode::OK);
        assert_eq!(read.body["attributes"], a["attributes"]);

        // A taken unique value (case-insensitive) is a 409 naming the field.
        let body = activity_body(&c, "Other", json!({"tier": "silver", "code": "a-1"}));
        let r = app
            .post("/api/v1/activities", &admin, body)
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"], "{}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("activity"));
        let body = activity_body(&c, "Other", json!({"tier": "silver", "code": "A-2"}));
        let other = app
            .post("/api/v1/activities", &admin, body)
            .await
            .expect(StatusCode::CREATED)
            .body;
        let other_path = format!("/api/v1/activities/{}", id_of(&other));

        // Updates: attributes sent are checked; other edits pass; a taken value is a 409.
        let r = app
            .patch(&path, &admin, json!({"attributes": {"score": 1}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:required"]);
        app.patch(&path, &admin, json!({"subject": "Call back"}))
            .await
            .expect(StatusCode::OK);
        let taken = json!({"attributes": {"tier": "silver", "code": "A-1"}});
        let r = app
            .patch(&other_path, &admin, taken.clone())
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"]);

        // Deleting an activity frees its value; restoring it over a retaken one is a 409.
        app.delete(&path, &admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        let r = app
            .patch(&other_path, &admin, taken)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["attributes"]["code"], "A-1");
        let r = app
            .post(&format!("{path}/restore"), &admin, json!({}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "value_taken", "{}", r.body);

        // The events carry the values.
        let last = last_event(&app, &other).await;
        assert_eq!(last.event_type, "activity.updated");
        assert_eq!(last.changes["attributes"]["after"]["code"], "A-1");
        assert_eq!(last.changes["attributes"]["before"]["code"], "A-2");

        // Permissions are those of activities: reps write theirs, viewers read definitions only.
        let (_, rep) = app.user("rep@acf.test", Role::SalesRep, None).await;
        let (_, viewer) = app.user("viewer@acf.test", Role::Viewer, None).await;
        let mine = app.customer(&rep, json!({"name": "Rep Co"})).await;
        let body = activity_body(&mine, "Rep note", json!({"tier": "gold"}));
        app.post("/api/v1/activities", &rep, body.clone())
            .await
            .expect(StatusCode::CREATED);
        app.post("/api/v1/activities", &viewer, body)
            .await
            .expect(StatusCode::FORBIDDEN);
        let r = app
            .get("/api/v1/custom-fields?entity=activity", &viewer)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["data"].as_array().unwrap().len(), 3);
        app.post(
            "/api/v1/custom-fields",
            &rep,
            json!({"entity": "activity", "key": "x", "label": "X", "field_type": "text"}),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn record_custom_transaction_values_are_checked_on_create_and_status_moves() {
    on_backends(|app| async move {
        define_set(&app, "transaction").await;
        let admin = app.admin.clone();
        let c = app.customer(&admin, json!({"name": "Buyer"})).await;
        let p = app.product("TX-1", 1250, "EUR").await;

        // Custom errors come with the pricing errors of the same body.
        let mut body = transaction_body(&c, &p, "T-0", json!({"score": "x"}));
        body["items"][0]["product_id"] = json!(uuid::Uuid::now_v7());
        let r = app
            .post("/api/v1/transactions", &admin, body)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            codes(&r),
            vec![
                "attributes.score:invalid_type",
                "attributes.tier:required",
                "items[0].product_id:unknown_product",
            ],
            "{}",
            r.body
        );

        let attrs = json!({"tier": "gold", "code": "T-1", "score": 3});
        let t = app
            .transaction(&admin, transaction_body(&c, &p, "T-1", attrs))
            .await;
        assert_eq!(t["attributes"]["code"], "T-1");
        assert_eq!(t["total"], 2500, "the total stays computed");
        let body = transaction_body(&c, &p, "T-2", json!({"tier": "gold", "code": "t-1"}));
        let r = app
            .post("/api/v1/transactions", &admin, body)
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"], "{}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("transaction"));
        let other = app
            .transaction(
                &admin,
                transaction_body(&c, &p, "T-2", json!({"tier": "silver", "code": "T-2"})),
            )
            .await;
        let path = format!("/api/v1/transactions/{}", id_of(&t));

        // A status move with values: checked, refused whole when they do not fit.
        let r = app
            .patch(
                &path,
                &admin,
                json!({"status": "completed", "attributes": {"tier": "bronze"}}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:invalid_choice"]);
        let r = app
            .patch(
                &path,
                &admin,
                json!({"status": "completed", "attributes": {"tier": "silver", "code": "T-2"}}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"]);
        let read = app.get(&path, &admin).await.expect(StatusCode::OK);
        assert_eq!(read.body["status"], "pending", "nothing was written");
        let r = app
            .patch(
                &path,
                &admin,
                json!({"status": "completed", "attributes": {"tier": "silver", "code": "T-9"}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["status"], "completed");
        assert_eq!(
            r.body["attributes"],
            json!({"tier": "silver", "code": "T-9"})
        );
        assert_eq!(r.body["total"], 2500);
        let last = last_event(&app, &t).await;
        assert_eq!(last.event_type, "transaction.status_changed");
        assert_eq!(last.changes["attributes"]["before"]["code"], "T-1");
        assert_eq!(last.changes["attributes"]["after"]["code"], "T-9");
        // The old value is free again.
        app.patch(
            &format!("/api/v1/transactions/{}", id_of(&other)),
            &admin,
            json!({"attributes": {"tier": "silver", "code": "T-1"}}),
        )
        .await
        .expect(StatusCode::OK);

        // A field made required later does not block a move that does not send values.
        define(
            &app,
            json!({"entity": "transaction", "key": "channel", "label": "Channel",
            "field_type": "text", "required": true}),
        )
        .await;
        let r = app
            .patch(&path, &admin, json!({"status": "refunded"}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["attributes"]["code"], "T-9");
        app.patch(&path, &admin, json!({"total": 1}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // Viewers read transactions and their definitions but do not record any.
        let (_, viewer) = app.user("viewer@tcf.test", Role::Viewer, None).await;
        app.get("/api/v1/custom-fields?entity=transaction", &viewer)
            .await
            .expect(StatusCode::OK);
        let body = transaction_body(&c, &p, "T-3", json!({"tier": "gold", "channel": "web"}));
        app.post("/api/v1/transactions", &viewer, body)
            .await
            .expect(StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn record_custom_activities_and_transactions_filter_sort_and_export() {
    on_backends(|app| async move {
        for entity in ["activity", "transaction"] {
            define(&app, json!({"entity": entity, "key": "score", "label": "Score", "field_type": "number", "position": 1})).await;
            define(&app, json!({"entity": entity, "key": "vip", "label": "VIP", "field_type": "boolean", "position": 2})).await;
        }
        let c = app.customer(&app.admin, json!({"name": "Lister"})).await;
        let p = app.product("LIST-1", 100, "EUR").await;
        let rows = [
            ("nine", json!({"score": 9, "vip": true})),
            ("ten", json!({"score": 10})),
            ("two-half", json!({"score": 2.5, "vip": true})),
            ("hundred", json!({"score": 100, "vip": false})),
            ("none", json!({})),
        ];
        for (name, attrs) in &rows {
            app.post(
                "/api/v1/activities",
                &app.admin,
                activity_body(&c, name, attrs.clone()),
            )
            .await
            .expect(StatusCode::CREATED);
            app.transaction(&app.admin, transaction_body(&c, &p, name, attrs.clone()))
                .await;
        }
        for (list, attr) in [("activities", "subject"), ("transactions", "reference")] {
            for limit in [1, 2, 10] {
                assert_eq!(
                    walk(&app, list, "sort=cf.score", limit, attr).await,
                    vec!["two-half", "nine", "ten", "hundred", "none"],
                    "{list}: limit {limit}"
                );
                assert_eq!(
                    walk(&app, list, "sort=-cf.score", limit, attr).await,
                    vec!["hundred", "ten", "nine", "two-half", "none"],
                    "{list}: limit {limit}"
                );
            }
            assert_eq!(
                walk(&app, list, "cf.vip=true&sort=cf.score", 1, attr).await,
                vec!["two-half", "nine"],
                "{list}"
            );
            assert_eq!(
                walk(&app, list, "cf.score=10", 5, attr).await,
                vec!["ten"],
                "{list}"
            );
            for (query, field) in [
                ("cf.nope=1", "cf.nope"),
                ("cf.score=abc", "cf.score"),
                ("sort=cf.nope", "sort"),
            ] {
                let r = app
                    .get(&format!("/api/v1/{list}?{query}"), &app.admin)
                    .await
                    .expect(StatusCode::UNPROCESSABLE_ENTITY);
                assert_eq!(r.body["errors"][0]["field"], field, "{list} {query}");
            }
            // A cursor of one order does not continue another.
            let r = app
                .get(&format!("/api/v1/{list}?sort=cf.score&limit=1"), &app.admin)
                .await
                .expect(StatusCode::OK);
            let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
            app.get(&format!("/api/v1/{list}?cursor={cursor}&limit=1"), &app.admin)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);

            let r = app
                .get(&format!("/api/v1/{list}/export?sort=-cf.score"), &app.admin)
                .await
                .expect(StatusCode::OK);
            let (header, got) = csv_of(&r);
            let n = header.len();
            assert_eq!(&header[n - 2..], ["cf.score", "cf.vip"], "{list}: {header:?}");
            let name = header.iter().position(|h| h == attr).unwrap();
            let got: Vec<(&str, &str, &str)> = got
                .iter()
                .map(|r| (&r[name], &r[n - 2], &r[n - 1]))
                .collect();
            assert_eq!(
                got,
                vec![
                    ("hundred", "100", "false"),
                    ("ten", "10", ""),
                    ("nine", "9", "true"),
                    ("two-half", "2.5", "true"),
                    ("none", "", "")
                ],
                "{list}"
            );
            app.get(&format!("/api/v1/{list}/export?cf.nope=1"), &app.admin)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);

            // Saved views of the list accept the fields, and only known ones.
            let (_, rep) = app
                .user(&format!("rep-{list}@acfl.test"), Role::SalesRep, None)
                .await;
            app.post("/api/v1/views", &rep, json!({"name": "Top", "resource": list,
                "filters": {"cf.vip": "true"}, "sort": "-cf.score", "columns": ["id", "cf.score"]}))
                .await
                .expect(StatusCode::CREATED);
            let r = app
                .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": list,
                "filters": {"cf.nope": "1"}, "columns": ["id", "cf.nope"]}))
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            let mut fields: Vec<String> = r.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect();
            fields.sort();
            assert_eq!(fields, vec!["columns[1]", "filters.cf.nope"], "{list}");
        }
    })
    .await;
}

#[tokio::test]
async fn record_custom_activity_and_transaction_definitions_deleted_keep_values() {
    on_backends(|app| async move {
        let c = app.customer(&app.admin, json!({"name": "Keeper"})).await;
        let p = app.product("KEEP-1", 100, "EUR").await;
        for (entity, list) in [("activity", "activities"), ("transaction", "transactions")] {
            let def = define(
                &app,
                json!({"entity": entity, "key": "tier", "label": "Tier",
                "field_type": "select", "options": ["gold", "silver"], "unique": true}),
            )
            .await;
            let body = match entity {
                "activity" => activity_body(&c, "Kept", json!({"tier": "gold"})),
                _ => transaction_body(&c, &p, "Kept", json!({"tier": "gold"})),
            };
            let record = app
                .post(&format!("/api/v1/{list}"), &app.admin, body.clone())
                .await
                .expect(StatusCode::CREATED)
                .body;
            let path = format!("/api/v1/custom-fields/{}", id_of(&def));
            let r = app
                .patch(&path, &app.admin, json!({"options": ["silver"]}))
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(r.body["code"], "option_in_use", "{list}");
            app.delete(&path, &app.admin)
                .await
                .expect(StatusCode::NO_CONTENT);
            let read = app
                .get(&format!("/api/v1/{list}/{}", id_of(&record)), &app.admin)
                .await
                .expect(StatusCode::OK);
            assert_eq!(read.body["attributes"]["tier"], "gold", "{list}");
            app.get(&format!("/api/v1/{list}?cf.tier=gold"), &app.admin)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            // Without the definition the value is free; restoring it finds the two apart.
            let second = app
                .post(&format!("/api/v1/{list}"), &app.admin, body.clone())
                .await
                .expect(StatusCode::CREATED)
                .body;
            let r = app
                .post(&format!("{path}/restore"), &app.admin, json!({}))
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(r.body["code"], "values_not_unique", "{list}");
            app.delete(&format!("/api/v1/{list}/{}", id_of(&second)), &app.admin)
                .await
                .expect(StatusCode::NO_CONTENT);
            app.post(&format!("{path}/restore"), &app.admin, json!({}))
                .await
                .expect(StatusCode::OK);
            let r = app
                .get(&format!("/api/v1/{list}?cf.tier=gold"), &app.admin)
                .await
                .expect(StatusCode::OK);
            assert_eq!(r.body["data"].as_array().unwrap().len(), 1, "{list}");
            let r = app
                .post(&format!("/api/v1/{list}"), &app.admin, body)
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(codes(&r), vec!["attributes.tier:value_taken"], "{list}");
        }
    })
    .await;
}

#[tokio::test]
async fn record_custom_transaction_imports_fill_and_check_custom_fields() {
    use crate::imports::{on_backends_importing, run_next, upload_as};
    on_backends_importing(|app| async move {
        define(&app, json!({"entity": "transaction", "key": "channel", "label": "Channel",
            "field_type": "select", "options": ["web", "shop"], "required": true}))
        .await;
        define(&app, json!({"entity": "transaction", "key": "voucher", "label": "Voucher", "field_type": "text", "unique": true})).await;
        let c = app.customer(&app.admin, json!({"name": "Ada", "email": "ada@x.io"})).await;
        let p = app.product("W-1", 500, "EUR").await;
        app.transaction(&app.admin, transaction_body(&c, &p, "OLD", json!({"channel": "web", "voucher": "INV-0"})))
            .await;
        // ORD-1: two lines agreeing; ORD-2: its lines disagree; ORD-3: no channel; ORD-4: a
        // voucher held already; ORD-5 and ORD-6: the same voucher.
        let csv = "Order ID,Email,SKU,Qty,Channel,Voucher\n\
                   ORD-1,ada@x.io,W-1,1,web,INV-1\n\
                   ORD-1,ada@x.io,W-1,2,,INV-1\n\
                   ORD-2,ada@x.io,W-1,1,web,\n\
                   ORD-2,ada@x.io,W-1,1,shop,\n\
                   ORD-3,ada@x.io,W-1,1,,INV-3\n\
                   ORD-4,ada@x.io,W-1,1,shop,inv-0\n\
                   ORD-5,ada@x.io,W-1,1,shop,INV-5\n\
                   ORD-6,ada@x.io,W-1,1,shop,INV-5\n";
        let r = upload_as(&app, &app.admin, csv, "text/csv", "transactions")
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(r.body["suggested_mapping"]["Channel"], "cf.channel", "{}", r.body);
        assert_eq!(r.body["suggested_mapping"]["Voucher"], "cf.voucher");
        let id = id_of(&r.body);
        app.post(&format!("/api/v1/imports/{id}/start"), &app.admin, json!({}))
            .await
            .expect(StatusCode::ACCEPTED);
        let done = run_next(&app).await;
        assert_eq!(done.status.as_str(), "completed");
        assert_eq!(
            (done.progress.rows_accepted, done.progress.rows_rejected),
            (3, 5)
        );
        let rej = app
            .get(&format!("/api/v1/imports/{id}/rejections"), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        let got: Vec<(i64, String, String)> = rej["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let e = &r["errors"][0];
                (
                    r["row"].as_i64().unwrap(),
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let s = |r: i64, f: &str, c: &str| (r, f.to_owned(), c.to_owned());
        assert_eq!(
            got,
            vec![
                s(4, "order_ref", "order_rejected"),
                s(5, "attributes.channel", "order_mismatch"),
                s(6, "attributes.channel", "required"),
                s(7, "attributes.voucher", "value_taken"),
                // Batches are small in tests: ORD-5 is committed before ORD-6 is checked.
                s(9, "attributes.voucher", "value_taken"),
            ],
            "{rej}"
        );
        let r = app
            .get("/api/v1/transactions?cf.voucher=INV-1", &app.admin)
            .await
            .expect(StatusCode::OK);
        let t = &r.body["data"][0];
        assert_eq!(t["external_ref"], "ORD-1");
        assert_eq!(t["attributes"], json!({"channel": "web", "voucher": "INV-1"}));
        assert_eq!(t["total"], 1500, "the total stays computed");
    })
    .await;
}
