//! Upgrade from the previous schema version: a database migrated up to the migration before the
//! latest, filled with rows of every table by plain SQL (as the code of that version wrote them),
//! then migrated to the latest, keeps every row, readable and writable through the store.
//!
//! "Previous" is computed from the embedded migrations, so the test follows as migrations are
//! appended. The rows are written with explicit column lists of the foundation schema: a
//! migration that makes one of these inserts invalid at the version before it (say, a new column
//! without a default) extends them here.

use crate::harness::{Backend, run_unmigrated};
use chrono::Duration;
use nexus_core::auth::Role;
use nexus_core::customer::{Customer, CustomerKind, CustomerQuery, CustomerStatus, DeletedFilter};
use nexus_core::event::Event;
use nexus_core::ids::{ApiKeyId, CustomerId, RefreshTokenId, SessionId, TeamId, UserId};
use nexus_core::store::{IdempotencyClaim, IdempotentResponse, Store};
use nexus_core::time::now;
use nexus_core::user::{ApiKey, RefreshToken, Team, User, UserRecord};
use nexus_store::Db;
use serde_json::{Map, Value, json};
use sqlx::types::Json;

#[tokio::test]
async fn sqlite() {
    run_unmigrated(Backend::Sqlite, upgrade_keeps_every_row).await;
}

#[tokio::test]
async fn postgres() {
    run_unmigrated(Backend::Postgres, upgrade_keeps_every_row).await;
}

/// Runs `$body` with `$pool` bound to the sqlx pool of either backend (the SQL is the same).
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite { writer, .. } => {
                let $pool = writer.inner();
                $body
            }
            Db::Postgres(p) => {
                let $pool = p.inner();
                $body
            }
        }
    };
}

/// The version of the migration before the latest one of `db`'s backend.
fn previous_version(db: &Db) -> (i64, i64) {
    let migrator = migrator(db);
    let mut versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    versions.sort_unstable();
    assert!(
        versions.len() >= 2,
        "an upgrade test needs at least two migrations, found {versions:?}"
    );
    (versions[versions.len() - 2], versions[versions.len() - 1])
}

fn migrator(db: &Db) -> sqlx::migrate::Migrator {
    if db.is_sqlite() {
        nexus_store::migrations::sqlite()
    } else {
        nexus_store::migrations::postgres()
    }
}

async fn applied_versions(db: &Db) -> Vec<i64> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(pool)
        .await
        .unwrap())
}

/// Everything written before the upgrade, as the store should read it back.
pub(crate) struct Rows {
    pub(crate) team: Team,
    pub(crate) manager: UserRecord,
    pub(crate) former: UserRecord,
    pub(crate) token: RefreshToken,
    pub(crate) key: ApiKey,
    pub(crate) key_hash: String,
    pub(crate) company: Customer,
    pub(crate) person: Customer,
    pub(crate) deleted: Customer,
    pub(crate) sequenced: Event,
    pub(crate) pending: Event,
    pub(crate) done: IdempotentResponse,
}

