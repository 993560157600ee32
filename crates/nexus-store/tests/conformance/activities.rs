//! Activities: round trips, optimistic updates, and the list filters ("my open tasks",
//! overdue, due ranges) with the assignee-aware scope and the due-date sort; the sentiment job's
//! pages of activities without a score.

use crate::crm_fixtures::{activity, activity_query, add_activity, owner_and_customer};
use chrono::Duration;
use nexus_core::activity::{Activity, ActivityKind, ActivityQuery, ActivitySortField};
use nexus_core::auth::Scope;
use nexus_core::event::{Event, diff};
use nexus_core::ids::ActivityId;
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::store::Store;
use nexus_core::time::now;
use std::sync::Arc;

conformance!(
    activity_round_trip_and_optimistic_update,
    activity_filters_and_scope,
    activities_sort_by_due_date_with_keyset_pages,
    activities_without_sentiment_in_keyset_pages_and_scored_once,
);

async fn activity_round_trip_and_optimistic_update(s: Arc<dyn Store>) {
    let team = crate::fixtures::add_team(&*s, "Activity team").await;
    let (owner, customer) = owner_and_customer(&*s, Some(team)).await;
    let assignee = crate::fixtures::add_user(&*s, None).await;
    let mut a = activity(customer, owner, "Call Ada — about the “renewal”");
    a.kind = ActivityKind::Meeting;
    a.body = Some("Line one\nLine two\t✓".into());
    a.due_at = Some(now() + Duration::days(2));
    a.assignee_id = Some(assignee);
    a.team_id = Some(team);
    add_activity(&*s, &a).await;
    assert_eq!(s.get_activity(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.get_activity(ActivityId::new()).await.unwrap(), None);

    let mut done = a.clone();
    done.done = true;
    done.completed_at = Some(now());
    done.version = 2;
    let ev = Event::new(
        "activity",
        a.id.0,
        "completed",
        None,
        diff(Some(&a), Some(&done)),
    );
    assert!(s.update_activity(&done, a.version, &ev).await.unwrap());
    assert!(!s.update_activity(&done, a.version, &ev).await.unwrap());
    assert_eq!(s.get_activity(a.id).await.unwrap(), Some(done));
    let events = s.entity_events(a.id.0, None, 10).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, vec!["activity.created", "activity.completed"]);
}

fn ids(v: &[Activity]) -> Vec<ActivityId> {
    let mut out: Vec<ActivityId> = v.iter().map(|a| a.id).collect();
    out.sort();
    out
}

async fn activity_filters_and_scope(s: Arc<dyn Store>) {
    let team = crate::fixtures::add_team(&*s, "Scope team").await;
    let (me, customer) = owner_and_customer(&*s, Some(team)).await;
    let (other, other_customer) = owner_and_customer(&*s, None).await;
    let t = now();
    // Mine: open task assigned to me; open task I own, unassigned; done call I own.
    let mut a1 = activity(customer, other, "assigned to me");
    a1.assignee_id = Some(me);
    a1.due_at = Some(t - Duration::hours(1));
    let mut a2 = activity(customer, me, "mine unassigned");
    a2.due_at = Some(t + Duration::hours(1));
    a2.team_id = Some(team);
    let mut a3 = activity(customer, me, "done call");
    a3.kind = ActivityKind::Call;
    a3.done = true;
    a3.completed_at = Some(t);
    a3.due_at = Some(t - Duration::days(1));
    // Not mine: owned by me but assigned to someone else; someone else's elsewhere.
    let mut a4 = activity(other_customer, me, "delegated");
    a4.assignee_id = Some(other);
    a4.due_at = Some(t - Duration::days(3));
    let a5 = activity(other_customer, other, "foreign");
    for a in [&a1, &a2, &a3, &a4, &a5] {
        add_activity(&*s, a).await;
    }
    let q = activity_query;
    let run = |q: ActivityQuery| {
        let s = s.clone();
        async move { ids(&s.list_activities(&q).await.unwrap()) }
    };
    assert_eq!(
        run(ActivityQuery {
            mine: Some(me),
            ..q()
        })
        .await,
        ids(&[a1.clone(), a2.clone(), a3.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            mine: Some(me),
            open: Some(true),
            ..q()
        })
        .await,
        ids(&[a1.clone(), a2.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            open: Some(false),
            ..q()
        })
        .await,
        ids(&[a3.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            overdue: Some(true),
            ..q()
        })
        .await,
        ids(&[a1.clone(), a4.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            overdue: Some(false),
            ..q()
        })
        .await,
        ids(&[a2.clone(), a3.clone(), a5.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            due_after: Some(t - Duration::days(2)),
            due_before: Some(t),
            ..q()
        })
        .await,
        ids(&[a1.clone(), a3.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            kinds: vec![ActivityKind::Call],
            ..q()
        })
        .await,
        ids(&[a3.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            customer_id: Some(other_customer),
            ..q()
        })
        .await,
        ids(&[a4.clone(), a5.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            assignee_id: Some(other),
            ..q()
        })
        .await,
        ids(&[a4.clone()])
    );
    assert_eq!(
        run(ActivityQuery {
            owner_id: Some(other),
            ..q()
        })
        .await,
        ids(&[a1.clone(), a5.clone()])
    );
    // A team scope sees the team's, its own and what is assigned to it.
    let team_scope = Scope::Team {
        team_id: Some(team),
        user_id: other,
    };
    assert_eq!(
        run(ActivityQuery {
            scope: team_scope,
            ..q()
        })
        .await,
        ids(&[a1.clone(), a2.clone(), a4.clone(), a5.clone()])
    );
    let lone = Scope::Team {
        team_id: None,
        user_id: me,
    };
    assert_eq!(
        run(ActivityQuery { scope: lone, ..q() }).await,
        ids(&[a1, a2, a3, a4])
    );
}

