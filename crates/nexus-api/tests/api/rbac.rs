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
    let (rep_b, _) = app.user("rep@b.test", Role::SalesRep, Some(&team_b)).await;
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
    World {
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
        for key in ["email", "name"] {
            if let Some(Value::String(s)) = o.get(key).cloned() {
                let v = if key == "email" {
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