pub(crate) fn rows() -> Rows {
    let t = now() - Duration::days(3);
    let team = Team {
        id: TeamId::new(),
        name: "Upgrade Team".into(),
        version: 2,
        created_at: t,
        updated_at: t + Duration::hours(1),
    };
    let user = |email: &str, role, team_id, active| User {
        id: UserId::new(),
        email: email.into(),
        name: format!("Name of {email}"),
        role,
        team_id,
        active,
        password_expires_at: Some(t + Duration::days(90)),
        version: 3,
        created_at: t,
        updated_at: t + Duration::minutes(5),
        last_login_at: Some(t + Duration::minutes(7)),
    };
    let manager = UserRecord {
        user: user(
            "Manager@Upgrade.example",
            Role::Manager,
            Some(team.id),
            true,
        ),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    };
    let mut former = UserRecord {
        user: user("former@upgrade.example", Role::Viewer, None, false),
        password_hash: "$2b$12$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY".into(),
    };
    former.user.password_expires_at = None;
    former.user.last_login_at = None;
    let token = RefreshToken {
        id: RefreshTokenId::new(),
        session_id: SessionId::new(),
        user_id: manager.user.id,
        token_hash: "f".repeat(64),
        expires_at: t + Duration::days(30),
        used_at: Some(t + Duration::hours(2)),
        revoked_at: Some(t + Duration::hours(3)),
        created_at: t,
    };
    let key = ApiKey {
        id: ApiKeyId::new(),
        name: "CRM sync".into(),
        prefix: "nxk_abcd".into(),
        role: Role::SalesRep,
        user_id: manager.user.id,
        team_id: Some(team.id),
        created_at: t,
        expires_at: None,
        last_used_at: Some(t + Duration::hours(4)),
        revoked_at: None,
    };
    let customer = |kind, name: &str| Customer {
        id: CustomerId::new(),
        kind,
        name: name.into(),
        email: None,
        phone: None,
        company_id: None,
        company_name: None,
        status: CustomerStatus::Customer,
        owner_id: manager.user.id,
        team_id: Some(team.id),
        tags: vec![],
        attributes: Map::new(),
        segment: None,
        segment_status: nexus_core::customer::SegmentStatus::Unscored,
        segment_confidence: None,
        version: 1,
        created_at: t,
        updated_at: t,
        deleted_at: None,
    };
    let mut company = customer(CustomerKind::Company, "Upgradeco Holdings");
    company.email = Some("Hello@Upgradeco.example".into());
    company.phone = Some("+44 20 7946 0000".into());
    company.tags = vec!["vip".into(), "enterprise".into()];
    let Value::Object(attributes) = json!({"employees": 1200, "hq": {"city": "Leeds"}, "ok": true})
    else {
        unreachable!()
    };
    company.attributes = attributes;
    company.segment = Some("enterprise".into());
    let mut person = customer(CustomerKind::Person, "Ada Upgrade");
    person.email = Some("ada@upgradeco.example".into());
    person.company_id = Some(company.id);
    person.company_name = Some(company.name.clone());
    person.status = CustomerStatus::Prospect;
    person.tags = vec!["decision-maker".into()];
    person.version = 4;
    person.created_at = t + Duration::seconds(1);
    person.updated_at = t + Duration::hours(5);
    let mut deleted = customer(CustomerKind::Person, "Gone Upgrade");
    deleted.status = CustomerStatus::Churned;
    deleted.created_at = t + Duration::seconds(2);
    deleted.deleted_at = Some(t + Duration::hours(6));
    deleted.updated_at = t + Duration::hours(6);
    let mut sequenced = Event::new(
        "customer",
        company.id.0,
        "created",
        Some(manager.user.id),
        Map::from_iter([("name".to_owned(), json!({"after": company.name}))]),
    )
    .with_ownership(Some(manager.user.id), Some(team.id));
    sequenced.seq = Some(1);
    let pending = Event::new("customer", person.id.0, "updated", None, Map::new());
    let done = IdempotentResponse {
        request_hash: "r".repeat(64),
        status: 201,
        body: r#"{"id":"x"}"#.into(),
        location: Some("/api/v1/customers/x".into()),
    };
    Rows {
        team,
        manager,
        former,
        token,
        key,
        key_hash: "k".repeat(64),
        company,
        person,
        deleted,
        sequenced,
        pending,
        done,
    }
}

/// A user and a customer of theirs written with plain SQL of the foundation schema: what a test
/// of an older schema starts from (today's store code writes tables, such as the rollups, in
/// their latest shape).
pub(crate) async fn owner_and_customer(db: &Db) -> (UserId, CustomerId) {
    let r = rows();
    insert(db, &r).await;
    (r.person.owner_id, r.person.id)
}

