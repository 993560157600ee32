//! Dashboard figures: the revenue and signup rollups equal a recomputation from the rows after
//! every kind of write (also with concurrent transaction writes racing customer reassignments),
//! and the index-backed queries (pipeline totals, activity volume, top customers) honour scope;
//! activity volume (rollup for whole days + live rows at the window's ends) equals a count of
//! the live activities after every kind of write, for windows with and without whole days.

use crate::crm_fixtures::{
    activity, add_activity, add_deal, add_pipeline, deal, deal_event, move_deal, pipeline,
};

use crate::fixtures::{
    add_customers, add_product, add_team, add_user, all_transactions, bulk_load,
    change_transaction, customer, next_version, product, transaction, transaction_event,
    updated_event,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use nexus_core::activity::{Activity, ActivityKind};
use nexus_core::auth::Scope;
use nexus_core::customer::Customer;
use nexus_core::dashboard::{RevenueMonth, SignupQuery};
use nexus_core::event::{Event, diff};
use nexus_core::ids::{CustomerId, TeamId, UserId};
use nexus_core::money::Currency;
use nexus_core::store::Store;
use nexus_core::time::now;
use nexus_core::transaction::{Transaction, TransactionStatus::*};
use std::collections::BTreeMap;
use std::sync::Arc;

conformance!(
    revenue_rollup_follows_every_kind_of_write,
    revenue_rollup_stays_exact_under_concurrent_reassignment,
    signups_follow_creates_deletes_restores_and_reassignment,
    signups_stay_exact_under_concurrent_creates_and_deletes,
    pipeline_activity_and_top_customer_figures_honour_scope,
    activity_rollup_follows_every_kind_of_write,
    pipeline_rollup_follows_every_kind_of_write,
);

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

type Figures = BTreeMap<(String, String), (i64, i64)>;
type Change = Box<dyn Fn(&mut Transaction) + Send>;

/// The rollup for a scope over 2020..2030, as (month, currency) → (revenue, purchases).
pub async fn stored(s: &dyn Store, scope: Scope) -> Figures {
    let rows: Vec<RevenueMonth> = s
        .revenue_by_month(scope, "2020-01", "2030-12")
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| {
            (
                (r.month, r.currency.as_str().to_owned()),
                (r.revenue, r.purchases),
            )
        })
        .collect()
}

/// The same figures recomputed from the transaction rows of `customers`.
pub async fn recomputed(s: &dyn Store, customers: &[CustomerId]) -> Figures {
    let mut out = Figures::new();
    for c in customers {
        for t in all_transactions(s, *c).await {
            if t.deleted_at.is_none() && t.status == Completed {
                let e = out
                    .entry((
                        t.occurred_at.format("%Y-%m").to_string(),
                        t.currency.as_str().to_owned(),
                    ))
                    .or_insert((0, 0));
                e.0 += t.total;
                e.1 += 1;
            }
        }
    }
    out
}

fn team_scope(team: Option<TeamId>, user: UserId) -> Scope {
    Scope::Team {
        team_id: team,
        user_id: user,
    }
}

pub async fn insert(s: &dyn Store, t: &Transaction) {
    s.insert_transaction(t, &transaction_event(t, "created"))
        .await
        .unwrap();
}

/// Reassigns a customer (owner and team) through an optimistic update; returns the new state.
async fn reassign(s: &dyn Store, c: &Customer, owner: UserId, team: Option<TeamId>) -> Customer {
    let n = next_version(c, |n| {
        n.owner_id = owner;
        n.team_id = team;
    });
    assert!(
        s.update_customer(&n, c.version, &updated_event(c, &n))
            .await
            .unwrap()
    );
    n
}

