//! Row types shared by both backends and their conversions into domain types. Columns are
//! decoded by name, so the same struct reads a SQLite row and a PostgreSQL row.

use chrono::{DateTime, Utc};
use nexus_core::CoreError;
use nexus_core::auth::Role;
use nexus_core::customer::{Customer, CustomerKind, CustomerStatus, SegmentStatus};
use nexus_core::event::Event;
use nexus_core::ids::{
    ApiKeyId, CustomerId, EventId, ProductId, RefreshTokenId, SessionId, TeamId, TransactionId,
    UserId,
};
use nexus_core::money::Currency;
use nexus_core::product::Product;
use nexus_core::transaction::{
    CurrencyRevenue, CustomerAggregates, LineItem, Transaction, TransactionStatus,
};
use nexus_core::user::{ApiKey, RefreshToken, Team, User, UserRecord};
use serde_json::{Map, Value};
use sqlx::types::Json;
use uuid::Uuid;

pub(crate) const CUSTOMER_COLUMNS: &str = "id, kind, name, email, phone, company_id, company_name, status, owner_id, team_id, tags, attributes, segment, segment_status, segment_confidence, version, created_at, updated_at, deleted_at";

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
    segment_status: String,
    segment_confidence: Option<f64>,
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
            segment_status: r
                .segment_status
                .parse::<SegmentStatus>()
                .map_err(|_| corrupt("segment status", &r.segment_status))?,
            segment_confidence: r.segment_confidence,
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
    changes: LenientChanges,
    occurred_at: DateTime<Utc>,
}

/// An event's `changes`, read leniently: a stored value that cannot be decoded (one nested
/// deeper than the JSON decoder's limit, written before request bodies were limited to
/// `nexus_api::extract::MAX_JSON_DEPTH` levels) reads as
/// `{"undecodable": true}` instead of failing the page, so the event relay and webhook fan-out
/// never stall on one event.
pub(crate) struct LenientChanges(Map<String, Value>);

impl<DB: sqlx::Database> sqlx::Type<DB> for LenientChanges
where
    Json<Map<String, Value>>: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <Json<Map<String, Value>> as sqlx::Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <Json<Map<String, Value>> as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for LenientChanges
where
    Json<Map<String, Value>>: sqlx::Decode<'r, DB>,
{
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(LenientChanges(
            match <Json<Map<String, Value>> as sqlx::Decode<'r, DB>>::decode(value) {
                Ok(Json(m)) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "an event's changes cannot be decoded");
                    Map::from_iter([("undecodable".to_owned(), Value::Bool(true))])
                }
            },
        ))
    }
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

pub(crate) const PRODUCT_COLUMNS: &str = "id, sku, name, description, category, price, currency, active, attributes, version, created_at, updated_at, deleted_at";

