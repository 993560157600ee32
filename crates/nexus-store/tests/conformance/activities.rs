//! Activities: round trips, optimistic updates, and the list filters ("my open tasks",
//! overdue, due ranges) with the assignee-aware scope and the due-date sort.

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
