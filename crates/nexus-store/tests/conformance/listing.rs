//! Customer lists: every filter, search, scopes, every sort and keyset pagination.

use crate::fixtures::{
    ORDERS, SORTS, add_customers, add_team, add_user, customer, ids, query, search, soft_delete,
    sorted, whole_second_base,
};
use chrono::{DateTime, Duration, Utc};
use nexus_core::CoreError;
use nexus_core::auth::Scope;
use nexus_core::customer::{
    Customer, CustomerKind, CustomerQuery, CustomerSortField, CustomerStatus, DeletedFilter,
};
use nexus_core::ids::{CustomerId, TeamId, UserId};
use nexus_core::page::{Cursor, SortOrder};
use nexus_core::store::Store;
use std::collections::HashSet;
use std::sync::Arc;

conformance!(
    every_filter_returns_exactly_its_matches,
    search_matches_substrings_of_each_field,
    team_scope_sees_team_and_own_records,
    every_sort_field_in_both_orders,
    keyset_pagination_has_no_gaps_or_duplicates,
    cursors_must_match_the_sort,
);

const STATUSES: [CustomerStatus; 4] = [
    CustomerStatus::Lead,
    CustomerStatus::Prospect,
    CustomerStatus::Customer,
    CustomerStatus::Churned,
];

/// A varied set of customers: four owners in two teams (and none), companies and their people,
/// tags, segments, soft-deleted rows, and times with and without fractions that tie in pairs.
struct Dataset {
    owners: [UserId; 4],
    teams: [TeamId; 2],
    base: DateTime<Utc>,
    /// Every stored customer, deleted ones included, as stored.
    all: Vec<Customer>,
}

impl Dataset {
    async fn load(s: &dyn Store, n: usize) -> Self {
        let t1 = add_team(s, "Team One").await;
        let t2 = add_team(s, "Team Two").await;
        let owners = [
            add_user(s, Some(t1)).await,
            add_user(s, Some(t1)).await,
            add_user(s, Some(t2)).await,
            add_user(s, None).await,
        ];
        let base = whole_second_base();
        let mut all: Vec<Customer> = Vec::with_capacity(n);
        for i in 0..n {
            let mut c = customer(owners[i % 4], &format!("Name{:02}", (i * 7) % 23));
            if i % 5 == 0 {
                c.kind = CustomerKind::Company;
                c.company_name = None;
            } else if i % 7 == 1 {
                c.company_id = Some(all[0].id);
                c.company_name = Some(all[0].name.clone());
            } else if i % 6 == 2 {
                c.company_name = Some("Globex".into());
            }
            c.status = STATUSES[(i / 2) % 4];
            c.team_id = match i % 3 {
                0 => Some(t1),
                1 => Some(t2),
                _ => None,
            };
            if i % 8 != 3 {
                c.email = Some(format!("Person{:03}@Example{}.com", (i * 11) % 97, i % 3));
            }
            if i % 2 == 1 {
                c.phone = Some(format!("+1 555 01{i:02}"));
            }
            if i % 2 == 0 {
                c.tags.push("vip".into());
            }
            if i % 3 == 0 {
                c.tags.push("b2b".into());
            }
            c.segment = match i % 5 {
                1 => Some("whale".into()),
                2 => Some("churn-risk".into()),
                _ => None,
            };
            // Quarter seconds, sometimes plus a microsecond: stored texts of different lengths
            // (whole seconds have no fraction at all), and pairs of equal times.
            let q = (i / 2) as i64;
            c.created_at = base + Duration::milliseconds(250 * q) + micro(i % 3 == 0 && i % 2 == 0);
            let u = ((i * 5) % n / 2) as i64;
            c.updated_at = base + Duration::minutes(5) + Duration::milliseconds(250 * u);
            all.push(c);
        }
        add_customers(s, &all).await;
        for i in (9..n).step_by(10) {
            all[i] = soft_delete(s, &all[i]).await;
        }
        Self {
            owners,
            teams: [t1, t2],
            base,
            all,
        }
    }

    fn live(&self) -> impl Iterator<Item = &Customer> {
        self.all.iter().filter(|c| c.deleted_at.is_none())
    }