async fn activities_sort_by_due_date_with_keyset_pages(s: Arc<dyn Store>) {
    let (me, customer) = owner_and_customer(&*s, None).await;
    let base = now();
    let mut all = Vec::new();
    for i in 0..9_i64 {
        let mut a = activity(customer, me, &format!("A{i}"));
        // Three share a due time, three have none.
        a.due_at = match i % 3 {
            0 => None,
            1 => Some(base + Duration::hours(5)),
            _ => Some(base + Duration::minutes(i)),
        };
        add_activity(&*s, &a).await;
        all.push(a);
    }
    for order in [SortOrder::Asc, SortOrder::Desc] {
        let mut expected = all.clone();
        expected.sort_by_key(|a| (a.due_at.is_none(), a.due_at, a.id));
        if order == SortOrder::Desc {
            expected.reverse();
        }
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let q = ActivityQuery {
                sort: ActivitySortField::DueAt,
                order,
                after: after.clone(),
                limit: 2,
                ..activity_query()
            };
            let page = s.list_activities(&q).await.unwrap();
            got.extend(page.iter().map(|a| a.id));
            match page.last() {
                Some(l) if page.len() == 2 => {
                    after = Some(Cursor {
                        sort: "due_at".into(),
                        value: l.sort_value(ActivitySortField::DueAt),
                        id: l.id.0,
                    })
                }
                _ => break,
            }
        }
        assert_eq!(
            got,
            expected.iter().map(|a| a.id).collect::<Vec<_>>(),
            "{order:?}"
        );
    }
}

/// The sentiment job's reads: live activities with a non-empty body and no score, in
/// (created_at, id) keyset pages; its writes are version-checked and carry their event.
async fn activities_without_sentiment_in_keyset_pages_and_scored_once(s: Arc<dyn Store>) {
    let (me, customer) = owner_and_customer(&*s, None).await;
    let base = now() - Duration::hours(1);
    let at = |i: i64, body: Option<&str>, sentiment: Option<f64>| {
        let mut a = activity(customer, me, &format!("S{i}"));
        a.body = body.map(str::to_owned);
        a.sentiment = sentiment;
        // Two share a creation time: the id breaks the tie.
        a.created_at = base + Duration::minutes(i.min(3));
        a.updated_at = a.created_at;
        a
    };
    let pending: Vec<Activity> = (1..=4)
        .map(|i| at(i, Some("Thank you, great call"), None))
        .collect();
    let others = [
        at(5, None, None),
        at(6, Some(""), None),
        at(7, Some("Scored already"), Some(0.25)),
    ];
    let mut deleted = at(8, Some("Deleted before it was scored"), None);
    deleted.deleted_at = Some(now());
    for a in pending.iter().chain(&others).chain([&deleted]) {
        add_activity(&*s, a).await;
    }
    let mut expected = pending.clone();
    expected.sort_by_key(|a| (a.created_at, a.id));

    let (mut got, mut after) = (Vec::new(), None);
    loop {
        let page = s.unscored_activities(after, 3).await.unwrap();
        got.extend(page.iter().cloned());
        match page.last() {
            Some(l) if page.len() == 3 => after = Some((l.created_at, l.id)),
            _ => break,
        }
    }
    assert_eq!(got, expected);

    // The first is written; the second changed since it was read (stale version): skipped.
    let (first, second) = (&expected[0], &expected[1]);
    let bump = s
        .update_activity(
            &Activity {
                version: 2,
                ..second.clone()
            },
            1,
            &Event::new(
                "activity",
                second.id.0,
                "updated",
                None,
                serde_json::Map::new(),
            ),
        )
        .await
        .unwrap();
    assert!(bump);
    let scored = |a: &Activity| Activity {
        sentiment: Some(0.6249),
        version: a.version + 1,
        updated_at: now(),
        ..a.clone()
    };
    let changes = vec![
        (scored(first), first.version),
        (scored(second), second.version),
    ];
    let events: Vec<Event> = changes
        .iter()
        .zip([first, second])
        .map(|((n, _), a)| Event::new("activity", a.id.0, "updated", None, diff(Some(a), Some(n))))
        .collect();
    assert_eq!(s.write_sentiments(&changes, &events).await.unwrap(), 1);
    assert_eq!(
        s.get_activity(first.id).await.unwrap(),
        Some(changes[0].0.clone())
    );
    assert_eq!(
        s.get_activity(second.id).await.unwrap().unwrap().sentiment,
        None
    );
    let types: Vec<String> = s
        .entity_events(first.id.0, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(types, ["activity.created", "activity.updated"]);
    assert!(s.write_sentiments(&changes, &[]).await.is_err());

    let left: Vec<ActivityId> = s
        .unscored_activities(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(left, expected[1..].iter().map(|a| a.id).collect::<Vec<_>>());
}