/// Writes `r` with plain SQL of the foundation schema (valid at every later version).
pub(crate) async fn insert(db: &Db, r: &Rows) {
    on_pool!(db, pool => {
        let t = &r.team;
        sqlx::query("INSERT INTO teams (id, name, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(t.id.0).bind(&t.name).bind(t.version).bind(t.created_at).bind(t.updated_at)
            .execute(pool).await.unwrap();
        for rec in [&r.manager, &r.former] {
            let u = &rec.user;
            sqlx::query(
                "INSERT INTO users (id, email, email_norm, name, role, team_id, active, password_hash, \
                 password_expires_at, version, created_at, updated_at, last_login_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(u.id.0).bind(&u.email).bind(u.email.to_lowercase()).bind(&u.name).bind(u.role.as_str())
            .bind(u.team_id.map(|x| x.0)).bind(u.active).bind(&rec.password_hash).bind(u.password_expires_at)
            .bind(u.version).bind(u.created_at).bind(u.updated_at).bind(u.last_login_at)
            .execute(pool).await.unwrap();
        }
        let k = &r.token;
        sqlx::query(
            "INSERT INTO refresh_tokens (id, session_id, user_id, token_hash, expires_at, used_at, revoked_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(k.id.0).bind(k.session_id.0).bind(k.user_id.0).bind(&k.token_hash).bind(k.expires_at)
        .bind(k.used_at).bind(k.revoked_at).bind(k.created_at)
        .execute(pool).await.unwrap();
        let a = &r.key;
        sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, key_hash, role, user_id, team_id, created_at, expires_at, last_used_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(a.id.0).bind(&a.name).bind(&a.prefix).bind(&r.key_hash).bind(a.role.as_str()).bind(a.user_id.0)
        .bind(a.team_id.map(|x| x.0)).bind(a.created_at).bind(a.expires_at).bind(a.last_used_at).bind(a.revoked_at)
        .execute(pool).await.unwrap();
        for c in [&r.company, &r.person, &r.deleted] {
            sqlx::query(
                "INSERT INTO customers (id, kind, name, email, email_norm, phone, company_id, company_name, status, \
                 owner_id, team_id, tags, attributes, segment, version, created_at, updated_at, deleted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(c.id.0).bind(c.kind.as_str()).bind(&c.name).bind(&c.email).bind(c.email.as_ref().map(|e| e.to_lowercase()))
            .bind(&c.phone).bind(c.company_id.map(|x| x.0)).bind(&c.company_name).bind(c.status.as_str())
            .bind(c.owner_id.0).bind(c.team_id.map(|x| x.0)).bind(Json(&c.tags)).bind(Json(&c.attributes))
            .bind(&c.segment).bind(c.version).bind(c.created_at).bind(c.updated_at).bind(c.deleted_at)
            .execute(pool).await.unwrap();
            for tag in &c.tags {
                sqlx::query("INSERT INTO customer_tags (tag, customer_id) VALUES ($1, $2)")
                    .bind(tag).bind(c.id.0).execute(pool).await.unwrap();
            }
        }
        for e in [&r.sequenced, &r.pending] {
            sqlx::query(
                "INSERT INTO events (id, seq, event_type, entity, entity_id, action, actor_id, owner_id, team_id, changes, occurred_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(e.id.0).bind(e.seq).bind(&e.event_type).bind(&e.entity).bind(e.entity_id).bind(&e.action)
            .bind(e.actor_id.map(|x| x.0)).bind(e.owner_id.map(|x| x.0)).bind(e.team_id.map(|x| x.0))
            .bind(Json(&e.changes)).bind(e.occurred_at)
            .execute(pool).await.unwrap();
        }
        let d = &r.done;
        // The running claim was made just before the upgrade (an older one would be taken
        // over as abandoned).
        for (key, status, body, location, at) in [
            ("done", Some(i32::from(d.status)), Some(d.body.as_str()), d.location.as_deref(), r.team.created_at),
            ("running", None, None, None, now()),
        ] {
            sqlx::query(
                "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, location, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind("upgrade-scope").bind(key).bind(&d.request_hash).bind(status).bind(body).bind(location)
            .bind(at)
            .execute(pool).await.unwrap();
        }
    });
}

fn query(f: impl FnOnce(&mut CustomerQuery)) -> CustomerQuery {
    let mut q = crate::fixtures::query();
    f(&mut q);
    q
}

async fn upgrade_keeps_every_row(db: Db) {
    let (previous, latest) = previous_version(&db);
    let m = migrator(&db);
    on_pool!(&db, pool => m.run_to(previous, pool).await)
        .unwrap_or_else(|e| panic!("migrating to version {previous}: {e}"));
    assert_eq!(applied_versions(&db).await.last(), Some(&previous));
    let mut r = rows();
    insert(&db, &r).await;
    // Rows written before migration 0011 get `unscored` (the column default), and those that
    // had a segment `assigned` by 0011 itself.
    if previous < 11 {
        r.company.segment_status = nexus_core::customer::SegmentStatus::Assigned;
    }

    db.migrate().await.unwrap();
    assert_eq!(applied_versions(&db).await.last(), Some(&latest));
    let s: &dyn Store = &db;

    // Teams, users, sessions, API keys.
    assert_eq!(s.get_team(r.team.id).await.unwrap(), Some(r.team.clone()));
    for rec in [&r.manager, &r.former] {
        assert_eq!(s.get_user(rec.user.id).await.unwrap().as_ref(), Some(rec));
        let by_email = s
            .get_user_by_email(&rec.user.email.to_lowercase())
            .await
            .unwrap();
        assert_eq!(by_email.as_ref(), Some(rec));
    }
    let members = s.list_users(Some(r.team.id), None, 10).await.unwrap();
    assert_eq!(members, vec![r.manager.user.clone()]);
    assert_eq!(
        s.get_refresh_token(&r.token.token_hash).await.unwrap(),
        Some(r.token.clone())
    );
    let revoked = s.revoked_sessions_since(r.token.created_at).await.unwrap();
    assert_eq!(revoked, vec![r.token.session_id]);
    assert_eq!(
        s.get_api_key_by_hash(&r.key_hash).await.unwrap(),
        Some(r.key.clone())
    );
    assert_eq!(s.list_api_keys().await.unwrap(), vec![r.key.clone()]);

    // Customers, their tags and their search index.
    for c in [&r.company, &r.person, &r.deleted] {
        assert_eq!(s.get_customer(c.id).await.unwrap().as_ref(), Some(c));
    }
    let live = s.list_customers(&query(|_| {})).await.unwrap();
    assert_eq!(live, vec![r.person.clone(), r.company.clone()]);
    let gone = s
        .list_customers(&query(|q| q.deleted = DeletedFilter::Only))
        .await
        .unwrap();
    assert_eq!(gone, vec![r.deleted.clone()]);
    let vip = s
        .list_customers(&query(|q| q.tag = Some("vip".into())))
        .await
        .unwrap();
    assert_eq!(vip, vec![r.company.clone()]);
    let found = s
        .list_customers(&query(|q| q.q = Some("upgradeco".into())))
        .await
        .unwrap();
    assert_eq!(found, vec![r.person.clone(), r.company.clone()]);
    let employees = s
        .list_customers(&query(|q| q.company_id = Some(r.company.id)))
        .await
        .unwrap();
    assert_eq!(employees, vec![r.person.clone()]);
    assert_eq!(
        s.customers_with_emails(&["hello@upgradeco.example".into()])
            .await
            .unwrap(),
        vec!["hello@upgradeco.example".to_owned()]
    );

    // The event log: the numbered event stays, the pending one gets the next number.
    assert_eq!(s.max_seq().await.unwrap(), 1);
    assert_eq!(
        s.events_after(0, 10).await.unwrap(),
        vec![r.sequenced.clone()]
    );
    let numbered = s.sequence_events(10).await.unwrap();
    assert_eq!(numbered, vec![(r.pending.id, 2)]);
    assert_eq!(
        s.entity_events(r.company.id.0, None, 10).await.unwrap(),
        vec![r.sequenced.clone()]
    );

    // Idempotency keys: a finished one replays, a running one is reported in progress.
    match s
        .claim_idempotency_key("upgrade-scope", "done", &r.done.request_hash, now())
        .await
        .unwrap()
    {
        IdempotencyClaim::Done(resp) => {
            assert_eq!(
                (resp.status, resp.body, resp.location),
                (r.done.status, r.done.body.clone(), r.done.location.clone())
            );
        }
        other => panic!("expected the stored response, got {other:?}"),
    }
    assert!(matches!(
        s.claim_idempotency_key("upgrade-scope", "running", &r.done.request_hash, now())
            .await
            .unwrap(),
        IdempotencyClaim::InProgress { .. }
    ));

    // Writes work on the upgraded schema: rewriting a customer's tags.
    let mut next = r.person.clone();
    next.version += 1;
    next.tags = vec!["renewal".into()];
    next.updated_at = now();
    let ev = Event::new("customer", next.id.0, "updated", None, Map::new());
    assert!(
        s.update_customer(&next, r.person.version, &ev)
            .await
            .unwrap()
    );
    let renewal = s
        .list_customers(&query(|q| q.tag = Some("renewal".into())))
        .await
        .unwrap();
    assert_eq!(renewal, vec![next.clone()]);
    let old_tag = s
        .list_customers(&query(|q| q.tag = Some("decision-maker".into())))
        .await
        .unwrap();
    assert!(old_tag.is_empty());
}
