//! Every role against every endpoint of the foundation: allowed, forbidden, or invisible (404).

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use serde_json::{Value, json};

struct World {
    tokens: Vec<(&'static str, String)>,
    team_a: String,
    rep_a1: String,
    /// A customer of rep A1 in team A.
    c_a1: String,
    /// A customer of team B.
    c_b: String,
    /// A product of the catalogue.
    product: String,
    /// A transaction of `c_a1` and one of `c_b`.
    t_a1: String,
    t_b: String,
    /// The seeded default pipeline and its second stage.
    pipeline: String,
    qualified: String,
    /// A deal and an activity of rep A1 on `c_a1`; a deal and an activity of team B on `c_b`.
    d_a1: String,
    d_b: String,
    act_a1: String,
    act_b: String,
    /// An activity of the support user on `c_a1` (so of team A).
    act_support: String,
}

async fn world(app: &TestApp) -> World {
    let team_a = app.team("Team A").await;
    let team_b = app.team("Team B").await;
    let (_, manager) = app
        .user("manager@a.test", Role::Manager, Some(&team_a))
        .await;
    let (rep_a1, rep1) = app.user("rep1@a.test", Role::SalesRep, Some(&team_a)).await;
    let (_, rep2) = app.user("rep2@a.test", Role::SalesRep, Some(&team_a)).await;
    let (_, support) = app
        .user("support@a.test", Role::Support, Some(&team_a))
        .await;
    let (_, viewer) = app.user("viewer@a.test", Role::Viewer, Some(&team_a)).await;
    let (rep_b, rep_b_token) = app.user("rep@b.test", Role::SalesRep, Some(&team_b)).await;
    let c_a1 = app.customer(&rep1, json!({"name": "A1 customer"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c_b = app
        .customer(&app.admin, json!({"name": "B customer", "owner_id": rep_b}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let product = id_of(&app.product("RBAC-1", 1000, "EUR").await);
    let line = json!([{"product_id": product, "quantity": 1}]);
    let t_a1 = id_of(
        &app.transaction(&rep1, json!({"customer_id": c_a1, "items": line}))
            .await,
    );
    let t_b = id_of(
        &app.transaction(&app.admin, json!({"customer_id": c_b, "items": line}))
            .await,
    );
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let p = app.get("/api/v1/pipelines", &app.admin).await.body["data"][0].clone();
    let deal =
        |c: &str| json!({"title": "Deal", "customer_id": c, "currency": "EUR", "value": 1000});
    let d_a1 = id(app
        .post("/api/v1/deals", &rep1, deal(&c_a1))
        .await
        .expect(StatusCode::CREATED)
        .body);
    let d_b = id(app
        .post("/api/v1/deals", &rep_b_token, deal(&c_b))
        .await
        .expect(StatusCode::CREATED)
        .body);
    let note = |c: &str| json!({"kind": "note", "subject": "Note", "customer_id": c});
    let act_a1 = id(app
        .post("/api/v1/activities", &rep1, note(&c_a1))
        .await
        .expect(StatusCode::CREATED)
        .body);
    let act_b = id(app
        .post("/api/v1/activities", &rep_b_token, note(&c_b))
        .await
        .expect(StatusCode::CREATED)
        .body);
    let act_support = id(app
        .post("/api/v1/activities", &support, note(&c_a1))
        .await
        .expect(StatusCode::CREATED)
        .body);
    World {
        product,
        t_a1,
        t_b,
        pipeline: p["id"].as_str().unwrap().to_owned(),
        qualified: p["stages"][1]["id"].as_str().unwrap().to_owned(),
        d_a1,
        d_b,
        act_a1,
        act_b,
        act_support,
        tokens: vec![
            ("admin", app.admin.clone()),
            ("manager", manager),
            ("rep1", rep1),
            ("rep2", rep2),
            ("support", support),
            ("viewer", viewer),
        ],
        team_a,
        rep_a1,
        c_a1,
        c_b,
    }
}

/// One endpoint and the expected status for admin, manager, rep1 (owner), rep2 (teammate),
/// support, viewer.
struct Case {
    name: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    expect: [u16; 6],
}

#[tokio::test]
async fn roles_by_endpoints() {
    on_backends(|app| async move {
        let w = world(&app).await;
        let (a1, b, team, rep) = (&w.c_a1, &w.c_b, &w.team_a, &w.rep_a1);
        let (prod, t_a1, t_b) = (&w.product, &w.t_a1, &w.t_b);
        let cases = vec![
            Case { name: "me", method: Method::GET, path: "/api/v1/auth/me".into(), body: None, expect: [200; 6] },
            Case { name: "list customers", method: Method::GET, path: "/api/v1/customers".into(), body: None, expect: [200; 6] },
            Case { name: "read own-team customer", method: Method::GET, path: format!("/api/v1/customers/{a1}"), body: None, expect: [200, 200, 200, 200, 200, 200] },
            Case { name: "read other-team customer", method: Method::GET, path: format!("/api/v1/customers/{b}"), body: None, expect: [200, 404, 404, 404, 200, 200] },
            Case { name: "history other team", method: Method::GET, path: format!("/api/v1/customers/{b}/history"), body: None, expect: [200, 404, 404, 404, 200, 200] },
            Case { name: "create customer", method: Method::POST, path: "/api/v1/customers".into(), body: Some(json!({"name": "New"})), expect: [201, 201, 201, 201, 403, 403] },
            Case { name: "batch create", method: Method::POST, path: "/api/v1/customers/batch".into(), body: Some(json!({"items": [{"name": "N"}]})), expect: [201, 201, 201, 201, 403, 403] },
            Case { name: "update own-team customer", method: Method::PATCH, path: format!("/api/v1/customers/{a1}"), body: Some(json!({"status": "prospect"})), expect: [200, 200, 200, 403, 403, 403] },
            Case { name: "update other-team customer", method: Method::PATCH, path: format!("/api/v1/customers/{b}"), body: Some(json!({"status": "prospect"})), expect: [200, 404, 404, 404, 403, 403] },
            Case { name: "list products", method: Method::GET, path: "/api/v1/products".into(), body: None, expect: [200; 6] },
            Case { name: "read product", method: Method::GET, path: format!("/api/v1/products/{prod}"), body: None, expect: [200; 6] },
            Case { name: "create product", method: Method::POST, path: "/api/v1/products".into(), body: Some(json!({"sku": "NEW", "name": "New", "price": 5, "currency": "EUR"})), expect: [201, 201, 403, 403, 403, 403] },
            Case { name: "update product", method: Method::PATCH, path: format!("/api/v1/products/{prod}"), body: Some(json!({"price": 1100})), expect: [200, 200, 403, 403, 403, 403] },
            Case { name: "list transactions", method: Method::GET, path: "/api/v1/transactions".into(), body: None, expect: [200; 6] },
            Case { name: "read own-team transaction", method: Method::GET, path: format!("/api/v1/transactions/{t_a1}"), body: None, expect: [200; 6] },
            Case { name: "read other-team transaction", method: Method::GET, path: format!("/api/v1/transactions/{t_b}"), body: None, expect: [200, 404, 404, 404, 200, 200] },
            Case { name: "create own-team transaction", method: Method::POST, path: "/api/v1/transactions".into(), body: Some(json!({"customer_id": a1, "items": [{"product_id": prod, "quantity": 1}]})), expect: [201, 201, 201, 403, 403, 403] },
            Case { name: "create other-team transaction", method: Method::POST, path: "/api/v1/transactions".into(), body: Some(json!({"customer_id": b, "items": [{"product_id": prod, "quantity": 1}]})), expect: [201, 422, 422, 422, 403, 403] },
            Case { name: "update own-team transaction", method: Method::PATCH, path: format!("/api/v1/transactions/{t_a1}"), body: Some(json!({"reference": "R-1"})), expect: [200, 200, 200, 403, 403, 403] },
            Case { name: "update other-team transaction", method: Method::PATCH, path: format!("/api/v1/transactions/{t_b}"), body: Some(json!({"reference": "R-2"})), expect: [200, 404, 404, 404, 403, 403] },
            Case { name: "own-team aggregates", method: Method::GET, path: format!("/api/v1/customers/{a1}/aggregates"), body: None, expect: [200; 6] },
            Case { name: "other-team aggregates", method: Method::GET, path: format!("/api/v1/customers/{b}/aggregates"), body: None, expect: [200, 404, 404, 404, 200, 200] },
            Case { name: "list users", method: Method::GET, path: "/api/v1/users".into(), body: None, expect: [200, 200, 403, 403, 403, 403] },
            Case { name: "read teammate user", method: Method::GET, path: format!("/api/v1/users/{rep}"), body: None, expect: [200, 200, 200, 404, 404, 404] },
            Case { name: "create user", method: Method::POST, path: "/api/v1/users".into(), body: Some(json!({"email": "x@y.test", "name": "X", "role": "viewer", "password": "some-password-1"})), expect: [201, 403, 403, 403, 403, 403] },
            Case { name: "update user", method: Method::PATCH, path: format!("/api/v1/users/{rep}"), body: Some(json!({"name": "Renamed"})), expect: [200, 404, 404, 404, 404, 404] },
            Case { name: "list teams", method: Method::GET, path: "/api/v1/teams".into(), body: None, expect: [200, 200, 403, 403, 403, 403] },
            Case { name: "read team", method: Method::GET, path: format!("/api/v1/teams/{team}"), body: None, expect: [200, 200, 404, 404, 404, 404] },
            Case { name: "create team", method: Method::POST, path: "/api/v1/teams".into(), body: Some(json!({"name": "T"})), expect: [201, 403, 403, 403, 403, 403] },
            Case { name: "rename team", method: Method::PATCH, path: format!("/api/v1/teams/{team}"), body: Some(json!({"name": "Team A2"})), expect: [200, 404, 404, 404, 404, 404] },
            Case { name: "list api keys", method: Method::GET, path: "/api/v1/api-keys".into(), body: None, expect: [200, 403, 403, 403, 403, 403] },
            Case { name: "create api key", method: Method::POST, path: "/api/v1/api-keys".into(), body: Some(json!({"name": "k", "role": "viewer"})), expect: [201, 403, 403, 403, 403, 403] },
            // Pipelines: admins manage, roles working with deals read, support sees none.
            Case { name: "list pipelines", method: Method::GET, path: "/api/v1/pipelines".into(), body: None, expect: [200, 200, 200, 200, 403, 200] },
            Case { name: "read pipeline", method: Method::GET, path: format!("/api/v1/pipelines/{}", w.pipeline), body: None, expect: [200, 200, 200, 200, 404, 200] },
            Case { name: "create pipeline", method: Method::POST, path: "/api/v1/pipelines".into(), body: Some(json!({"name": "P", "stages": [{"name": "S"}, {"name": "W", "kind": "won"}, {"name": "L", "kind": "lost"}]})), expect: [201, 403, 403, 403, 403, 403] },
            Case { name: "update pipeline", method: Method::PATCH, path: format!("/api/v1/pipelines/{}", w.pipeline), body: Some(json!({"name": "Sales"})), expect: [200, 403, 403, 403, 404, 403] },
            // Deals: team-scoped like customers; support has no access.
            Case { name: "list deals", method: Method::GET, path: "/api/v1/deals".into(), body: None, expect: [200, 200, 200, 200, 403, 200] },
            Case { name: "read own-team deal", method: Method::GET, path: format!("/api/v1/deals/{}", w.d_a1), body: None, expect: [200, 200, 200, 200, 404, 200] },
            Case { name: "read other-team deal", method: Method::GET, path: format!("/api/v1/deals/{}", w.d_b), body: None, expect: [200, 404, 404, 404, 404, 200] },
            Case { name: "deal stage history other team", method: Method::GET, path: format!("/api/v1/deals/{}/stage-history", w.d_b), body: None, expect: [200, 404, 404, 404, 404, 200] },
            Case { name: "deal history own team", method: Method::GET, path: format!("/api/v1/deals/{}/history", w.d_a1), body: None, expect: [200, 200, 200, 200, 404, 200] },
            Case { name: "create deal", method: Method::POST, path: "/api/v1/deals".into(), body: Some(json!({"title": "New", "customer_id": a1, "currency": "EUR"})), expect: [201, 201, 201, 201, 403, 403] },
            Case { name: "create deal on other-team customer", method: Method::POST, path: "/api/v1/deals".into(), body: Some(json!({"title": "New", "customer_id": b, "currency": "EUR"})), expect: [201, 422, 422, 422, 403, 403] },
            Case { name: "update own-team deal", method: Method::PATCH, path: format!("/api/v1/deals/{}", w.d_a1), body: Some(json!({"value": 2000})), expect: [200, 200, 200, 403, 404, 403] },
            Case { name: "update other-team deal", method: Method::PATCH, path: format!("/api/v1/deals/{}", w.d_b), body: Some(json!({"value": 2000})), expect: [200, 404, 404, 404, 404, 403] },
            Case { name: "move own-team deal", method: Method::POST, path: format!("/api/v1/deals/{}/move", w.d_a1), body: Some(json!({"stage_id": w.qualified})), expect: [200, 200, 200, 403, 404, 403] },
            Case { name: "move other-team deal", method: Method::POST, path: format!("/api/v1/deals/{}/move", w.d_b), body: Some(json!({"stage_id": w.qualified})), expect: [200, 404, 404, 404, 404, 403] },
            Case { name: "own-team timeline", method: Method::GET, path: format!("/api/v1/customers/{a1}/timeline"), body: None, expect: [200; 6] },
            Case { name: "other-team timeline", method: Method::GET, path: format!("/api/v1/customers/{b}/timeline"), body: None, expect: [200, 404, 404, 404, 200, 200] },
            Case { name: "privacy export", method: Method::GET, path: format!("/api/v1/customers/{a1}/privacy-export"), body: None, expect: [200, 403, 403, 403, 403, 403] },
            Case { name: "list views", method: Method::GET, path: "/api/v1/views".into(), body: None, expect: [200; 6] },
            Case { name: "create customers view", method: Method::POST, path: "/api/v1/views".into(), body: Some(json!({"name": "V", "resource": "customers"})), expect: [201; 6] },
            Case { name: "create deals view", method: Method::POST, path: "/api/v1/views".into(), body: Some(json!({"name": "V", "resource": "deals"})), expect: [201, 201, 201, 201, 403, 201] },
            // Dashboards: every role with the underlying read permission, within its scope.
            Case { name: "revenue dashboard", method: Method::GET, path: "/api/v1/dashboards/revenue".into(), body: None, expect: [200; 6] },
            Case { name: "pipeline dashboard", method: Method::GET, path: "/api/v1/dashboards/pipeline".into(), body: None, expect: [200, 200, 200, 200, 403, 200] },
            Case { name: "new customers dashboard", method: Method::GET, path: "/api/v1/dashboards/new-customers".into(), body: None, expect: [200; 6] },
            Case { name: "activity dashboard", method: Method::GET, path: "/api/v1/dashboards/activity".into(), body: None, expect: [200; 6] },
            Case { name: "top customers dashboard", method: Method::GET, path: "/api/v1/dashboards/top-customers".into(), body: None, expect: [200; 6] },
            // Activities: support reads all and writes its own; assignment and teams as above.
            Case { name: "list activities", method: Method::GET, path: "/api/v1/activities".into(), body: None, expect: [200; 6] },
            Case { name: "read own-team activity", method: Method::GET, path: format!("/api/v1/activities/{}", w.act_a1), body: None, expect: [200; 6] },
            Case { name: "read other-team activity", method: Method::GET, path: format!("/api/v1/activities/{}", w.act_b), body: None, expect: [200, 404, 404, 404, 200, 200] },
            Case { name: "create activity", method: Method::POST, path: "/api/v1/activities".into(), body: Some(json!({"kind": "call", "subject": "Called", "customer_id": a1})), expect: [201, 201, 201, 201, 201, 403] },
            Case { name: "create activity on a deal", method: Method::POST, path: "/api/v1/activities".into(), body: Some(json!({"kind": "task", "subject": "Quote", "deal_id": w.d_a1})), expect: [201, 201, 201, 201, 422, 403] },
            Case { name: "update own-team activity", method: Method::PATCH, path: format!("/api/v1/activities/{}", w.act_a1), body: Some(json!({"subject": "Edited"})), expect: [200, 200, 200, 403, 403, 403] },
            Case { name: "update support's activity", method: Method::PATCH, path: format!("/api/v1/activities/{}", w.act_support), body: Some(json!({"subject": "Edited"})), expect: [200, 200, 403, 403, 200, 403] },
            Case { name: "update other-team activity", method: Method::PATCH, path: format!("/api/v1/activities/{}", w.act_b), body: Some(json!({"subject": "Edited"})), expect: [200, 404, 404, 404, 403, 403] },
            Case { name: "activity history other team", method: Method::GET, path: format!("/api/v1/activities/{}/history", w.act_b), body: None, expect: [200, 404, 404, 404, 200, 200] },
        ];
        for case in cases {
            for ((role, token), expected) in w.tokens.iter().zip(case.expect) {
                // Creating things twice with the same unique name would conflict: vary it.
                let body = case.body.clone().map(|b| vary(b, role));
                let r = app.call(case.method.clone(), &case.path, Some(token), body).await;
                assert_eq!(r.status.as_u16(), expected, "{} as {role}: {}", case.name, r.body);
            }
        }
        // Deletes and restores, each on a fresh record.
        let expected_delete = [204, 204, 204, 403, 403, 403];
        for ((role, token), expected) in w.tokens.iter().zip(expected_delete) {
            let (_, rep1) = &w.tokens[2];
            let c = app.customer(rep1, json!({"name": format!("del {role}")})).await;
            let id = c["id"].as_str().unwrap();
            let r = app.delete(&format!("/api/v1/customers/{id}"), token).await;
            assert_eq!(r.status.as_u16(), expected, "delete as {role}: {}", r.body);
            if expected == 204 {
                let r = app.post(&format!("/api/v1/customers/{id}/restore"), token, json!({})).await;
                assert_eq!(r.status, StatusCode::OK, "restore as {role}: {}", r.body);
            } else {
                let r = app.post(&format!("/api/v1/customers/{id}/restore"), token, json!({})).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "restore as {role}: {}", r.body);
            }
        }
        // Products: deleted and restored by admins and managers only.
        for ((role, token), expected) in w.tokens.iter().zip([204, 204, 403, 403, 403, 403]) {
            let p = id_of(&app.product(&format!("DEL-{role}"), 1, "EUR").await);
            let r = app.delete(&format!("/api/v1/products/{p}"), token).await;
            assert_eq!(r.status.as_u16(), expected, "delete product as {role}: {}", r.body);
            app.delete(&format!("/api/v1/products/{p}"), &app.admin).await;
            let r = app.post(&format!("/api/v1/products/{p}/restore"), token, json!({})).await;
            let restored = if expected == 204 { 200 } else { 403 };
            assert_eq!(r.status.as_u16(), restored, "restore product as {role}: {}", r.body);
        }
        // Transactions of rep1's customer: deleted and restored by whoever may write it.
        for ((role, token), expected) in w.tokens.iter().zip([204, 204, 204, 403, 403, 403]) {
            let t = app.transaction(&w.tokens[2].1, json!({"customer_id": a1, "items": [{"product_id": prod, "quantity": 2}]})).await;
            let url = format!("/api/v1/transactions/{}", id_of(&t));
            let r = app.delete(&url, token).await;
            assert_eq!(r.status.as_u16(), expected, "delete transaction as {role}: {}", r.body);
            app.delete(&url, &app.admin).await;
            let r = app.post(&format!("{url}/restore"), token, json!({})).await;
            let restored = if expected == 204 { 200 } else { 403 };
            assert_eq!(r.status.as_u16(), restored, "restore transaction as {role}: {}", r.body);
        }
        // Team B's transaction is in the lists of those who may read team B's customer only.
        for ((role, token), visible) in w.tokens.iter().zip([true, false, false, false, true, true]) {
            let r = app.get("/api/v1/transactions?limit=500", token).await.expect(StatusCode::OK);
            let ids: Vec<&Value> = r.body["data"].as_array().unwrap().iter().map(|t| &t["id"]).collect();
            assert_eq!(ids.contains(&&json!(t_b)), visible, "team B transaction in {role}'s list");
            assert!(ids.contains(&&json!(t_a1)), "own-team transaction missing from {role}'s list");
        }
        // Deals and activities of rep A1: deleted and restored by those who may write them.
        let (_, rep1) = &w.tokens[2];
        for ((role, token), expected) in w.tokens.iter().zip([204, 204, 204, 403, 404, 403]) {
            let d = app.post("/api/v1/deals", rep1, json!({"title": format!("del {role}"), "customer_id": a1, "currency": "EUR"})).await.expect(StatusCode::CREATED);
            let path = format!("/api/v1/deals/{}", d.body["id"].as_str().unwrap());
            let r = app.delete(&path, token).await;
            assert_eq!(r.status.as_u16(), expected, "delete deal as {role}: {}", r.body);
            let r = app.post(&format!("{path}/restore"), token, json!({})).await;
            assert_eq!(r.status.as_u16(), if expected == 204 { 200 } else { expected }, "restore deal as {role}: {}", r.body);
        }
        for ((role, token), expected) in w.tokens.iter().zip([204, 204, 204, 403, 403, 403]) {
            let a = app.post("/api/v1/activities", rep1, json!({"kind": "note", "subject": format!("del {role}"), "customer_id": a1})).await.expect(StatusCode::CREATED);
            let path = format!("/api/v1/activities/{}", a.body["id"].as_str().unwrap());
            let r = app.delete(&path, token).await;
            assert_eq!(r.status.as_u16(), expected, "delete activity as {role}: {}", r.body);
            let r = app.post(&format!("{path}/restore"), token, json!({})).await;
            assert_eq!(r.status.as_u16(), if expected == 204 { 200 } else { expected }, "restore activity as {role}: {}", r.body);
        }
        // Lists only show the deals and activities the role may read.
        let has = |body: &Value, id: &str| body["data"].as_array().unwrap().iter().any(|c| c["id"] == json!(id));
        for ((role, token), visible) in w.tokens.iter().zip([true, false, false, false, true, true]) {
            let r = app.get("/api/v1/activities?limit=500", token).await.expect(StatusCode::OK);
            assert_eq!(has(&r.body, &w.act_b), visible, "team B activity in {role}'s list");
            if *role != "support" {
                let r = app.get("/api/v1/deals?limit=500", token).await.expect(StatusCode::OK);
                assert_eq!(has(&r.body, &w.d_b), visible, "team B deal in {role}'s list");
                assert!(has(&r.body, &w.d_a1), "team A deal in {role}'s list");
            }
        }
        // Reassigning an owner needs customers:reassign (admins, managers of the team).
        let rep2_id = app.get("/api/v1/auth/me", &w.tokens[3].1).await.body["id"].clone();
        for ((role, token), expected) in w.tokens.iter().zip([200, 200, 403, 403, 403, 403]) {
            let c = app.customer(&w.tokens[2].1, json!({"name": format!("reassign {role}")})).await;
            let r = app.patch(&format!("/api/v1/customers/{}", c["id"].as_str().unwrap()), token, json!({"owner_id": rep2_id})).await;
            assert_eq!(r.status.as_u16(), expected, "reassign as {role}: {}", r.body);
        }
        // Lists only show what the role may read.
        let seen = |body: &Value| body["data"].as_array().unwrap().iter().any(|c| c["id"] == json!(b));
        for ((role, token), visible) in w.tokens.iter().zip([true, false, false, false, true, true]) {
            let r = app.get("/api/v1/customers?limit=500", token).await.expect(StatusCode::OK);
            assert_eq!(seen(&r.body), visible, "team B customer in {role}'s list");
        }
        let team_users = app.get("/api/v1/users", &w.tokens[1].1).await.expect(StatusCode::OK);
        assert!(team_users.body["data"].as_array().unwrap().iter().all(|u| u["team_id"] == json!(w.team_a)));
        // A rep's new record is theirs; a manager cannot hand records to another team's user.
        let (rep_b, _) = app.user("rep2@b.test", Role::SalesRep, None).await;
        let r = app.post("/api/v1/customers", &w.tokens[1].1, json!({"name": "Z", "owner_id": rep_b})).await;
        assert_eq!(r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "owner_id");
        let r = app.post("/api/v1/customers", &w.tokens[2].1, json!({"name": "Mine"})).await.expect(StatusCode::CREATED);
        assert_eq!(r.body["owner_id"], json!(w.rep_a1));
        assert_eq!(r.body["team_id"], json!(w.team_a));
        let r = app.call(Method::DELETE, &format!("/api/v1/teams/{}", w.team_a), Some(&app.admin), None).await.expect(StatusCode::CONFLICT);
        assert_eq!(r.body["code"], "team_not_empty", "{}", r.body);
    })
    .await;
}

fn vary(mut body: Value, role: &str) -> Value {
    if let Some(o) = body.as_object_mut() {
        for key in ["email", "name", "sku"] {
            if let Some(Value::String(s)) = o.get(key).cloned() {
                let v = if key == "sku" {
                    format!("{s}-{role}")
                } else if key == "email" {
                    format!("{role}.{s}")
                } else {
                    format!("{s} {role}")
                };
                o.insert(key.into(), Value::String(v));
            }
        }
    }
    body
}
