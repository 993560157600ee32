//! Login, refresh rotation and reuse detection, logout, password change, bcrypt upgrade,
//! expired passwords, API keys, login rate limits.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use nexus_core::auth::Role;
use nexus_core::event::Event;
use nexus_core::ids::UserId;
use nexus_core::user::{User, UserRecord};
use serde_json::json;

#[tokio::test]
async fn login_refresh_rotation_and_reuse_detection() {
    on_backends(|app| async move {
        let bad = app
            .login_res(ADMIN_EMAIL, "wrong-password-1")
            .await
            .expect(StatusCode::UNAUTHORIZED);
        assert!(
            bad.header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
        assert_eq!(bad.header("content-type"), Some("application/problem+json"));
        app.login_res("nobody@test.local", "whatever-password")
            .await
            .expect(StatusCode::UNAUTHORIZED);
        let r = app
            .login_res(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD)
            .await
            .expect(StatusCode::OK);
        assert_eq!(r.body["token_type"], "Bearer");
        assert_eq!(r.body["expires_in"], 7 * 24 * 3600);
        let (access, refresh1) = (
            r.body["access_token"].as_str().unwrap().to_owned(),
            r.body["refresh_token"].as_str().unwrap().to_owned(),
        );
        app.get("/api/v1/auth/me", &access)
            .await
            .expect(StatusCode::OK);
        let r2 = app
            .call(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": refresh1})),
            )
            .await
            .expect(StatusCode::OK);
        let refresh2 = r2.body["refresh_token"].as_str().unwrap().to_owned();
        let access2 = r2.body["access_token"].as_str().unwrap().to_owned();
        assert_ne!(refresh1, refresh2);
        // Reusing the rotated token revokes the family: the newest refresh token and the
        // session's access tokens stop working too.
        let reused = app
            .call(
                Method::POST,
                "/api/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": refresh1})),
            )
            .await
            .expect(StatusCode::UNAUTHORIZED);
        assert_eq!(reused.body["code"], "refresh_token_reused");
        app.call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh2})),
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
        let gone = app
            .get("/api/v1/auth/me", &access2)
            .await
            .expect(StatusCode::UNAUTHORIZED);
        assert_eq!(gone.body["code"], "token_revoked");
        // Another session is unaffected.
        app.get("/api/v1/auth/me", &app.admin)
            .await
            .expect(StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn logout_revokes_the_session_only() {
    on_backends(|app| async move {
        let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        app.call(Method::POST, "/api/v1/auth/logout", Some(&other), None)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.get("/api/v1/auth/me", &other)
            .await
            .expect(StatusCode::UNAUTHORIZED);
        app.get("/api/v1/auth/me", &app.admin)
            .await
            .expect(StatusCode::OK);
        app.call(Method::POST, "/api/v1/auth/logout", None, None)
            .await
            .expect(StatusCode::UNAUTHORIZED);
    })
    .await;
}

#[tokio::test]
async fn change_password_ends_sessions_and_enforces_policy() {
    on_backends(|app| async move {
        let (_, tok) = app.user("rep@test.local", Role::SalesRep, None).await;
        let weak = app.post("/api/v1/auth/password", &tok, json!({"current_password": "user-password-123", "new_password": "short"})).await;
        let weak = weak.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(weak.body["errors"][0]["field"], "new_password");
        let wrong = app.post("/api/v1/auth/password", &tok, json!({"current_password": "nope-nope-nope", "new_password": "a-brand-new-password"})).await;
        assert_eq!(wrong.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"], "current_password");
        app.post("/api/v1/auth/password", &tok, json!({"current_password": "user-password-123", "new_password": "a-brand-new-password"}))
            .await
            .expect(StatusCode::NO_CONTENT);
        app.get("/api/v1/auth/me", &tok).await.expect(StatusCode::UNAUTHORIZED);
        app.login_res("rep@test.local", "user-password-123").await.expect(StatusCode::UNAUTHORIZED);
        app.login("rep@test.local", "a-brand-new-password").await;
    })
    .await;
}

#[tokio::test]
async fn bcrypt_hashes_are_accepted_and_upgraded() {
    on_backends(|app| async move {
        let now = nexus_core::time::now();
        let user = User {
            id: UserId::new(),
            email: "legacy@test.local".into(),
            name: "Legacy".into(),
            role: Role::Viewer,
            team_id: None,
            active: true,
            password_expires_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            last_login_at: None,
        };
        let hash = bcrypt::hash("legacy-password-1", 4).unwrap();
        let ev = Event::new("user", user.id.0, "created", None, Default::default());
        app.state
            .store
            .insert_user(
                &UserRecord {
                    user: user.clone(),
                    password_hash: hash,
                },
                &ev,
            )
            .await
            .unwrap();
        app.login("legacy@test.local", "legacy-password-1").await;
        let stored = app.state.store.get_user(user.id).await.unwrap().unwrap();
        assert!(
            stored.password_hash.starts_with("$argon2id$"),
            "hash was not upgraded"
        );
        app.login("legacy@test.local", "legacy-password-1").await;
    })
    .await;
}

#[tokio::test]
async fn expired_passwords_must_be_changed() {
    on_backends(|app| async move {
        let (id, _) = app.user("old@test.local", Role::Viewer, None).await;
        let mut rec = app.state.store.get_user(id.parse().unwrap()).await.unwrap().unwrap();
        let v = rec.user.version;
        rec.user.password_expires_at = Some(nexus_core::time::now() - chrono::Duration::minutes(1));
        assert!(app.state.store.update_user(&rec, v, None).await.unwrap());
        let r = app.login_res("old@test.local", "user-password-123").await.expect(StatusCode::UNAUTHORIZED);
        assert_eq!(r.body["code"], "password_expired");
        app.call(
            Method::POST,
            "/api/v1/auth/password",
            None,
            Some(json!({"email": "old@test.local", "current_password": "user-password-123", "new_password": "renewed-password-1"})),
        )
        .await
        .expect(StatusCode::NO_CONTENT);
        app.login("old@test.local", "renewed-password-1").await;
    })
    .await;
}

#[tokio::test]
async fn api_keys_are_shown_once_scoped_and_revocable() {
    on_backends(|app| async move {
        let r = app
            .post(
                "/api/v1/api-keys",
                &app.admin,
                json!({"name": "zapier", "role": "viewer"}),
            )
            .await
            .expect(StatusCode::CREATED);
        let secret = r.body["secret"].as_str().unwrap().to_owned();
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("nxk_"));
        let list = app
            .get("/api/v1/api-keys", &app.admin)
            .await
            .expect(StatusCode::OK);
        assert!(
            !list.body.to_string().contains(&secret),
            "list leaks the secret"
        );
        let stored = app.state.store.list_api_keys().await.unwrap();
        assert_eq!(stored.len(), 1);
        // The key acts as a viewer: it reads but cannot write.
        app.get("/api/v1/customers", &secret)
            .await
            .expect(StatusCode::OK);
        app.post("/api/v1/customers", &secret, json!({"name": "X"}))
            .await
            .expect(StatusCode::FORBIDDEN);
        app.delete(&format!("/api/v1/api-keys/{id}"), &app.admin)
            .await
            .expect(StatusCode::NO_CONTENT);
        app.get("/api/v1/customers", &secret)
            .await
            .expect(StatusCode::UNAUTHORIZED);
        // A key cannot outrank the user it acts for.
        let (rep, _) = app.user("keyrep@test.local", Role::SalesRep, None).await;
        let r = app
            .post(
                "/api/v1/api-keys",
                &app.admin,
                json!({"name": "x", "role": "admin", "user_id": rep}),
            )
            .await;
        assert_eq!(
            r.expect(StatusCode::UNPROCESSABLE_ENTITY).body["errors"][0]["field"],
            "role"
        );
    })
    .await;
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    on_backends_with(
        |c| c.login_limit_per_account = 4, // one attempt is the harness logging in the admin
        |app| async move {
            for _ in 0..3 {
                app.login_res(ADMIN_EMAIL, "wrong-password-x")
                    .await
                    .expect(StatusCode::UNAUTHORIZED);
            }
            let r = app
                .login_res(ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .expect(StatusCode::TOO_MANY_REQUESTS);
            assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
            assert_eq!(r.header("ratelimit-remaining"), Some("0"));
            // Another account is not affected.
            app.login_res("someone@test.local", "whatever-password")
                .await
                .expect(StatusCode::UNAUTHORIZED);
        },
    )
    .await;
}
