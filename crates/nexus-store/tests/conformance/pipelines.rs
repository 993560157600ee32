//! Pipelines: the seeded default, round trips, one default at a time, stage edits guarded by
//! live deals, name uniqueness, lists.

use crate::crm_fixtures::{
    add_deal, add_pipeline, deal, owner_and_customer, pipeline, pipeline_event, stage,
};
use chrono::Duration;
use nexus_core::CoreError;
use nexus_core::customer::DeletedFilter;
use nexus_core::ids::{PipelineId, StageId};
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::pipeline::{Pipeline, PipelineQuery, PipelineSortField, StageKind};
use nexus_core::store::Store;
use std::sync::Arc;

conformance!(
    default_sales_pipeline_is_seeded,
    pipeline_round_trip_and_single_default,
    stage_edits_are_guarded_by_live_deals,
    pipeline_names_are_unique_among_live_ones,
    pipelines_list_by_keyset,
);

fn next(p: &Pipeline, f: impl FnOnce(&mut Pipeline)) -> Pipeline {
    let mut n = p.clone();
    n.version += 1;
    n.updated_at = p.updated_at + Duration::milliseconds(1);
    f(&mut n);
    n
}

async fn default_sales_pipeline_is_seeded(s: Arc<dyn Store>) {
    let p = s
        .default_pipeline()
        .await
        .unwrap()
        .expect("a default pipeline");
    assert_eq!(p.name, "Sales");
    assert!(p.is_default);
    assert_eq!(
        p.id,
        PipelineId("00000000-0000-7000-8000-000000000001".parse().unwrap())
    );
    let names: Vec<&str> = p.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "Lead-in",
            "Qualified",
            "Proposal",
            "Negotiation",
            "Won",
            "Lost"
        ]
    );
    let probs: Vec<u8> = p.stages.iter().map(|s| s.probability).collect();
    assert_eq!(probs, vec![10, 25, 50, 75, 100, 0]);
    assert_eq!(p.stages[4].kind, StageKind::Won);
    assert_eq!(p.stages[5].kind, StageKind::Lost);
    assert_eq!(s.get_pipeline(p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(s.stage_pipeline(p.stages[2].id).await.unwrap(), Some(p.id));
    assert_eq!(s.stage_pipeline(StageId::new()).await.unwrap(), None);
    assert!(p.created_at <= nexus_core::time::now());
}

async fn pipeline_round_trip_and_single_default(s: Arc<dyn Store>) {
    let seeded = s.default_pipeline().await.unwrap().unwrap();
    let mut p = pipeline("Renewals", &["Due", "Quoted"]);
    p.is_default = true;
    add_pipeline(&*s, &p).await;
    assert_eq!(s.get_pipeline(p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(s.default_pipeline().await.unwrap(), Some(p.clone()));
    // The previous default stopped being one, with a new version.
    let old = s.get_pipeline(seeded.id).await.unwrap().unwrap();
    assert!(!old.is_default);
    assert_eq!(old.version, seeded.version + 1);
    // Switching back through an update.
    let back = next(&old, |n| n.is_default = true);
    assert!(
        s.update_pipeline(&back, old.version, &pipeline_event(&back, "updated"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.default_pipeline().await.unwrap().map(|d| d.id),
        Some(seeded.id)
    );
    assert!(!s.get_pipeline(p.id).await.unwrap().unwrap().is_default);
    // A stale version writes nothing.
    let stale = next(&old, |n| n.name = "Stale".into());
    assert!(
        !s.update_pipeline(&stale, old.version, &pipeline_event(&stale, "updated"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.get_pipeline(seeded.id).await.unwrap().unwrap().name,
        "Sales"
    );
    // Events were written with the changes.
    assert_eq!(s.entity_events(p.id.0, None, 10).await.unwrap().len(), 1);
    assert_eq!(
        s.entity_events(seeded.id.0, None, 10).await.unwrap().len(),
        1
    );
}

async fn stage_edits_are_guarded_by_live_deals(s: Arc<dyn Store>) {
    let (owner, customer) = owner_and_customer(&*s, None).await;
    let p = pipeline("Edits", &["A", "B", "C"]);
    add_pipeline(&*s, &p).await;
    let (a, b, c) = (
        p.stages[0].clone(),
        p.stages[1].clone(),
        p.stages[2].clone(),
    );
    let mut d = deal(&p, customer, owner, "In A");
    d.stage_id = a.id;
    add_deal(&*s, &d).await;

    // Reorder (C first), rename B, add D, remove nothing: positions follow the list.
    let added = stage("D", StageKind::Open);
    let reordered = next(&p, |n| {
        n.stages = vec![
            c.clone(),
            a.clone(),
            b.clone(),
            added.clone(),
            p.stages[3].clone(),
            p.stages[4].clone(),
        ];
        n.stages[2].name = "B renamed".into();
        n.stages[2].probability = 40;
    });
    assert!(
        s.update_pipeline(
            &reordered,
            p.version,
            &pipeline_event(&reordered, "updated")
        )
        .await
        .unwrap()
    );
    let read = s.get_pipeline(p.id).await.unwrap().unwrap();
    assert_eq!(read, reordered);

    // Removing B (empty) archives it: gone from the pipeline and from stage lookups.
    let without_b = next(&read, |n| n.stages.retain(|st| st.id != b.id));
    assert!(
        s.update_pipeline(
            &without_b,
            read.version,
            &pipeline_event(&without_b, "updated")
        )
        .await
        .unwrap()
    );
    let read = s.get_pipeline(p.id).await.unwrap().unwrap();
    assert!(read.stage(b.id).is_none());
    assert_eq!(s.stage_pipeline(b.id).await.unwrap(), None);

    // Removing A (holds a live deal), re-kinding it, or deleting the pipeline: conflicts that
    // change nothing.
    let without_a = next(&read, |n| n.stages.retain(|st| st.id != a.id));
    let kinded = next(&read, |n| {
        if let Some(st) = n.stages.iter_mut().find(|st| st.id == a.id) {
            st.kind = StageKind::Won;
        }
    });
    let deleted = next(&read, |n| n.deleted_at = Some(n.updated_at));
    for (attempt, code) in [
        (&without_a, "stage_in_use"),
        (&kinded, "stage_in_use"),
        (&deleted, "pipeline_in_use"),
    ] {
        match s
            .update_pipeline(attempt, read.version, &pipeline_event(attempt, "updated"))
            .await
        {
            Err(CoreError::Conflict { code: c, .. }) => assert_eq!(c, code),
            other => panic!("expected {code}, got {other:?}"),
        }
    }
    assert_eq!(s.get_pipeline(p.id).await.unwrap().unwrap(), read);
    assert_eq!(s.entity_events(p.id.0, None, 10).await.unwrap().len(), 3);

    // A pipeline without live deals can be deleted.
    let empty = pipeline("Empty", &["X"]);
    add_pipeline(&*s, &empty).await;
    let gone = next(&empty, |n| n.deleted_at = Some(n.updated_at));
    assert!(
        s.update_pipeline(&gone, empty.version, &pipeline_event(&gone, "deleted"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.get_pipeline(empty.id).await.unwrap().unwrap().deleted_at,
        gone.deleted_at
    );
    assert_eq!(s.stage_pipeline(empty.stages[0].id).await.unwrap(), None);
}

async fn pipeline_names_are_unique_among_live_ones(s: Arc<dyn Store>) {
    let p = pipeline("Partners", &["New"]);
    add_pipeline(&*s, &p).await;
    let dup = pipeline("PARTNERS", &["New"]);
    match s
        .insert_pipeline(&dup, &pipeline_event(&dup, "created"))
        .await
    {
        Err(CoreError::Conflict { code, field, .. }) => {
            assert_eq!(code, "name_taken");
            assert_eq!(field.as_deref(), Some("name"));
        }
        other => panic!("expected name_taken, got {other:?}"),
    }
    assert_eq!(s.get_pipeline(dup.id).await.unwrap(), None);
    let gone = next(&p, |n| n.deleted_at = Some(n.updated_at));
    assert!(
        s.update_pipeline(&gone, p.version, &pipeline_event(&gone, "deleted"))
            .await
            .unwrap()
    );
    add_pipeline(&*s, &dup).await;
}

async fn pipelines_list_by_keyset(s: Arc<dyn Store>) {
    let mut all = vec![s.default_pipeline().await.unwrap().unwrap()];
    for (i, name) in ["b pipe", "A pipe", "c pipe", "Z pipe"].iter().enumerate() {
        let mut p = pipeline(name, &["S"]);
        p.created_at += Duration::milliseconds(i as i64 + 1);
        add_pipeline(&*s, &p).await;
        all.push(p);
    }
    let gone = next(&all[4], |n| n.deleted_at = Some(n.updated_at));
    assert!(
        s.update_pipeline(&gone, all[4].version, &pipeline_event(&gone, "deleted"))
            .await
            .unwrap()
    );
    let live: Vec<Pipeline> = all[..4].to_vec();
    for sort in [PipelineSortField::CreatedAt, PipelineSortField::Name] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let mut expected = live.clone();
            expected.sort_by_key(|p| (p.sort_value(sort), p.id));
            if order == SortOrder::Desc {
                expected.reverse();
            }
            let mut got: Vec<PipelineId> = Vec::new();
            let mut after = None;
            loop {
                let q = PipelineQuery {
                    deleted: DeletedFilter::Exclude,
                    sort,
                    order,
                    after: after.clone(),
                    limit: 2,
                };
                let page = s.list_pipelines(&q).await.unwrap();
                got.extend(page.iter().map(|p| p.id));
                assert!(page.iter().all(|p| !p.stages.is_empty()));
                match page.last() {
                    Some(l) if page.len() == 2 => {
                        after = Some(Cursor {
                            sort: sort.as_str().into(),
                            value: l.sort_value(sort),
                            id: l.id.0,
                        })
                    }
                    _ => break,
                }
            }
            let ids: Vec<PipelineId> = expected.iter().map(|p| p.id).collect();
            assert_eq!(got, ids, "{sort:?} {order:?}");
        }
    }
    let q = PipelineQuery {
        deleted: DeletedFilter::Only,
        sort: PipelineSortField::Name,
        order: SortOrder::Asc,
        after: None,
        limit: 10,
    };
    let deleted = s.list_pipelines(&q).await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].id, gone.id);
    assert_eq!(deleted[0].stages, gone.stages);
}
