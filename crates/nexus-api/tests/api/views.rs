//! Saved views: validated against their list endpoint when saved, applied by their query
//! string, private or shared with a team, managed by owner / admin / team manager, soft delete
//! and restore with If-Match.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use serde_json::json;

fn fields(r: &Res) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

fn names(body: &serde_json::Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn views_are_validated_shared_and_applied() {
    on_backends(|app| async move {
        let team = app.team("Views").await;
        let (_, rep) = app.user("rep@views.test", Role::SalesRep, Some(&team)).await;
        let (_, mate) = app.user("mate@views.test", Role::SalesRep, Some(&team)).await;
        let (_, manager) = app.user("manager@views.test", Role::Manager, Some(&team)).await;
        let (_, outsider) = app.user("out@views.test", Role::SalesRep, None).await;
        let (_, support) = app.user("support@views.test", Role::Support, None).await;

        // Bad filters, sort and columns are reported field by field: first the shape, then what
        // the list endpoint and the resource's schema say.
        let r = app
            .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": "customers", "filters": {"limit": "5", "tag": 3}}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(fields(&r), vec!["filters.limit", "filters.tag"], "{}", r.body);
        let r = app
            .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": "customers",
                "filters": {"colour": "red"}, "columns": ["name", "favourite_food"]}))
            .await;
        let mut got = fields(&r);
        got.sort();
        assert_eq!(got, vec!["columns[1]", "filters.colour"], "{}", r.body);
        let r = app
            .post("/api/v1/views", &rep, json!({"name": "Bad", "resource": "customers", "filters": {"status": "asleep"}, "sort": "-shoe_size"}))
            .await;
        let mut got = fields(&r);
        got.sort();
        assert_eq!(got, vec!["filters.status", "sort"], "{}", r.body);
        app.post("/api/v1/views", &support, json!({"name": "Deals", "resource": "deals"}))
            .await
            .expect(StatusCode::FORBIDDEN);

        // A private and a team view; leads only, newest first.
        let private = app
            .post("/api/v1/views", &rep, json!({"name": "My leads", "resource": "customers",
                "filters": {"status": ["lead"]}, "sort": "-created_at", "columns": ["name", "email", "status"]}))
            .await
            .expect(StatusCode::CREATED);
        assert!(private.header("location").unwrap().ends_with(private.body["id"].as_str().unwrap()));
        let shared = app
            .post("/api/v1/views", &rep, json!({"name": "Team VIPs", "resource": "customers", "filters": {"tag": "vip"}, "visibility": "team"}))
            .await
            .expect(StatusCode::CREATED)
            .body;
        assert_eq!(shared["team_id"], team.as_str());
        app.post("/api/v1/views", &rep, json!({"name": "my LEADS", "resource": "customers"}))
            .await
            .expect(StatusCode::CONFLICT);
        app.post("/api/v1/views", &outsider, json!({"name": "Shared", "resource": "customers", "visibility": "team"}))
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);

        let list = |token: String| {
            let app = &app;
            async move { names(&app.get("/api/v1/views?resource=customers", &token).await.expect(StatusCode::OK).body) }
        };
        assert_eq!(list(rep.clone()).await, vec!["My leads", "Team VIPs"]);
        assert_eq!(list(mate.clone()).await, vec!["Team VIPs"]);
        assert_eq!(list(outsider.clone()).await, Vec::<String>::new());
        assert_eq!(list(app.admin.clone()).await, vec!["My leads", "Team VIPs"]);
        let pid = private.body["id"].as_str().unwrap().to_owned();
        let sid = shared["id"].as_str().unwrap().to_owned();
        app.get(&format!("/api/v1/views/{pid}"), &mate).await.expect(StatusCode::NOT_FOUND);
        app.get(&format!("/api/v1/views/{sid}"), &outsider).await.expect(StatusCode::NOT_FOUND);

        // Applying a view: its filters and sort on the list endpoint.
        app.customer(&rep, json!({"name": "Lead A", "status": "lead"})).await;
        app.customer(&rep, json!({"name": "Customer B", "status": "customer"})).await;
        let v = app.get(&format!("/api/v1/views/{pid}"), &rep).await.expect(StatusCode::OK).body;
        let mut qs = form_urlencoded::Serializer::new(String::new());
        for s in v["filters"]["status"].as_array().unwrap() {
            qs.append_pair("status", s.as_str().unwrap());
        }
        qs.append_pair("sort", v["sort"].as_str().unwrap());
        let applied = app.get(&format!("/api/v1/customers?{}", qs.finish()), &rep).await.expect(StatusCode::OK).body;
        assert_eq!(names(&applied), vec!["Lead A"]);

        // Who may change what: the teammate reads but cannot change; the team's manager can.
        let url = format!("/api/v1/views/{sid}");
        app.patch(&url, &mate, json!({"name": "Mine now"})).await.expect(StatusCode::FORBIDDEN);
        let r = app.patch(&url, &manager, json!({"filters": {"tag": "vip", "status": "customer"}})).await.expect(StatusCode::OK);
        let etag = r.header("etag").unwrap().to_owned();
        app.patch(&url, &manager, json!({"resource": "deals"})).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let bad = app.patch(&url, &manager, json!({"sort": "sideways"})).await;
        assert_eq!(fields(&bad), vec!["sort"]);
        let stale = app.call_with(Method::DELETE, &url, Some(&rep), None, &[("if-match", "\"stale\"")]).await;
        assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
        let gone = app.call_with(Method::DELETE, &url, Some(&rep), None, &[("if-match", &etag)]).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        assert_eq!(list(mate.clone()).await, Vec::<String>::new());
        let deleted = app.get("/api/v1/views?deleted=only", &rep).await.expect(StatusCode::OK).body;
        assert_eq!(names(&deleted), vec!["Team VIPs"]);
        app.post(&format!("{url}/restore"), &rep, json!({})).await.expect(StatusCode::OK);
        assert_eq!(list(mate.clone()).await, vec!["Team VIPs"]);
        // Making it private hides it from the team again.
        app.patch(&url, &rep, json!({"visibility": "private"})).await.expect(StatusCode::OK);
        assert_eq!(list(mate).await, Vec::<String>::new());

        // Pages of one by name.
        let first = app.get("/api/v1/views?limit=1", &rep).await.expect(StatusCode::OK).body;
        assert_eq!(names(&first), vec!["My leads"]);
        let next = first["next_cursor"].as_str().unwrap();
        let second = app.get(&format!("/api/v1/views?limit=1&cursor={next}"), &rep).await.expect(StatusCode::OK).body;
        assert_eq!(names(&second), vec!["Team VIPs"]);
        assert!(second["next_cursor"].is_null());
    })
    .await;
}
