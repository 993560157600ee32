//! Custom fields of deals and products, through the same definitions API as customers (entity
//! `deal` / `product`): writes are validated (422 naming `attributes.<key>`, 409 for a taken
//! unique value), deleting a definition keeps the values, events carry them, and reading
//! definitions follows reading the records. Lists, exports, views and imports are in
//! `record_custom_lists.rs`.

use crate::helpers::*;
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};

pub(crate) fn fields(r: &Res) -> Vec<String> {
    let mut f: Vec<String> = r.body["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    f.sort();
    f
}

/// [`crate::helpers::codes`], sorted.
pub(crate) fn codes(r: &Res) -> Vec<String> {
    let mut c = crate::helpers::codes(r);
    c.sort();
    c
}

pub(crate) async fn define(app: &TestApp, body: Value) -> Value {
    app.post("/api/v1/custom-fields", &app.admin, body)
        .await
        .expect(StatusCode::CREATED)
        .body
}

/// A deal of a fresh customer, with `attributes`.
pub(crate) async fn deal_body(app: &TestApp, title: &str, attributes: Value) -> Value {
    let c = app
        .customer(&app.admin, json!({"name": format!("{title} Co")}))
        .await;
    json!({"title": title, "customer_id": id_of(&c), "currency": "EUR", "value": 100,
        "attributes": attributes})
}

pub(crate) fn product_body(sku: &str, attributes: Value) -> Value {
    json!({"sku": sku, "name": format!("Product {sku}"), "price": 100, "currency": "EUR",
        "attributes": attributes})
}

/// The fields every test defines for `entity`: a required select, a number, a unique text and
/// a currency amount.
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
    define(
        app,
        json!({"entity": entity, "key": "budget", "label": "Budget",
        "field_type": "currency", "currency": "EUR"}),
    )
    .await;
}

