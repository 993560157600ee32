//! Deals in the record cache (`GET /deals/{id}`), in process and in a real Redis: every kind of
//! deal write is seen by the next read, including the deals a move renumbered without naming
//! them; permissions apply to cached deals; a second instance sees writes of the first through
//! the shared Redis, or, with in-process caches, through the event log.

use crate::cache::{RedisServer, local_services, redis_services};
use crate::helpers::{TestApp, id_of, on_backends_built};
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use nexus_core::deal::Deal;
use nexus_core::event::Event;
use nexus_core::ids::DealId;
use nexus_core::store::DealWrite;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

fn deal_id(id: &str) -> DealId {
    DealId(Uuid::parse_str(id).unwrap())
}

fn path(id: &str) -> String {
    format!("/api/v1/deals/{id}")
}

/// The seeded pipeline's stage ids in board order (lead-in … won, lost).
async fn stages(app: &TestApp) -> Vec<String> {
    let p = app.get("/api/v1/pipelines", &app.admin).await.body["data"][0].clone();
    p["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn new_deal(app: &TestApp, token: &str, customer: &Value, title: &str) -> String {
    let body =
        json!({"title": title, "customer_id": customer["id"], "currency": "EUR", "value": 100});
    id_of(
        &app.post("/api/v1/deals", token, body)
            .await
            .expect(StatusCode::CREATED)
            .body,
    )
}

async fn stored(app: &TestApp, id: &str) -> Deal {
    app.state
        .store
        .get_deal(deal_id(id))
        .await
        .unwrap()
        .unwrap()
}

/// Retitles a deal in the store behind the cache's back (no eviction, and no event relay runs
/// in these apps): a read that still shows the old title was served from the cache.
async fn retitle_behind_the_cache(app: &TestApp, id: &str, title: &str) {
    let mut d = stored(app, id).await;
    let expected = d.version;
    d.title = title.into();
    d.version += 1;
    let ev = |d: &Deal| Event::new("deal", d.id.0, "updated", None, Default::default());
    let write = DealWrite {
        deal: &d,
        expected_version: expected,
        placement: None,
        stage_change: None,
        event: &ev,
    };
    assert!(app.state.store.update_deal(write).await.unwrap().is_some());
}

/// The stored deal as the API shows it, without what is derived when read.
fn shown(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("win_probability");
    v
}

/// `GET /deals/{id}` answers what the store holds now (404 when it holds no live deal), twice:
/// the first read may fill the cache, the second is served from it.
async fn assert_fresh(app: &TestApp, id: &str) {
    let stored = app
        .state
        .store
        .get_deal(deal_id(id))
        .await
        .unwrap()
        .filter(|d| d.deleted_at.is_none());
    for _ in 0..2 {
        let r = app.get(&path(id), &app.admin).await;
        match &stored {
            Some(d) => {
                let r = r.expect(StatusCode::OK);
                assert_eq!(
                    shown(r.body.clone()),
                    shown(serde_json::to_value(d).unwrap()),
                    "deal {id} differs from the store"
                );
                assert_eq!(r.header("etag"), Some(d.etag().as_str()));
            }
            None => {
                r.expect(StatusCode::NOT_FOUND);
            }
        }
    }
}

/// Moves `ids` into `stage` (which holds no other deal), in this order: the first one gets
/// position 0, which a renumbering changes.
async fn column(app: &TestApp, stage: &str, ids: &[&str]) {
    for id in ids {
        app.post(
            &format!("{}/move", path(id)),
            &app.admin,
            json!({"stage_id": stage}),
        )
        .await
        .expect(StatusCode::OK);
    }
    assert_eq!(stored(app, ids[0]).await.position, 0);
}

/// Drops `movers` in turn right below `anchor` (each drop halves the same gap) until a drop
/// renumbers the stage, reading every deal before each drop so that all of them are cached.
/// Returns the anchor's position before and after the renumbering drop, as stored.
async fn renumber(app: &TestApp, stage: &str, anchor: &str, movers: &[&str]) -> (i64, i64) {
    column(app, stage, &[&[anchor], movers].concat()).await;
    for round in 0..60 {
        for id in movers.iter().chain([&anchor]) {
            app.get(&path(id), &app.admin).await.expect(StatusCode::OK);
        }
        let before = stored(app, anchor).await.position;
        let mover = movers[round % movers.len()];
        app.post(
            &format!("{}/move", path(mover)),
            &app.admin,
            json!({"stage_id": stage, "after_id": anchor}),
        )
        .await
        .expect(StatusCode::OK);
        let after = stored(app, anchor).await.position;
        let events = app
            .state
            .store
            .entity_events(deal_id(mover).0, None, 100)
            .await
            .unwrap();
        let marked = nexus_core::deal::renumbers_stage(events.last().unwrap());
        assert_eq!(
            marked,
            after != before,
            "round {round}: marker and positions disagree"
        );
        if after != before {
            return (before, after);
        }
    }
    panic!("the stage was never renumbered");
}

/// Every kind of deal write, each after the deal was read (so cached), then read again.
async fn every_deal_write_then_read(app: TestApp) {
    let stages = stages(&app).await;
    let customer = app.customer(&app.admin, json!({"name": "Dealer"})).await;
    let id = new_deal(&app, &app.admin, &customer, "Cached deal").await;
    let first = app.get(&path(&id), &app.admin).await.expect(StatusCode::OK);
    assert_eq!(first.body["title"], "Cached deal");
    // Not stored, so not cached: computed on every read (the AI tests show it appear once the
    // win model serves).
    assert_eq!(first.body["win_probability"], Value::Null);

    // The cache serves: a change made behind its back is not seen, and `If-Match` is checked
    // against the store.
    retitle_behind_the_cache(&app, &id, "Behind").await;
    let cached = app.get(&path(&id), &app.admin).await.expect(StatusCode::OK);
    assert_eq!(cached.body["title"], "Cached deal");
    let etag = first.header("etag").unwrap();
    assert_eq!(cached.header("etag"), Some(etag));
    app.call_with(
        Method::PATCH,
        &path(&id),
        Some(&app.admin),
        Some(json!({"title": "X"})),
        &[("if-match", etag)],
    )
    .await
    .expect(StatusCode::PRECONDITION_FAILED);

    // An update.
    let updated = app
        .patch(
            &path(&id),
            &app.admin,
            json!({"title": "Patched", "value": 250}),
        )
        .await
        .expect(StatusCode::OK);
    let read = app.get(&path(&id), &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["title"], "Patched");
    assert_eq!(read.header("etag"), updated.header("etag"));
    assert_fresh(&app, &id).await;

    // Moves: within the stage, into another stage, by a stage change in a patch.
    let other = new_deal(&app, &app.admin, &customer, "Other").await;
    assert_fresh(&app, &other).await;
    app.post(
        &format!("{}/move", path(&id)),
        &app.admin,
        json!({"stage_id": stages[0], "after_id": other}),
    )
    .await
    .expect(StatusCode::OK);
    assert_fresh(&app, &id).await;
    app.post(
        &format!("{}/move", path(&id)),
        &app.admin,
        json!({"stage_id": stages[1]}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        app.get(&path(&id), &app.admin).await.body["stage_id"],
        json!(stages[1])
    );
    assert_fresh(&app, &id).await;
    app.patch(&path(&id), &app.admin, json!({"stage_id": stages[2]}))
        .await
        .expect(StatusCode::OK);
    assert_fresh(&app, &id).await;

    // Won, lost, reopened.
    app.patch(&path(&id), &app.admin, json!({"status": "won"}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.get(&path(&id), &app.admin).await.body["status"], "won");
    assert_fresh(&app, &id).await;
    app.patch(
        &path(&id),
        &app.admin,
        json!({"status": "lost", "lost_reason": "Budget"}),
    )
    .await
    .expect(StatusCode::OK);
    let lost = app.get(&path(&id), &app.admin).await.body;
    assert_eq!(
        (&lost["status"], &lost["lost_reason"]),
        (&json!("lost"), &json!("Budget"))
    );
    assert_fresh(&app, &id).await;
    app.patch(&path(&id), &app.admin, json!({"stage_id": stages[0]}))
        .await
        .expect(StatusCode::OK);
    assert_eq!(app.get(&path(&id), &app.admin).await.body["status"], "open");
    assert_fresh(&app, &id).await;

    // Owner and team reassignment.
    let team = app.team("Deal cache team").await;
    let (rep, _) = app
        .user("deal-owner@cache.test", Role::SalesRep, Some(&team))
        .await;
    app.patch(
        &path(&id),
        &app.admin,
        json!({"owner_id": rep, "team_id": team}),
    )
    .await
    .expect(StatusCode::OK);
    let read = app.get(&path(&id), &app.admin).await.body;
    assert_eq!(
        (&read["owner_id"], &read["team_id"]),
        (&json!(rep), &json!(team))
    );
    assert_fresh(&app, &id).await;

    // Soft delete, then restore.
    app.delete(&path(&id), &app.admin)
        .await
        .expect(StatusCode::NO_CONTENT);
    app.get(&path(&id), &app.admin)
        .await
        .expect(StatusCode::NOT_FOUND);
    let restored = app
        .post(&format!("{}/restore", path(&id)), &app.admin, json!({}))
        .await
        .expect(StatusCode::OK);
    let read = app.get(&path(&id), &app.admin).await.expect(StatusCode::OK);
    assert_eq!(read.body["version"], restored.body["version"]);
    assert_fresh(&app, &id).await;

    // A renumbering move: every deal of the stage changed position, the anchor (never written
    // itself) included; each reads as stored.
    let anchor = new_deal(&app, &app.admin, &customer, "Anchor").await;
    let b = new_deal(&app, &app.admin, &customer, "B").await;
    let c = new_deal(&app, &app.admin, &customer, "C").await;
    let (before, after) = renumber(&app, &stages[3], &anchor, &[&b, &c]).await;
    assert_ne!(before, after);
    assert_eq!(
        app.get(&path(&anchor), &app.admin).await.body["position"],
        after
    );
    for d in [&anchor, &b, &c] {
        assert_fresh(&app, d).await;
    }

    // Erasing the customer deletes its deals, which no event names.
    for d in [&anchor, &b] {
        app.get(&path(d), &app.admin).await.expect(StatusCode::OK);
    }
    app.post(
        &format!("/api/v1/customers/{}/erase", id_of(&customer)),
        &app.admin,
        json!({}),
    )
    .await
    .expect(StatusCode::OK);
    for d in [&anchor, &b] {
        app.get(&path(d), &app.admin)
            .await
            .expect(StatusCode::NOT_FOUND);
    }

    // Hits and misses are counted for deals.
    let metrics = app
        .call(Method::GET, "/metrics", None, None)
        .await
        .expect(StatusCode::OK)
        .body;
    let text = metrics.as_str().unwrap();
    for needle in [
        "record_cache_requests_total{resource=\"deal\",outcome=\"hit\"}",
        "record_cache_requests_total{resource=\"deal\",outcome=\"miss\"}",
    ] {
        assert!(text.contains(needle), "no {needle} in /metrics");
    }
}

#[tokio::test]
async fn in_process_every_deal_write_is_seen_by_the_next_read() {
    on_backends_built(|_| {}, local_services, every_deal_write_then_read).await;
}

#[tokio::test]
async fn in_redis_every_deal_write_is_seen_by_the_next_read() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    on_backends_built(
        |_| {},
        redis_services(redis.url()),
        every_deal_write_then_read,
    )
    .await;
}

/// A rep cannot read another owner's deal after an admin's read cached it; reassigning the
/// deal to the rep makes it visible, and reassigning it away hides it again.
async fn permissions_apply_to_cached_deals(app: TestApp) {
    let team_a = app.team("A").await;
    let team_b = app.team("B").await;
    let (rep_id, rep) = app
        .user("deal-rep@cache.test", Role::SalesRep, Some(&team_a))
        .await;
    let (other_id, other) = app
        .user("deal-other@cache.test", Role::SalesRep, Some(&team_b))
        .await;
    let (_, manager_b) = app
        .user("deal-manager@cache.test", Role::Manager, Some(&team_b))
        .await;
    let customer = app
        .customer(&app.admin, json!({"name": "Shared customer"}))
        .await;
    let id = new_deal(&app, &app.admin, &customer, "Owned by other").await;
    app.patch(
        &path(&id),
        &app.admin,
        json!({"owner_id": other_id, "team_id": team_b}),
    )
    .await
    .expect(StatusCode::OK);
    for _ in 0..2 {
        app.get(&path(&id), &app.admin).await.expect(StatusCode::OK);
        app.get(&path(&id), &other).await.expect(StatusCode::OK);
    }
    app.get(&path(&id), &rep)
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&path(&id), &manager_b).await.expect(StatusCode::OK);
    app.patch(&path(&id), &rep, json!({"title": "Mine"}))
        .await
        .expect(StatusCode::NOT_FOUND);

    // Reassigned to the rep (and team A): visible to the rep, no longer to the other rep or
    // team B's manager.
    app.patch(
        &path(&id),
        &app.admin,
        json!({"owner_id": rep_id, "team_id": team_a}),
    )
    .await
    .expect(StatusCode::OK);
    assert_eq!(
        app.get(&path(&id), &rep).await.expect(StatusCode::OK).body["owner_id"],
        json!(rep_id)
    );
    app.get(&path(&id), &other)
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&path(&id), &manager_b)
        .await
        .expect(StatusCode::NOT_FOUND);
    // And back.
    app.patch(
        &path(&id),
        &app.admin,
        json!({"owner_id": other_id, "team_id": team_b}),
    )
    .await
    .expect(StatusCode::OK);
    app.get(&path(&id), &rep)
        .await
        .expect(StatusCode::NOT_FOUND);
    app.get(&path(&id), &other).await.expect(StatusCode::OK);
}