async fn revenue_rollup_follows_every_kind_of_write(s: Arc<dyn Store>) {
    let team = add_team(&*s, "North").await;
    let (alice, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let mut a = customer(alice, "Alpha");
    a.team_id = Some(team);
    let b = customer(bob, "Beta");
    add_customers(&*s, &[a.clone(), b.clone()]).await;
    let eur = product("EUR-1", 1000, "EUR");
    let usd = product("USD-1", 700, "USD");
    add_product(&*s, &eur).await;
    add_product(&*s, &usd).await;

    let mut written = Vec::new();
    for (i, (who, p, status, when)) in [
        (a.id, &eur, Completed, at(2026, 1, 31)),
        (a.id, &eur, Completed, at(2026, 2, 1)),
        (a.id, &usd, Completed, at(2026, 2, 14)),
        (a.id, &eur, Pending, at(2026, 3, 3)),
        (b.id, &eur, Completed, at(2026, 1, 5)),
        (b.id, &eur, Cancelled, at(2026, 1, 6)),
    ]
    .into_iter()
    .enumerate()
    {
        let mut t = transaction(who, status, &[(p, 1 + i as i64)]);
        t.occurred_at = when;
        insert(&*s, &t).await;
        written.push(t);
    }
    let both = [a.id, b.id];
    let check = |label: &'static str| {
        let s = s.clone();
        async move {
            assert_eq!(
                stored(&*s, Scope::All).await,
                recomputed(&*s, &both).await,
                "{label}: all"
            );
        }
    };
    check("inserted").await;
    let expected = recomputed(&*s, &both).await;
    assert_eq!(
        expected[&("2026-01".into(), "EUR".into())],
        (1000 + 5000, 2)
    );
    assert_eq!(expected[&("2026-02".into(), "EUR".into())], (2000, 1));

    // Every kind of change: complete, refund, re-date across a month, delete, restore.
    let steps: Vec<(usize, Change)> = vec![
        (3, Box::new(|t| t.status = Completed)),
        (1, Box::new(|t| t.status = Refunded)),
        (0, Box::new(|t| t.occurred_at = at(2026, 4, 30))),
        (2, Box::new(|t| t.deleted_at = Some(now()))),
        (2, Box::new(|t| t.deleted_at = None)),
        (4, Box::new(|t| t.deleted_at = Some(now()))),
    ];
    for (k, f) in steps {
        let cur = s.get_transaction(written[k].id).await.unwrap().unwrap();
        written[k] = change_transaction(&*s, &cur, |n| f(n)).await.unwrap();
        check("changed").await;
    }

    // Scope: Alice's team sees Alpha's revenue only; Bob (no team) his own customers only.
    assert_eq!(
        stored(&*s, team_scope(Some(team), bob)).await,
        recomputed(&*s, &both).await,
        "Bob in Alice's team scope sees Alpha (team) and Beta (his own)"
    );
    assert_eq!(
        stored(&*s, team_scope(Some(team), alice)).await,
        recomputed(&*s, &[a.id]).await
    );
    assert_eq!(
        stored(&*s, team_scope(None, bob)).await,
        recomputed(&*s, &[b.id]).await
    );

    // Reassigning Alpha to Bob (no team) moves all of its revenue with it.
    let cur = s.get_customer(a.id).await.unwrap().unwrap();
    reassign(&*s, &cur, bob, None).await;
    check("reassigned").await;
    assert_eq!(
        stored(&*s, team_scope(Some(team), alice)).await,
        Figures::new()
    );
    assert_eq!(
        stored(&*s, team_scope(None, bob)).await,
        recomputed(&*s, &both).await
    );
    // A failed (stale) update moves nothing.
    assert!(
        !s.update_customer(&cur, cur.version - 1, &updated_event(&cur, &cur))
            .await
            .unwrap()
    );
    check("stale update").await;
}