#[tokio::test]
async fn record_custom_deal_values_are_validated_on_every_write() {
    on_backends(|app| async move {
        define_set(&app, "deal").await;
        let admin = app.admin.clone();

        // Missing required and wrong types: one 422 entry per field, with the deal's own errors.
        let mut body = deal_body(
            &app,
            "Bad",
            json!({"score": "high", "budget": 1.5, "code": 7}),
        )
        .await;
        body["value"] = json!(-1);
        let r = app
            .post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            codes(&r),
            vec!["value:out_of_range"],
            "parse errors come first: {}",
            r.body
        );
        let body = deal_body(
            &app,
            "Bad",
            json!({"score": "high", "budget": 1.5, "code": 7}),
        )
        .await;
        let r = app
            .post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            codes(&r),
            vec![
                "attributes.budget:invalid_type",
                "attributes.code:invalid_type",
                "attributes.score:invalid_type",
                "attributes.tier:required",
            ],
            "{}",
            r.body
        );
        let body = deal_body(&app, "Bad", json!({"tier": "platinum"})).await;
        let r = app
            .post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:invalid_choice"]);
        let none = app
            .get("/api/v1/deals?q=Bad", &admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(
            none.body["data"].as_array().unwrap().len(),
            0,
            "nothing was written"
        );

        // Valid values are stored and read back, other attributes stay free-form.
        let body = deal_body(
            &app,
            "Renewal",
            json!({"tier": "gold", "score": 9.5, "code": "D-1",
            "budget": 125000, "free": {"any": "thing"}}),
        )
        .await;
        let deal = app
            .post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::CREATED)
            .body;
        assert_eq!(deal["attributes"]["tier"], "gold");
        assert_eq!(deal["attributes"]["free"]["any"], "thing");
        let path = format!("/api/v1/deals/{}", id_of(&deal));
        let read = app.get(&path, &admin).await.expect(StatusCode::OK);
        assert_eq!(read.body["attributes"], deal["attributes"]);

        // A taken unique value (case-insensitive) is a 409 naming the field.
        let body = deal_body(&app, "Other", json!({"tier": "silver", "code": "d-1"})).await;
        let r = app
            .post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"], "{}", r.body);
        assert!(
            r.body["detail"].as_str().unwrap().contains("deal"),
            "{}",
            r.body
        );
        let body = deal_body(&app, "Other", json!({"tier": "silver", "code": "D-2"})).await;
        let other = app
            .post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::CREATED)
            .body;
        let other_path = format!("/api/v1/deals/{}", id_of(&other));

        // Updates: attributes sent are checked; other edits pass; a taken value is a 409.
        let r = app
            .patch(
                &path,
                &admin,
                json!({"attributes": {"tier": "gold", "score": "ten"}}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.score:invalid_type"]);
        let r = app
            .patch(&path, &admin, json!({"attributes": {"score": 1}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:required"]);
        app.patch(&path, &admin, json!({"title": "Renewal 2027"}))
            .await
            .expect(StatusCode::OK);
        let r = app
            .patch(
                &other_path,
                &admin,
                json!({"attributes": {"tier": "silver", "code": "D-1"}}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"]);
        let r = app
            .patch(
                &path,
                &admin,
                json!({"attributes": {"tier": "silver", "code": "D-1", "score": 3}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["attributes"]["score"], 3);
        assert!(
            r.body["attributes"].get("free").is_none(),
            "attributes are replaced whole"
        );

        // Deleting a deal frees its unique value; restoring it over a retaken one is a 409.
        app.delete(&path, &admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.patch(
            &other_path,
            &admin,
            json!({"attributes": {"tier": "silver", "code": "D-1"}}),
        )
        .await
        .expect(StatusCode::OK);
        let r = app
            .post(&format!("{path}/restore"), &admin, json!({}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "value_taken", "{}", r.body);

        // A required customer field does not apply to deals.
        define(
            &app,
            json!({"entity": "customer", "key": "region", "label": "Region",
            "field_type": "text", "required": true}),
        )
        .await;
        let body = json!({"title": "Third", "customer_id": other["customer_id"], "currency": "EUR",
            "attributes": {"tier": "gold"}});
        app.post("/api/v1/deals", &admin, body)
            .await
            .expect(StatusCode::CREATED);

        // The events carry the values.
        let events = app
            .state
            .store
            .entity_events(id_of(&other).parse().unwrap(), None, 50)
            .await
            .unwrap();
        let last = events.last().unwrap();
        assert_eq!(last.event_type, "deal.updated");
        assert_eq!(
            last.changes["attributes"]["after"]["code"], "D-1",
            "{:?}",
            last.changes
        );
        assert_eq!(last.changes["attributes"]["before"]["code"], "D-2");
    })
    .await;
}

#[tokio::test]
async fn record_custom_product_values_are_validated_on_every_write() {
    on_backends(|app| async move {
        define_set(&app, "product").await;
        let admin = app.admin.clone();

        let r = app
            .post(
                "/api/v1/products",
                &admin,
                product_body("BAD-1", json!({"score": "x", "budget": "1"})),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            codes(&r),
            vec![
                "attributes.budget:invalid_type",
                "attributes.score:invalid_type",
                "attributes.tier:required"
            ],
            "{}",
            r.body
        );
        let p = app
            .post(
                "/api/v1/products",
                &admin,
                product_body("P-1", json!({"tier": "gold", "code": "X-1", "score": 2})),
            )
            .await
            .expect(StatusCode::CREATED)
            .body;
        assert_eq!(p["attributes"]["code"], "X-1");
        let r = app
            .post(
                "/api/v1/products",
                &admin,
                product_body("P-2", json!({"tier": "gold", "code": "x-1"})),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"], "{}", r.body);
        let r = app
            .get("/api/v1/products?q=P-2", &admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["data"].as_array().unwrap().len(), 0);

        let path = format!("/api/v1/products/{}", id_of(&p));
        let r = app
            .patch(&path, &admin, json!({"attributes": {"tier": "bronze"}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:invalid_choice"]);
        app.patch(&path, &admin, json!({"price": 250}))
            .await
            .expect(StatusCode::OK);
        let r = app
            .patch(
                &path,
                &admin,
                json!({"attributes": {"tier": "silver", "code": "X-9"}}),
            )
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["attributes"]["tier"], "silver");
        // The old value is free again, the new one taken.
        app.post(
            "/api/v1/products",
            &admin,
            product_body("P-3", json!({"tier": "gold", "code": "X-1"})),
        )
        .await
        .expect(StatusCode::CREATED);
        app.post(
            "/api/v1/products",
            &admin,
            product_body("P-4", json!({"tier": "gold", "code": "X-9"})),
        )
        .await
        .expect(StatusCode::CONFLICT);

        // Managers write the catalogue and its values; reps do not.
        let (_, manager) = app.user("manager@pcf.test", Role::Manager, None).await;
        let (_, rep) = app.user("rep@pcf.test", Role::SalesRep, None).await;
        app.post(
            "/api/v1/products",
            &manager,
            product_body("P-5", json!({"tier": "gold"})),
        )
        .await
        .expect(StatusCode::CREATED);
        app.post(
            "/api/v1/products",
            &rep,
            product_body("P-6", json!({"tier": "gold"})),
        )
        .await
        .expect(StatusCode::FORBIDDEN);

        let events = app
            .state
            .store
            .entity_events(id_of(&p).parse().unwrap(), None, 50)
            .await
            .unwrap();
        assert_eq!(
            events[0].changes["attributes"]["after"]["tier"], "gold",
            "{:?}",
            events[0].changes
        );
        assert_eq!(
            events.last().unwrap().changes["attributes"]["after"]["tier"],
            "silver"
        );
    })
    .await;
}

#[tokio::test]
async fn record_custom_definitions_follow_read_permissions() {
    on_backends(|app| async move {
        define(
            &app,
            json!({"entity": "deal", "key": "tier", "label": "Tier", "field_type": "text"}),
        )
        .await;
        define(
            &app,
            json!({"entity": "product", "key": "origin", "label": "Origin", "field_type": "text"}),
        )
        .await;
        let (_, support) = app.user("support@rcf.test", Role::Support, None).await;
        let (_, viewer) = app.user("viewer@rcf.test", Role::Viewer, None).await;
        let (_, manager) = app.user("manager@rcf.test", Role::Manager, None).await;
        // Support reads the catalogue but not deals.
        app.get("/api/v1/custom-fields?entity=deal", &support)
            .await
            .expect(StatusCode::FORBIDDEN);
        let r = app
            .get("/api/v1/custom-fields?entity=product", &support)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["data"][0]["key"], "origin");
        let all = app
            .get("/api/v1/custom-fields", &support)
            .await
            .expect(StatusCode::OK);
        let entities: Vec<&str> = all.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["entity"].as_str().unwrap())
            .collect();
        assert!(!entities.contains(&"deal"), "{entities:?}");
        let r = app
            .get("/api/v1/custom-fields?entity=deal", &viewer)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["data"][0]["key"], "tier");
        // Only admins define them.
        app.post(
            "/api/v1/custom-fields",
            &manager,
            json!({"entity": "deal", "key": "x", "label": "X", "field_type": "text"}),
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    })
    .await;
}

#[tokio::test]
async fn record_custom_deleting_a_definition_keeps_the_values() {
    on_backends(|app| async move {
        let deal_tier = define(
            &app,
            json!({"entity": "deal", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"], "unique": true}),
        )
        .await;
        let product_tier = define(
            &app,
            json!({"entity": "product", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"]}),
        )
        .await;
        let body = deal_body(&app, "Kept", json!({"tier": "gold"})).await;
        let deal = app
            .post("/api/v1/deals", &app.admin, body)
            .await
            .expect(StatusCode::CREATED)
            .body;
        let product = app
            .post(
                "/api/v1/products",
                &app.admin,
                product_body("KEPT", json!({"tier": "gold"})),
            )
            .await
            .expect(StatusCode::CREATED)
            .body;

        for (def, list, record) in [
            (&deal_tier, "deals", &deal),
            (&product_tier, "products", &product),
        ] {
            let path = format!("/api/v1/custom-fields/{}", id_of(def));
            // Changes that would strand stored values are refused.
            let r = app
                .patch(&path, &app.admin, json!({"options": ["silver"]}))
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(r.body["code"], "option_in_use", "{list}");
            let r = app
                .patch(
                    &path,
                    &app.admin,
                    json!({"field_type": "number", "unique": false}),
                )
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(r.body["code"], "values_exist", "{list}");

            app.delete(&path, &app.admin)
                .await
                .expect(StatusCode::NO_CONTENT);
            let read = app
                .get(&format!("/api/v1/{list}/{}", id_of(record)), &app.admin)
                .await
                .expect(StatusCode::OK);
            assert_eq!(read.body["attributes"]["tier"], "gold", "{list}");
            app.get(&format!("/api/v1/{list}?cf.tier=gold"), &app.admin)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            // An unrelated edit keeps the value of the deleted field.
            let r = app
                .patch(
                    &format!("/api/v1/{list}/{}", id_of(record)),
                    &app.admin,
                    json!({"attributes": {"tier": "gold", "note": "x"}}),
                )
                .await
                .expect(StatusCode::OK);
            assert_eq!(r.body["attributes"]["tier"], "gold");
            // A new definition over incompatible stored values is refused; the old one comes back.
            let entity = def["entity"].as_str().unwrap();
            let r = app
                .post(
                    "/api/v1/custom-fields",
                    &app.admin,
                    json!({"entity": entity, "key": "tier", "label": "T", "field_type": "number"}),
                )
                .await
                .expect(StatusCode::CONFLICT);
            assert_eq!(r.body["code"], "values_exist", "{list}");
            app.post(&format!("{path}/restore"), &app.admin, json!({}))
                .await
                .expect(StatusCode::OK);
            let r = app
                .get(&format!("/api/v1/{list}?cf.tier=gold"), &app.admin)
                .await
                .expect(StatusCode::OK);
            assert_eq!(r.body["data"].as_array().unwrap().len(), 1, "{list}");
        }
        // The restored unique deal field holds its values again.
        let body = deal_body(&app, "Second", json!({"tier": "gold"})).await;
        let r = app
            .post("/api/v1/deals", &app.admin, body)
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.tier:value_taken"]);
    })
    .await;
}