#[tokio::test]
async fn in_process_permissions_apply_to_cached_deals() {
    on_backends_built(|_| {}, local_services, permissions_apply_to_cached_deals).await;
}

#[tokio::test]
async fn in_redis_permissions_apply_to_cached_deals() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    on_backends_built(
        |_| {},
        redis_services(redis.url()),
        permissions_apply_to_cached_deals,
    )
    .await;
}

/// Polls `GET /deals/{id}` on `app` until `field` shows `want` (5 s at most); the last value.
async fn eventually(app: &TestApp, id: &str, field: &str, want: &Value) -> Value {
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = app
            .get(&path(id), &app.admin)
            .await
            .expect(StatusCode::OK)
            .body[field]
            .clone();
        if &seen == want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test]
async fn two_instances_without_redis_evict_deals_through_the_event_log() {
    on_backends_built(
        |_| {},
        local_services,
        |a| async move {
            // Several instances share PostgreSQL (one SQLite file has one server).
            if a.state.store.backend() == "sqlite" {
                return;
            }
            let b = a.peer(local_services).await;
            let stop = CancellationToken::new();
            let tasks = nexus_api::spawn_background(&b.state, stop.clone());
            let stages = stages(&a).await;
            let customer = a.customer(&a.admin, json!({"name": "Two instances"})).await;
            let id = new_deal(&a, &a.admin, &customer, "On A").await;
            for _ in 0..2 {
                b.get(&path(&id), &b.admin).await.expect(StatusCode::OK);
            }
            a.patch(&path(&id), &a.admin, json!({"title": "Changed on A"}))
                .await
                .expect(StatusCode::OK);
            // B's relay reads A's event from the shared log (its poll: 250 ms) and evicts.
            assert_eq!(
                eventually(&b, &id, "title", &json!("Changed on A")).await,
                "Changed on A"
            );

            // A renumbers a stage; B holds the anchor (which no event names) in its cache.
            let anchor = new_deal(&a, &a.admin, &customer, "Anchor").await;
            let movers = [
                new_deal(&a, &a.admin, &customer, "B").await,
                new_deal(&a, &a.admin, &customer, "C").await,
            ];
            column(&a, &stages[3], &[&anchor, &movers[0], &movers[1]]).await;
            let mut renumbered = None;
            for round in 0..60 {
                // B caches the anchor as stored now (unchanged by the moves so far).
                let now = json!(stored(&a, &anchor).await.position);
                assert_eq!(eventually(&b, &anchor, "position", &now).await, now);
                b.get(&path(&anchor), &b.admin).await.expect(StatusCode::OK);
                let mover = &movers[round % 2];
                a.post(
                    &format!("{}/move", path(mover)),
                    &a.admin,
                    json!({"stage_id": stages[3], "after_id": anchor}),
                )
                .await
                .expect(StatusCode::OK);
                let after = json!(stored(&a, &anchor).await.position);
                if after != now {
                    renumbered = Some(after);
                    break;
                }
            }
            let after = renumbered.expect("the stage was never renumbered");
            assert_eq!(eventually(&b, &anchor, "position", &after).await, after);
            for d in movers.iter().chain([&anchor, &id]) {
                let on_b = b.get(&path(d), &b.admin).await.expect(StatusCode::OK);
                assert_eq!(
                    on_b.header("etag"),
                    Some(stored(&a, d).await.etag().as_str())
                );
                assert_eq!(on_b.body["position"], stored(&a, d).await.position);
            }
            stop.cancel();
            for t in tasks {
                let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
            }
            b.state.store.close().await;
        },
    )
    .await;
}

