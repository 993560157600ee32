//! Customer writes and reads: round trips, uniqueness, optimistic updates, tags, bulk load.

use crate::fixtures::{
    add_customers, add_team, add_user, bulk_load, created_event, customer, id_set, next_version,
    query, search, soft_delete, sorted, updated_event, whole_second_base,
};
use chrono::Duration;
use nexus_core::CoreError;
use nexus_core::customer::{
    Customer, CustomerKind, CustomerQuery, CustomerSortField, CustomerStatus, DeletedFilter,
};
use nexus_core::event::Event;
use nexus_core::ids::{CustomerId, UserId};
use nexus_core::page::SortOrder;
use nexus_core::store::Store;
use nexus_core::time::now;
use serde_json::{Map, Value, json};
use std::sync::Arc;

conformance!(
    idle_connections_give_their_cache_back,
    customer_round_trip_keeps_every_field,
    customer_email_is_unique_case_insensitively,
    concurrent_single_creates_fail_alone,
    insert_customers_is_all_or_nothing,
    customer_needs_an_existing_owner,
    soft_deleted_customer_frees_its_email,
    customer_update_is_optimistic,
    tags_are_rewritten_on_update,
    tags_follow_updates_whatever_the_event_says,
    bulk_load_then_search,
    searches_page_alike_in_and_beyond_the_newest_rows,
    bulk_load_is_all_or_nothing,
    bulk_load_into_a_filled_table,
    customers_with_emails_reports_live_customers,
);

fn attributes() -> Map<String, Value> {
    let Value::Object(m) = json!({
        "tier": "gold",
        "score": 4.5,
        "delta": -42,
        "big": 9_007_199_254_740_993_u64,
        "flags": [true, false, null],
        "nested": {"a": [1, "two", {"three": 3}], "empty": {}},
        "unicode": "Zoë — 日本 ✓ \"quoted\" \\ back",
    }) else {
        unreachable!()
    };
    m
}

/// `release_memory` empties the page cache of every idle SQLite connection (the writer and the
/// readers not in use) and leaves them working; PostgreSQL has nothing to give back here.
async fn idle_connections_give_their_cache_back(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let first: Vec<Customer> = (0..20)
        .map(|i| customer(owner, &format!("Cache {i}")))
        .collect();
    add_customers(&*s, &first).await;
    // Reads side by side, so that the reader pool opens several connections.
    let reads = futures::future::join_all(first.iter().map(|c| s.get_customer(c.id))).await;
    assert!(reads.into_iter().all(|r| r.unwrap().is_some()));
    // Connections go back to their pool in the background after use.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let idle: u32 = s.pool_stats().iter().map(|p| p.idle).sum();
    let shrunk = s.release_memory().await;
    if s.backend() == "sqlite" {
        assert!(idle >= 3, "the writer and several readers are idle: {idle}");
        assert_eq!(shrunk, idle, "every idle connection is emptied");
    } else {
        assert_eq!(shrunk, 0);
    }
    let more = [customer(owner, "After the shrink")];
    add_customers(&*s, &more).await;
    for c in first.iter().chain(&more) {
        assert!(
            s.get_customer(c.id).await.unwrap().is_some(),
            "read after the shrink"
        );
    }
}