async fn revenue_rollup_stays_exact_under_concurrent_reassignment(s: Arc<dyn Store>) {
    let (alice, bob) = (add_user(&*s, None).await, add_user(&*s, None).await);
    let c = customer(alice, "Contended");
    add_customers(&*s, std::slice::from_ref(&c)).await;
    let eur = product("EUR-C", 300, "EUR");
    add_product(&*s, &eur).await;
    let mut tasks = Vec::new();
    for w in 0..6_u32 {
        let s = s.clone();
        let eur = eur.clone();
        tasks.push(tokio::spawn(async move {
            for step in 0..8_u32 {
                let mut t = transaction(c.id, Completed, &[(&eur, 1 + i64::from(step % 3))]);
                t.occurred_at = at(2026, 1 + (w + step) % 12, 10);
                s.insert_transaction(&t, &transaction_event(&t, "created"))
                    .await
                    .unwrap();
                if step % 3 == 2 {
                    change_transaction(&*s, &t, |n| n.status = Refunded)
                        .await
                        .unwrap();
                }
            }
        }));
    }
    let mover = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..20 {
                loop {
                    let cur = s.get_customer(c.id).await.unwrap().unwrap();
                    let owner = if i % 2 == 0 { bob } else { alice };
                    let n = next_version(&cur, |n| n.owner_id = owner);
                    if s.update_customer(&n, cur.version, &updated_event(&cur, &n))
                        .await
                        .unwrap()
                    {
                        break;
                    }
                }
            }
        })
    };
    for t in tasks {
        t.await.unwrap();
    }
    mover.await.unwrap();
    let owner = s.get_customer(c.id).await.unwrap().unwrap().owner_id;
    let other = if owner == alice { bob } else { alice };
    let expected = recomputed(&*s, &[c.id]).await;
    assert_eq!(expected.values().map(|v| v.1).sum::<i64>(), 6 * 8 - 6 * 2);
    assert_eq!(stored(&*s, team_scope(None, owner)).await, expected);
    assert_eq!(stored(&*s, team_scope(None, other)).await, Figures::new());
    assert_eq!(stored(&*s, Scope::All).await, expected);
}

