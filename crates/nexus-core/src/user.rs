//! Users, teams, sessions and API keys.

use crate::auth::Role;
use crate::error::FieldError;
use crate::ids::{ApiKeyId, RefreshTokenId, SessionId, TeamId, UserId};
use crate::validate::{EmailAddress, Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A user as the API shows it (never with its password hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub active: bool,
    /// When the current password stops working; `null` when it does not expire.
    pub password_expires_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A user with its credentials, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One refresh token of a login session ("family"). Only its SHA-256 is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct RefreshToken {
    pub id: RefreshTokenId,
    pub session_id: SessionId,
    pub user_id: UserId,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An API key; the secret is shown once at creation and only its SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    pub role: Role,
    /// The user the key acts for; records it creates are owned by this user.
    pub user_id: UserId,
    pub team_id: Option<TeamId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 256;

/// Checks a new password against the policy.
pub fn check_password_policy(field: &str, pw: &str) -> Result<(), FieldError> {
    let n = pw.chars().count();
    if !(PASSWORD_MIN..=PASSWORD_MAX).contains(&n) {
        return Err(FieldError::new(
            field,
            "weak_password",
            format!("must be {PASSWORD_MIN} to {PASSWORD_MAX} characters"),
        ));
    }
    if pw.chars().all(|c| c == pw.chars().next().unwrap_or(' ')) {
        return Err(FieldError::new(
            field,
            "weak_password",
            "must not repeat one character",
        ));
    }
    Ok(())
}

/// Validated input to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: EmailAddress,
    pub name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    pub password: String,
}

impl NewUser {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f =
            Fields::of(v, "").map_err(|e| vec![FieldError::new("$", "invalid", e.to_string())])?;
        let email = match f.email("email") {
            Patch::Value(e) => Some(e),
            _ => {
                if !f.errors.iter().any(|e| e.field == "email") {
                    f.error("email", "required", "is required");
                }
                None
            }
        };
        let name = f.required_string("name", 200);
        let role = match f.choice::<Role>(
            "role",
            &["admin", "manager", "sales_rep", "support", "viewer"],
        ) {
            Patch::Value(r) => Some(r),
            _ => {
                if !f.errors.iter().any(|e| e.field == "role") {
                    f.error("role", "required", "is required");
                }
                None
            }
        };
        let team_id = match f.uuid("team_id") {
            Patch::Value(u) => Some(TeamId(u)),
            _ => None,
        };
        let password = raw_password(&mut f, "password");
        f.finish()?;
        match (email, name, role, password) {
            (Some(email), Some(name), Some(role), Some(password)) => Ok(Self {
                email,
                name,
                role,
                team_id,
                password,
            }),
            _ => Err(vec![]),
        }
    }
}

/// A password is taken verbatim (no trimming) and checked against the policy.
fn raw_password(f: &mut Fields<'_>, name: &'static str) -> Option<String> {
    let present = f.present(name);
    let value = f.raw_value(name);
    match value {
        Some(Value::String(s)) => match check_password_policy(name, s) {
            Ok(()) => Some(s.clone()),
            Err(e) => {
                f.errors.push(e);
                None
            }
        },
        Some(_) if present => {
            f.error(name, "invalid_type", "must be a string");
            None
        }
        _ => {
            f.error(name, "required", "is required");
            None
        }
    }
}

/// Validated input of a user update by an admin.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub team_id: Patch<TeamId>,
    pub active: Option<bool>,
    pub password: Option<String>,
}

impl UserPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f =
            Fields::of(v, "").map_err(|e| vec![FieldError::new("$", "invalid", e.to_string())])?;
        let name = match f.string("name", 200) {
            Patch::Value(s) => Some(s),
            Patch::Null => {
                f.error("name", "required", "cannot be empty");
                None
            }
            Patch::Absent => None,
        };
        let role = match f.choice::<Role>(
            "role",
            &["admin", "manager", "sales_rep", "support", "viewer"],
        ) {
            Patch::Value(r) => Some(r),
            Patch::Null => {
                f.error("role", "required", "cannot be null");
                None
            }
            Patch::Absent => None,
        };
        let team_id = match f.uuid("team_id") {
            Patch::Value(u) => Patch::Value(TeamId(u)),
            Patch::Null => Patch::Null,
            Patch::Absent => Patch::Absent,
        };
        let active = f.boolean("active");
        let password = if f.raw_value("password").is_some() {
            raw_password(&mut f, "password")
        } else {
            None
        };
        f.finish()?;
        Ok(Self {
            name,
            role,
            team_id,
            active,
            password,
        })
    }
}

/// Validated input of a team create or rename.
pub fn parse_team_name(v: &Value) -> Result<String, Vec<FieldError>> {
    let mut f =
        Fields::of(v, "").map_err(|e| vec![FieldError::new("$", "invalid", e.to_string())])?;
    let name = f.required_string("name", 100);
    f.finish()?;
    name.ok_or_else(Vec::new)
}
