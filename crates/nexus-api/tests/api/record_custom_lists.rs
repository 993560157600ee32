//! Custom fields of deals and products in reads: lists filter and sort by `cf.<key>` with
//! working cursors, exports carry one `cf.<key>` column per field, saved views accept them, and
//! product imports fill and check them.

use crate::helpers::*;
use crate::record_custom_fields::{deal_body, define, fields, product_body};
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::json;

/// The value of `attr` of every record of a list, walked through `next_cursor` pages of `limit`.
pub(crate) async fn walk(
    app: &TestApp,
    list: &str,
    query: &str,
    limit: u32,
    attr: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/api/v1/{list}?{query}&limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = app.get(&url, &app.admin).await.expect(StatusCode::OK);
        for d in r.body["data"].as_array().unwrap() {
            out.push(d[attr].as_str().unwrap().to_owned());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

#[tokio::test]
async fn record_custom_deals_and_products_filter_and_sort_by_custom_fields() {
    on_backends(|app| async move {
        for entity in ["deal", "product"] {
            define(
                &app,
                json!({"entity": entity, "key": "score", "label": "Score", "field_type": "number"}),
            )
            .await;
            define(
                &app,
                json!({"entity": entity, "key": "langs", "label": "Languages",
                "field_type": "multi_select", "options": ["en", "fr"]}),
            )
            .await;
            define(
                &app,
                json!({"entity": entity, "key": "vip", "label": "VIP", "field_type": "boolean"}),
            )
            .await;
            define(
                &app,
                json!({"entity": entity, "key": "since", "label": "Since", "field_type": "date"}),
            )
            .await;
        }
        let rows = [
            (
                "nine",
                json!({"score": 9, "vip": true, "langs": ["en"], "since": "2026-03-01"}),
            ),
            (
                "ten",
                json!({"score": 10, "langs": ["en", "fr"], "since": "2025-12-31"}),
            ),
            ("two-half", json!({"score": 2.5, "vip": true})),
            (
                "hundred",
                json!({"score": 100, "vip": false, "since": "2026-01-15"}),
            ),
            ("none", json!({})),
        ];
        for (name, attrs) in &rows {
            let body = deal_body(&app, name, attrs.clone()).await;
            app.post("/api/v1/deals", &app.admin, body)
                .await
                .expect(StatusCode::CREATED);
            app.post(
                "/api/v1/products",
                &app.admin,
                json!({"sku": name, "name": name, "price": 1,
                "currency": "EUR", "attributes": attrs}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        for (list, attr) in [("deals", "title"), ("products", "name")] {
            for limit in [1, 2, 10] {
                assert_eq!(
                    walk(&app, list, "sort=cf.score", limit, attr).await,
                    vec!["two-half", "nine", "ten", "hundred", "none"],
                    "{list}: numbers compare as numbers; limit {limit}"
                );
                assert_eq!(
                    walk(&app, list, "sort=-cf.score", limit, attr).await,
                    vec!["hundred", "ten", "nine", "two-half", "none"],
                    "{list}: limit {limit}"
                );
            }
            assert_eq!(
                walk(&app, list, "sort=cf.since", 1, attr).await,
                vec!["ten", "hundred", "nine", "two-half", "none"],
                "{list}: dates in date order, undated last by id"
            );
            assert_eq!(
                walk(&app, list, "cf.vip=true&sort=cf.score", 1, attr).await,
                vec!["two-half", "nine"],
                "{list}"
            );
            assert_eq!(
                walk(&app, list, "cf.vip=false", 5, attr).await,
                vec!["hundred"],
                "{list}"
            );
            assert_eq!(
                walk(&app, list, "cf.score=10", 5, attr).await,
                vec!["ten"],
                "{list}"
            );
            assert_eq!(
                walk(&app, list, "cf.score=2.5", 5, attr).await,
                vec!["two-half"],
                "{list}"
            );
            assert_eq!(
                walk(&app, list, "cf.langs=en&sort=-cf.score", 5, attr).await,
                vec!["ten", "nine"],
                "{list}"
            );
            assert_eq!(
                walk(&app, list, "cf.since=2026-01-15", 5, attr).await,
                vec!["hundred"],
                "{list}"
            );

            for (query, field) in [
                ("cf.nope=1", "cf.nope"),
                ("cf.score=abc", "cf.score"),
                ("cf.langs=de", "cf.langs"),
                ("cf.vip=maybe", "cf.vip"),
                ("sort=cf.nope", "sort"),
                ("sort=cf.langs", "sort"),
                ("cf.Bad=1", "cf.Bad"),
            ] {
                let r = app
                    .get(&format!("/api/v1/{list}?{query}"), &app.admin)
                    .await
                    .expect(StatusCode::UNPROCESSABLE_ENTITY);
                assert_eq!(fields(&r), vec![field], "{list} {query}: {}", r.body);
            }
            // A cursor of a custom sort does not serve another sort.
            let r = app
                .get(&format!("/api/v1/{list}?sort=cf.score&limit=1"), &app.admin)
                .await;
            let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
            app.get(
                &format!("/api/v1/{list}?sort=created_at&cursor={cursor}"),
                &app.admin,
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Deal filters combine with the deal's own; customer fields do not leak into deals.
        assert_eq!(
            walk(&app, "deals", "cf.vip=true&q=nine", 5, "title").await,
            vec!["nine"]
        );
        define(
            &app,
            json!({"entity": "customer", "key": "region", "label": "Region", "field_type": "text"}),
        )
        .await;
        let r = app
            .get("/api/v1/deals?cf.region=x", &app.admin)
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&r), vec!["cf.region"]);
    })
    .await;
}

/// The header and rows of a CSV export.
pub(crate) fn csv_of(r: &Res) -> (Vec<String>, Vec<csv::StringRecord>) {
    let text = r.body.as_str().unwrap_or_default().to_owned();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    (header, rdr.records().map(Result::unwrap).collect())
}

#[tokio::test]
async fn record_custom_exports_carry_custom_columns() {
    on_backends(|app| async move {
        for entity in ["deal", "product"] {
            define(&app, json!({"entity": entity, "key": "score", "label": "Score", "field_type": "number", "position": 1})).await;
            define(&app, json!({"entity": entity, "key": "langs", "label": "Languages",
                "field_type": "multi_select", "options": ["en", "fr"], "position": 2}))
            .await;
        }
        for (name, attrs) in [("alpha", json!({"score": 2, "langs": ["en", "fr"]})), ("beta", json!({"score": 1})), ("gamma", json!({}))] {
            let body = deal_body(&app, name, attrs.clone()).await;
            app.post("/api/v1/deals", &app.admin, body).await.expect(StatusCode::CREATED);
            app.post("/api/v1/products", &app.admin, json!({"sku": name, "name": name, "price": 1,
                "currency": "EUR", "attributes": attrs}))
                .await
                .expect(StatusCode::CREATED);
        }
        for (list, name_col) in [("deals", "title"), ("products", "name")] {
            let r = app
                .get(&format!("/api/v1/{list}/export?sort=-cf.score"), &app.admin)
                .await
                .expect(StatusCode::OK);
            let (header, rows) = csv_of(&r);
            let n = header.len();
            assert_eq!(&header[n - 2..], ["cf.score", "cf.langs"], "{list}: {header:?}");
            let name = header.iter().position(|h| h == name_col).unwrap();
            let got: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[name], &r[n - 2], &r[n - 1])).collect();
            assert_eq!(got, vec![("alpha", "2", "en;fr"), ("beta", "1", ""), ("gamma", "", "")], "{list}");
            let r = app.get(&format!("/api/v1/{list}/export?cf.score=1"), &app.admin).await.expect(StatusCode::OK);
            assert_eq!(csv_of(&r).1.len(), 1, "{list}: filters apply");
            app.get(&format!("/api/v1/{list}/export?cf.nope=1"), &app.admin)
                .await
                .expect(StatusCode::UNPROCESSABLE_ENTITY);
        }
    })
    .await;
}

#[tokio::test]
async fn record_custom_saved_views_accept_custom_fields() {
    on_backends(|app| async move {
        define(&app, json!({"entity": "deal", "key": "score", "label": "Score", "field_type": "number"})).await;
        define(&app, json!({"entity": "product", "key": "origin", "label": "Origin", "field_type": "text"})).await;
        let (_, rep) = app.user("rep@rcfviews.test", Role::SalesRep, None).await;
        let v = app
            .post("/api/v1/views", &rep, json!({"name": "Top deals", "resource": "deals",
                "filters": {"cf.score": "10"}, "sort": "-cf.score", "columns": ["title", "cf.score"]}))
            .await
            .expect(StatusCode::CREATED);
        assert_eq!(v.body["sort"], "-cf.score");
        app.post("/api/v1/views", &rep, json!({"name": "By origin", "resource": "products",
            "filters": {"cf.origin": "FR"}, "sort": "cf.origin", "columns": ["name", "cf.origin"]}))
            .await
            .expect(StatusCode::CREATED);
        let r = app
            .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": "deals",
                "filters": {"cf.nope": "1", "cf.score": "x"}, "sort": "cf.nope", "columns": ["title", "cf.origin"]}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&r), vec!["columns[1]", "filters.cf.nope", "filters.cf.score", "sort"], "{}", r.body);
        // Product fields are not deal columns, nor the other way round.
        let r = app
            .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": "products", "columns": ["name", "cf.score"]}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&r), vec!["columns[1]"]);
    })
    .await;
}

