//! The event log: events written with their change, numbered by the sequencer, read back.

use crate::fixtures::{add_user, created_event, customer};
use nexus_core::event::Event;
use nexus_core::ids::EventId;
use nexus_core::store::Store;
use serde_json::{Map, json};
use std::sync::Arc;

conformance!(
    insert_customers_writes_events,
    entity_events_page_by_id,
    sequencer_numbers_events_in_id_order,
    events_after_pages_by_seq,
);

async fn insert_customers_writes_events(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let customers: Vec<_> = (0..3)
        .map(|i| {
            let mut c = customer(owner, &format!("Evented {i}"));
            c.team_id = Some(nexus_core::ids::TeamId::new());
            c
        })
        .collect();
    let events: Vec<Event> = customers.iter().map(created_event).collect();
    // A batch, then one alone (one statement on PostgreSQL).
    s.insert_customers(&customers[..2], &events[..2])
        .await
        .unwrap();
    s.insert_customers(&customers[2..], &events[2..])
        .await
        .unwrap();
    for (c, ev) in customers.iter().zip(&events) {
        let got = s.entity_events(c.id.0, None, 10).await.unwrap();
        assert_eq!(got, vec![ev.clone()], "every field round-trips");
        assert_eq!(got[0].seq, None, "not numbered before the sequencer runs");
        assert_eq!(got[0].event_type, "customer.created");
        assert_eq!(got[0].owner_id, Some(owner));
        assert_eq!(got[0].team_id, c.team_id);
        assert_eq!(got[0].changes["name"]["after"], json!(c.name));
    }
    // Unsequenced events are not visible to tailing readers yet.
    assert_eq!(s.max_seq().await.unwrap(), 0);
    assert!(s.events_after(0, 100).await.unwrap().is_empty());
}

fn event(entity_id: uuid::Uuid, n: usize) -> Event {
    let mut changes = Map::new();
    changes.insert("n".into(), json!({"before": null, "after": n}));
    Event::new("thing", entity_id, "touched", None, changes)
}

/// Writes events through the store (each with a customer, the only generic way in).
async fn write_events(s: &dyn Store, owner: nexus_core::ids::UserId, n: usize) -> Vec<Event> {
    let c = customer(owner, "Carrier");
    let events: Vec<Event> = (0..n).map(|i| event(c.id.0, i)).collect();
    s.insert_customers(&[c], &events).await.unwrap();
    events
}

async fn entity_events_page_by_id(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let written = write_events(&*s, owner, 5).await;
    let _other = write_events(&*s, owner, 2).await;
    let entity = written[0].entity_id;
    let all = s.entity_events(entity, None, 100).await.unwrap();
    assert_eq!(all, written);
    let first = s.entity_events(entity, None, 2).await.unwrap();
    assert_eq!(first, written[..2]);
    let next = s.entity_events(entity, Some(first[1].id), 2).await.unwrap();
    assert_eq!(next, written[2..4]);
    let last = s.entity_events(entity, Some(next[1].id), 2).await.unwrap();
    assert_eq!(last, written[4..]);
    assert!(
        s.entity_events(entity, Some(written[4].id), 2)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.entity_events(uuid::Uuid::now_v7(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn sequencer_numbers_events_in_id_order(s: Arc<dyn Store>) {
    assert_eq!(s.max_seq().await.unwrap(), 0);
    assert!(s.sequence_events(100).await.unwrap().is_empty());
    let owner = add_user(&*s, None).await; // writes one event
    let mut written = vec![s.entity_events(owner.0, None, 1).await.unwrap().remove(0)];
    written.extend(write_events(&*s, owner, 4).await);
    written.sort_by_key(|e| e.id);

    let numbered = s.sequence_events(100).await.unwrap();
    assert_eq!(
        numbered,
        written
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id, i as i64 + 1))
            .collect::<Vec<_>>()
    );
    let read = s.events_after(0, 100).await.unwrap();
    assert_eq!(read.len(), 5);
    for (i, (got, ev)) in read.iter().zip(&written).enumerate() {
        assert_eq!(got.seq, Some(i as i64 + 1));
        assert_eq!(
            Event {
                seq: None,
                ..got.clone()
            },
            *ev
        );
    }
    assert!(
        s.sequence_events(100).await.unwrap().is_empty(),
        "nothing left"
    );
    assert_eq!(s.max_seq().await.unwrap(), 5);
    // The numbers are stored.
    let stored = s
        .entity_events(written[1].entity_id, None, 10)
        .await
        .unwrap();
    assert!(stored.iter().all(|e| e.seq.is_some()), "{stored:?}");

    // Later events continue the sequence; `max` bounds a run.
    let more = write_events(&*s, owner, 3).await;
    let run = s.sequence_events(2).await.unwrap();
    assert_eq!(run, vec![(more[0].id, 6), (more[1].id, 7)]);
    let run = s.sequence_events(2).await.unwrap();
    assert_eq!(run, vec![(more[2].id, 8)]);
    assert!(s.sequence_events(2).await.unwrap().is_empty());
    assert_eq!(s.max_seq().await.unwrap(), 8);
}

async fn events_after_pages_by_seq(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    write_events(&*s, owner, 9).await;
    assert_eq!(s.sequence_events(1_000).await.unwrap().len(), 10);
    // One more, left unsequenced: tailing readers must not see it.
    let pending = write_events(&*s, owner, 1).await;

    let mut seen: Vec<i64> = Vec::new();
    let mut ids: Vec<EventId> = Vec::new();
    let mut after = 0;
    loop {
        let page = s.events_after(after, 3).await.unwrap();
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = last.seq.unwrap();
        seen.extend(page.iter().map(|e| e.seq.unwrap()));
        ids.extend(page.iter().map(|e| e.id));
    }
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    assert!(!ids.contains(&pending[0].id));
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "sequence order is id order here");
    assert_eq!(
        s.events_after(4, 2)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        vec![Some(5), Some(6)]
    );
    assert!(s.events_after(10, 5).await.unwrap().is_empty());
    assert_eq!(s.max_seq().await.unwrap(), 10);
    let run = s.sequence_events(10).await.unwrap();
    assert_eq!(run, vec![(pending[0].id, 11)]);
    let read = s.events_after(10, 5).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!((read[0].id, read[0].seq), (pending[0].id, Some(11)));
}
