//! The customer timeline query: all four kinds merged by `(at, id)` descending, cursor pages,
//! and the scope applied to activities and deals.

use crate::crm_fixtures::{activity, add_activity, add_deal, add_pipeline, deal, pipeline};
use crate::fixtures::{
    add_customers, add_product, add_team, add_user, customer, product, transaction,
    transaction_event,
};
use chrono::Duration;
use nexus_core::auth::Scope;
use nexus_core::store::Store;
use nexus_core::timeline::{TimelineKind::*, TimelineQuery};
use nexus_core::transaction::TransactionStatus;
use std::sync::Arc;

conformance!(timeline_merges_kinds_in_pages_within_scope);

async fn timeline_merges_kinds_in_pages_within_scope(s: Arc<dyn Store>) {
    let team = add_team(&*s, "T").await;
    let (owner, stranger) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let mut c = customer(owner, "Merged");
    c.team_id = Some(team);
    add_customers(&*s, std::slice::from_ref(&c)).await;
    let p = product("TL", 100, "EUR");
    add_product(&*s, &p).await;
    let mut t = transaction(c.id, TransactionStatus::Completed, &[(&p, 1)]);
    t.occurred_at -= Duration::days(30);
    s.insert_transaction(&t, &transaction_event(&t, "created"))
        .await
        .unwrap();
    let mut mine = activity(c.id, owner, "Mine");
    mine.team_id = Some(team);
    add_activity(&*s, &mine).await;
    let theirs = activity(c.id, stranger, "Stranger's");
    add_activity(&*s, &theirs).await;
    let board = pipeline("TL board", &["Open"]);
    add_pipeline(&*s, &board).await;
    let mut d = deal(&board, c.id, owner, "Deal");
    d.team_id = Some(team);
    add_deal(&*s, &d).await;

    let q = |scope, before, limit| TimelineQuery {
        customer: c.id,
        scope,
        kinds: vec![Activity, Transaction, Deal, Customer],
        before,
        limit,
    };
    let all = s.customer_timeline(&q(Scope::All, None, 50)).await.unwrap();
    let kinds: Vec<_> = all.iter().map(|i| i.kind).collect();
    assert_eq!(kinds.len(), 5, "{all:#?}");
    assert_eq!(kinds.last(), Some(&Transaction));
    assert!(
        all.windows(2)
            .all(|w| (w[0].at, w[0].id) > (w[1].at, w[1].id))
    );
    // Pages of one.
    let mut before = None;
    let mut walked = Vec::new();
    while let Some(i) = s
        .customer_timeline(&q(Scope::All, before, 1))
        .await
        .unwrap()
        .pop()
    {
        before = Some((i.at, i.id));
        walked.push(i);
    }
    assert_eq!(walked, all);
    // A teammate's scope leaves out the stranger's activity.
    let scoped = s
        .customer_timeline(&q(
            Scope::Team {
                team_id: Some(team),
                user_id: owner,
            },
            None,
            50,
        ))
        .await
        .unwrap();
    assert_eq!(scoped.len(), 4);
    assert!(scoped.iter().all(|i| i.subject_id != theirs.id.0));
}
