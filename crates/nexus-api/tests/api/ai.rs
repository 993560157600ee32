//! The AI layer through the API, in both modes: in-process, and as a separate AI service
//! (`nexus ai serve`'s router on a real port, called over HTTP). Training from data written
//! through the API, promotion and rejection of versions, the creation flow's classification
//! (and its pending path when the AI service is slow or down), insights, forecast, segments and
//! sentiment.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use chrono::{Duration as Days, Utc};
use nexus_api::ai_client::RemoteAi;
use nexus_api::ai_service::{AiServiceState, router as ai_router};
use nexus_core::ai::local::LocalAi;
use nexus_core::ai::train::{TrainSettings, Trainer};
use nexus_core::ai::{AiLayer, ModelKind, ModelStatus};
use nexus_core::auth::Role;
use nexus_core::bus::EventBus;
use nexus_core::services::{Policy, Services};
use nexus_core::store::Store;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
enum Mode {
    InProcess,
    Service,
}

/// A trainer over `store` and an AI service serving its models on a real port; returns the
/// trainer and the service's URL.
fn spawn_ai_service(store: Arc<dyn Store>, token: Option<&str>) -> (Trainer, String) {
    let local = LocalAi::new(store.clone());
    let trainer = Trainer::new(
        store,
        EventBus::default(),
        local.clone(),
        TrainSettings::default(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    serve_ai(listener, local, trainer.clone(), token);
    (trainer, url)
}

fn serve_ai(listener: std::net::TcpListener, ai: LocalAi, trainer: Trainer, token: Option<&str>) {
    let state = AiServiceState {
        ai,
        trainer,
        token: token.map(Arc::from),
        metrics: nexus_api::metrics_handle(),
        started: std::time::Instant::now(),
    };
    tokio::spawn(async move {
        let l = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(l, ai_router(state)).await.unwrap();
    });
}

fn remote(url: &str, token: Option<&str>) -> Arc<dyn AiLayer> {
    Arc::new(RemoteAi::new(url, token.map(str::to_owned), Duration::from_secs(5)).unwrap())
}

/// Runs `test` on every backend in `mode`, with the trainer of the models the app serves.
async fn on_backends_in<F, Fut>(mode: Mode, test: F)
where
    F: Fn(TestApp, Trainer) -> Fut,
    Fut: Future<Output = ()>,
{
    let trainer: Arc<Mutex<Option<Trainer>>> = Arc::default();
    let slot = trainer.clone();
    let build = move |store: Arc<dyn Store>| {
        let services = match mode {
            Mode::InProcess => Services::new(store, EventBus::default(), Policy::default()),
            Mode::Service => {
                let (t, url) = spawn_ai_service(store.clone(), None);
                let s = Services::with_ai(
                    store,
                    EventBus::default(),
                    Policy::default(),
                    Some(remote(&url, None)),
                );
                *slot.lock().unwrap() = Some(t);
                return s;
            }
        };
        *slot.lock().unwrap() = services.ai.trainer().cloned();
        services
    };
    on_backends_built(
        |_| {},
        build,
        |app| {
            let t = trainer.lock().unwrap().clone().unwrap();
            eprintln!("AI mode: {mode:?}");
            test(app, t)
        },
    )
    .await;
}

/// Three kinds of buyers over the last 18 months: big companies buying often and much,
/// people who bought once long ago, and people buying small orders regularly. Returns the
/// customer ids per group and the product ids.
struct Seeded {
    big: Vec<String>,
    lapsed: Vec<String>,
    regular: Vec<String>,
    products: Vec<String>,
}

async fn seed_buyers(app: &TestApp) -> Seeded {
    let mut products = Vec::new();
    for (i, price) in [90_000, 45_000, 12_000, 2_500, 1_500, 900]
        .iter()
        .enumerate()
    {
        products.push(id_of(&app.product(&format!("AI-{i}"), *price, "EUR").await));
    }
    let mut items = Vec::new();
    for i in 0..12 {
        items.push(json!({"kind": "company", "name": format!("Big Corp {i}"),
            "email": format!("buying@bigcorp{i}.io"), "tags": ["enterprise"], "status": "customer"}));
    }
    for i in 0..12 {
        items.push(json!({"name": format!("Lapsed Person {i}"),
            "email": format!("lapsed{i}@gmail.com"), "tags": ["consumer"], "status": "churned"}));
    }
    for i in 0..12 {
        items.push(json!({"name": format!("Regular Person {i}"),
            "email": format!("regular{i}@outlook.com"), "tags": ["newsletter"], "status": "customer"}));
    }
    let created = app
        .post(
            "/api/v1/customers/batch",
            &app.admin,
            json!({"items": items}),
        )
        .await
        .expect(StatusCode::CREATED)
        .body;
    let ids: Vec<String> = created["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    let now = Utc::now();
    let order = |c: &str, days_ago: i64, product: &str, quantity: i64| {
        json!({"customer_id": c, "status": "completed",
            "occurred_at": (now - Days::days(days_ago)).to_rfc3339(),
            "items": [{"product_id": product, "quantity": quantity}]})
    };
    for (i, c) in ids[0..12].iter().enumerate() {
        for k in 0..8 {
            let p = &products[(i + k) % 3];
            app.transaction(&app.admin, order(c, 10 + k as i64 * 65 + i as i64, p, 5))
                .await;
        }
    }
    for (i, c) in ids[12..24].iter().enumerate() {
        app.transaction(&app.admin, order(c, 420 + i as i64 * 9, &products[4], 1))
            .await;
    }
    for (i, c) in ids[24..36].iter().enumerate() {
        for k in 0..4 {
            let p = &products[3 + (i + k) % 3];
            app.transaction(&app.admin, order(c, 20 + k as i64 * 40 + i as i64, p, 1))
                .await;
        }
    }
    Seeded {
        big: ids[0..12].to_vec(),
        lapsed: ids[12..24].to_vec(),
        regular: ids[24..36].to_vec(),
        products,
    }
}

/// 36 deals on the default pipeline, closed from every open stage: won mostly from the later
/// stages, lost mostly from the early ones; returns an open deal in the last open stage and one
/// in the first.
async fn seed_deals(app: &TestApp, customers: &[String]) -> (String, String) {
    let p = app.get("/api/v1/pipelines", &app.admin).await.body["data"][0].clone();
    let open: Vec<String> = p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "open")
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let last = open.len() - 1;
    let deal = |i: usize, stage: usize| {
        let customer = customers[i % customers.len()].clone();
        let stage_id = open[stage].clone();
        async move {
            let d = app
                .post(
                    "/api/v1/deals",
                    &app.admin,
                    json!({"title": format!("Deal {i}"),
                "customer_id": customer, "value": 100_000 + 5_000 * i as i64, "currency": "EUR"}),
                )
                .await
                .expect(StatusCode::CREATED)
                .body;
            let id = id_of(&d);
            if stage > 0 {
                app.patch(
                    &format!("/api/v1/deals/{id}"),
                    &app.admin,
                    json!({"stage_id": stage_id}),
                )
                .await
                .expect(StatusCode::OK);
            }
            id
        }
    };
    for i in 0..36 {
        let stage = i % (last + 1);
        let id = deal(i, stage).await;
        let late = stage * 2 >= last;
        let won = late != (i % 9 == 0);
        if won {
            // Won deals had a call logged: the win model learns a weight for activities.
            app.post(
                "/api/v1/activities",
                &app.admin,
                json!({"kind": "call", "subject": "Demo", "deal_id": id}),
            )
            .await
            .expect(StatusCode::CREATED);
        }
        let body = if won {
            json!({"status": "won"})
        } else {
            json!({"status": "lost", "lost_reason": "Budget"})
        };
        app.patch(&format!("/api/v1/deals/{id}"), &app.admin, body)
            .await
            .expect(StatusCode::OK);
    }
    let late = deal(100, last).await;
    let early = deal(101, 0).await;
    (late, early)
}

async fn customer(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/customers/{id}"), &app.admin)
        .await
        .expect(StatusCode::OK)
        .body
}

async fn insights(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/customers/{id}/insights"), &app.admin)
        .await
        .expect(StatusCode::OK)
        .body
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

async fn the_ai_layer_trains_classifies_and_explains(mode: Mode) {
    on_backends_in(mode, |app, trainer| async move {
        // Before any training: customers are created unscored; nothing to forecast.
        let early = app.customer(&app.admin, json!({"name": "Early Bird"})).await;
        assert_eq!(early["segment"], Value::Null);
        assert_eq!(early["segment_status"], "unscored");
        app.get("/api/v1/ai/segments", &app.admin).await.expect(StatusCode::NOT_FOUND);
        app.get("/api/v1/ai/forecast/revenue", &app.admin).await.expect(StatusCode::NOT_FOUND);
        let none = insights(&app, &id_of(&early)).await;
        assert_eq!(none["segment"], Value::Null);
        assert_eq!(none["value"], Value::Null);

        let s = seed_buyers(&app).await;
        let (late, early) = seed_deals(&app, &s.big).await;
        let open_before = app.get(&format!("/api/v1/deals/{late}"), &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(open_before["win_probability"], Value::Null);
        let report = trainer.run().await.unwrap();
        let kinds: Vec<ModelKind> = report.models.iter().map(|m| m.model).collect();
        assert_eq!(
            kinds,
            [ModelKind::Segments, ModelKind::Clv, ModelKind::Tier, ModelKind::Forecast, ModelKind::Recommend, ModelKind::Win]
        );
        assert!(report.models.iter().all(|m| m.status == ModelStatus::Serving && m.version == 1), "{report:?}");
        // Every buyer got a behavioural segment, the early customer a predicted one.
        assert_eq!(report.resegmented, 37, "{report:?}");

        // The registry, admins only.
        let models = app.get("/api/v1/ai/models", &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(models["serving"].as_array().unwrap().len(), 6);
        assert_eq!(models["versions"].as_array().unwrap().len(), 6);
        let win = models["serving"].as_array().unwrap().iter().find(|m| m["model"] == "win").unwrap();
        assert!(f(&win["metrics"]["auc"]) > 0.5, "{win}");

        // Deals carry their win probability: later stages more likely won than early ones,
        // closed deals 1 or 0; the probability is derived, never a change in the history, and
        // never frozen in the record cache (`late` was read, so cached, before training).
        let late_deal = app.get(&format!("/api/v1/deals/{late}"), &app.admin).await.expect(StatusCode::OK).body;
        let early_deal = app.get(&format!("/api/v1/deals/{early}"), &app.admin).await.expect(StatusCode::OK).body;
        let (pl, pe) = (f(&late_deal["win_probability"]), f(&early_deal["win_probability"]));
        assert!(0.0 < pe && pe < pl && pl < 1.0, "early {pe}, late {pl}");
        let listed = app.get("/api/v1/deals?limit=100", &app.admin).await.expect(StatusCode::OK).body;
        for d in listed["data"].as_array().unwrap() {
            let p = f(&d["win_probability"]);
            match d["status"].as_str().unwrap() {
                "won" => assert_eq!(p, 1.0),
                "lost" => assert_eq!(p, 0.0),
                _ => assert!((0.0..=1.0).contains(&p)),
            }
        }
        let moved = app.patch(&format!("/api/v1/deals/{early}"), &app.admin, json!({"title": "Renamed"})).await.expect(StatusCode::OK).body;
        assert!(moved["win_probability"].is_number());
        // The pipeline a deal is scored with is kept between reads (no store read per deal
        // read) and forgotten when the pipeline changes: a new probability for the deal's stage
        // moves its win probability on the next read.
        let pipeline = app.get(&format!("/api/v1/pipelines/{}", moved["pipeline_id"].as_str().unwrap()), &app.admin).await.expect(StatusCode::OK).body;
        let mut stages: Vec<Value> = pipeline["stages"].as_array().unwrap().iter()
            .map(|s| json!({"id": s["id"], "name": s["name"], "kind": s["kind"], "probability": s["probability"]}))
            .collect();
        let stage = stages.iter().position(|s| s["id"] == moved["stage_id"]).unwrap();
        let old = stages[stage]["probability"].as_i64().unwrap();
        stages[stage]["probability"] = json!(if old < 50 { 95 } else { 5 });
        let before = f(&app.get(&format!("/api/v1/deals/{early}"), &app.admin).await.expect(StatusCode::OK).body["win_probability"]);
        app.patch(&format!("/api/v1/pipelines/{}", pipeline["id"].as_str().unwrap()), &app.admin, json!({"stages": stages})).await.expect(StatusCode::OK);
        let after = f(&app.get(&format!("/api/v1/deals/{early}"), &app.admin).await.expect(StatusCode::OK).body["win_probability"]);
        assert_ne!(before, after, "stage probability {old} → the win probability stayed {before}");
        // So is the deal's number of activities, forgotten when an activity is logged.
        app.post("/api/v1/activities", &app.admin, json!({"kind": "call", "subject": "Follow-up", "deal_id": early}))
            .await
            .expect(StatusCode::CREATED);
        let logged = f(&app.get(&format!("/api/v1/deals/{early}"), &app.admin).await.expect(StatusCode::OK).body["win_probability"]);
        assert_ne!(after, logged, "a logged call left the win probability at {after}");
        app.state.store.sequence_events(10_000).await.unwrap();
        let h = app.get(&format!("/api/v1/deals/{early}/history"), &app.admin).await.expect(StatusCode::OK).body;
        assert!(h["data"].as_array().unwrap().iter().all(|e| e["changes"].get("win_probability").is_none()), "{h}");
        let tier = models["serving"].as_array().unwrap().iter().find(|m| m["model"] == "tier").unwrap();
        assert!(f(&tier["metrics"]["accuracy"]) >= f(&tier["metrics"]["majority_baseline_accuracy"]), "{tier}");
        let (_, rep) = app.user("rep@ai.test", Role::SalesRep, None).await;
        app.get("/api/v1/ai/models", &rep).await.expect(StatusCode::FORBIDDEN);
        app.post("/api/v1/ai/training", &rep, json!({})).await.expect(StatusCode::FORBIDDEN);
        app.get("/api/v1/ai/segments", &rep).await.expect(StatusCode::FORBIDDEN);
        app.get("/api/v1/ai/forecast/revenue", &rep).await.expect(StatusCode::FORBIDDEN);

        // Segments: the three behaviours land in different segments.
        let mut groups: Vec<std::collections::BTreeSet<String>> = Vec::new();
        for ids in [&s.big, &s.lapsed, &s.regular] {
            let mut names = std::collections::BTreeSet::new();
            for id in ids {
                let c = customer(&app, id).await;
                assert_eq!(c["segment_status"], "assigned");
                names.insert(c["segment"].as_str().unwrap().to_owned());
            }
            groups.push(names);
        }
        let (big_segments, lapsed_segments, regular_segments) = (&groups[0], &groups[1], &groups[2]);
        assert!(big_segments.is_disjoint(lapsed_segments), "{groups:?}");
        assert!(big_segments.is_disjoint(regular_segments), "{groups:?}");
        let big = customer(&app, &s.big[0]).await["segment"].as_str().unwrap().to_owned();
        let summary = app.get("/api/v1/ai/segments", &app.admin).await.expect(StatusCode::OK).body;
        let counted: u64 = summary["segments"].as_array().unwrap().iter().map(|x| x["customers"].as_u64().unwrap()).sum();
        assert_eq!(counted, 36);
        assert_eq!(summary["currency"], "EUR");
        // The re-segmentation is an audited change.
        app.state.store.sequence_events(10_000).await.unwrap();
        let h = app.get(&format!("/api/v1/customers/{}/history", s.big[0]), &app.admin).await.expect(StatusCode::OK).body;
        let updated = h["data"].as_array().unwrap().iter().find(|e| e["action"] == "updated").expect("an update event");
        assert_eq!(updated["changes"]["segment"]["after"], big.as_str());
        assert_eq!(updated["actor_id"], Value::Null);

        // The creation flow: a new customer is classified from its profile in the response.
        let newco = app.customer(&app.admin, json!({"kind": "company", "name": "Fresh Corp",
            "email": "hello@freshcorp.io", "tags": ["enterprise"]})).await;
        assert_eq!(newco["segment_status"], "assigned");
        assert!(big_segments.contains(newco["segment"].as_str().unwrap()), "{newco}");
        assert!(f(&newco["segment_confidence"]) > 0.5, "{newco}");
        let person = app.customer(&app.admin, json!({"name": "Fresh Person",
            "email": "fresh@gmail.com", "tags": ["consumer"], "status": "churned"})).await;
        assert!(lapsed_segments.contains(person["segment"].as_str().unwrap()), "{person}");

        // Insights, with their versions and reasons.
        let b = insights(&app, &s.big[0]).await;
        assert_eq!(b["segment"]["basis"], "behaviour");
        assert_eq!(b["segment"]["name"], big.as_str());
        assert_eq!(b["segment"]["source"]["model"], "segments@1");
        assert!((1..=5).contains(&b["segment"]["r_score"].as_u64().unwrap()));
        assert_eq!(b["segment"]["factors"].as_array().unwrap().len(), 3);
        assert!(f(&b["value"]["clv_12_months"]) > 0.0, "{b}");
        assert!(f(&b["value"]["expected_purchases_90_days"]) > 0.0);
        let l = insights(&app, &s.lapsed[0]).await;
        assert!(f(&l["value"]["churn_risk"]) >= f(&b["value"]["churn_risk"]), "{l} vs {b}");
        let recs = b["recommendations"]["items"].as_array().unwrap();
        assert!(!recs.is_empty());
        let bought = [&s.products[0], &s.products[1], &s.products[2]];
        for r in recs {
            assert!(!bought.contains(&&r["product_id"].as_str().unwrap().to_owned()), "{r}");
            assert!(r["name"].as_str().unwrap().starts_with("Product AI-"));
        }
        // Bought together: the big buyers' three products go together.
        let with = app.get(&format!("/api/v1/products/{}/bought-together", s.products[0]), &rep).await.expect(StatusCode::OK).body;
        let companions: Vec<&str> = with["items"].as_array().unwrap().iter().map(|i| i["product_id"].as_str().unwrap()).collect();
        assert!(companions.contains(&s.products[1].as_str()) && companions.contains(&s.products[2].as_str()), "{with}");
        assert!(!companions.contains(&s.products[0].as_str()));
        assert_eq!(with["items"][0]["reason"], "bought_together");
        app.get(&format!("/api/v1/products/{}/bought-together", uuid::Uuid::now_v7()), &app.admin).await.expect(StatusCode::NOT_FOUND);
        let fresh = insights(&app, &id_of(&newco)).await;
        assert_eq!(fresh["segment"]["basis"], "profile");
        assert_eq!(fresh["recommendations"]["items"][0]["reason"], "popular");
        app.get(&format!("/api/v1/customers/{}/insights", s.big[0]), &rep).await.expect(StatusCode::NOT_FOUND);

        // The revenue forecast: twelve months with nested intervals.
        let fc = app.get("/api/v1/ai/forecast/revenue", &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(fc["currency"], "EUR");
        assert!(fc["history"].as_array().unwrap().len() >= 12);
        let months = fc["forecast"].as_array().unwrap();
        assert_eq!(months.len(), 12);
        for m in months {
            let (lo95, lo80, mean, hi80, hi95) = (f(&m["lo95"]), f(&m["lo80"]), f(&m["mean"]), f(&m["hi80"]), f(&m["hi95"]));
            assert!(lo95 <= lo80 && lo80 <= mean && mean <= hi80 && hi80 <= hi95, "{m}");
        }

        // Sentiment on every activity body, and its trend in the insights.
        let c = &s.regular[0];
        let happy = app.post("/api/v1/activities", &app.admin, json!({"kind": "call", "customer_id": c,
            "subject": "Follow-up", "body": "Great call, they are very happy and love the new plan!"})).await.expect(StatusCode::CREATED).body;
        assert!(f(&happy["sentiment"]) > 0.5, "{happy}");
        let patched = app.patch(&format!("/api/v1/activities/{}", id_of(&happy)), &app.admin,
            json!({"body": "Terrible call. They are angry and want to cancel."})).await.expect(StatusCode::OK).body;
        assert!(f(&patched["sentiment"]) < -0.5, "{patched}");
        let silent = app.post("/api/v1/activities", &app.admin, json!({"kind": "task", "customer_id": c,
            "subject": "Send contract"})).await.expect(StatusCode::CREATED).body;
        assert_eq!(silent["sentiment"], Value::Null);
        let scored = app.post("/api/v1/ai/sentiment", &app.admin,
            json!({"texts": ["Terrible call. They are angry and want to cancel.", "ok"]})).await.expect(StatusCode::OK).body;
        assert_eq!(scored["results"][0]["compound"], patched["sentiment"]);
        assert_eq!(scored["model"], "vader-3.3.2");
        let i = insights(&app, c).await;
        assert_eq!(i["sentiment"]["n"], 1);
        assert_eq!(i["sentiment"]["last"], patched["sentiment"]);
        let bad = app.post("/api/v1/ai/sentiment", &app.admin, json!({"texts": [1], "extra": true})).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<&str> = bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["extra", "texts[0]"]);
        app.post("/api/v1/ai/sentiment", &app.admin, json!({"texts": []})).await.expect(StatusCode::UNPROCESSABLE_ENTITY);
        app.get("/api/v1/ai/segments?x=1", &app.admin).await.expect(StatusCode::UNPROCESSABLE_ENTITY);

        // A second run on the same data scores the same: promoted, the first retired.
        let again = trainer.run().await.unwrap();
        assert!(again.models.iter().all(|m| m.status == ModelStatus::Serving && m.version == 2), "{again:?}");
        // A candidate scoring worse than the serving version is recorded but not promoted.
        let stored = app.state.store.serving_models().await.unwrap();
        let (mut info, state) = stored.into_iter().find(|(i, _)| i.model == ModelKind::Recommend).unwrap();
        info.id = uuid::Uuid::now_v7();
        // Recorded as scoring better than any candidate can (HR@10 is at most 1).
        info.metrics = json!({"hr_at_10": 2.0});
        let best = app.state.store.record_model(&info, &state).await.unwrap();
        let third = trainer.run().await.unwrap();
        let rec = third.models.iter().find(|m| m.model == ModelKind::Recommend).unwrap();
        assert_eq!(rec.status, ModelStatus::Rejected);
        assert!(rec.reason.as_deref().unwrap().contains("below the serving version"), "{rec:?}");
        let models = app.get("/api/v1/ai/models", &app.admin).await.expect(StatusCode::OK).body;
        assert_eq!(models["serving"].as_array().unwrap().len(), 6);
        let serving_rec = models["serving"].as_array().unwrap().iter().find(|m| m["model"] == "recommend").unwrap().clone();
        assert_eq!(serving_rec["version"], best);
        let retired = models["versions"].as_array().unwrap().iter()
            .filter(|m| m["model"] == "segments" && m["status"] == "retired").count();
        assert_eq!(retired, 2);
    })
    .await;
}

#[tokio::test]
async fn the_ai_layer_in_process() {
    the_ai_layer_trains_classifies_and_explains(Mode::InProcess).await;
}

#[tokio::test]
async fn the_ai_layer_as_a_separate_service() {
    the_ai_layer_trains_classifies_and_explains(Mode::Service).await;
}

/// The seed's flow when the AI layer is slow or down: the customer is still created (pending),
/// and the retrying job classifies it once the AI service answers, with `customer.updated`.
/// Activities written meanwhile have no sentiment until the sentiment job scores them, with
/// `activity.updated`.
#[tokio::test]
async fn customers_are_created_while_the_ai_service_is_slow_or_down_and_classified_later() {
    let port: Arc<Mutex<Option<std::net::TcpListener>>> = Arc::default();
    let slot = port.clone();
    let build = move |store: Arc<dyn Store>| {
        // A port that accepts connections but never answers: the AI layer is "slow".
        let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", hung.local_addr().unwrap());
        *slot.lock().unwrap() = Some(hung);
        Services::with_ai(
            store,
            EventBus::default(),
            Policy::default(),
            Some(remote(&url, None)),
        )
    };
    on_backends_built(
        |_| {},
        build,
        |app| {
            let hung = port.lock().unwrap().take().unwrap();
            async move {
                let addr = hung.local_addr().unwrap();
                // Models trained from the store while the API cannot reach the AI service: the
                // seeded customers wait (pending) until the run segments them.
                let s = seed_buyers(&app).await;
                let local = LocalAi::new(app.state.store.clone());
                let trainer = Trainer::new(
                    app.state.store.clone(),
                    EventBus::default(),
                    local.clone(),
                    TrainSettings::default(),
                );
                trainer.run().await.unwrap();
                assert_eq!(
                    customer(&app, &s.big[0]).await["segment_status"],
                    "assigned"
                );

                let slow = app
                    .customer(
                        &app.admin,
                        json!({"kind": "company", "name": "Slow Co",
                "email": "buy@slowco.io", "tags": ["enterprise"]}),
                    )
                    .await;
                assert_eq!(slow["segment_status"], "pending");
                assert_eq!(slow["segment"], Value::Null);
                let (happy, angry) = (
                    "Great call, they are very happy and love the new plan!",
                    "Terrible call. They are angry and want to cancel.",
                );
                let note = |body: Option<&str>| {
                    let mut b =
                        json!({"kind": "call", "customer_id": slow["id"], "subject": "Call"});
                    if let Some(body) = body {
                        b["body"] = json!(body);
                    }
                    b
                };
                let slow_note = app
                    .post("/api/v1/activities", &app.admin, note(Some(happy)))
                    .await
                    .expect(StatusCode::CREATED)
                    .body;
                assert_eq!(slow_note["sentiment"], Value::Null);
                let ready = app
                    .call(Method::GET, "/health/ready", None, None)
                    .await
                    .expect(StatusCode::OK)
                    .body;
                assert_eq!(ready["checks"]["ai"]["status"], "degraded");
                // Down: nothing listens any more.
                drop(hung);
                let down = app
                    .customer(
                        &app.admin,
                        json!({"name": "Down Person", "email": "down@gmail.com",
                "tags": ["consumer"], "status": "churned"}),
                    )
                    .await;
                assert_eq!(down["segment_status"], "pending");
                assert!(app.state.services.ai.classify_pending(100).await.is_err());
                let down_note = app
                    .post("/api/v1/activities", &app.admin, note(Some(angry)))
                    .await
                    .expect(StatusCode::CREATED)
                    .body;
                let silent = app
                    .post("/api/v1/activities", &app.admin, note(None))
                    .await
                    .expect(StatusCode::CREATED)
                    .body;
                assert_eq!(down_note["sentiment"], Value::Null);
                assert!(
                    app.state
                        .services
                        .ai
                        .score_pending_sentiments(100)
                        .await
                        .is_err()
                );

                // The AI service comes up on that address.
                let socket = tokio::net::TcpSocket::new_v4().unwrap();
                socket.set_reuseaddr(true).unwrap();
                socket.bind(addr).unwrap();
                let listener = socket.listen(64).unwrap().into_std().unwrap();
                serve_ai(listener, local, trainer, None);
                let ready = app
                    .call(Method::GET, "/health/ready", None, None)
                    .await
                    .expect(StatusCode::OK)
                    .body;
                assert_eq!(ready["checks"]["ai"]["status"], "up");

                // The retrying job classifies both, each with a customer.updated event.
                let classified = app.state.services.ai.classify_pending(100).await.unwrap();
                assert_eq!(classified, 2);
                let big_segments: std::collections::BTreeSet<String> = {
                    let mut set = std::collections::BTreeSet::new();
                    for id in &s.big {
                        set.insert(
                            customer(&app, id).await["segment"]
                                .as_str()
                                .unwrap()
                                .to_owned(),
                        );
                    }
                    set
                };
                let slow_now = customer(&app, &id_of(&slow)).await;
                assert_eq!(slow_now["segment_status"], "assigned");
                assert!(
                    big_segments.contains(slow_now["segment"].as_str().unwrap()),
                    "{slow_now}"
                );
                assert_eq!(slow_now["version"], 2);
                app.state.store.sequence_events(10_000).await.unwrap();
                let events = app
                    .get("/api/v1/events?limit=500", &app.admin)
                    .await
                    .expect(StatusCode::OK)
                    .body;
                let update = events["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["type"] == "customer.updated" && e["entity_id"] == slow["id"])
                    .expect("customer.updated for the classified customer");
                assert_eq!(
                    update["changes"]["segment_status"],
                    json!({"before": "pending", "after": "assigned"})
                );
                assert_eq!(
                    app.state.services.ai.classify_pending(100).await.unwrap(),
                    0
                );

                // The sentiment job scores the two bodies written meanwhile: VADER's exact
                // compound, each with an activity.updated event without a user actor; the
                // activity without a body is never selected.
                let job = &app.state.services.ai;
                assert_eq!(job.score_pending_sentiments(100).await.unwrap(), 2);
                assert_eq!(job.score_pending_sentiments(100).await.unwrap(), 0);
                app.state.store.sequence_events(10_000).await.unwrap();
                for (a, text) in [(&slow_note, happy), (&down_note, angry)] {
                    let compound = nexus_core::ai::local::sentiment_of(text).compound;
                    let now = app
                        .get(&format!("/api/v1/activities/{}", id_of(a)), &app.admin)
                        .await
                        .expect(StatusCode::OK)
                        .body;
                    assert_eq!(now["sentiment"], json!(compound), "{now}");
                    assert_eq!(now["version"], 2);
                    let id: uuid::Uuid = id_of(a).parse().unwrap();
                    let events = app.state.store.entity_events(id, None, 10).await.unwrap();
                    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
                    assert_eq!(types, ["activity.created", "activity.updated"]);
                    let update = &events[1];
                    assert!(update.seq.is_some());
                    assert_eq!(update.actor_id, None);
                    assert_eq!(
                        Value::Object(update.changes.clone()),
                        json!({"sentiment": {"before": null, "after": compound}})
                    );
                }
                assert!(nexus_core::ai::local::sentiment_of(angry).compound < -0.5);
                let silent = app
                    .get(
                        &format!("/api/v1/activities/{}", id_of(&silent)),
                        &app.admin,
                    )
                    .await
                    .expect(StatusCode::OK)
                    .body;
                assert_eq!(
                    (&silent["sentiment"], &silent["version"]),
                    (&Value::Null, &json!(1))
                );
                // The customer's insights now see both notes.
                let i = insights(&app, &id_of(&slow)).await;
                assert_eq!(i["sentiment"]["n"], 2, "{i}");
            }
        },
    )
    .await;
}

/// The AI service refuses callers without its token.
#[tokio::test]
async fn the_ai_service_requires_its_token() {
    on_backends(|app| async move {
        let (_, url) = spawn_ai_service(app.state.store.clone(), Some("s3cret-token"));
        let profiles = vec![vec!["kind=person".to_owned()]];
        assert!(remote(&url, None).classify(&profiles).await.is_err());
        assert!(
            remote(&url, Some("wrong"))
                .classify(&profiles)
                .await
                .is_err()
        );
        let ok = remote(&url, Some("s3cret-token"))
            .classify(&profiles)
            .await
            .unwrap();
        assert_eq!(ok, vec![None]);
        // Health needs no token.
        assert!(remote(&url, None).ready().await.is_ok());
    })
    .await;
}
