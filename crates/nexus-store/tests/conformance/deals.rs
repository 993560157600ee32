//! Deals: round trips, optimistic updates, stage history, and kanban positions (placement,
//! renumbering, and many concurrent moves keeping positions unique and the order total).

use crate::crm_fixtures::{
    add_deal, add_pipeline, board, change, deal, deal_event, move_deal, move_deal_stored,
    owner_and_customer, pipeline,
};
use chrono::{Duration, NaiveDate};
use nexus_core::CoreError;
use nexus_core::deal::{Deal, DealStatus, Placement};
use nexus_core::ids::{DealId, StageId};
use nexus_core::money::Currency;
use nexus_core::store::{DealEventFn, DealWrite, Store};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

conformance!(
    deal_round_trip_keeps_every_field,
    deals_append_and_move_around_anchors,
    anchors_must_be_live_deals_of_the_target_stage,
    exhausted_gaps_renumber_the_stage_keeping_order,
    concurrent_moves_keep_positions_unique,
    deal_update_is_optimistic_and_writes_history_with_events,
    moves_into_removed_stages_conflict,
);

async fn deal_round_trip_keeps_every_field(s: Arc<dyn Store>) {
    let team = crate::fixtures::add_team(&*s, "Deals team").await;
    let (owner, customer) = owner_and_customer(&*s, Some(team)).await;
    let p = s.default_pipeline().await.unwrap().unwrap();
    let mut d = deal(&p, customer, owner, "Ünïcode déal — 50% off");
    d.value = 9_007_199_254_740_991;
    d.currency = Currency::parse("JPY").unwrap();
    d.stage_id = p.stages[5].id;
    d.status = DealStatus::Lost;
    d.lost_reason = Some("Went with a competitor".into());
    d.team_id = Some(team);
    d.expected_close_date = NaiveDate::from_ymd_opt(2026, 12, 31);
    d.closed_at = Some(d.created_at + Duration::microseconds(7));
    d.version = 3;
    let first = change(&d, None);
    let stored = s
        .insert_deal(&d, &first, &deal_event("created"))
        .await
        .unwrap()
        .deal;
    assert_eq!(stored.position, 0, "the first deal of a stage");
    assert_eq!(
        Deal {
            position: 0,
            win_probability: None,
            ..d.clone()
        },
        stored
    );
    assert_eq!(s.get_deal(d.id).await.unwrap(), Some(stored.clone()));
    assert_eq!(s.get_deal(DealId::new()).await.unwrap(), None);
    let history = s.deal_stage_history(d.id, None, 10).await.unwrap();
    assert_eq!(history, vec![first]);
    let events = s.entity_events(d.id.0, None, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "deal.created");
    assert_eq!(events[0].changes["position"]["after"], 0);
}