async fn customer_round_trip_keeps_every_field(s: Arc<dyn Store>) {
    let team = add_team(&*s, "Benelux").await;
    let owner = add_user(&*s, Some(team)).await;
    let base = now();
    let mut company = customer(owner, "Analytical Engines Ltd");
    company.kind = CustomerKind::Company;
    company.email = Some("Info@Analytical.example".into());
    company.status = CustomerStatus::Customer;
    company.team_id = Some(team);
    // A whole second (no fraction) and a whole millisecond round-trip too.
    company.created_at = whole_second_base();
    company.updated_at = company.created_at + Duration::milliseconds(250);

    let person = Customer {
        id: CustomerId::new(),
        kind: CustomerKind::Person,
        name: "Ada Lovelace".into(),
        email: Some("Ada.Lovelace@Analytical.example".into()),
        phone: Some("+44 20 7946 0018".into()),
        company_id: Some(company.id),
        company_name: Some(company.name.clone()),
        status: CustomerStatus::Prospect,
        owner_id: owner,
        team_id: Some(team),
        tags: vec!["vip".into(), "mathematics".into(), "b2b".into()],
        attributes: attributes(),
        segment: Some("whale".into()),
        segment_status: nexus_core::customer::SegmentStatus::Assigned,
        segment_confidence: Some(0.625),
        version: 7,
        created_at: base,
        updated_at: base + Duration::microseconds(1_234_567),
        deleted_at: None,
    };
    let mut gone = customer(owner, "Gone Person");
    gone.deleted_at = Some(base + Duration::microseconds(3));
    gone.version = 2;

    let all = [company.clone(), person.clone(), gone.clone()];
    add_customers(&*s, &all).await;
    for c in &all {
        assert_eq!(s.get_customer(c.id).await.unwrap().as_ref(), Some(c));
    }
    assert_eq!(s.get_customer(CustomerId::new()).await.unwrap(), None);

    // Lists return the same values as single reads.
    let listed = s.list_customers(&query()).await.unwrap();
    let mut expected = vec![person.clone(), company.clone()];
    expected.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id)));
    assert_eq!(listed, expected);
    let deleted = s
        .list_customers(&CustomerQuery {
            deleted: DeletedFilter::Only,
            ..query()
        })
        .await
        .unwrap();
    assert_eq!(deleted, vec![gone]);
}

/// Many single creates at once (on SQLite they share transactions, see the store's
/// `customers/group.rs`): a create whose e-mail is taken fails with its own conflict and leaves
/// nothing behind, and every other create is written whole, with its event and signup count.
async fn concurrent_single_creates_fail_alone(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut taken = customer(owner, "Holder");
    taken.email = Some("held@example.com".into());
    add_customers(&*s, std::slice::from_ref(&taken)).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        let mut c = customer(owner, &format!("Concurrent {i}"));
        c.email = Some(if i % 8 == 3 {
            "HELD@example.com".to_owned()
        } else {
            format!("c{i}@example.com")
        });
        // The same signup day as the holder's, whenever the test runs.
        (c.created_at, c.updated_at) = (taken.created_at, taken.created_at);
        c.tags = vec![format!("t{}", i % 3)];
        tasks.push(tokio::spawn(async move {
            let outcome = s
                .insert_customers(std::slice::from_ref(&c), &[created_event(&c)])
                .await;
            (c, outcome)
        }));
    }
    let mut written = 0;
    for t in tasks {
        let (c, outcome) = t.await.unwrap();
        let events = s.entity_events(c.id.0, None, 10).await.unwrap();
        match outcome {
            Ok(()) => {
                written += 1;
                assert_eq!(s.get_customer(c.id).await.unwrap(), Some(c.clone()));
                assert_eq!(events.len(), 1, "{}", c.name);
            }
            Err(CoreError::Conflict { code, field, .. }) => {
                assert_eq!((code, field.as_deref()), ("email_taken", Some("email")));
                assert_eq!(c.email.as_deref(), Some("HELD@example.com"));
                assert_eq!(s.get_customer(c.id).await.unwrap(), None);
                assert!(events.is_empty(), "no event of a refused create");
            }
            Err(e) => panic!("{}: {e:?}", c.name),
        }
    }
    assert_eq!(written, 35);
    assert_eq!(s.list_customers(&query()).await.unwrap().len(), 36);
    let day = taken.created_at.date_naive();
    let signups = s
        .signups_by_day(&nexus_core::dashboard::SignupQuery {
            scope: nexus_core::auth::Scope::All,
            from: day,
            to: day,
        })
        .await
        .unwrap();
    assert_eq!(signups, vec![(day.format("%Y-%m-%d").to_string(), 36)]);
}

