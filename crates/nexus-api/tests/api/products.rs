//! The product contract of api.md: create (201, Location, ETag, Idempotency-Key), conditional
//! reads, If-Match updates, soft delete and restore, case-insensitive SKU conflicts, strict
//! bodies and query strings, filters, sort and keyset pages.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;

fn fields(r: &Res) -> Vec<(String, String)> {
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

#[tokio::test]
async fn create_read_update_delete_restore() {
    on_backends(|app| async move {
        let r = app
            .post(
                "/api/v1/products",
                &app.admin,
                json!({"sku": "WID-1", "name": "Widget", "price": 1999, "currency": "eur", "category": "Tools"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let id = id_of(&r.body);
        assert_eq!(r.header("location"), Some(format!("/api/v1/products/{id}").as_str()));
        let etag = r.header("etag").unwrap().to_owned();
        assert_eq!(
            (&r.body["currency"], &r.body["price"], &r.body["active"], &r.body["version"]),
            (&json!("EUR"), &json!(1999), &json!(true), &json!(1))
        );
        let g = app.get(&format!("/api/v1/products/{id}"), &app.admin).await.expect(StatusCode::OK);
        assert_eq!((g.header("etag"), &g.body), (Some(etag.as_str()), &r.body));
        let nm = app
            .call_with(Method::GET, &format!("/api/v1/products/{id}"), Some(&app.admin), None, &[("if-none-match", &etag)])
            .await;
        assert_eq!(nm.status, StatusCode::NOT_MODIFIED);

        let p = app
            .call_with(Method::PATCH, &format!("/api/v1/products/{id}"), Some(&app.admin),
                Some(json!({"price": 2499, "category": null, "active": false})), &[("if-match", &etag)])
            .await
            .expect(StatusCode::OK);
        assert_eq!((&p.body["price"], &p.body["category"], &p.body["active"], &p.body["version"]),
            (&json!(2499), &Value::Null, &json!(false), &json!(2)));
        app.call_with(Method::PATCH, &format!("/api/v1/products/{id}"), Some(&app.admin),
            Some(json!({"name": "Stale"})), &[("if-match", &etag)])
            .await
            .expect(StatusCode::PRECONDITION_FAILED);
        // A malformed If-Match is a bad request, not a failed precondition.
        for bad in ["", "no-quotes"] {
            let r = app
                .call_with(Method::PATCH, &format!("/api/v1/products/{id}"), Some(&app.admin), Some(json!({"name": "X"})), &[("if-match", bad)])
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(r.body["errors"][0]["field"], "If-Match");
        }
        // Money is never a float; required fields cannot be cleared; unknown fields are refused.
        let bad = app
            .patch(&format!("/api/v1/products/{id}"), &app.admin, json!({"price": 24.99, "sku": null, "currency": "EURO", "colour": "red"}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&bad), vec![
            ("price".into(), "invalid_type".into()),
            ("currency".into(), "invalid_currency".into()),
            ("sku".into(), "required".into()),
            ("colour".into(), "unknown_field".into()),
        ]);

        app.delete(&format!("/api/v1/products/{id}"), &app.admin).await.expect(StatusCode::NO_CONTENT);
        app.get(&format!("/api/v1/products/{id}"), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let deleted = app.get("/api/v1/products?deleted=only", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(deleted.body["data"][0]["id"], json!(id));
        let back = app.post(&format!("/api/v1/products/{id}/restore"), &app.admin, json!({})).await.expect(StatusCode::OK);
        assert_eq!((&back.body["deleted_at"], &back.body["version"]), (&Value::Null, &json!(4)));
        let events = app.state.store.entity_events(uuid::Uuid::parse_str(&id).unwrap(), None, 10).await.unwrap();
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, vec!["product.created", "product.updated", "product.deleted", "product.restored"]);
        app.get("/api/v1/products/not-a-uuid", &app.admin).await.expect(StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn skus_are_unique_case_insensitively_and_bodies_are_strict() {
    on_backends(|app| async move {
        let a = app.product("ab-100", 500, "USD").await;
        let dup = app
            .post(
                "/api/v1/products",
                &app.admin,
                json!({"sku": "AB-100", "name": "Dup", "price": 1, "currency": "USD"}),
            )
            .await
            .expect(StatusCode::CONFLICT);
        assert_eq!(dup.body["code"], "sku_taken");
        assert_eq!(dup.body["errors"][0]["field"], "sku");
        let b = app.product("other", 1, "USD").await;
        app.patch(
            &format!("/api/v1/products/{}", id_of(&b)),
            &app.admin,
            json!({"sku": "Ab-100"}),
        )
        .await
        .expect(StatusCode::CONFLICT);
        // Deleting frees the SKU; restoring the old product then conflicts.
        app.delete(&format!("/api/v1/products/{}", id_of(&a)), &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.product("AB-100", 2, "USD").await;
        app.post(
            &format!("/api/v1/products/{}/restore", id_of(&a)),
            &app.admin,
            json!({}),
        )
        .await
        .expect(StatusCode::CONFLICT);

        let bad = app
            .post(
                "/api/v1/products",
                &app.admin,
                json!({"sku": "has space", "price": -5, "currency": "XYZ", "total": 3}),
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            fields(&bad),
            vec![
                ("sku".into(), "invalid_sku".into()),
                ("name".into(), "required".into()),
                ("price".into(), "out_of_range".into()),
                ("currency".into(), "invalid_currency".into()),
                ("total".into(), "unknown_field".into()),
            ]
        );
        let r = app
            .call(Method::POST, "/api/v1/products", Some(&app.admin), None)
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    })
    .await;
}

#[tokio::test]
async fn idempotency_key_replays_the_first_product() {
    on_backends(|app| async move {
        let body = json!({"sku": "ONCE", "name": "Once", "price": 100, "currency": "GBP"});
        let h = [("idempotency-key", "p-1")];
        let first = app
            .call_with(
                Method::POST,
                "/api/v1/products",
                Some(&app.admin),
                Some(body.clone()),
                &h,
            )
            .await
            .expect(StatusCode::CREATED);
        let again = app
            .call_with(
                Method::POST,
                "/api/v1/products",
                Some(&app.admin),
                Some(body),
                &h,
            )
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(
            (&first.body, first.header("location")),
            (&again.body, again.header("location"))
        );
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        let list = app
            .get("/api/v1/products", &app.admin)
            .await
            .expect(StatusCode::OK);
        assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    })
    .await;
}

async fn walk(app: &TestApp, query: &str, limit: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("/api/v1/products?{query}&limit={limit}&cursor={c}"),
            None => format!("/api/v1/products?{query}&limit={limit}"),
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
async fn list_filters_sorts_pages_and_refuses_unknown_parameters() {
    on_backends(|app| async move {
        for i in 0..15_i64 {
            let name = format!("{} {i}", ["Cable", "Adapter", "Charger"][(i % 3) as usize]);
            let currency = ["EUR", "USD"][(i % 2) as usize];
            let category = ["Power", "power", "Audio"][(i % 3) as usize];
            let body = json!({
                "sku": format!("SKU-{i:02}"), "name": name, "price": (i * 7) % 5 * 100 + i,
                "currency": currency, "category": category, "active": i % 4 != 0,
            });
            app.post("/api/v1/products", &app.admin, body).await.expect(StatusCode::CREATED);
        }
        assert_eq!(walk(&app, "active=false", 2).await.len(), 4);
        assert_eq!(walk(&app, "category=POWER", 3).await.len(), 10);
        assert_eq!(walk(&app, "currency=usd", 3).await.len(), 7);
        assert_eq!(walk(&app, "q=charg", 50).await.len(), 5);
        assert_eq!(walk(&app, "q=sku-1", 50).await.len(), 5);
        assert_eq!(walk(&app, "q=%20&active=true", 50).await.len(), 11, "blank q is no filter");
        let by_price = walk(&app, "sort=price", 4).await;
        let prices: Vec<i64> = by_price.iter().map(|p| p["price"].as_i64().unwrap()).collect();
        let mut sorted = prices.clone();
        sorted.sort();
        assert_eq!((prices, by_price.len()), (sorted, 15));
        let by_sku = walk(&app, "sort=-sku", 4).await;
        let skus: Vec<&str> = by_sku.iter().map(|p| p["sku"].as_str().unwrap()).collect();
        assert_eq!(skus.first(), Some(&"SKU-14"));
        assert_eq!(skus.iter().collect::<HashSet<_>>().len(), 15);

        let bad = app.get("/api/v1/products?colour=red&limit=5", &app.admin).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&bad), vec![("colour".into(), "unknown_parameter".into())]);
        let bad = app
            .get("/api/v1/products?limit=0&sort=weight&active=yes&currency=EURO&cursor=zz&deleted=all", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let got: HashSet<String> = fields(&bad).into_iter().map(|f| f.0).collect();
        assert_eq!(got, ["limit", "sort", "active", "currency", "cursor", "deleted"].iter().map(|s| s.to_string()).collect());
        // A cursor of one sort cannot be replayed against another.
        let page = app.get("/api/v1/products?sort=name&limit=2", &app.admin).await.expect(StatusCode::OK);
        let c = page.body["next_cursor"].as_str().unwrap();
        app.get(&format!("/api/v1/products?sort=price&cursor={c}"), &app.admin).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}