    /// Checks that `q` returns exactly the live customers matching `pred`, in `q`'s order.
    async fn check(
        &self,
        s: &dyn Store,
        what: &str,
        q: CustomerQuery,
        pred: impl Fn(&Customer) -> bool,
    ) {
        let matching: Vec<Customer> = self
            .all
            .iter()
            .filter(|c| match q.deleted {
                DeletedFilter::Exclude => c.deleted_at.is_none(),
                DeletedFilter::Only => c.deleted_at.is_some(),
            })
            .filter(|c| pred(c))
            .cloned()
            .collect();
        assert!(
            !matching.is_empty() && matching.len() < self.all.len(),
            "{what}: the filter should select a proper, non-empty subset"
        );
        let expected = sorted(&matching, q.sort, q.order);
        let got = s.list_customers(&q).await.unwrap();
        assert_eq!(ids(&got), ids(&expected), "{what}");
        assert_eq!(got, expected, "{what}");
    }
}

fn micro(yes: bool) -> Duration {
    Duration::microseconds(i64::from(yes))
}

async fn every_filter_returns_exactly_its_matches(s: Arc<dyn Store>) {
    let d = Dataset::load(&*s, 60).await;
    let s = &*s;
    let [o1, o2, _o3, o4] = d.owners;
    let [t1, t2] = d.teams;
    let company = d.all[0].id;

    d.check(
        s,
        "status lead",
        q(|q| q.statuses = vec![CustomerStatus::Lead]),
        |c| c.status == CustomerStatus::Lead,
    )
    .await;
    d.check(
        s,
        "status lead or churned",
        q(|q| q.statuses = vec![CustomerStatus::Lead, CustomerStatus::Churned]),
        |c| matches!(c.status, CustomerStatus::Lead | CustomerStatus::Churned),
    )
    .await;
    d.check(
        s,
        "kind",
        q(|q| q.kind = Some(CustomerKind::Company)),
        |c| c.kind == CustomerKind::Company,
    )
    .await;
    d.check(s, "owner", q(|q| q.owner_id = Some(o2)), |c| {
        c.owner_id == o2
    })
    .await;
    d.check(s, "team", q(|q| q.team_id = Some(t2)), |c| {
        c.team_id == Some(t2)
    })
    .await;
    d.check(s, "company", q(|q| q.company_id = Some(company)), |c| {
        c.company_id == Some(company)
    })
    .await;
    d.check(s, "tag", q(|q| q.tag = Some("b2b".into())), |c| {
        c.tags.iter().any(|t| t == "b2b")
    })
    .await;
    d.check(
        s,
        "tag in capitals",
        q(|q| q.tag = Some("VIP".into())),
        |c| c.tags.iter().any(|t| t == "vip"),
    )
    .await;
    d.check(s, "segment", q(|q| q.segment = Some("whale".into())), |c| {
        c.segment.as_deref() == Some("whale")
    })
    .await;

    // Ranges: `after` is inclusive, `before` exclusive, both to the microsecond.
    let lo = d.all[10].created_at;
    let hi = d.all[30].created_at;
    d.check(
        s,
        "created range",
        q(|q| {
            q.created_after = Some(lo);
            q.created_before = Some(hi);
        }),
        |c| c.created_at >= lo && c.created_at < hi,
    )
    .await;
    let exact = d.all[12].created_at;
    assert_eq!(
        exact.timestamp_subsec_micros() % 1000,
        1,
        "a time with microseconds"
    );
    d.check(
        s,
        "created after (micro)",
        q(|q| q.created_after = Some(exact)),
        |c| c.created_at >= exact,
    )
    .await;
    d.check(
        s,
        "created before (micro)",
        q(|q| q.created_before = Some(exact)),
        |c| c.created_at < exact,
    )
    .await;
    let ulo = d.base + Duration::minutes(5) + Duration::seconds(2);
    let uhi = d.base + Duration::minutes(5) + Duration::milliseconds(5_250);
    d.check(
        s,
        "updated range",
        q(|q| {
            q.updated_after = Some(ulo);
            q.updated_before = Some(uhi);
        }),
        |c| c.updated_at >= ulo && c.updated_at < uhi,
    )
    .await;
    d.check(
        s,
        "updated after",
        q(|q| q.updated_after = Some(uhi)),
        |c| c.updated_at >= uhi,
    )
    .await;

    d.check(
        s,
        "deleted only",
        q(|q| q.deleted = DeletedFilter::Only),
        |_| true,
    )
    .await;
    d.check(
        s,
        "deleted only, by owner",
        q(|q| {
            q.deleted = DeletedFilter::Only;
            q.owner_id = Some(o2);
        }),
        |c| c.owner_id == o2,
    )
    .await;
    let live = d.live().count();
    assert_eq!(s.list_customers(&query()).await.unwrap().len(), live);

    d.check(
        s,
        "combined",
        q(|q| {
            q.statuses = vec![CustomerStatus::Lead, CustomerStatus::Customer];
            q.tag = Some("vip".into());
            q.team_id = Some(t1);
            q.owner_id = Some(o1);
        }),
        |c| {
            matches!(c.status, CustomerStatus::Lead | CustomerStatus::Customer)
                && c.tags.iter().any(|t| t == "vip")
                && c.team_id == Some(t1)
                && c.owner_id == o1
        },
    )
    .await;
    d.check(
        s,
        "combined with a name sort",
        q(|q| {
            q.owner_id = Some(o4);
            q.segment = Some("churn-risk".into());
            q.sort = CustomerSortField::Name;
            q.order = SortOrder::Asc;
        }),
        |c| c.owner_id == o4 && c.segment.as_deref() == Some("churn-risk"),
    )
    .await;

    // Filters that match nothing.
    for (what, q) in [
        ("unknown owner", q(|q| q.owner_id = Some(UserId::new()))),
        ("unknown tag", q(|q| q.tag = Some("nope".into()))),
        ("unknown segment", q(|q| q.segment = Some("nope".into()))),
        (
            "empty range",
            q(|q| {
                q.created_after = Some(hi);
                q.created_before = Some(lo);
            }),
        ),
    ] {
        assert!(s.list_customers(&q).await.unwrap().is_empty(), "{what}");
    }
}

