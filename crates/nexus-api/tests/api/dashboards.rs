//! The dashboards: figures that follow writes made through the API, each within the caller's
//! scope, and field-by-field 422s for bad ranges and parameters.

use crate::helpers::*;
use axum::http::StatusCode;
use nexus_core::auth::Role;
use serde_json::{Value, json};

fn revenue_of(body: &Value, month: &str, currency: &str) -> (i64, i64) {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["month"] == month && r["currency"] == currency)
        .map_or((0, 0), |r| {
            (
                r["revenue"].as_i64().unwrap(),
                r["purchases"].as_i64().unwrap(),
            )
        })
}

fn error_fields(r: &Res) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn dashboards_follow_writes_within_the_callers_scope() {
    on_backends(|app| async move {
        let north = app.team("North").await;
        let south = app.team("South").await;
        let (_, rep_n) = app
            .user("rep-n@dash.test", Role::SalesRep, Some(&north))
            .await;
        let (_, rep_s) = app
            .user("rep-s@dash.test", Role::SalesRep, Some(&south))
            .await;
        let cn = id_of(&app.customer(&rep_n, json!({"name": "North Buyer"})).await);
        let cs = id_of(&app.customer(&rep_s, json!({"name": "South Buyer"})).await);
        let eur = app.product("DASH-EUR", 1000, "EUR").await;
        let sale = |c: &str, q: i64, when: &str, status: &str| {
            json!({"customer_id": c, "status": status, "occurred_at": when,
                   "items": [{"product_id": eur["id"], "quantity": q}]})
        };
        app.transaction(&rep_n, sale(&cn, 2, "2026-01-10T10:00:00Z", "completed"))
            .await;
        app.transaction(&rep_n, sale(&cn, 1, "2026-02-10T10:00:00Z", "completed"))
            .await;
        let pending = app
            .transaction(&rep_s, sale(&cs, 5, "2026-02-20T10:00:00Z", "pending"))
            .await;

        let url = "/api/v1/dashboards/revenue?from=2026-01&to=2026-03";
        let all = app.get(url, &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(all["from"], "2026-01");
        assert_eq!(
            all["data"].as_array().unwrap().len(),
            3,
            "every month of the range: {all}"
        );
        assert_eq!(revenue_of(&all, "2026-01", "EUR"), (2000, 1));
        assert_eq!(revenue_of(&all, "2026-02", "EUR"), (1000, 1));
        assert_eq!(revenue_of(&all, "2026-03", "EUR"), (0, 0));

        // Completing the pending sale counts it; the South rep sees only South's revenue.
        let t = format!("/api/v1/transactions/{}", id_of(&pending));
        app.patch(&t, &rep_s, json!({"status": "completed"}))
            .await
            .expect(StatusCode::OK);
        let all = app.get(url, &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(revenue_of(&all, "2026-02", "EUR"), (6000, 2));
        let south_view = app.get(url, &rep_s).await.expect(StatusCode::OK).body;
        assert_eq!(revenue_of(&south_view, "2026-01", "EUR"), (0, 0));
        assert_eq!(revenue_of(&south_view, "2026-02", "EUR"), (5000, 1));

        // Top customers, ranked and scoped.
        let top = app
            .get("/api/v1/dashboards/top-customers", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(top["currency"], "EUR");
        let names: Vec<&str> = top["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["South Buyer", "North Buyer"]);
        let north_top = app
            .get(
                "/api/v1/dashboards/top-customers?currency=eur&limit=5",
                &rep_n,
            )
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(north_top["data"].as_array().unwrap().len(), 1);
        assert_eq!(north_top["data"][0]["revenue"], 3000);

        // New customers this month: two, one per team.
        let today = chrono::Utc::now().date_naive();
        let nc = app
            .get(
                &format!("/api/v1/dashboards/new-customers?period=day&from={today}&to={today}"),
                &app.admin,
            )
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(
            nc["data"],
            json!([{"period_start": today.to_string(), "customers": 2}])
        );
        let nc_n = app
            .get(
                &format!("/api/v1/dashboards/new-customers?period=week&to={today}&from={today}"),
                &rep_n,
            )
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(nc_n["data"][0]["customers"], 1);

        // Pipeline: a deal of each team in the first stage, weighted by its probability.
        for (token, c, value) in [(&rep_n, &cn, 10_000), (&rep_s, &cs, 4_000)] {
            app.post(
                "/api/v1/deals",
                token,
                json!({"title": "Deal", "customer_id": c, "value": value, "currency": "EUR"}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        let p = app
            .get("/api/v1/dashboards/pipeline", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(p["name"], "Sales");
        let first = &p["stages"][0];
        assert_eq!(first["deals"], 2);
        let prob = first["probability"].as_i64().unwrap();
        assert_eq!(
            first["totals"],
            json!([{"currency": "EUR", "value": 14_000, "weighted_value": 14_000 * prob / 100}])
        );
        assert_eq!(
            p["stages"].as_array().unwrap().len(),
            6,
            "every stage, also empty ones"
        );
        let p_s = app
            .get("/api/v1/dashboards/pipeline", &rep_s)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(p_s["stages"][0]["totals"][0]["value"], 4_000);

        // Activity volume per rep.
        for (token, c, kind) in [
            (&rep_n, &cn, "call"),
            (&rep_n, &cn, "call"),
            (&rep_n, &cn, "note"),
            (&rep_s, &cs, "email"),
        ] {
            app.post(
                "/api/v1/activities",
                token,
                json!({"kind": kind, "subject": "Touch", "customer_id": c}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        let a = app
            .get("/api/v1/dashboards/activity", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        let reps = a["data"].as_array().unwrap();
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[0]["total"], 3, "most active first: {a}");
        assert_eq!(reps[0]["by_kind"], json!({"call": 2, "note": 1}));
        let a_s = app
            .get("/api/v1/dashboards/activity", &rep_s)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(a_s["data"].as_array().unwrap().len(), 1);
        assert_eq!(a_s["data"][0]["by_kind"], json!({"email": 1}));
    })
    .await;
}

#[tokio::test]
async fn bad_dashboard_parameters_are_422_field_by_field() {
    on_backends(|app| async move {
        let cases: &[(&str, &[&str])] = &[
            (
                "/api/v1/dashboards/revenue?from=2026-13&to=2026",
                &["from", "to"],
            ),
            (
                "/api/v1/dashboards/revenue?from=2026-05&to=2026-01",
                &["from"],
            ),
            (
                "/api/v1/dashboards/revenue?from=2000-01&to=2026-01",
                &["to"],
            ),
            ("/api/v1/dashboards/revenue?month=2026-01", &["month"]),
            (
                "/api/v1/dashboards/new-customers?period=year&from=2026-02-30",
                &["period", "from"],
            ),
            (
                "/api/v1/dashboards/new-customers?from=2000-01-01&to=2026-01-01",
                &["to"],
            ),
            ("/api/v1/dashboards/activity?from=yesterday", &["from"]),
            (
                "/api/v1/dashboards/activity?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
                &["from"],
            ),
            (
                "/api/v1/dashboards/top-customers?currency=EURO&limit=0",
                &["currency", "limit"],
            ),
            (
                "/api/v1/dashboards/pipeline?pipeline_id=nope",
                &["pipeline_id"],
            ),
        ];
        for (url, fields) in cases {
            let r = app.get(url, &app.admin).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{url}: {}",
                r.body
            );
            assert_eq!(error_fields(&r), fields.to_vec(), "{url}");
        }
        let missing = app
            .get(
                &format!(
                    "/api/v1/dashboards/pipeline?pipeline_id={}",
                    uuid::Uuid::now_v7()
                ),
                &app.admin,
            )
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        // No revenue yet: no currency to rank, an empty list.
        let top = app
            .get("/api/v1/dashboards/top-customers", &app.admin)
            .await
            .expect(StatusCode::OK)
            .body;
        assert_eq!(top, json!({"currency": null, "data": []}));
    })
    .await;
}
