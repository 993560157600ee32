//! Row types shared by both backends and their conversions into domain types. Columns are
//! decoded by name, so the same struct reads a SQLite row and a PostgreSQL row.

use chrono::{DateTime, Utc};
use nexus_core::CoreError;
use nexus_core::auth::Role;
use nexus_core::customer::{Customer, CustomerKind, CustomerStatus};
use nexus_core::event::Event;
use nexus_core::ids::{ApiKeyId, CustomerId, EventId, RefreshTokenId, SessionId, TeamId, UserId};
use nexus_core::user::{ApiKey, RefreshToken, Team, User, UserRecord};
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const CUSTOMER_COLUMNS: &str = "id, kind, name, email, phone, company_id, company_name, status, owner_id, team_id, tags, attributes, segment, version, created_at, updated_at, deleted_at";

#[derive(sqlx::FromRow)]
pub(crate) struct CustomerRow {
    id: Uuid,
    kind: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    company_id: Option<Uuid>,
    company_name: Option<String>,
    status: String,
    owner_id: Uuid,
    team_id: Option<Uuid>,
    tags: Json<Vec<String>>,
    attributes: Json<Map<String, Value>>,
    segment: Option<String>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

fn corrupt(what: &str, v: &str) -> CoreError {
    CoreError::Internal(format!("stored {what} {v:?} is not valid"))
}

impl TryFrom<CustomerRow> for Customer {
    type Error = CoreError;
    fn try_from(r: CustomerRow) -> Result<Self, CoreError> {
        Ok(Customer {
            id: CustomerId(r.id),
            kind: r
                .kind
                .parse::<CustomerKind>()
                .map_err(|_| corrupt("kind", &r.kind))?,
            name: r.name,
            email: r.email,
            phone: r.phone,
            company_id: r.company_id.map(CustomerId),
            company_name: r.company_name,
            status: r
                .status
                .parse::<CustomerStatus>()
                .map_err(|_| corrupt("status", &r.status))?,
            owner_id: UserId(r.owner_id),
            team_id: r.team_id.map(TeamId),
            tags: r.tags.0,
            attributes: r.attributes.0,
            segment: r.segment,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        })
    }
}

pub(crate) const USER_COLUMNS: &str = "id, email, name, role, team_id, active, password_hash, password_expires_at, version, created_at, updated_at, last_login_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    name: String,
    role: String,
    team_id: Option<Uuid>,
    active: bool,
    password_hash: String,
    password_expires_at: Option<DateTime<Utc>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = CoreError;
    fn try_from(r: UserRow) -> Result<Self, CoreError> {
        Ok(UserRecord {
            user: User {
                id: UserId(r.id),
                email: r.email,
                name: r.name,
                role: r
                    .role
                    .parse::<Role>()
                    .map_err(|_| corrupt("role", &r.role))?,
                team_id: r.team_id.map(TeamId),
                active: r.active,
                password_expires_at: r.password_expires_at,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
                last_login_at: r.last_login_at,
            },
            password_hash: r.password_hash,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TeamRow {
    id: Uuid,
    name: String,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<TeamRow> for Team {
    fn from(r: TeamRow) -> Self {
        Team {
            id: TeamId(r.id),
            name: r.name,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RefreshRow {
    id: Uuid,
    session_id: Uuid,
    user_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<RefreshRow> for RefreshToken {
    fn from(r: RefreshRow) -> Self {
        RefreshToken {
            id: RefreshTokenId(r.id),
            session_id: SessionId(r.session_id),
            user_id: UserId(r.user_id),
            token_hash: r.token_hash,
            expires_at: r.expires_at,
            used_at: r.used_at,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
        }
    }
}

pub(crate) const API_KEY_COLUMNS: &str =
    "id, name, prefix, role, user_id, team_id, created_at, expires_at, last_used_at, revoked_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ApiKeyRow {
    id: Uuid,
    name: String,
    prefix: String,
    role: String,
    user_id: Uuid,
    team_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = CoreError;
    fn try_from(r: ApiKeyRow) -> Result<Self, CoreError> {
        Ok(ApiKey {
            id: ApiKeyId(r.id),
            name: r.name,
            prefix: r.prefix,
            role: r
                .role
                .parse::<Role>()
                .map_err(|_| corrupt("role", &r.role))?,
            user_id: UserId(r.user_id),
            team_id: r.team_id.map(TeamId),
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

pub(crate) const EVENT_COLUMNS: &str = "id, seq, event_type, entity, entity_id, action, actor_id, owner_id, team_id, changes, occurred_at";

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: Uuid,
    seq: Option<i64>,
    event_type: String,
    entity: String,
    entity_id: Uuid,
    action: String,
    actor_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    team_id: Option<Uuid>,
    changes: Json<Map<String, Value>>,
    occurred_at: DateTime<Utc>,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: EventId(r.id),
            seq: r.seq,
            event_type: r.event_type,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            actor_id: r.actor_id.map(UserId),
            owner_id: r.owner_id.map(UserId),
            team_id: r.team_id.map(TeamId),
            changes: r.changes.0,
            occurred_at: r.occurred_at,
        }
    }
}

/// A bind value for dynamically built statements (list filters).
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Uuid(Uuid),
    Text(String),
    Time(DateTime<Utc>),
    Int(i64),
    Bool(bool),
    Date(chrono::NaiveDate),
}

/// Binds [`Arg`]s in order to a query of either backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for a in $args {
            query = match a {
                $crate::rows::Arg::Uuid(u) => query.bind(*u),
                $crate::rows::Arg::Text(s) => query.bind(s.clone()),
                $crate::rows::Arg::Time(t) => query.bind(*t),
                $crate::rows::Arg::Int(i) => query.bind(*i),
                $crate::rows::Arg::Bool(b) => query.bind(*b),
                $crate::rows::Arg::Date(d) => query.bind(*d),
            };
        }
        query
    }};
}
pub(crate) use bind_args;