async fn signups(s: &dyn Store, scope: Scope) -> BTreeMap<String, i64> {
    s.signups_by_day(&SignupQuery {
        scope,
        from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2030, 12, 31).unwrap(),
    })
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Many connections creating and deleting customers of one owner on one day at once: on
/// PostgreSQL their signup deltas land in different rows of the same key (migration 0021), and
/// the day still sums to the live customers.
async fn signups_stay_exact_under_concurrent_creates_and_deletes(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for step in 0..6 {
                let mut c = customer(owner, "Concurrent");
                c.created_at = at(2026, 5, 7);
                c.updated_at = c.created_at;
                add_customers(&*s, std::slice::from_ref(&c)).await;
                if step % 3 == 0 {
                    let d = next_version(&c, |n| n.deleted_at = Some(now()));
                    assert!(
                        s.update_customer(&d, c.version, &updated_event(&c, &d))
                            .await
                            .unwrap()
                    );
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let day = at(2026, 5, 7).date_naive();
    let got = s
        .signups_by_day(&SignupQuery {
            scope: Scope::All,
            from: day,
            to: day,
        })
        .await
        .unwrap();
    assert_eq!(got, vec![("2026-05-07".to_owned(), 8 * 4)]);
}

async fn signups_follow_creates_deletes_restores_and_reassignment(s: Arc<dyn Store>) {
    let team = add_team(&*s, "South").await;
    let (alice, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let made = |owner: UserId, team: Option<TeamId>, day: u32| {
        let mut c = customer(owner, "Signup");
        c.team_id = team;
        c.created_at = at(2026, 3, day);
        c.updated_at = c.created_at;
        c
    };
    let (c1, c2, c3) = (
        made(alice, Some(team), 1),
        made(alice, Some(team), 1),
        made(bob, None, 2),
    );
    add_customers(&*s, &[c1.clone(), c2.clone(), c3.clone()]).await;
    let bulk: Vec<Customer> = (0..7).map(|i| made(bob, None, 3 + i % 2)).collect();
    assert_eq!(bulk_load(&*s, &bulk, 3).await.unwrap(), 7);
    let all = signups(&*s, Scope::All).await;
    let want: BTreeMap<String, i64> = [
        ("2026-03-01".into(), 2),
        ("2026-03-02".into(), 1),
        ("2026-03-03".into(), 4),
        ("2026-03-04".into(), 3),
    ]
    .into();
    assert_eq!(all, want);
    assert_eq!(
        signups(&*s, team_scope(Some(team), alice)).await,
        [("2026-03-01".to_owned(), 2)].into()
    );

    // Delete, a plain edit, restore, then move c2 to Bob.
    let d = next_version(&c1, |n| n.deleted_at = Some(now()));
    assert!(
        s.update_customer(&d, c1.version, &updated_event(&c1, &d))
            .await
            .unwrap()
    );
    assert_eq!(signups(&*s, Scope::All).await["2026-03-01"], 1);
    let e = next_version(&d, |n| n.name = "Renamed".into());
    assert!(
        s.update_customer(&e, d.version, &updated_event(&d, &e))
            .await
            .unwrap()
    );
    assert_eq!(signups(&*s, Scope::All).await["2026-03-01"], 1);
    let r = next_version(&e, |n| n.deleted_at = None);
    assert!(
        s.update_customer(&r, e.version, &updated_event(&e, &r))
            .await
            .unwrap()
    );
    assert_eq!(signups(&*s, Scope::All).await, want);
    reassign(&*s, &c2, bob, None).await;
    assert_eq!(signups(&*s, Scope::All).await, want);
    assert_eq!(
        signups(&*s, team_scope(Some(team), alice)).await["2026-03-01"],
        1
    );
    assert_eq!(signups(&*s, team_scope(None, bob)).await["2026-03-01"], 1);
}

async fn pipeline_activity_and_top_customer_figures_honour_scope(s: Arc<dyn Store>) {
    let team = add_team(&*s, "East").await;
    let (alice, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let mut a = customer(alice, "Ann's client");
    a.team_id = Some(team);
    let b = customer(bob, "Bob's client");
    add_customers(&*s, &[a.clone(), b.clone()]).await;

    let p = pipeline("Board", &["One", "Two"]);
    add_pipeline(&*s, &p).await;
    let mut d1 = deal(&p, a.id, alice, "A1");
    d1.team_id = Some(team);
    d1.value = 1000;
    add_deal(&*s, &d1).await;
    let mut d2 = deal(&p, b.id, bob, "B1");
    d2.value = 250;
    add_deal(&*s, &d2).await;
    let mut d3 = deal(&p, b.id, bob, "B2");
    d3.value = 5;
    d3.currency = Currency::parse("USD").unwrap();
    add_deal(&*s, &d3).await;
    let mut totals = s.pipeline_totals(Scope::All, p.id).await.unwrap();
    totals.sort_by_key(|t| t.currency);
    assert_eq!(totals.len(), 2);
    assert_eq!(
        (
            totals[0].currency.as_str(),
            totals[0].deals,
            totals[0].value
        ),
        ("EUR", 2, 1250)
    );
    assert_eq!(
        (
            totals[1].currency.as_str(),
            totals[1].deals,
            totals[1].value
        ),
        ("USD", 1, 5)
    );
    assert!(totals.iter().all(|t| t.stage_id == p.stages[0].id));
    let mine = s
        .pipeline_totals(team_scope(Some(team), alice), p.id)
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].deals, mine[0].value), (1, 1000));

    let window = (now() - Duration::hours(1), now() + Duration::hours(1));
    for (who, owner, kind) in [
        (a.id, alice, ActivityKind::Call),
        (a.id, alice, ActivityKind::Call),
        (a.id, alice, ActivityKind::Note),
        (b.id, bob, ActivityKind::Email),
    ] {
        let mut act = activity(who, owner, "Touch");
        act.kind = kind;
        act.team_id = (owner == alice).then_some(team);
        add_activity(&*s, &act).await;
    }
    let mut counts: Vec<(UserId, String, i64)> = s
        .activity_counts(Scope::All, window.0, window.1)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.owner_id, c.kind.as_str().to_owned(), c.count))
        .collect();
    counts.sort();
    let mut want = vec![
        (alice, "call".to_owned(), 2),
        (alice, "note".to_owned(), 1),
        (bob, "email".to_owned(), 1),
    ];
    want.sort();
    assert_eq!(counts, want);
    let scoped = s
        .activity_counts(team_scope(None, bob), window.0, window.1)
        .await
        .unwrap();
    assert_eq!(scoped.len(), 1);
    assert_eq!(scoped[0].owner_id, bob);
    let later = s
        .activity_counts(Scope::All, window.1, window.1 + Duration::hours(1))
        .await
        .unwrap();
    assert!(later.is_empty());

    // Top customers by lifetime revenue in one currency.
    let eur = product("EUR-T", 100, "EUR");
    add_product(&*s, &eur).await;
    for (who, q) in [(a.id, 3), (b.id, 5), (b.id, 1)] {
        insert(&*s, &transaction(who, Completed, &[(&eur, q)])).await;
    }
    let c = Currency::parse("EUR").unwrap();
    let top = s.top_customers(Scope::All, c, 10).await.unwrap();
    let got: Vec<(CustomerId, i64, i64)> = top
        .iter()
        .map(|t| (t.customer_id, t.revenue, t.purchases))
        .collect();
    assert_eq!(got, vec![(b.id, 600, 2), (a.id, 300, 1)]);
    assert_eq!(s.top_customers(Scope::All, c, 1).await.unwrap().len(), 1);
    let alices = s
        .top_customers(team_scope(Some(team), alice), c, 10)
        .await
        .unwrap();
    assert_eq!(alices.len(), 1);
    assert_eq!(alices[0].customer_id, a.id);
    assert_eq!(s.main_currency().await.unwrap(), Some(c));
    assert!(
        s.top_customers(Scope::All, Currency::parse("JPY").unwrap(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Activity counts per (owner, kind) as the store answers them.
async fn volume(
    s: &dyn Store,
    scope: Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> BTreeMap<(UserId, String), i64> {
    s.activity_counts(scope, from, to)
        .await
        .unwrap()
        .into_iter()
        .map(|c| ((c.owner_id, c.kind.as_str().to_owned()), c.count))
        .collect()
}

/// The same counted from the test's own copy of the live activities.
/// Whether a record of `owner` and `team` is within `scope` (the rule the store applies).
fn in_scope(scope: Scope, owner: UserId, team: Option<TeamId>) -> bool {
    match scope {
        Scope::All => true,
        Scope::Team { team_id, user_id } => {
            owner == user_id || (team_id.is_some() && team == team_id)
        }
    }
}

fn expected(
    acts: &[Activity],
    scope: Scope,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> BTreeMap<(UserId, String), i64> {
    let mut out = BTreeMap::new();
    for a in acts
        .iter()
        .filter(|a| a.deleted_at.is_none() && a.created_at >= from && a.created_at < to)
    {
        if in_scope(scope, a.owner_id, a.team_id) {
            *out.entry((a.owner_id, a.kind.as_str().to_owned()))
                .or_insert(0) += 1;
        }
    }
    out
}

async fn activity_rollup_follows_every_kind_of_write(s: Arc<dyn Store>) {
    let team = add_team(&*s, "North").await;
    let (ann, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let (c1, c2) = (customer(ann, "First"), customer(bob, "Second"));
    add_customers(&*s, &[c1.clone(), c2.clone()]).await;
    // Activities spread over four days, at the start, middle and end of each.
    let day0 = at(2026, 3, 10);
    let mut acts = Vec::new();
    for (i, hours) in [0, 5, 13, 23, 24, 30, 47, 50, 71, 72, 90]
        .into_iter()
        .enumerate()
    {
        let (who, owner) = if i % 3 == 0 {
            (c2.id, bob)
        } else {
            (c1.id, ann)
        };
        let mut a = activity(who, owner, &format!("Touch {i}"));
        a.kind = [ActivityKind::Call, ActivityKind::Note, ActivityKind::Email][i % 3];
        a.team_id = (owner == ann).then_some(team);
        a.created_at = day0 + Duration::hours(hours) + Duration::minutes(7);
        a.updated_at = a.created_at;
        add_activity(&*s, &a).await;
        acts.push(a);
    }
    let windows = [
        (day0 - Duration::days(1), day0 + Duration::days(6)), // whole days only
        (day0 + Duration::hours(3), day0 + Duration::hours(60)), // partial ends around whole days
        (day0, day0 + Duration::hours(60)),                   // whole days, then a partial one
        (day0 + Duration::hours(3), day0 + Duration::days(3)), // a partial day, then whole ones
        (day0 + Duration::hours(25), day0 + Duration::hours(40)), // inside one day
        (day0 + Duration::hours(20), day0 + Duration::hours(30)), // across midnight, no whole day
    ];
    let scopes = [
        Scope::All,
        team_scope(Some(team), ann),
        team_scope(None, bob),
    ];
    async fn check(
        s: &dyn Store,
        acts: &[Activity],
        windows: &[(DateTime<Utc>, DateTime<Utc>)],
        scopes: &[Scope],
        step: &str,
    ) {
        for &(from, to) in windows {
            for &scope in scopes {
                assert_eq!(
                    volume(s, scope, from, to).await,
                    expected(acts, scope, from, to),
                    "{step}: {from}..{to} {scope:?}"
                );
            }
        }
    }
    check(&*s, &acts, &windows, &scopes, "created").await;
    assert_eq!(
        volume(&*s, Scope::All, windows[0].0, windows[0].1)
            .await
            .values()
            .sum::<i64>(),
        11
    );

    // Edits that move an activity between rollup rows: kind, owner and team, delete, restore.
    async fn edit(s: &dyn Store, acts: &mut [Activity], i: usize, f: impl FnOnce(&mut Activity)) {
        let before = acts[i].clone();
        let mut a = before.clone();
        a.version += 1;
        a.updated_at = before.updated_at + Duration::seconds(1);
        f(&mut a);
        let ev = Event::new(
            "activity",
            a.id.0,
            "updated",
            None,
            diff(Some(&before), Some(&a)),
        );
        assert!(s.update_activity(&a, before.version, &ev).await.unwrap());
        // A stale version changes nothing.
        assert!(!s.update_activity(&a, before.version, &ev).await.unwrap());
        acts[i] = a;
    }
    edit(&*s, &mut acts, 1, |a| a.kind = ActivityKind::Meeting).await;
    edit(&*s, &mut acts, 2, |a| {
        a.owner_id = bob;
        a.team_id = None;
    })
    .await;
    edit(&*s, &mut acts, 4, |a| a.deleted_at = Some(a.updated_at)).await;
    edit(&*s, &mut acts, 5, |a| a.deleted_at = Some(a.updated_at)).await;
    edit(&*s, &mut acts, 5, |a| a.deleted_at = None).await;
    edit(&*s, &mut acts, 7, |a| a.subject = "Renamed".into()).await;
    check(&*s, &acts, &windows, &scopes, "edited").await;

    // Erasing a customer deletes its activities, and they leave the figures.
    let erased = next_version(&c1, |c| c.name = "Erased".into());
    let ev = updated_event(&c1, &erased);
    assert!(
        s.erase_customer(&erased, c1.version, None, &ev)
            .await
            .unwrap()
    );
    acts.retain(|a| a.customer_id != c1.id);
    check(&*s, &acts, &windows, &scopes, "erased").await;
}

/// Pipeline totals per (stage, currency) as the rollup reports them for `scope`.
async fn board(
    s: &dyn Store,
    scope: Scope,
    p: nexus_core::ids::PipelineId,
) -> BTreeMap<(uuid::Uuid, String), (i64, i64)> {
    s.pipeline_totals(scope, p)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            (
                (t.stage_id.0, t.currency.as_str().to_owned()),
                (t.deals, t.value),
            )
        })
        .collect()
}

/// The same totals counted from the deals themselves.
fn board_expected(
    deals: &[nexus_core::deal::Deal],
    scope: Scope,
) -> BTreeMap<(uuid::Uuid, String), (i64, i64)> {
    let mut out = BTreeMap::new();
    for d in deals.iter().filter(|d| d.deleted_at.is_none()) {
        if in_scope(scope, d.owner_id, d.team_id) {
            let e = out
                .entry((d.stage_id.0, d.currency.as_str().to_owned()))
                .or_insert((0, 0));
            (e.0, e.1) = (e.0 + 1, e.1 + d.value);
        }
    }
    out
}

async fn pipeline_rollup_follows_every_kind_of_write(s: Arc<dyn Store>) {
    use nexus_core::deal::{Deal, Placement};
    use nexus_core::store::DealWrite;
    let team = add_team(&*s, "North").await;
    let (ann, bob) = (add_user(&*s, Some(team)).await, add_user(&*s, None).await);
    let (c1, c2) = (customer(ann, "First"), customer(bob, "Second"));
    add_customers(&*s, &[c1.clone(), c2.clone()]).await;
    let p = pipeline("Board", &["One", "Two", "Three"]);
    add_pipeline(&*s, &p).await;
    let mut deals: Vec<Deal> = Vec::new();
    for i in 0..9 {
        let (c, owner) = if i % 3 == 0 {
            (c2.id, bob)
        } else {
            (c1.id, ann)
        };
        let mut d = deal(&p, c, owner, &format!("Deal {i}"));
        d.value = 1000 * (i + 1);
        d.currency = Currency::parse(if i % 4 == 0 { "USD" } else { "EUR" }).unwrap();
        d.team_id = (owner == ann).then_some(team);
        d.stage_id = p.stages[i as usize % 3].id;
        deals.push(add_deal(&*s, &d).await);
    }
    let scopes = [
        Scope::All,
        team_scope(Some(team), ann),
        team_scope(None, bob),
    ];
    async fn check(
        s: &dyn Store,
        p: &nexus_core::pipeline::Pipeline,
        deals: &[Deal],
        scopes: &[Scope],
        step: &str,
    ) {
        for &scope in scopes {
            assert_eq!(
                board(s, scope, p.id).await,
                board_expected(deals, scope),
                "{step}: {scope:?}"
            );
        }
    }
    check(&*s, &p, &deals, &scopes, "created").await;
    assert_eq!(
        board(&*s, Scope::All, p.id)
            .await
            .values()
            .map(|v| v.0)
            .sum::<i64>(),
        9
    );

    // Edits that move a deal between rollup rows or change its value; a stale version changes
    // nothing.
    async fn edit(s: &dyn Store, deals: &mut [Deal], i: usize, f: impl FnOnce(&mut Deal)) {
        let before = deals[i].clone();
        let mut d = before.clone();
        d.version += 1;
        d.updated_at = before.updated_at + Duration::seconds(1);
        f(&mut d);
        let ev = deal_event("updated");
        let write = |d| DealWrite {
            deal: d,
            expected_version: before.version,
            placement: None,
            stage_change: None,
            event: &ev,
        };
        let stored = s
            .update_deal(write(&d))
            .await
            .unwrap()
            .expect("current version");
        assert!(s.update_deal(write(&d)).await.unwrap().is_none());
        deals[i] = stored.deal;
    }
    edit(&*s, &mut deals, 1, |d| d.value += 250).await;
    edit(&*s, &mut deals, 2, |d| {
        d.currency = Currency::parse("USD").unwrap()
    })
    .await;
    edit(&*s, &mut deals, 4, |d| {
        d.owner_id = bob;
        d.team_id = None;
    })
    .await;
    edit(&*s, &mut deals, 5, |d| d.deleted_at = Some(d.updated_at)).await;
    edit(&*s, &mut deals, 7, |d| d.deleted_at = Some(d.updated_at)).await;
    edit(&*s, &mut deals, 7, |d| d.deleted_at = None).await;
    edit(&*s, &mut deals, 8, |d| d.title = "Renamed".into()).await;
    let moved = move_deal(&*s, &deals[0], p.stages[2].id, Placement::Bottom)
        .await
        .unwrap()
        .expect("current version");
    deals[0] = moved;
    check(&*s, &p, &deals, &scopes, "edited").await;

    // Erasing a customer deletes its deals, and they leave the totals.
    let erased = next_version(&c1, |c| c.name = "Erased".into());
    let ev = updated_event(&c1, &erased);
    assert!(
        s.erase_customer(&erased, c1.version, None, &ev)
            .await
            .unwrap()
    );
    deals.retain(|d| d.customer_id != c1.id);
    check(&*s, &p, &deals, &scopes, "erased").await;
}