#[tokio::test]
async fn two_instances_sharing_redis_see_each_others_deal_writes_at_once() {
    let data = tempfile::tempdir().unwrap();
    let Some(redis) = RedisServer::start(data.path()) else {
        return;
    };
    let url = redis.url();
    on_backends_built(
        |_| {},
        redis_services(url.clone()),
        |a| {
            let url = url.clone();
            async move {
                if a.state.store.backend() == "sqlite" {
                    return;
                }
                let b = a.peer(redis_services(url)).await;
                let stages = stages(&a).await;
                let customer = a.customer(&a.admin, json!({"name": "Shared"})).await;
                let id = new_deal(&a, &a.admin, &customer, "Shared deal").await;
                for app in [&a, &b, &a, &b] {
                    app.get(&path(&id), &app.admin).await.expect(StatusCode::OK);
                }
                // No relay runs here: B sees A's writes because A evicted them from Redis.
                let updated = a
                    .patch(&path(&id), &a.admin, json!({"title": "Changed on A"}))
                    .await
                    .expect(StatusCode::OK);
                let on_b = b.get(&path(&id), &b.admin).await.expect(StatusCode::OK);
                assert_eq!(on_b.body["title"], "Changed on A");
                assert_eq!(on_b.header("etag"), updated.header("etag"));

                // A renumbering move on A: B reads every deal of the stage as stored at once.
                let anchor = new_deal(&a, &a.admin, &customer, "Anchor").await;
                let m1 = new_deal(&a, &a.admin, &customer, "B").await;
                let m2 = new_deal(&a, &a.admin, &customer, "C").await;
                for d in [&anchor, &m1, &m2] {
                    b.get(&path(d), &b.admin).await.expect(StatusCode::OK);
                }
                let (_, after) = renumber(&a, &stages[3], &anchor, &[&m1, &m2]).await;
                assert_eq!(
                    b.get(&path(&anchor), &b.admin).await.body["position"],
                    after
                );
                for d in [&anchor, &m1, &m2, &id] {
                    let on_b = b.get(&path(d), &b.admin).await.expect(StatusCode::OK);
                    assert_eq!(on_b.body["position"], stored(&a, d).await.position);
                }
                b.delete(&path(&id), &b.admin)
                    .await
                    .expect(StatusCode::NO_CONTENT);
                a.get(&path(&id), &a.admin)
                    .await
                    .expect(StatusCode::NOT_FOUND);
                b.state.store.close().await;
            }
        },
    )
    .await;
}