#[derive(sqlx::FromRow)]
pub(crate) struct ProductRow {
    id: Uuid,
    sku: String,
    name: String,
    description: Option<String>,
    category: Option<String>,
    price: i64,
    currency: String,
    active: bool,
    attributes: Json<Map<String, Value>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

fn currency(v: &str) -> Result<Currency, CoreError> {
    Currency::parse(v).map_err(|_| corrupt("currency", v))
}

impl TryFrom<ProductRow> for Product {
    type Error = CoreError;
    fn try_from(r: ProductRow) -> Result<Self, CoreError> {
        Ok(Product {
            id: ProductId(r.id),
            sku: r.sku,
            name: r.name,
            description: r.description,
            category: r.category,
            price: r.price,
            currency: currency(&r.currency)?,
            active: r.active,
            attributes: r.attributes.0,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        })
    }
}

pub(crate) const TRANSACTION_COLUMNS: &str = "id, customer_id, status, currency, total, occurred_at, reference, external_ref, created_by, attributes, version, created_at, updated_at, deleted_at";

/// The item columns joined to [`TRANSACTION_COLUMNS`], prefixed so that names do not clash.
pub(crate) const ITEM_COLUMNS: &str = "i.position AS item_position, i.product_id AS item_product_id, i.sku AS item_sku, i.name AS item_name, i.quantity AS item_quantity, i.unit_price AS item_unit_price, i.line_total AS item_line_total";

/// One row of a transaction joined with one of its items (item columns are null for a
/// transaction without items). Reading both in one statement gives one consistent snapshot.
#[derive(sqlx::FromRow)]
pub(crate) struct TransactionItemRow {
    id: Uuid,
    customer_id: Uuid,
    status: String,
    currency: String,
    total: i64,
    occurred_at: DateTime<Utc>,
    reference: Option<String>,
    external_ref: Option<String>,
    created_by: Option<Uuid>,
    attributes: Json<Map<String, Value>>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    item_position: Option<i64>,
    item_product_id: Option<Uuid>,
    item_sku: Option<String>,
    item_name: Option<String>,
    item_quantity: Option<i64>,
    item_unit_price: Option<i64>,
    item_line_total: Option<i64>,
}

/// Folds joined rows (ordered by transaction, then item position) into transactions.
pub(crate) fn transactions_from_rows(
    rows: Vec<TransactionItemRow>,
) -> Result<Vec<Transaction>, CoreError> {
    let mut out: Vec<Transaction> = Vec::new();
    for r in rows {
        let item = match (
            r.item_position,
            r.item_product_id,
            r.item_sku,
            r.item_name,
            r.item_quantity,
            r.item_unit_price,
            r.item_line_total,
        ) {
            (
                Some(_),
                Some(p),
                Some(sku),
                Some(name),
                Some(quantity),
                Some(unit_price),
                Some(line_total),
            ) => Some(LineItem {
                product_id: ProductId(p),
                sku,
                name,
                quantity,
                unit_price,
                line_total,
            }),
            _ => None,
        };
        if let Some(last) = out.last_mut().filter(|t| t.id.0 == r.id) {
            last.items.extend(item);
            continue;
        }
        out.push(Transaction {
            id: TransactionId(r.id),
            customer_id: CustomerId(r.customer_id),
            status: r
                .status
                .parse::<TransactionStatus>()
                .map_err(|_| corrupt("status", &r.status))?,
            currency: currency(&r.currency)?,
            occurred_at: r.occurred_at,
            reference: r.reference,
            external_ref: r.external_ref,
            items: item.into_iter().collect(),
            total: r.total,
            created_by: r.created_by.map(UserId),
            attributes: r.attributes.0,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        });
    }
    Ok(out)
}

/// The aggregate row of a customer joined with one of its per-currency rows.
#[derive(sqlx::FromRow)]
pub(crate) struct AggregateRow {
    customer_id: Uuid,
    purchase_count: i64,
    refund_count: i64,
    first_purchase_at: Option<DateTime<Utc>>,
    last_purchase_at: Option<DateTime<Utc>>,
    version: i64,
    updated_at: DateTime<Utc>,
    r_currency: Option<String>,
    r_revenue: Option<i64>,
    r_purchase_count: Option<i64>,
    r_refunded_amount: Option<i64>,
    r_refund_count: Option<i64>,
}

/// Folds the joined rows of one customer into its aggregates (`None` for no rows).
pub(crate) fn aggregates_from_rows(
    rows: Vec<AggregateRow>,
) -> Result<Option<CustomerAggregates>, CoreError> {
    let mut out: Option<CustomerAggregates> = None;
    for r in rows {
        let a = out.get_or_insert_with(|| CustomerAggregates {
            customer_id: CustomerId(r.customer_id),
            purchase_count: r.purchase_count,
            refund_count: r.refund_count,
            first_purchase_at: r.first_purchase_at,
            last_purchase_at: r.last_purchase_at,
            revenue: Vec::new(),
            version: r.version,
            updated_at: Some(r.updated_at),
        });
        if let (
            Some(c),
            Some(revenue),
            Some(purchase_count),
            Some(refunded_amount),
            Some(refund_count),
        ) = (
            r.r_currency,
            r.r_revenue,
            r.r_purchase_count,
            r.r_refunded_amount,
            r.r_refund_count,
        ) {
            a.revenue.push(CurrencyRevenue {
                currency: currency(&c)?,
                revenue,
                purchase_count,
                refunded_amount,
                refund_count,
            });
        }
    }
    Ok(out)
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
