//! Builders for pipelines, deals and activities, and store helpers writing them the way the
//! services do (with their stage changes and events).

use crate::fixtures::{add_customers, add_user, customer};
use nexus_core::activity::{Activity, ActivityKind, ActivityQuery, ActivitySortField};
use nexus_core::auth::Scope;
use nexus_core::customer::DeletedFilter;
use nexus_core::deal::{Deal, DealQuery, DealSortField, DealStatus, Placement, StageChange};
use nexus_core::event::{Event, diff};
use nexus_core::ids::{
    ActivityId, CustomerId, DealId, PipelineId, StageChangeId, StageId, TeamId, UserId,
};
use nexus_core::money::Currency;
use nexus_core::page::SortOrder;
use nexus_core::pipeline::{Pipeline, Stage, StageKind};
use nexus_core::store::{DealWrite, Store, StoredDeal};
use nexus_core::time::now;

pub fn stage(name: &str, kind: StageKind) -> Stage {
    Stage {
        id: StageId::new(),
        name: name.to_owned(),
        probability: match kind {
            StageKind::Won => 100,
            _ => 0,
        },
        kind,
    }
}

/// A pipeline with open stages named `open` followed by one won and one lost stage.
pub fn pipeline(name: &str, open: &[&str]) -> Pipeline {
    let t = now();
    let mut stages: Vec<Stage> = open.iter().map(|n| stage(n, StageKind::Open)).collect();
    stages.push(stage("Won", StageKind::Won));
    stages.push(stage("Lost", StageKind::Lost));
    Pipeline {
        id: PipelineId::new(),
        name: name.to_owned(),
        is_default: false,
        stages,
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    }
}

pub fn pipeline_event(p: &Pipeline, action: &str) -> Event {
    Event::new("pipeline", p.id.0, action, None, diff(None, Some(p)))
}

pub async fn add_pipeline(s: &dyn Store, p: &Pipeline) {
    s.insert_pipeline(p, &pipeline_event(p, "created"))
        .await
        .unwrap();
}

/// An open deal of `customer` in the first stage of `p`, owned by `owner`.
pub fn deal(p: &Pipeline, customer: CustomerId, owner: UserId, title: &str) -> Deal {
    let t = now();
    Deal {
        id: DealId::new(),
        title: title.to_owned(),
        customer_id: customer,
        value: 0,
        currency: Currency::parse("EUR").unwrap(),
        pipeline_id: p.id,
        stage_id: p.stages[0].id,
        status: DealStatus::Open,
        lost_reason: None,
        owner_id: owner,
        team_id: None,
        expected_close_date: None,
        closed_at: None,
        position: 0,
        attributes: Default::default(),
        win_probability: None,
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    }
}

pub fn change(d: &Deal, from: Option<StageId>) -> StageChange {
    StageChange {
        id: StageChangeId::new(),
        deal_id: d.id,
        pipeline_id: d.pipeline_id,
        from_stage_id: from,
        from_stage_name: None,
        to_stage_id: d.stage_id,
        to_stage_name: "stage".into(),
        actor_id: Some(d.owner_id),
        changed_at: d.updated_at,
    }
}

pub fn deal_event(action: &'static str) -> impl Fn(&Deal) -> Event + Send + Sync {
    move |d: &Deal| {
        Event::new("deal", d.id.0, action, None, diff(None, Some(d)))
            .with_ownership(Some(d.owner_id), d.team_id)
    }
}

/// Inserts `d` and returns it as stored (with its position).
pub async fn add_deal(s: &dyn Store, d: &Deal) -> Deal {
    s.insert_deal(d, &change(d, None), &deal_event("created"))
        .await
        .unwrap()
        .deal
}

/// Moves `d` (as last read) into `stage` at `placement`; `None` when its version moved on.
pub async fn move_deal(
    s: &dyn Store,
    d: &Deal,
    stage: StageId,
    placement: Placement,
) -> nexus_core::error::CoreResult<Option<Deal>> {
    Ok(move_deal_stored(s, d, stage, placement)
        .await?
        .map(|w| w.deal))
}

/// [`move_deal`], with the deals the move renumbered.
pub async fn move_deal_stored(
    s: &dyn Store,
    d: &Deal,
    stage: StageId,
    placement: Placement,
) -> nexus_core::error::CoreResult<Option<StoredDeal>> {
    let mut next = d.clone();
    next.stage_id = stage;
    next.version += 1;
    next.updated_at = now().max(d.updated_at);
    let c = change(&next, Some(d.stage_id));
    let ev = deal_event("stage_changed");
    s.update_deal(DealWrite {
        deal: &next,
        expected_version: d.version,
        placement: Some(placement),
        stage_change: (stage != d.stage_id).then_some(&c),
        event: &ev,
    })
    .await
}

/// A user and a customer of theirs, for deals and activities to point at.
pub async fn owner_and_customer(s: &dyn Store, team: Option<TeamId>) -> (UserId, CustomerId) {
    let owner = add_user(s, team).await;
    let mut c = customer(owner, "Deal customer");
    c.team_id = team;
    add_customers(s, std::slice::from_ref(&c)).await;
    (owner, c.id)
}

pub fn deal_query() -> DealQuery {
    DealQuery {
        scope: Scope::All,
        pipeline_id: None,
        stage_id: None,
        statuses: vec![],
        owner_id: None,
        team_id: None,
        customer_id: None,
        close_from: None,
        close_to: None,
        q: None,
        deleted: DeletedFilter::Exclude,
        custom: Default::default(),
        sort: DealSortField::CreatedAt,
        order: SortOrder::Desc,
        after: None,
        limit: 500,
    }
}

/// The ids of a stage's live deals in board order, read back through the list.
pub async fn board(s: &dyn Store, stage: StageId) -> Vec<Deal> {
    s.list_deals(&DealQuery {
        stage_id: Some(stage),
        sort: DealSortField::Stage,
        order: SortOrder::Asc,
        ..deal_query()
    })
    .await
    .unwrap()
}

pub fn activity(customer: CustomerId, owner: UserId, subject: &str) -> Activity {
    let t = now();
    Activity {
        id: ActivityId::new(),
        kind: ActivityKind::Task,
        subject: subject.to_owned(),
        body: None,
        due_at: None,
        done: false,
        completed_at: None,
        assignee_id: None,
        customer_id: customer,
        deal_id: None,
        owner_id: owner,
        team_id: None,
        sentiment: None,
        attributes: Default::default(),
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    }
}

pub async fn add_activity(s: &dyn Store, a: &Activity) {
    let ev = Event::new("activity", a.id.0, "created", None, diff(None, Some(a)));
    s.insert_activity(a, &ev).await.unwrap();
}

pub fn activity_query() -> ActivityQuery {
    ActivityQuery {
        scope: Scope::All,
        kinds: vec![],
        customer_id: None,
        deal_id: None,
        assignee_id: None,
        owner_id: None,
        mine: None,
        open: None,
        overdue: None,
        now: now(),
        due_after: None,
        due_before: None,
        deleted: DeletedFilter::Exclude,
        custom: Default::default(),
        sort: ActivitySortField::CreatedAt,
        order: SortOrder::Desc,
        after: None,
        limit: 500,
    }
}