async fn deals_append_and_move_around_anchors(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = pipeline("Board", &["One", "Two"]);
    add_pipeline(&*s, &p).await;
    let (one, two) = (p.stages[0].id, p.stages[1].id);
    let mut deals = Vec::new();
    for i in 0..4 {
        deals.push(add_deal(&*s, &deal(&p, customer, owner, &format!("D{i}"))).await);
    }
    let ids = |v: &[Deal]| v.iter().map(|d| d.id).collect::<Vec<_>>();
    assert_eq!(ids(&board(&*s, one).await), ids(&deals));
    assert!(deals.windows(2).all(|w| w[0].position < w[1].position));
    // D3 above D0 (top), D0 below D1, D2 into stage two, D1 below D2 in stage two.
    let d3 = move_deal(&*s, &deals[3], one, Placement::Before(deals[0].id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ids(&board(&*s, one).await),
        vec![deals[3].id, deals[0].id, deals[1].id, deals[2].id]
    );
    assert!(d3.position < deals[0].position);
    move_deal(&*s, &deals[0], one, Placement::After(deals[1].id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ids(&board(&*s, one).await),
        vec![deals[3].id, deals[1].id, deals[0].id, deals[2].id]
    );
    move_deal(&*s, &deals[2], two, Placement::Bottom)
        .await
        .unwrap()
        .unwrap();
    let d1 = s.get_deal(deals[1].id).await.unwrap().unwrap();
    let moved = move_deal(&*s, &d1, two, Placement::After(deals[2].id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.stage_id, two);
    assert_eq!(ids(&board(&*s, one).await), vec![deals[3].id, deals[0].id]);
    assert_eq!(ids(&board(&*s, two).await), vec![deals[2].id, deals[1].id]);
    // The stored position is the one returned.
    assert_eq!(s.get_deal(d1.id).await.unwrap(), Some(moved));
    // Moving a deal right where it is keeps the order.
    let d0 = s.get_deal(deals[0].id).await.unwrap().unwrap();
    move_deal(&*s, &d0, one, Placement::After(deals[3].id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ids(&board(&*s, one).await), vec![deals[3].id, deals[0].id]);
}

async fn anchors_must_be_live_deals_of_the_target_stage(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = pipeline("Anchors", &["One", "Two"]);
    add_pipeline(&*s, &p).await;
    let a = add_deal(&*s, &deal(&p, customer, owner, "A")).await;
    let b = add_deal(&*s, &deal(&p, customer, owner, "B")).await;
    for (placement, field) in [
        (Placement::Before(a.id), "before_id"), // a is in stage one, not two
        (Placement::After(DealId::new()), "after_id"), // no such deal
    ] {
        match move_deal(&*s, &b, p.stages[1].id, placement).await {
            Err(CoreError::Validation(e)) => {
                assert_eq!(e[0].field, field);
                assert_eq!(e[0].code, "not_in_stage");
            }
            other => panic!("expected not_in_stage, got {other:?}"),
        }
    }
    // Nothing changed, no history or event was written.
    assert_eq!(s.get_deal(b.id).await.unwrap(), Some(b.clone()));
    assert_eq!(s.deal_stage_history(b.id, None, 10).await.unwrap().len(), 1);
    assert_eq!(s.entity_events(b.id.0, None, 10).await.unwrap().len(), 1);
}

async fn exhausted_gaps_renumber_the_stage_keeping_order(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = pipeline("Renumber", &["Only"]);
    add_pipeline(&*s, &p).await;
    let stage = p.stages[0].id;
    let mut model: Vec<DealId> = Vec::new();
    for i in 0..8 {
        model.push(
            add_deal(&*s, &deal(&p, customer, owner, &format!("R{i}")))
                .await
                .id,
        );
    }
    // Always dropping right below the first card halves the same gap: after ~20 moves the stage
    // must be renumbered, and the order must still be exactly the model's.
    let mut renumberings = 0;
    for round in 0..60 {
        let mover = model[model.len() - 1 - round % 3];
        let anchor = model[0];
        if mover == anchor {
            continue;
        }
        let cur = s.get_deal(mover).await.unwrap().unwrap();
        let before: HashMap<DealId, i64> = board(&*s, stage)
            .await
            .into_iter()
            .map(|d| (d.id, d.position))
            .collect();
        let stored = move_deal_stored(&*s, &cur, stage, Placement::After(anchor))
            .await
            .unwrap()
            .unwrap();
        // A renumbering names every deal of the stage and marks the move's event; other moves
        // change no other deal's position.
        let after = board(&*s, stage).await;
        let others_moved: HashSet<DealId> = after
            .iter()
            .filter(|d| d.id != mover && before[&d.id] != d.position)
            .map(|d| d.id)
            .collect();
        let events = s.entity_events(mover.0, None, 100).await.unwrap();
        let marked = nexus_core::deal::renumbers_stage(events.last().unwrap());
        if stored.renumbered.is_empty() {
            assert!(
                others_moved.is_empty(),
                "round {round}: unnamed renumbering"
            );
            assert!(!marked, "round {round}");
        } else {
            renumberings += 1;
            let named: HashSet<DealId> = stored.renumbered.iter().copied().collect();
            assert_eq!(named, before.keys().copied().collect(), "round {round}");
            assert!(marked, "round {round}: the event is not marked");
        }
        model.retain(|d| *d != mover);
        model.insert(1, mover);
        let got = board(&*s, stage).await;
        assert_eq!(
            got.iter().map(|d| d.id).collect::<Vec<_>>(),
            model,
            "round {round}"
        );
        assert!(got.windows(2).all(|w| w[0].position < w[1].position));
    }
    assert!(renumberings >= 1, "the stage was never renumbered");
    let got = board(&*s, stage).await;
    assert!(got.iter().all(|d| d.position.abs() < 1 << 53));
    // Renumbering left each deal's version and events alone (only moves write them).
    let untouched = s.get_deal(model[0]).await.unwrap().unwrap();
    assert_eq!(untouched.version, 1);
}

async fn concurrent_moves_keep_positions_unique(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = pipeline("Concurrent", &["A", "B", "C"]);
    add_pipeline(&*s, &p).await;
    let stages: Vec<StageId> = p.stages[..3].iter().map(|st| st.id).collect();
    let mut all = Vec::new();
    for i in 0..12 {
        let d = add_deal(&*s, &deal(&p, customer, owner, &format!("C{i}"))).await;
        let d = move_deal(&*s, &d, stages[i % 3], Placement::Bottom)
            .await
            .unwrap()
            .unwrap();
        all.push(d.id);
    }
    let mut initial = HashMap::new();
    for id in &all {
        initial.insert(
            *id,
            s.deal_stage_history(*id, None, 10).await.unwrap().len(),
        );
    }
    let moves: Arc<Mutex<HashMap<DealId, (usize, usize)>>> = Arc::default();
    let mut tasks = Vec::new();
    for worker in 0..8_u64 {
        let (s, all, stages, moves) = (s.clone(), all.clone(), stages.clone(), moves.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = worker * 7919 + 1;
            let mut next = move |n: usize| {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((rng >> 33) as usize) % n
            };
            for _ in 0..25 {
                let id = all[next(all.len())];
                let cur = s.get_deal(id).await.unwrap().unwrap();
                let target = stages[next(3)];
                let column = board(&*s, target).await;
                let others: Vec<DealId> =
                    column.iter().map(|d| d.id).filter(|d| *d != id).collect();
                // Mostly right below the top card, so gaps run out and stages get renumbered
                // while others move.
                let placement = match (next(4), others.first()) {
                    (0 | 1, Some(first)) => Placement::After(*first),
                    (2, Some(_)) => Placement::Before(others[next(others.len())]),
                    _ => Placement::Bottom,
                };
                match move_deal(&*s, &cur, target, placement).await {
                    Ok(Some(_)) => {
                        let mut m = moves.lock().unwrap();
                        let e = m.entry(id).or_default();
                        e.0 += 1;
                        e.1 += usize::from(target != cur.stage_id);
                    }
                    // Someone moved this deal since we read it, or the anchor left the stage.
                    Ok(None) => {}
                    Err(CoreError::Validation(e)) if e[0].code == "not_in_stage" => {}
                    Err(e) => panic!("a move failed: {e:?}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let moves = moves.lock().unwrap().clone();
    assert!(
        moves.values().map(|m| m.0).sum::<usize>() >= 40,
        "most moves succeed: {moves:?}"
    );
    let mut seen = HashSet::new();
    for stage in &stages {
        let column = board(&*s, *stage).await;
        // Unique positions, strictly increasing: a total order.
        assert!(
            column.windows(2).all(|w| w[0].position < w[1].position),
            "{column:?}"
        );
        for d in &column {
            assert!(seen.insert(d.id), "a deal is on the board twice");
            let stored = s.get_deal(d.id).await.unwrap().unwrap();
            assert_eq!((stored.stage_id, stored.position), (*stage, d.position));
        }
    }
    assert_eq!(seen.len(), all.len(), "every deal is on the board once");
    // Every successful move wrote its event, and every stage change its history entry, in the
    // same transaction.
    for id in &all {
        let (n, changed) = moves.get(id).copied().unwrap_or_default();
        let events = s.entity_events(id.0, None, 500).await.unwrap();
        assert_eq!(events.len(), 2 + n, "events of {id}");
        let history = s.deal_stage_history(*id, None, 500).await.unwrap();
        assert_eq!(
            history.len(),
            initial[id] + changed,
            "stage history of {id}"
        );
        assert_eq!(
            s.get_deal(*id).await.unwrap().unwrap().version,
            2 + n as i64
        );
    }
}

async fn deal_update_is_optimistic_and_writes_history_with_events(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = s.default_pipeline().await.unwrap().unwrap();
    let d = add_deal(&*s, &deal(&p, customer, owner, "Optimistic")).await;
    let mut next = d.clone();
    next.title = "Renamed".into();
    next.value = 4200;
    next.version += 1;
    next.position = 999; // ignored without a placement
    let ev = deal_event("updated");
    fn w<'a>(n: &'a Deal, v: i64, ev: DealEventFn<'a>) -> DealWrite<'a> {
        DealWrite {
            deal: n,
            expected_version: v,
            placement: None,
            stage_change: None,
            event: ev,
        }
    }
    let stored = s
        .update_deal(w(&next, d.version, &ev))
        .await
        .unwrap()
        .unwrap()
        .deal;
    assert_eq!(stored.position, d.position);
    assert_eq!(s.get_deal(d.id).await.unwrap(), Some(stored.clone()));
    // The same version again is stale: nothing written.
    assert!(
        s.update_deal(w(&next, d.version, &ev))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.entity_events(d.id.0, None, 10).await.unwrap().len(), 2);
    // A move to Won records history and an event atomically.
    let won = move_deal(&*s, &stored, p.stages[4].id, Placement::Bottom)
        .await
        .unwrap()
        .unwrap();
    let history = s.deal_stage_history(d.id, None, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].from_stage_id, Some(p.stages[0].id));
    assert_eq!(history[1].to_stage_id, p.stages[4].id);
    let page = s
        .deal_stage_history(d.id, Some(history[0].id), 10)
        .await
        .unwrap();
    assert_eq!(page, history[1..].to_vec());
    // Soft delete frees the position; restore places it again.
    let mut del = won.clone();
    del.version += 1;
    del.deleted_at = Some(del.updated_at);
    s.update_deal(w(&del, won.version, &ev))
        .await
        .unwrap()
        .unwrap();
    assert!(board(&*s, p.stages[4].id).await.is_empty());
    let other = add_deal(
        &*s,
        &Deal {
            stage_id: p.stages[4].id,
            ..deal(&p, customer, owner, "Other")
        },
    )
    .await;
    let mut back = del.clone();
    back.deleted_at = None;
    // Restoring from a stale read writes nothing; from the deleted state it places the deal.
    let stale = Deal {
        version: won.version,
        ..back.clone()
    };
    assert_eq!(
        move_deal(&*s, &stale, p.stages[4].id, Placement::Bottom)
            .await
            .unwrap(),
        None
    );
    let restored = move_deal(&*s, &back, p.stages[4].id, Placement::Bottom)
        .await
        .unwrap()
        .unwrap();
    assert!(restored.deleted_at.is_none());
    let column: Vec<DealId> = board(&*s, p.stages[4].id)
        .await
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(column, vec![other.id, d.id]);
}

async fn moves_into_removed_stages_conflict(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = pipeline("Shrinking", &["Keep", "Drop"]);
    add_pipeline(&*s, &p).await;
    let d = add_deal(&*s, &deal(&p, customer, owner, "Mover")).await;
    let mut n = p.clone();
    n.version += 1;
    n.stages.retain(|st| st.name != "Drop");
    let ev = crate::crm_fixtures::pipeline_event(&n, "updated");
    assert!(s.update_pipeline(&n, p.version, &ev).await.unwrap());
    match move_deal(&*s, &d, p.stages[1].id, Placement::Bottom).await {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "stage_unavailable"),
        other => panic!("expected stage_unavailable, got {other:?}"),
    }
    assert_eq!(s.get_deal(d.id).await.unwrap(), Some(d));
}