/// The default query changed by `f`.
fn q(f: impl FnOnce(&mut CustomerQuery)) -> CustomerQuery {
    let mut q = query();
    f(&mut q);
    q
}

async fn search_matches_substrings_of_each_field(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let mk = |name: &str, email: Option<&str>, company: Option<&str>, phone: Option<&str>| {
        let mut c = customer(owner, name);
        c.email = email.map(str::to_owned);
        c.company_name = company.map(str::to_owned);
        c.phone = phone.map(str::to_owned);
        c
    };
    let ada = mk(
        "Ada Lovelace",
        Some("Ada.Lovelace@Analytical.example"),
        Some("Analytical Engines Ltd"),
        Some("+44 20 7946 0018"),
    );
    let grace = mk(
        "Grace Hopper",
        Some("grace@navy.example"),
        Some("Initech"),
        Some("+1 555 0100"),
    );
    let promo = mk("Promo 50%_off deal", None, None, None);
    let decoy = mk("Promo 50xyoff deal", None, Some("Back\\slash Inc"), None);
    let oz = mk("Ozquill", None, None, None);
    let gone = mk("Ada Deleted", Some("gone@analytical.example"), None, None);
    add_customers(
        &*s,
        &[
            ada.clone(),
            grace.clone(),
            promo.clone(),
            decoy.clone(),
            oz.clone(),
            gone.clone(),
        ],
    )
    .await;
    soft_delete(&*s, &gone).await;

    let cases: Vec<(&str, Vec<CustomerId>)> = vec![
        ("lovelace", vec![ada.id]),
        ("LoVeLaCe", vec![ada.id]),
        ("  lovelace  ", vec![ada.id]),
        ("ada.lovelace@analytical", vec![ada.id]),
        ("navy.example", vec![grace.id]),
        ("initech", vec![grace.id]),
        ("engines", vec![ada.id]),
        ("555 0100", vec![grace.id]),
        ("+44 20", vec![ada.id]),
        ("hopper", vec![grace.id]),
        // Two characters and one: no trigram, still a case-insensitive substring.
        ("zq", vec![oz.id]),
        ("ZQ", vec![oz.id]),
        ("Ad", vec![ada.id]),
        ("q", vec![oz.id]),
        // LIKE wildcards are literal characters.
        ("50%_off", vec![promo.id]),
        ("%_", vec![promo.id]),
        ("0%", vec![promo.id]),
        ("_o", vec![promo.id]),
        ("%", vec![promo.id]),
        ("k\\s", vec![decoy.id]),
        ("\\", vec![decoy.id]),
        ("promo 50", vec![promo.id, decoy.id]),
        ("nomatch", vec![]),
        ("xyz", vec![]),
        ("\"quoted\"", vec![]),
        // A match must lie within one field, not across two.
        ("hopper grace", vec![]),
        ("lovelace ada", vec![]),
    ];
    for (text, expected) in cases {
        let mut got = ids(&s.list_customers(&search(text)).await.unwrap());
        got.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(got, expected, "search {text:?}");
    }
    // Blank searches do not filter.
    assert_eq!(s.list_customers(&search("   ")).await.unwrap().len(), 5);
    // Deleted customers are found only when asked for.
    let deleted = CustomerQuery {
        deleted: DeletedFilter::Only,
        ..search("ada")
    };
    assert_eq!(
        ids(&s.list_customers(&deleted).await.unwrap()),
        vec![gone.id]
    );
    // Search combines with sort and other filters.
    let q = CustomerQuery {
        sort: CustomerSortField::Name,
        order: SortOrder::Asc,
        ..search("promo")
    };
    assert_eq!(
        ids(&s.list_customers(&q).await.unwrap()),
        vec![promo.id, decoy.id]
    );
    // A search updated with the record: the old name no longer matches.
    let renamed = crate::fixtures::next_version(&oz, |c| c.name = "Renamed Person".into());
    assert!(
        s.update_customer(&renamed, 1, &crate::fixtures::updated_event(&oz, &renamed))
            .await
            .unwrap()
    );
    assert!(
        s.list_customers(&search("ozquill"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(&s.list_customers(&search("renamed")).await.unwrap()),
        vec![oz.id]
    );
}

async fn team_scope_sees_team_and_own_records(s: Arc<dyn Store>) {
    let d = Dataset::load(&*s, 40).await;
    let [o1, _o2, o3, o4] = d.owners;
    let [t1, _t2] = d.teams;
    let s = &*s;
    // A member of team one sees team one's records and the records it owns elsewhere.
    d.check(
        s,
        "team scope",
        q(|q| {
            q.scope = Scope::Team {
                team_id: Some(t1),
                user_id: o3,
            }
        }),
        |c| c.team_id == Some(t1) || c.owner_id == o3,
    )
    .await;
    assert!(
        d.live().any(|c| c.owner_id == o3 && c.team_id != Some(t1)),
        "the data set has own records outside the team"
    );
    // Without a team: own records only.
    d.check(
        s,
        "no team",
        q(|q| {
            q.scope = Scope::Team {
                team_id: None,
                user_id: o4,
            }
        }),
        |c| c.owner_id == o4,
    )
    .await;
    // The scope narrows the other filters, it does not widen them.
    d.check(
        s,
        "team scope and status",
        q(|q| {
            q.scope = Scope::Team {
                team_id: Some(t1),
                user_id: o1,
            };
            q.statuses = vec![CustomerStatus::Prospect];
        }),
        |c| (c.team_id == Some(t1) || c.owner_id == o1) && c.status == CustomerStatus::Prospect,
    )
    .await;
    let all = s.list_customers(&query()).await.unwrap();
    assert_eq!(all.len(), d.live().count());
}

async fn every_sort_field_in_both_orders(s: Arc<dyn Store>) {
    let d = Dataset::load(&*s, 60).await;
    let live: Vec<Customer> = d.live().cloned().collect();
    for sort in SORTS {
        for order in ORDERS {
            let q = q(|q| {
                q.sort = sort;
                q.order = order;
            });
            let got = s.list_customers(&q).await.unwrap();
            let expected = sorted(&live, sort, order);
            assert_eq!(ids(&got), ids(&expected), "sort {sort:?} {order:?}");
            // The order really is by the field (not only by id).
            let values: Vec<String> = got.iter().map(|c| c.sort_value(sort)).collect();
            let mut by_value = values.clone();
            by_value.sort();
            if order == SortOrder::Desc {
                by_value.reverse();
            }
            assert_eq!(values, by_value, "sort {sort:?} {order:?}");
        }
    }
}

/// Pages through `q` with `limit`, following cursors built from the last row.
pub(crate) async fn walk(s: &dyn Store, q: &CustomerQuery, limit: u32) -> Vec<Customer> {
    let mut out: Vec<Customer> = Vec::new();
    let mut after: Option<Cursor> = None;
    for _ in 0..1_000 {
        let page = s
            .list_customers(&CustomerQuery {
                after: after.clone(),
                limit,
                ..q.clone()
            })
            .await
            .unwrap();
        assert!(page.len() <= limit as usize);
        let Some(last) = page.last() else {
            return out;
        };
        after = Some(Cursor {
            sort: q.sort.as_str().to_owned(),
            value: last.sort_value(q.sort),
            id: last.id.0,
        });
        let short = page.len() < limit as usize;
        out.extend(page);
        if short {
            return out;
        }
    }
    panic!("pagination does not end");
}

async fn keyset_pagination_has_no_gaps_or_duplicates(s: Arc<dyn Store>) {
    let d = Dataset::load(&*s, 132).await;
    let live: Vec<Customer> = d.live().cloned().collect();
    assert!(live.len() >= 118);
    for sort in SORTS {
        for order in ORDERS {
            let q = q(|q| {
                q.sort = sort;
                q.order = order;
            });
            let walked = walk(&*s, &q, 7).await;
            let unique: HashSet<CustomerId> = walked.iter().map(|c| c.id).collect();
            assert_eq!(unique.len(), walked.len(), "duplicates: {sort:?} {order:?}");
            let expected = sorted(&live, sort, order);
            assert_eq!(ids(&walked), ids(&expected), "{sort:?} {order:?}");
        }
    }
    // With a filter and a scope, and a page size that divides the result exactly.
    let [t1, _] = d.teams;
    let scoped = q(|q| {
        q.scope = Scope::Team {
            team_id: Some(t1),
            user_id: d.owners[3],
        };
        q.tag = Some("vip".into());
        q.sort = CustomerSortField::Email;
        q.order = SortOrder::Asc;
    });
    let expected = sorted(
        &live
            .iter()
            .filter(|c| {
                (c.team_id == Some(t1) || c.owner_id == d.owners[3])
                    && c.tags.iter().any(|t| t == "vip")
            })
            .cloned()
            .collect::<Vec<_>>(),
        CustomerSortField::Email,
        SortOrder::Asc,
    );
    assert!(expected.len() > 10);
    for limit in [1, 3, expected.len() as u32, 500] {
        assert_eq!(
            ids(&walk(&*s, &scoped, limit).await),
            ids(&expected),
            "limit {limit}"
        );
    }
}

async fn cursors_must_match_the_sort(s: Arc<dyn Store>) {
    let owner = add_user(&*s, None).await;
    let c = customer(owner, "Someone");
    add_customers(&*s, std::slice::from_ref(&c)).await;
    let cursor = |sort: &str, value: &str| Cursor {
        sort: sort.to_owned(),
        value: value.to_owned(),
        id: c.id.0,
    };
    let name_cursor_on_created = CustomerQuery {
        after: Some(cursor("name", "Someone")),
        ..query()
    };
    assert!(matches!(
        s.list_customers(&name_cursor_on_created).await,
        Err(CoreError::Validation(_))
    ));
    let garbage_time = CustomerQuery {
        after: Some(cursor("created_at", "yesterday")),
        ..query()
    };
    assert!(matches!(
        s.list_customers(&garbage_time).await,
        Err(CoreError::Validation(_))
    ));
    // A cursor at the only row yields an empty next page.
    let next = CustomerQuery {
        after: Some(cursor(
            "created_at",
            &c.sort_value(CustomerSortField::CreatedAt),
        )),
        ..query()
    };
    assert!(s.list_customers(&next).await.unwrap().is_empty());
}
