//! Users, teams, refresh tokens and API keys.

use crate::fixtures::{add_team, add_user, team, team_event, user_event, user_record};
use chrono::Duration;
use nexus_core::CoreError;
use nexus_core::auth::Role;
use nexus_core::event::Event;
use nexus_core::ids::{ApiKeyId, RefreshTokenId, SessionId, UserId};
use nexus_core::store::Store;
use nexus_core::time::now;
use nexus_core::user::{ApiKey, RefreshToken, Team};
use serde_json::Map;
use std::sync::Arc;

conformance!(
    user_round_trip_and_lookup_by_email,
    user_email_is_unique_case_insensitively,
    user_update_is_optimistic,
    users_list_by_team_with_keyset,
    team_insert_rename_delete,
    team_names_are_unique,
    teams_list_with_keyset,
    refresh_tokens_use_and_revoke,
    api_keys_insert_find_revoke_list,
);

async fn user_round_trip_and_lookup_by_email(s: Arc<dyn Store>) {
    assert_eq!(s.count_users().await.unwrap(), 0);
    let t = add_team(&*s, "Sales").await;
    let mut u = user_record("Ada.Lovelace@Example.COM", Some(t));
    u.user.role = Role::Manager;
    u.user.last_login_at = Some(now() - Duration::minutes(5));
    let ev = user_event(&u);
    s.insert_user(&u, &ev).await.unwrap();

    assert_eq!(s.get_user(u.user.id).await.unwrap(), Some(u.clone()));
    assert_eq!(
        s.get_user_by_email("ada.lovelace@example.com")
            .await
            .unwrap(),
        Some(u.clone())
    );
    assert_eq!(s.get_user_by_email("ada@example.com").await.unwrap(), None);
    assert_eq!(s.get_user(UserId::new()).await.unwrap(), None);
    assert_eq!(s.count_users().await.unwrap(), 1);
    // The user and its event were written together.
    assert_eq!(
        s.entity_events(u.user.id.0, None, 10).await.unwrap(),
        vec![ev]
    );

    let at = now();
    s.record_login(u.user.id, at).await.unwrap();
    let got = s.get_user(u.user.id).await.unwrap().unwrap();
    assert_eq!(got.user.last_login_at, Some(at));
    assert_eq!(got.user.version, 1, "a login is not a change of the user");
}

