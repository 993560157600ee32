//! Custom fields: admins manage definitions, readers of customers read them; customer writes
//! are validated against them (422 naming `attributes.<key>`, 409 for a taken unique value);
//! customer lists filter and sort by `cf.<key>` with working cursors; deleting a definition
//! keeps the values; saved views accept `cf.<key>`.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use serde_json::{Value, json};

fn fields(r: &Res) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn define(app: &TestApp, body: Value) -> Value {
    app.post("/api/v1/custom-fields", &app.admin, body)
        .await
        .expect(StatusCode::CREATED)
        .body
}

#[tokio::test]
async fn definitions_are_managed_by_admins_and_read_by_readers() {
    on_backends(|app| async move {
        let team = app.team("Fields").await;
        let (_, manager) = app.user("manager@cf.test", Role::Manager, Some(&team)).await;
        let (_, rep) = app.user("rep@cf.test", Role::SalesRep, Some(&team)).await;
        let (_, viewer) = app.user("viewer@cf.test", Role::Viewer, None).await;
        let (_, support) = app.user("support@cf.test", Role::Support, None).await;
        let body = json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"], "required": false});

        for token in [&manager, &rep, &viewer, &support] {
            app.post("/api/v1/custom-fields", token, body.clone())
                .await
                .expect(StatusCode::FORBIDDEN);
        }
        let r = app
            .post("/api/v1/custom-fields", &app.admin, body.clone())
            .await
            .expect(StatusCode::CREATED);
        let id = id_of(&r.body);
        let path = format!("/api/v1/custom-fields/{id}");
        assert_eq!(r.header("location"), Some(path.as_str()));
        assert!(r.header("etag").is_some());
        assert_eq!(r.body["unique"], false);
        // One live field per key; bad definitions are 422 field by field.
        let dup = app.post("/api/v1/custom-fields", &app.admin, body.clone()).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
        assert_eq!(dup.body["code"], "key_taken");
        let bad = app
            .post("/api/v1/custom-fields", &app.admin, json!({"entity": "planet", "key": "Bad-Key",
                "label": "x", "field_type": "select", "colour": 1}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let mut got = fields(&bad);
        got.sort();
        assert_eq!(got, vec!["colour", "entity", "key"], "{}", bad.body);
        let bad = app
            .post("/api/v1/custom-fields", &app.admin, json!({"entity": "customer", "key": "ok",
                "label": "x", "field_type": "boolean", "unique": true}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&bad), vec!["unique"]);

        // A retried create with its Idempotency-Key replays the first response.
        let retry = json!({"entity": "customer", "key": "region", "label": "Region", "field_type": "text"});
        let first = app
            .call_with(Method::POST, "/api/v1/custom-fields", Some(&app.admin), Some(retry.clone()), &[("idempotency-key", "cf-1")])
            .await
            .expect(StatusCode::CREATED);
        let again = app
            .call_with(Method::POST, "/api/v1/custom-fields", Some(&app.admin), Some(retry), &[("idempotency-key", "cf-1")])
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(first.body["id"], again.body["id"]);
        app.delete(&format!("/api/v1/custom-fields/{}", id_of(&first.body)), &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);

        // Every role that reads customers reads the definitions.
        for token in [&manager, &rep, &viewer, &support] {
            let list = app.get("/api/v1/custom-fields?entity=customer", token).await.expect(StatusCode::OK);
            assert_eq!(list.body["data"][0]["key"], "tier");
            app.get(&path, token).await.expect(StatusCode::OK);
        }
        let etag = r.header("etag").unwrap().to_owned();
        app.call_with(Method::GET, &path, Some(&viewer), None, &[("if-none-match", &etag)])
            .await
            .expect(StatusCode::NOT_MODIFIED);
        app.get("/api/v1/custom-fields?entity=planet", &viewer)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // Changes: admins only, with If-Match.
        app.patch(&path, &manager, json!({"label": "Level"})).await.expect(StatusCode::FORBIDDEN);
        let stale = app
            .call_with(Method::PATCH, &path, Some(&app.admin), Some(json!({"label": "Level"})), &[("if-match", "\"nope-1\"")])
            .await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        let etag = app.get(&path, &app.admin).await.header("etag").unwrap().to_owned();
        let r = app
            .call_with(Method::PATCH, &path, Some(&app.admin), Some(json!({"label": "Level", "options": ["gold", "silver", "bronze"]})), &[("if-match", &etag)])
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["label"], "Level");
        assert_eq!(r.body["version"], 2);
        app.patch(&path, &app.admin, json!({"key": "level"}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);

        // Delete (soft) and restore, admins only.
        app.delete(&path, &rep).await.expect(StatusCode::FORBIDDEN);
        app.delete(&path, &app.admin).await.expect(StatusCode::NO_CONTENT);
        app.get(&path, &viewer).await.expect(StatusCode::NOT_FOUND);
        let gone = app.get("/api/v1/custom-fields?deleted=only", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(gone.body["data"][0]["id"], id.as_str());
        app.post(&format!("{path}/restore"), &manager, json!({})).await.expect(StatusCode::FORBIDDEN);
        app.post(&format!("{path}/restore"), &app.admin, json!({})).await.expect(StatusCode::OK);

        // Each change is an event of the outbox.
        let events = app
            .state
            .store
            .entity_events(id.parse().unwrap(), None, 50)
            .await
            .unwrap();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            vec![
                "custom_field.created",
                "custom_field.updated",
                "custom_field.deleted",
                "custom_field.restored"
            ]
        );

        // Keyset pages.
        define(&app, json!({"entity": "customer", "key": "score", "label": "Score", "field_type": "number", "position": 5})).await;
        let page = app.get("/api/v1/custom-fields?limit=1", &viewer).await.expect(StatusCode::OK);
        assert_eq!(page.body["data"][0]["key"], "tier");
        let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
        let next = app.get(&format!("/api/v1/custom-fields?limit=1&cursor={cursor}"), &viewer).await.expect(StatusCode::OK);
        assert_eq!(next.body["data"][0]["key"], "score");
        assert!(next.body["next_cursor"].is_null());
    })
    .await;
}

#[tokio::test]
async fn customer_values_are_validated_on_every_write() {
    on_backends(|app| async move {
        define(&app, json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"], "required": true})).await;
        define(&app, json!({"entity": "customer", "key": "score", "label": "Score", "field_type": "number"})).await;
        define(&app, json!({"entity": "customer", "key": "since", "label": "Since", "field_type": "date"})).await;
        define(&app, json!({"entity": "customer", "key": "code", "label": "Code", "field_type": "text", "unique": true})).await;
        define(&app, json!({"entity": "customer", "key": "budget", "label": "Budget",
            "field_type": "currency", "currency": "EUR"})).await;
        let admin = app.admin.clone();

        // Missing required, wrong types, unknown option: one 422 entry per field.
        let r = app
            .post("/api/v1/customers", &admin, json!({"name": "Ada", "attributes": {"score": "high", "since": "2026-02-30", "budget": 1.5}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            codes(&r),
            vec![
                "attributes.tier:required",
                "attributes.score:invalid_type",
                "attributes.since:invalid_date",
                "attributes.budget:invalid_type"
            ],
            "{}",
            r.body
        );
        let r = app
            .post("/api/v1/customers", &admin, json!({"name": "Ada", "attributes": {"tier": "platinum"}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:invalid_choice"]);
        let ada = app
            .customer(&admin, json!({"name": "Ada", "attributes": {"tier": "gold", "code": "ADA-1", "score": 9.5, "free": {"any": "thing"}}}))
            .await;
        assert_eq!(ada["attributes"]["free"]["any"], "thing", "other attributes stay free-form");

        // A taken unique value (case-insensitive) is a 409 naming the field.
        let r = app
            .post("/api/v1/customers", &admin, json!({"name": "Bob", "attributes": {"tier": "gold", "code": "ada-1"}}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"], "{}", r.body);

        // Batches: per-item errors, nothing written.
        let r = app
            .post("/api/v1/customers/batch", &admin, json!({"items": [
                {"name": "B0", "attributes": {"tier": "gold", "code": "B"}},
                {"name": "B1", "attributes": {"tier": "gold", "code": "b"}},
                {"name": "B2", "attributes": {"tier": "silver", "code": "Ada-1"}},
                {"name": "B3", "attributes": {"score": true}},
            ]}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let mut got = codes(&r);
        got.sort();
        assert_eq!(
            got,
            vec![
                "items[1].attributes.code:duplicate_in_batch",
                "items[2].attributes.code:value_taken",
                "items[3].attributes.score:invalid_type",
                "items[3].attributes.tier:required",
            ],
            "{}",
            r.body
        );
        let none = app.get("/api/v1/customers?q=B0", &admin).await.expect(StatusCode::OK);
        assert_eq!(none.body["data"].as_array().unwrap().len(), 0);

        // Updates: attributes sent are checked; other edits pass.
        let path = format!("/api/v1/customers/{}", id_of(&ada));
        let r = app
            .patch(&path, &admin, json!({"attributes": {"tier": "gold", "score": "ten"}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.score:invalid_type"]);
        let r = app
            .patch(&path, &admin, json!({"attributes": {"score": 1}}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), vec!["attributes.tier:required"]);
        app.patch(&path, &admin, json!({"name": "Ada L."})).await.expect(StatusCode::OK);
        let bob = app.customer(&admin, json!({"name": "Bob", "attributes": {"tier": "silver", "code": "BOB"}})).await;
        let r = app
            .patch(&format!("/api/v1/customers/{}", id_of(&bob)), &admin, json!({"attributes": {"tier": "silver", "code": "Ada-1"}}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(codes(&r), vec!["attributes.code:value_taken"]);
        // Deleting a customer frees its unique value.
        app.delete(&path, &admin).await.expect(StatusCode::NO_CONTENT);
        app.patch(&format!("/api/v1/customers/{}", id_of(&bob)), &admin, json!({"attributes": {"tier": "silver", "code": "Ada-1"}}))
            .await
            .expect(StatusCode::OK);
    })
    .await;
}

/// The names of a whole customer list, walked through `next_cursor` pages of `limit`.
async fn walk(app: &TestApp, query: &str, limit: u32) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/api/v1/customers?{query}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = app.get(&url, &app.admin).await.expect(StatusCode::OK);
        for c in r.body["data"].as_array().unwrap() {
            names.push(c["name"].as_str().unwrap().to_owned());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return names,
        }
    }
}

#[tokio::test]
async fn customers_filter_and_sort_by_custom_fields() {
    on_backends(|app| async move {
        define(&app, json!({"entity": "customer", "key": "score", "label": "Score", "field_type": "number"})).await;
        define(&app, json!({"entity": "customer", "key": "langs", "label": "Languages",
            "field_type": "multi_select", "options": ["en", "fr"]})).await;
        define(&app, json!({"entity": "customer", "key": "vip", "label": "VIP", "field_type": "boolean"})).await;
        for (name, attrs) in [
            ("nine", json!({"score": 9, "vip": true, "langs": ["en"]})),
            ("ten", json!({"score": 10, "langs": ["en", "fr"]})),
            ("two-half", json!({"score": 2.5, "vip": true})),
            ("hundred", json!({"score": 100, "vip": false})),
            ("none", json!({})),
        ] {
            app.customer(&app.admin, json!({"name": name, "status": if name == "ten" { "customer" } else { "lead" }, "attributes": attrs})).await;
        }
        for limit in [1, 2, 10] {
            assert_eq!(
                walk(&app, "sort=cf.score", limit).await,
                vec!["two-half", "nine", "ten", "hundred", "none"],
                "numbers compare as numbers; limit {limit}"
            );
            assert_eq!(
                walk(&app, "sort=-cf.score", limit).await,
                vec!["hundred", "ten", "nine", "two-half", "none"],
                "limit {limit}"
            );
        }
        assert_eq!(walk(&app, "cf.vip=true&sort=cf.score", 1).await, vec!["two-half", "nine"]);
        assert_eq!(walk(&app, "cf.score=10", 5).await, vec!["ten"]);
        assert_eq!(walk(&app, "cf.langs=en&sort=-cf.score", 5).await, vec!["ten", "nine"]);
        assert_eq!(walk(&app, "cf.langs=en&status=lead", 5).await, vec!["nine"]);

        for (query, field) in [
            ("cf.nope=1", "cf.nope"),
            ("cf.score=abc", "cf.score"),
            ("cf.langs=de", "cf.langs"),
            ("sort=cf.nope", "sort"),
            ("sort=cf.langs", "sort"),
            ("cf.Bad=1", "cf.Bad"),
        ] {
            let r = app
                .get(&format!("/api/v1/customers?{query}"), &app.admin)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(fields(&r), vec![field], "{query}: {}", r.body);
        }
        // A cursor of a custom sort does not serve another sort.
        let r = app.get("/api/v1/customers?sort=cf.score&limit=1", &app.admin).await;
        let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/customers?sort=name&cursor={cursor}"), &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn deleting_a_definition_keeps_the_values() {
    on_backends(|app| async move {
        let tier = define(
            &app,
            json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"]}),
        )
        .await;
        let path = format!("/api/v1/custom-fields/{}", id_of(&tier));
        let c = app
            .customer(
                &app.admin,
                json!({"name": "Kept", "attributes": {"tier": "gold"}}),
            )
            .await;

        // Changes that would strand stored values are refused.
        let r = app
            .patch(&path, &app.admin, json!({"options": ["silver"]}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "option_in_use");
        let r = app
            .patch(&path, &app.admin, json!({"field_type": "number"}))
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "values_exist");
        app.patch(&path, &app.admin, json!({"options": ["gold"]}))
            .await
            .expect(StatusCode::OK);

        app.delete(&path, &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        let read = app
            .get(&format!("/api/v1/customers/{}", id_of(&c)), &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(read.body["attributes"]["tier"], "gold");
        app.get("/api/v1/customers?cf.tier=gold", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        // A new definition over incompatible stored values is refused; the old one comes back.
        let r = app
            .post(
                "/api/v1/custom-fields",
                &app.admin,
                json!({"entity": "customer", "key": "tier", "label": "T", "field_type": "number"}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "values_exist");
        app.post(&format!("{path}/restore"), &app.admin, json!({}))
            .await
            .expect(StatusCode::OK);
        assert_eq!(walk(&app, "cf.tier=gold", 10).await, vec!["Kept"]);
    })
    .await;
}

#[tokio::test]
async fn saved_views_accept_custom_fields() {
    on_backends(|app| async move {
        define(&app, json!({"entity": "customer", "key": "score", "label": "Score", "field_type": "number"})).await;
        let (_, rep) = app.user("rep@cfviews.test", Role::SalesRep, None).await;
        let v = app
            .post("/api/v1/views", &rep, json!({"name": "Top", "resource": "customers",
                "filters": {"cf.score": "10"}, "sort": "-cf.score", "columns": ["name", "cf.score"]}))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v.body["sort"], "-cf.score");
        let r = app
            .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": "customers",
                "filters": {"cf.nope": "1", "cf.score": "x"}, "sort": "cf.nope", "columns": ["name", "cf.nope"]}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let mut got = fields(&r);
        got.sort();
        assert_eq!(got, vec!["columns[1]", "filters.cf.nope", "filters.cf.score", "sort"], "{}", r.body);
    })
    .await;
}

/// The record services keep the definitions in process (see `FieldDefs`): a definition
/// written on this instance applies to the next write at once, and one written on another
/// instance as soon as its event arrives, long before the cache's 30 s time to live.
#[tokio::test]
async fn definition_changes_reach_validation_on_every_instance() {
    on_backends(|a| async move {
        let missing = json!({"name": "No tier"});
        // Both instances have the (empty) definitions cached before the field exists.
        a.post("/api/v1/customers", &a.admin, missing.clone())
            .await
            .expect(StatusCode::CREATED);
        let peer = if a.state.store.backend() == "sqlite" {
            None // one SQLite file has one server
        } else {
            let b = a.peer(crate::cache::local_services).await;
            let stop = tokio_util::sync::CancellationToken::new();
            let tasks = nexus_api::spawn_background(&b.state, stop.clone());
            b.post("/api/v1/customers", &b.admin, missing.clone())
                .await
                .expect(StatusCode::CREATED);
            Some((b, stop, tasks))
        };

        let tier = define(
            &a,
            json!({"entity": "customer", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"], "required": true}),
        )
        .await;
        let r = a
            .post("/api/v1/customers", &a.admin, missing.clone())
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(codes(&r), ["attributes.tier:required"]);

        if let Some((b, stop, tasks)) = peer {
            // B learns of the field from the shared event log (its relay polls every 250 ms).
            let mut status = StatusCode::CREATED;
            for _ in 0..100 {
                status = b
                    .post("/api/v1/customers", &b.admin, missing.clone())
                    .await
                    .status;
                if status != StatusCode::CREATED {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            stop.cancel();
            for t in tasks {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
            }
            b.state.store.close().await;
        }

        // An update of the definition applies at once too.
        let path = format!("/api/v1/custom-fields/{}", id_of(&tier));
        let etag = a.get(&path, &a.admin).await.expect(StatusCode::OK);
        let etag = etag.header("etag").unwrap().to_owned();
        a.call_with(
            Method::PATCH,
            &path,
            Some(&a.admin),
            Some(json!({"required": false})),
            &[("if-match", etag.as_str())],
        )
        .await
        .expect(StatusCode::OK);
        a.post("/api/v1/customers", &a.admin, missing)
            .await
            .expect(StatusCode::CREATED);
    })
    .await;
}