#[tokio::test]
async fn record_custom_product_imports_fill_and_check_custom_fields() {
    use crate::imports::{on_backends_importing, run_next, upload_as};
    on_backends_importing(|app| async move {
        define(&app, json!({"entity": "product", "key": "ean", "label": "EAN", "field_type": "text", "unique": true})).await;
        define(&app, json!({"entity": "product", "key": "tier", "label": "Tier",
            "field_type": "select", "options": ["gold", "silver"], "required": true}))
        .await;
        app.post("/api/v1/products", &app.admin, product_body("OLD-1", json!({"tier": "gold", "ean": "399"})))
            .await
            .expect(StatusCode::CREATED);
        let csv = "SKU,Name,Price,Currency,EAN,Tier\n\
                   A-1,A,100,EUR,400,gold\n\
                   A-2,B,100,EUR,400,silver\n\
                   A-3,C,100,EUR,401,\n\
                   A-4,D,100,EUR,402,platinum\n\
                   A-5,E,100,EUR,399,gold\n";
        let r = upload_as(&app, &app.admin, csv, "text/csv", "products").await.expect(StatusCode::CREATED);
        assert_eq!(r.body["suggested_mapping"]["EAN"], "cf.ean", "{}", r.body);
        assert_eq!(r.body["suggested_mapping"]["Tier"], "cf.tier");
        let id = id_of(&r.body);
        app.post(&format!("/api/v1/imports/{id}/start"), &app.admin, json!({}))
            .await
            .expect(StatusCode::ACCEPTED);
        let done = run_next(&app).await;
        assert_eq!((done.progress.rows_accepted, done.progress.rows_rejected), (1, 4));
        let rej = app.get(&format!("/api/v1/imports/{id}/rejections"), &app.admin).await.expect(StatusCode::OK).body;
        let got: Vec<(i64, String)> = rej["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["row"].as_i64().unwrap(), r["errors"][0]["code"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "duplicate_in_batch".to_owned()),
                (4, "required".to_owned()),
                (5, "invalid_choice".to_owned()),
                (6, "value_taken".to_owned()),
            ],
            "{rej}"
        );
        let a1 = app.get("/api/v1/products?cf.ean=400", &app.admin).await.expect(StatusCode::OK);
        assert_eq!(a1.body["data"][0]["sku"], "A-1");
        assert_eq!(a1.body["data"][0]["attributes"], json!({"ean": "400", "tier": "gold"}));
    })
    .await;
}