async fn user_email_is_unique_case_insensitively(s: Arc<dyn Store>) {
    let a = user_record("grace@navy.example", None);
    s.insert_user(&a, &user_event(&a)).await.unwrap();
    let b = user_record("GRACE@Navy.Example", None);
    match s.insert_user(&b, &user_event(&b)).await {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "email_taken"),
        other => panic!("expected an email_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_user(b.user.id).await.unwrap(), None);
    assert_eq!(s.count_users().await.unwrap(), 1);
    // Nothing of the failed insert was kept, not even its event.
    assert!(
        s.entity_events(b.user.id.0, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn user_update_is_optimistic(s: Arc<dyn Store>) {
    let t1 = add_team(&*s, "One").await;
    let t2 = add_team(&*s, "Two").await;
    let u = user_record("ops@test.example", Some(t1));
    s.insert_user(&u, &user_event(&u)).await.unwrap();

    let mut v2 = u.clone();
    v2.user.name = "Renamed".into();
    v2.user.role = Role::Support;
    v2.user.team_id = Some(t2);
    v2.user.active = false;
    v2.user.password_expires_at = None;
    v2.password_hash = "new-hash".into();
    v2.user.version = 2;
    v2.user.updated_at = now() + Duration::seconds(1);
    let ev = Event::new("user", u.user.id.0, "updated", None, Map::new());
    assert!(s.update_user(&v2, 1, Some(&ev)).await.unwrap());
    assert_eq!(s.get_user(u.user.id).await.unwrap(), Some(v2.clone()));

    // A writer that read version 1 loses.
    let mut stale = u.clone();
    stale.user.name = "Stale".into();
    stale.user.version = 2;
    assert!(!s.update_user(&stale, 1, Some(&ev)).await.unwrap());
    assert_eq!(s.get_user(u.user.id).await.unwrap(), Some(v2.clone()));

    // Without an event nothing is logged.
    let mut v3 = v2.clone();
    v3.user.version = 3;
    v3.user.active = true;
    assert!(s.update_user(&v3, 2, None).await.unwrap());
    assert_eq!(s.get_user(u.user.id).await.unwrap(), Some(v3));
    let events = s.entity_events(u.user.id.0, None, 10).await.unwrap();
    assert_eq!(events.len(), 2, "created + one updated event: {events:?}");
    assert_eq!(events[1], ev);

    // Unknown users are never updated.
    let ghost = user_record("ghost@test.example", None);
    assert!(!s.update_user(&ghost, 1, None).await.unwrap());
}

async fn users_list_by_team_with_keyset(s: Arc<dyn Store>) {
    let a = add_team(&*s, "A").await;
    let b = add_team(&*s, "B").await;
    let mut in_a = Vec::new();
    let mut all = Vec::new();
    for i in 0..9 {
        let team = match i % 3 {
            0 => Some(a),
            1 => Some(b),
            _ => None,
        };
        let id = add_user(&*s, team).await;
        if team == Some(a) {
            in_a.push(id);
        }
        all.push(id);
    }
    // Ids are time-ordered, but sort anyway: the list is by id.
    in_a.sort();
    all.sort();

    let page = |v: Vec<nexus_core::user::User>| v.into_iter().map(|u| u.id).collect::<Vec<_>>();
    let first = page(s.list_users(Some(a), None, 2).await.unwrap());
    assert_eq!(first, in_a[..2]);
    let second = page(s.list_users(Some(a), Some(first[1]), 2).await.unwrap());
    assert_eq!(second, in_a[2..]);
    assert!(
        s.list_users(Some(a), Some(in_a[2]), 2)
            .await
            .unwrap()
            .is_empty()
    );

    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let p = page(s.list_users(None, after, 4).await.unwrap());
        assert!(p.len() <= 4);
        let Some(last) = p.last().copied() else {
            break;
        };
        walked.extend(p);
        after = Some(last);
    }
    assert_eq!(walked, all);

    let users = s.list_users(Some(b), None, 10).await.unwrap();
    assert_eq!(users.len(), 3);
    assert!(users.iter().all(|u| u.team_id == Some(b)));
}

async fn team_insert_rename_delete(s: Arc<dyn Store>) {
    let t = team("Field Sales");
    let ev = team_event(&t, "created");
    s.insert_team(&t, &ev).await.unwrap();
    assert_eq!(s.get_team(t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(s.entity_events(t.id.0, None, 10).await.unwrap(), vec![ev]);

    let renamed = Team {
        name: "Inside Sales".into(),
        version: 2,
        updated_at: now() + Duration::seconds(2),
        ..t.clone()
    };
    assert!(
        s.update_team(&renamed, 1, &team_event(&t, "updated"))
            .await
            .unwrap()
    );
    assert_eq!(s.get_team(t.id).await.unwrap(), Some(renamed.clone()));
    let stale = Team {
        name: "Stale".into(),
        version: 2,
        ..t.clone()
    };
    assert!(
        !s.update_team(&stale, 1, &team_event(&t, "updated"))
            .await
            .unwrap()
    );
    assert_eq!(s.get_team(t.id).await.unwrap(), Some(renamed));
    assert_eq!(s.entity_events(t.id.0, None, 10).await.unwrap().len(), 2);

    assert!(
        s.delete_team(t.id, &team_event(&t, "deleted"))
            .await
            .unwrap()
    );
    assert_eq!(s.get_team(t.id).await.unwrap(), None);
    assert!(
        !s.delete_team(t.id, &team_event(&t, "deleted"))
            .await
            .unwrap()
    );
    assert_eq!(s.entity_events(t.id.0, None, 10).await.unwrap().len(), 3);
}

async fn team_names_are_unique(s: Arc<dyn Store>) {
    let a = team("Enterprise");
    s.insert_team(&a, &team_event(&a, "created")).await.unwrap();
    let dup = team("ENTERPRISE");
    match s.insert_team(&dup, &team_event(&dup, "created")).await {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "name_taken"),
        other => panic!("expected a name_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_team(dup.id).await.unwrap(), None);

    let b = team("SMB");
    s.insert_team(&b, &team_event(&b, "created")).await.unwrap();
    let clash = Team {
        name: "enterprise".into(),
        version: 2,
        ..b.clone()
    };
    match s.update_team(&clash, 1, &team_event(&b, "updated")).await {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "name_taken"),
        other => panic!("expected a name_taken conflict, got {other:?}"),
    }
    assert_eq!(s.get_team(b.id).await.unwrap(), Some(b.clone()));

    // A team that users belong to cannot be deleted from under them.
    add_user(&*s, Some(b.id)).await;
    match s.delete_team(b.id, &team_event(&b, "deleted")).await {
        Err(CoreError::Conflict { code, .. }) => assert_eq!(code, "team_not_empty"),
        other => panic!("expected team_not_empty, got {other:?}"),
    }
    assert!(s.get_team(b.id).await.unwrap().is_some());
    // No event was written for the refused delete.
    let actions: Vec<_> = s
        .entity_events(b.id.0, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(!actions.iter().any(|a| a == "deleted"), "{actions:?}");
}

async fn teams_list_with_keyset(s: Arc<dyn Store>) {
    let mut all = Vec::new();
    for i in 0..5 {
        all.push(add_team(&*s, &format!("Team {i}")).await);
    }
    all.sort();
    let ids = |v: Vec<Team>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(s.list_teams(None, None, 3).await.unwrap()), all[..3]);
    assert_eq!(
        ids(s.list_teams(None, Some(all[2]), 3).await.unwrap()),
        all[3..]
    );
    assert_eq!(
        ids(s.list_teams(Some(all[1]), None, 10).await.unwrap()),
        vec![all[1]]
    );
    assert!(
        s.list_teams(Some(all[1]), Some(all[1]), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn refresh_token(session: SessionId, user: UserId, hash: &str) -> RefreshToken {
    let t = now();
    RefreshToken {
        id: RefreshTokenId::new(),
        session_id: session,
        user_id: user,
        token_hash: hash.to_owned(),
        expires_at: t + Duration::days(30),
        used_at: None,
        revoked_at: None,
        created_at: t,
    }
}

async fn refresh_tokens_use_and_revoke(s: Arc<dyn Store>) {
    let u = add_user(&*s, None).await;
    let other = add_user(&*s, None).await;
    let (s1, s2, s3) = (SessionId::new(), SessionId::new(), SessionId::new());
    let t1 = refresh_token(s1, u, "hash-1");
    let t2 = refresh_token(s1, u, "hash-2");
    let t3 = refresh_token(s2, u, "hash-3");
    let t4 = refresh_token(s3, other, "hash-4");
    for t in [&t1, &t2, &t3, &t4] {
        s.insert_refresh_token(t).await.unwrap();
    }
    assert_eq!(
        s.get_refresh_token("hash-1").await.unwrap(),
        Some(t1.clone())
    );
    assert_eq!(s.get_refresh_token("hash-9").await.unwrap(), None);
    assert!(matches!(
        s.insert_refresh_token(&refresh_token(s1, u, "hash-1"))
            .await,
        Err(CoreError::Conflict { .. })
    ));

    // Rotation: a token is used once.
    let used_at = now();
    assert!(s.use_refresh_token(t1.id, used_at).await.unwrap());
    assert!(!s.use_refresh_token(t1.id, now()).await.unwrap());
    assert_eq!(
        s.get_refresh_token("hash-1")
            .await
            .unwrap()
            .unwrap()
            .used_at,
        Some(used_at)
    );

    let before = now() - Duration::seconds(1);
    let revoked_at = now();
    s.revoke_session(s1, revoked_at).await.unwrap();
    for h in ["hash-1", "hash-2"] {
        let t = s.get_refresh_token(h).await.unwrap().unwrap();
        assert_eq!(t.revoked_at, Some(revoked_at), "{h}");
    }
    assert_eq!(
        s.get_refresh_token("hash-3")
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        None
    );
    // A revoked token cannot be used even if it never was.
    assert!(!s.use_refresh_token(t2.id, now()).await.unwrap());
    assert_eq!(
        s.revoked_sessions_since(before).await.unwrap(),
        vec![s1],
        "one session revoked, reported once although it has two tokens"
    );

    // Revoking all of a user's sessions reports the ones it revoked now.
    let later = revoked_at + Duration::seconds(1);
    assert_eq!(s.revoke_user_sessions(u, later).await.unwrap(), vec![s2]);
    assert_eq!(
        s.get_refresh_token("hash-3")
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(later)
    );
    // The earlier revocation time is kept.
    assert_eq!(
        s.get_refresh_token("hash-1")
            .await
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(revoked_at)
    );
    assert!(s.revoke_user_sessions(u, now()).await.unwrap().is_empty());
    let mut since = s.revoked_sessions_since(before).await.unwrap();
    since.sort();
    let mut expected = vec![s1, s2];
    expected.sort();
    assert_eq!(since, expected);
    assert_eq!(
        s.revoked_sessions_since(later).await.unwrap(),
        vec![s2],
        "the bound is inclusive"
    );
    assert!(
        s.revoked_sessions_since(later + Duration::microseconds(1))
            .await
            .unwrap()
            .is_empty()
    );
    // Another user's session is untouched.
    let t = s.get_refresh_token("hash-4").await.unwrap().unwrap();
    assert_eq!(t, t4);
    assert!(s.use_refresh_token(t4.id, now()).await.unwrap());
}

fn api_key(name: &str, user: UserId, team: Option<nexus_core::ids::TeamId>) -> ApiKey {
    let t = now();
    ApiKey {
        id: ApiKeyId::new(),
        name: name.to_owned(),
        prefix: format!("nx_{name}"),
        role: Role::Viewer,
        user_id: user,
        team_id: team,
        created_at: t,
        expires_at: Some(t + Duration::days(365)),
        last_used_at: None,
        revoked_at: None,
    }
}

async fn api_keys_insert_find_revoke_list(s: Arc<dyn Store>) {
    let team = add_team(&*s, "Integrations").await;
    let u = add_user(&*s, Some(team)).await;
    assert!(s.list_api_keys().await.unwrap().is_empty());
    let k1 = api_key("zapier", u, Some(team));
    let mut k2 = api_key("etl", u, None);
    k2.role = Role::Admin;
    k2.expires_at = None;
    let ev1 = Event::new("api_key", k1.id.0, "created", Some(u), Map::new());
    s.insert_api_key(&k1, "sha-1", &ev1).await.unwrap();
    let ev2 = Event::new("api_key", k2.id.0, "created", Some(u), Map::new());
    s.insert_api_key(&k2, "sha-2", &ev2).await.unwrap();
    assert!(matches!(
        s.insert_api_key(&api_key("dup", u, None), "sha-1", &ev1)
            .await,
        Err(CoreError::Conflict { .. })
    ));

    assert_eq!(
        s.get_api_key_by_hash("sha-1").await.unwrap(),
        Some(k1.clone())
    );
    assert_eq!(
        s.get_api_key_by_hash("sha-2").await.unwrap(),
        Some(k2.clone())
    );
    assert_eq!(s.get_api_key_by_hash("sha-3").await.unwrap(), None);
    assert_eq!(
        s.list_api_keys().await.unwrap(),
        vec![k1.clone(), k2.clone()]
    );
    assert_eq!(s.entity_events(k1.id.0, None, 10).await.unwrap(), vec![ev1]);

    let used = now();
    s.touch_api_key(k2.id, used).await.unwrap();
    let at = now() + Duration::seconds(1);
    let ev = Event::new("api_key", k1.id.0, "revoked", Some(u), Map::new());
    assert!(s.revoke_api_key(k1.id, at, &ev).await.unwrap());
    assert!(!s.revoke_api_key(k1.id, now(), &ev).await.unwrap());
    assert!(!s.revoke_api_key(ApiKeyId::new(), now(), &ev).await.unwrap());
    let k1_revoked = ApiKey {
        revoked_at: Some(at),
        ..k1.clone()
    };
    let k2_used = ApiKey {
        last_used_at: Some(used),
        ..k2.clone()
    };
    assert_eq!(
        s.get_api_key_by_hash("sha-1").await.unwrap(),
        Some(k1_revoked.clone())
    );
    assert_eq!(s.list_api_keys().await.unwrap(), vec![k1_revoked, k2_used]);
    assert_eq!(
        s.entity_events(k1.id.0, None, 10).await.unwrap().len(),
        2,
        "created + revoked; the refused second revoke logged nothing"
    );
}