async fn customer_email_is_unique_case_insensitively(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut a = customer(owner, "First");
    a.email = Some("Ada@Example.com".into());
    add_customers(&*s, &[a.clone()]).await;

    let mut b = customer(owner, "Second");
    b.email = Some("ada@EXAMPLE.COM".into());
    match s.insert_customers(&[b.clone()], &[created_event(&b)]).await {
        Err(CoreError::Conflict { code, field, .. }) => {
            assert_eq!(code, "email_taken");
            assert_eq!(field.as_deref(), Some("email"));
        }
        other => panic!("expected an email_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_customer(b.id).await.unwrap(), None);

    // An update onto a taken email conflicts as well.
    let mut c = customer(owner, "Third");
    c.email = Some("third@example.com".into());
    add_customers(&*s, &[c.clone()]).await;
    let c2 = next_version(&c, |c| c.email = Some("ADA@example.com".into()));
    match s
        .update_customer(&c2, c.version, &updated_event(&c, &c2))
        .await
    {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "email_taken"),
        other => panic!("expected an email_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_customer(c.id).await.unwrap(), Some(c));

    // Customers without an email do not collide.
    let none: Vec<Customer> = (0..3).map(|i| customer(owner, &format!("N{i}"))).collect();
    add_customers(&*s, &none).await;
    assert_eq!(s.list_customers(&query()).await.unwrap().len(), 5);
}

async fn insert_customers_is_all_or_nothing(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut taken = customer(owner, "Taken");
    taken.email = Some("taken@example.com".into());
    add_customers(&*s, &[taken]).await;

    let fine = customer(owner, "Fine");
    let mut clash = customer(owner, "Clash");
    clash.email = Some("TAKEN@example.com".into());
    let batch = [fine.clone(), clash.clone()];
    let events: Vec<Event> = batch.iter().map(created_event).collect();
    assert!(s.insert_customers(&batch, &events).await.is_err());
    assert_eq!(s.get_customer(fine.id).await.unwrap(), None);
    assert!(
        s.entity_events(fine.id.0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A failing event rolls back the customers written before it.
    let c = customer(owner, "With bad event");
    let ev = created_event(&c);
    let batch = [c.clone()];
    assert!(
        s.insert_customers(&batch, &[ev.clone(), ev.clone()])
            .await
            .is_err()
    );
    assert_eq!(s.get_customer(c.id).await.unwrap(), None);
    s.insert_customers(&batch, &[ev]).await.unwrap();
    assert_eq!(s.get_customer(c.id).await.unwrap(), Some(c));
}

async fn customer_needs_an_existing_owner(s: Arc<dyn Store>) {
    let c = customer(UserId::new(), "Orphan");
    match s
        .insert_customers(std::slice::from_ref(&c), &[created_event(&c)])
        .await
    {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "reference_missing"),
        other => panic!("expected reference_missing, got {other:?}"),
    }
    assert_eq!(s.get_customer(c.id).await.unwrap(), None);
}

async fn soft_deleted_customer_frees_its_email(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut old = customer(owner, "Old");
    old.email = Some("Reused@Example.com".into());
    add_customers(&*s, &[old.clone()]).await;
    let deleted = soft_delete(&*s, &old).await;
    assert_eq!(s.get_customer(old.id).await.unwrap(), Some(deleted.clone()));
    assert!(
        s.customers_with_emails(&["reused@example.com".into()])
            .await
            .unwrap()
            .is_empty()
    );

    let mut new = customer(owner, "New");
    new.email = Some("reused@example.COM".into());
    add_customers(&*s, &[new.clone()]).await;
    assert_eq!(s.get_customer(new.id).await.unwrap(), Some(new));
    assert_eq!(
        s.customers_with_emails(&["reused@example.com".into()])
            .await
            .unwrap(),
        vec!["reused@example.com".to_owned()]
    );

    // Restoring the deleted one would duplicate the email.
    let restored = next_version(&deleted, |c| c.deleted_at = None);
    match s
        .update_customer(
            &restored,
            deleted.version,
            &updated_event(&deleted, &restored),
        )
        .await
    {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "email_taken"),
        other => panic!("expected an email_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_customer(old.id).await.unwrap(), Some(deleted));
}

async fn customer_update_is_optimistic(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let other = add_user(&*s, None).await;
    let mut c = customer(owner, "Grace");
    c.tags = vec!["navy".into()];
    add_customers(&*s, &[c.clone()]).await;

    let v2 = next_version(&c, |n| {
        n.name = "Grace Hopper".into();
        n.email = Some("grace@navy.example".into());
        n.phone = Some("+1 555 0100".into());
        n.status = CustomerStatus::Customer;
        n.owner_id = other;
        n.segment = Some("loyal".into());
        n.attributes = attributes();
    });
    let ev = updated_event(&c, &v2);
    assert!(s.update_customer(&v2, 1, &ev).await.unwrap());
    assert_eq!(s.get_customer(c.id).await.unwrap(), Some(v2.clone()));

    // A second writer that also read version 1 loses and changes nothing.
    let stale = next_version(&c, |n| n.name = "Stale".into());
    assert!(
        !s.update_customer(&stale, 1, &updated_event(&c, &stale))
            .await
            .unwrap()
    );
    assert_eq!(s.get_customer(c.id).await.unwrap(), Some(v2.clone()));
    let ghost = customer(owner, "Ghost");
    assert!(
        !s.update_customer(&ghost, 1, &created_event(&ghost))
            .await
            .unwrap()
    );
    assert_eq!(s.get_customer(ghost.id).await.unwrap(), None);

    let events = s.entity_events(c.id.0, None, 10).await.unwrap();
    assert_eq!(events.len(), 2, "created + updated only: {events:?}");
    assert_eq!(events[1], ev);
    assert!(events.iter().all(|e| e.seq.is_none()));
    assert!(
        s.entity_events(ghost.id.0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The new state is what the lists see.
    let q = CustomerQuery {
        owner_id: Some(other),
        ..query()
    };
    assert_eq!(s.list_customers(&q).await.unwrap(), vec![v2]);
}

fn tagged(tag: &str) -> CustomerQuery {
    CustomerQuery {
        tag: Some(tag.into()),
        ..query()
    }
}

async fn tags_are_rewritten_on_update(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut c = customer(owner, "Tagged");
    c.tags = vec!["alpha".into(), "beta".into()];
    let mut other = customer(owner, "Other");
    other.tags = vec!["alpha".into()];
    // One at a time: a single insert writes its tag rows too (one statement on PostgreSQL).
    add_customers(&*s, std::slice::from_ref(&c)).await;
    add_customers(&*s, std::slice::from_ref(&other)).await;
    assert_eq!(
        id_set(&s.list_customers(&tagged("alpha")).await.unwrap()),
        id_set(&[c.clone(), other.clone()])
    );

    let v2 = next_version(&c, |n| n.tags = vec!["beta".into(), "gamma".into()]);
    assert!(
        s.update_customer(&v2, 1, &updated_event(&c, &v2))
            .await
            .unwrap()
    );
    assert_eq!(s.get_customer(c.id).await.unwrap().unwrap().tags, v2.tags);
    assert_eq!(
        ids(&s.list_customers(&tagged("alpha")).await.unwrap()),
        vec![other.id]
    );
    assert_eq!(
        ids(&s.list_customers(&tagged("beta")).await.unwrap()),
        vec![c.id]
    );
    // The tag filter is case-insensitive (tags are stored lowercase).
    assert_eq!(
        ids(&s.list_customers(&tagged("GAMMA")).await.unwrap()),
        vec![c.id]
    );

    let v3 = next_version(&v2, |n| n.tags.clear());
    assert!(
        s.update_customer(&v3, 2, &updated_event(&v2, &v3))
            .await
            .unwrap()
    );
    for t in ["alpha", "beta", "gamma"] {
        assert!(
            !ids(&s.list_customers(&tagged(t)).await.unwrap()).contains(&c.id),
            "{t}"
        );
    }
}

async fn tags_follow_updates_whatever_the_event_says(s: Arc<dyn Store>) {
    // The store writes the customer it is given; the event is only logged. A caller that
    // records a summary event (here: no changes at all) must not leave the tag index stale.
    let owner = add_user(&*s, None).await;
    let mut c = customer(owner, "Summary");
    c.tags = vec!["old".into()];
    add_customers(&*s, &[c.clone()]).await;
    let v2 = next_version(&c, |n| n.tags = vec!["new".into()]);
    let ev = Event::new("customer", c.id.0, "updated", None, Map::new());
    assert!(s.update_customer(&v2, 1, &ev).await.unwrap());
    assert!(s.list_customers(&tagged("old")).await.unwrap().is_empty());
    assert_eq!(
        ids(&s.list_customers(&tagged("new")).await.unwrap()),
        vec![c.id]
    );
}

fn ids(v: &[Customer]) -> Vec<CustomerId> {
    crate::fixtures::ids(v)
}

fn bulk(owner: UserId, n: usize, tag: &str) -> Vec<Customer> {
    let base = now() - Duration::days(1);
    (0..n)
        .map(|i| {
            let mut c = customer(owner, &format!("Bulk Customer {i:04}"));
            c.email = Some(format!("Bulk{i:04}@{tag}.example"));
            c.phone = Some(format!("+1 555 {i:04}"));
            c.tags = vec![tag.to_owned()];
            if i % 100 == 0 {
                c.tags.push("centennial".into());
            }
            c.company_name = Some(format!("{tag} Corp"));
            c.attributes = attributes();
            c.created_at = base + Duration::milliseconds(i as i64 * 10);
            c.updated_at = c.created_at;
            c
        })
        .collect()
}

async fn bulk_load_then_search(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let rows = bulk(owner, 2_000, "loaded");
    assert_eq!(bulk_load(&*s, &rows, 300).await.unwrap(), 2_000);

    for i in [0, 1_234, 1_999] {
        let hit = s
            .list_customers(&search(&format!("customer {i:04}")))
            .await
            .unwrap();
        assert_eq!(hit, vec![rows[i].clone()], "search for customer {i}");
        assert_eq!(
            s.get_customer(rows[i].id).await.unwrap().as_ref(),
            Some(&rows[i])
        );
    }
    // By email and phone too.
    let hit = s.list_customers(&search("bulk0042@")).await.unwrap();
    assert_eq!(ids(&hit), vec![rows[42].id]);
    let hit = s.list_customers(&search("555 1999")).await.unwrap();
    assert_eq!(ids(&hit), vec![rows[1999].id]);
    // A search hitting everything is cut at the limit, newest first.
    let all = s.list_customers(&search("LOADED corp")).await.unwrap();
    assert_eq!(all.len(), 500);
    assert_eq!(all[0], rows[1999]);
    let centennial = s.list_customers(&tagged("centennial")).await.unwrap();
    assert_eq!(centennial.len(), 20);
    let emails: Vec<String> = rows.iter().filter_map(Customer::email_normalized).collect();
    assert_eq!(s.customers_with_emails(&emails).await.unwrap().len(), 2_000);
    // Bulk load writes no events.
    assert!(
        s.entity_events(rows[0].id.0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.sequence_events(10_000).await.unwrap().len(),
        1,
        "only the user's"
    );
}

/// On SQLite a search first looks at the first 5,000 rows in list order (`LIKE`, ASCII needles)
/// and uses the trigram index only when they hold less than the page: fetching every match when
/// it has fewer than 5,000, else walking the rows in list order against them. Every page must be
/// the index's answer.
async fn searches_page_alike_in_and_beyond_the_newest_rows(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut rows = bulk(owner, 5_600, "window");
    for (i, c) in rows.iter_mut().enumerate() {
        if i >= 300 {
            // 5,300 matches of a needle with a non-ASCII letter (no window: the walk).
            c.company_name = Some(format!("Müller Söhne {}", i % 7));
        }
        if i % 100 == 7 {
            // 56 in all, 50 of them among the newest 5,000 (i >= 600).
            c.name = format!("Zebra Customer {i:04}");
        } else if i < 600 && i % 100 == 50 {
            // 6, all older than the newest 5,000.
            c.name = format!("Yak Customer {i:04}");
        }
    }
    assert_eq!(bulk_load(&*s, &rows, 500).await.unwrap(), 5_600);
    // The index's answer: substring of any searched field, case-insensitive, newest first.
    let expect = |needle: &str| -> Vec<CustomerId> {
        let hit = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|v| v.to_lowercase().contains(needle))
        };
        let mut out: Vec<&Customer> = rows
            .iter()
            .filter(|c| {
                c.name.to_lowercase().contains(needle)
                    || hit(&c.email)
                    || hit(&c.company_name)
                    || hit(&c.phone)
            })
            .collect();
        out.sort_by_key(|c| std::cmp::Reverse((c.created_at, c.id.0)));
        out.iter().map(|c| c.id).collect()
    };
    for (needle, n) in [
        ("zebra", 56),
        ("yak", 6),
        ("customer 00", 100),
        ("bulk", 5_600),
        ("müller", 5_300),
        ("söhne 3", 757),
    ] {
        assert_eq!(expect(needle).len(), n, "{needle}");
        for limit in [10, 50, 60, 500] {
            let got = crate::listing::walk(&*s, &search(needle), limit).await;
            assert_eq!(ids(&got), expect(needle), "{needle} in pages of {limit}");
        }
    }
    // Case folds beyond ASCII.
    let got = crate::listing::walk(&*s, &search("MÜLLER"), 500).await;
    assert_eq!(ids(&got), expect("müller"));
    // Sorted by name, ascending: the window and the walk follow the list order, not the
    // creation order.
    for (needle, of) in [
        (
            "zebra",
            &(|c: &Customer| c.name.starts_with("Zebra")) as &dyn Fn(&Customer) -> bool,
        ),
        ("müller", &|c: &Customer| {
            c.company_name
                .as_deref()
                .is_some_and(|n| n.starts_with("Müller"))
        }),
    ] {
        let by_name = CustomerQuery {
            sort: CustomerSortField::Name,
            order: SortOrder::Asc,
            ..search(needle)
        };
        let got = crate::listing::walk(&*s, &by_name, 200).await;
        let mut want: Vec<&Customer> = rows.iter().filter(|c| of(c)).collect();
        want.sort_by(|a, b| (&a.name, a.id.0).cmp(&(&b.name, b.id.0)));
        assert_eq!(
            ids(&got),
            want.iter().map(|c| c.id).collect::<Vec<_>>(),
            "{needle} by name"
        );
    }
}

async fn bulk_load_is_all_or_nothing(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut rows = bulk(owner, 1_200, "dup");
    // The last row repeats the first email (in another case): the whole call fails.
    rows[1_199].email = Some("BULK0000@DUP.example".into());
    match bulk_load(&*s, &rows, 500).await {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "email_taken"),
        other => panic!("expected an email_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_customer(rows[0].id).await.unwrap(), None);
    assert!(s.list_customers(&tagged("dup")).await.unwrap().is_empty());
    // A producer failing after its first batch aborts the load too.
    let fine = bulk(owner, 100, "aborted");
    let batches = futures::stream::iter([
        Ok(fine.clone()),
        Err(CoreError::Internal("producer failed".into())),
    ]);
    assert!(s.bulk_load_customers(Box::pin(batches), 200).await.is_err());
    assert_eq!(s.get_customer(fine[0].id).await.unwrap(), None);
    assert!(
        s.list_customers(&tagged("aborted"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.list_customers(&search("dup corp"))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Loads smaller than the table (indexes kept row by row) and larger (SQLite rebuilds its
/// random-order indexes at the end): both refuse duplicates of stored e-mails, and what they
/// load is found by search and in every sort order.
async fn bulk_load_into_a_filled_table(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let first = bulk(owner, 1_000, "first");
    bulk_load(&*s, &first, 400).await.unwrap();
    assert_eq!(
        s.bulk_load_customers(Box::pin(futures::stream::empty()), 0)
            .await
            .unwrap(),
        0
    );

    for (n, batch) in [(10, 10), (2_000, 700)] {
        let mut rows = bulk(owner, n, "second");
        rows[n - 1].email = Some("BULK0500@FIRST.example".into());
        match bulk_load(&*s, &rows, batch).await {
            Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "email_taken"),
            other => panic!("loading {n}: expected email_taken, got {other:?}"),
        }
        assert_eq!(s.get_customer(rows[0].id).await.unwrap(), None);
        assert!(
            s.list_customers(&tagged("second"))
                .await
                .unwrap()
                .is_empty()
        );
    }
    let hit = s.list_customers(&search("bulk0500@first")).await.unwrap();
    assert_eq!(ids(&hit), vec![first[500].id]);

    let small = bulk(owner, 50, "small");
    let large = bulk(owner, 1_500, "large");
    assert_eq!(bulk_load(&*s, &small, 50).await.unwrap(), 50);
    assert_eq!(bulk_load(&*s, &large, 600).await.unwrap(), 1_500);
    for (rows, tag) in [(&first, "first"), (&small, "small"), (&large, "large")] {
        let last = rows.len() - 1;
        let hit = s
            .list_customers(&search(&format!("bulk{last:04}@{tag}")))
            .await
            .unwrap();
        assert_eq!(ids(&hit), vec![rows[last].id], "{tag}");
    }
    let all: Vec<Customer> = [first, small, large].concat();
    for sort in [CustomerSortField::Name, CustomerSortField::Email] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let q = CustomerQuery {
                sort,
                order,
                ..query()
            };
            let page = s.list_customers(&q).await.unwrap();
            assert_eq!(
                ids(&page),
                ids(&sorted(&all, sort, order)[..500]),
                "{sort:?} {order:?}"
            );
        }
    }
    // The e-mail index is unique again after the rebuild.
    let mut dup = customer(owner, "Late duplicate");
    dup.email = Some("bulk1499@LARGE.example".into());
    match s
        .insert_customers(std::slice::from_ref(&dup), &[created_event(&dup)])
        .await
    {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "email_taken"),
        other => panic!("expected email_taken, got {other:?}"),
    }
}

async fn customers_with_emails_reports_live_customers(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    assert!(s.customers_with_emails(&[]).await.unwrap().is_empty());
    // More than one chunk of emails.
    let rows = bulk(owner, 700, "known");
    bulk_load(&*s, &rows, 700).await.unwrap();
    soft_delete(&*s, &rows[3]).await;

    let mut asked: Vec<String> = rows.iter().filter_map(Customer::email_normalized).collect();
    asked.push("unknown@known.example".into());
    asked.push("nobody@else.example".into());
    let mut found = s.customers_with_emails(&asked).await.unwrap();
    found.sort();
    let mut expected: Vec<String> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .filter_map(|(_, c)| c.email_normalized())
        .collect();
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(
        s.customers_with_emails(&["bulk0003@known.example".into()])
            .await
            .unwrap(),
        Vec::<String>::new()
    );
}
