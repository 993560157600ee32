//! Privacy service (GDPR access and erasure requests), for admins (`privacy:manage`):
//!
//! - **export**: everything held about one customer — the record, its lifetime figures, every
//!   transaction, deal and activity (deleted ones too) and its change history — as one JSON
//!   document;
//! - **erase**: the customer's personal data is hard-deleted: the record becomes an anonymised
//!   tombstone, its activities, deals and tags are deleted and the recorded changes of all of
//!   them emptied. Transactions stay, pointing at the tombstone, so every revenue figure stays
//!   right.
//!
//! Both are audited: each writes an event (`customer.exported`, `customer.erased`) naming the
//! admin, with no personal data in it.

use crate::activity::{Activity, ActivityQuery};
use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::cache::{RecordKind, Records};
use crate::customer::{Customer, CustomerKind, DeletedFilter};
use crate::deal::{Deal, DealQuery};
use crate::error::{CoreError, CoreResult};
use crate::event::Event;
use crate::ids::CustomerId;
use crate::page::Cursor;
use crate::store::Store;
use crate::time::Timestamp;
use crate::transaction::{CustomerAggregates, Transaction, TransactionQuery};
use serde::Serialize;
use std::sync::Arc;

const ENTITY: &str = "customer";
/// Rows read per page while collecting an export.
const PAGE: u32 = 500;
/// Optimistic-concurrency attempts of an erasure racing other writes of the customer.
const ERASE_ATTEMPTS: u64 = 10;

/// Everything held about one customer.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PrivacyExport {
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub customer: Customer,
    pub aggregates: CustomerAggregates,
    /// Every transaction, deleted ones included, oldest first.
    pub transactions: Vec<Transaction>,
    /// Every deal, deleted ones included.
    pub deals: Vec<Deal>,
    /// Every activity, deleted ones included.
    pub activities: Vec<Activity>,
    /// The customer's change history, oldest first.
    pub history: Vec<Event>,
}

/// The outcome of an erasure.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub customer_id: CustomerId,
    pub erased_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone)]
pub struct PrivacyService {
    store: Arc<dyn Store>,
    bus: EventBus,
    records: Records,
}

/// Reads every page of a keyset list whose items yield their own cursor.
async fn all_pages<T, F, Fut>(mut page: F, cursor: impl Fn(&T) -> Cursor) -> CoreResult<Vec<T>>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: std::future::Future<Output = CoreResult<Vec<T>>>,
{
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let rows = page(after.clone()).await?;
        let n = rows.len();
        after = rows.last().map(&cursor);
        out.extend(rows);
        if n < PAGE as usize {
            return Ok(out);
        }
    }
}

impl PrivacyService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus) -> Self {
        Self {
            store,
            bus,
            records: Records::disabled(),
        }
    }

    /// The same service evicting erased customers from `records`.
    pub fn with_records(mut self, records: Records) -> Self {
        self.records = records;
        self
    }

    /// A customer that exists and has not been erased (deleted ones are included).
    async fn subject(&self, actor: &Actor, id: CustomerId) -> CoreResult<Customer> {
        actor.require(Permission::PrivacyManage)?;
        let c = self
            .store
            .get_customer(id)
            .await?
            .ok_or_else(|| CoreError::not_found(ENTITY))?;
        if self.store.customer_erased_at(id).await?.is_some() {
            return Err(CoreError::conflict(
                "customer_erased",
                None,
                "the customer's personal data was erased",
            ));
        }
        Ok(c)
    }

    pub async fn export(&self, actor: &Actor, id: CustomerId) -> CoreResult<PrivacyExport> {
        let customer = self.subject(actor, id).await?;
        let mut transactions = Vec::new();
        let mut deals = Vec::new();
        let mut activities = Vec::new();
        for deleted in [DeletedFilter::Exclude, DeletedFilter::Only] {
            let q = TransactionQuery {
                customer_id: Some(id),
                deleted,
                limit: PAGE,
                ..TransactionQuery::default()
            };
            let sort = q.sort;
            transactions.extend(
                all_pages(
                    |after| {
                        let q = TransactionQuery { after, ..q.clone() };
                        async move { self.store.list_transactions(&q).await }
                    },
                    |t: &Transaction| Cursor {
                        sort: sort.as_str().into(),
                        value: t.sort_value(sort),
                        id: t.id.0,
                    },
                )
                .await?,
            );
            let q = DealQuery {
                customer_id: Some(id),
                deleted,
                limit: PAGE,
                ..DealQuery::everything()
            };
            let sort = q.sort;
            deals.extend(
                all_pages(
                    |after| {
                        let q = DealQuery { after, ..q.clone() };
                        async move { self.store.list_deals(&q).await }
                    },
                    |d: &Deal| Cursor {
                        sort: sort.as_str().into(),
                        value: d.sort_value(sort),
                        id: d.id.0,
                    },
                )
                .await?,
            );
            let q = ActivityQuery {
                customer_id: Some(id),
                deleted,
                limit: PAGE,
                ..ActivityQuery::everything()
            };
            let sort = q.sort;
            activities.extend(
                all_pages(
                    |after| {
                        let q = ActivityQuery { after, ..q.clone() };
                        async move { self.store.list_activities(&q).await }
                    },
                    |a: &Activity| Cursor {
                        sort: sort.as_str().into(),
                        value: a.sort_value(sort),
                        id: a.id.0,
                    },
                )
                .await?,
            );
        }
        transactions.sort_by_key(|t| (t.occurred_at, t.id.0));
        let mut history = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.entity_events(id.0, after, PAGE).await?;
            let n = page.len();
            after = page.last().map(|e| e.id);
            history.extend(page);
            if n < PAGE as usize {
                break;
            }
        }
        let aggregates = self.store.customer_aggregates(id).await?;
        self.audit(actor, &customer, "exported").await?;
        Ok(PrivacyExport {
            generated_at: crate::time::now(),
            customer,
            aggregates,
            transactions,
            deals,
            activities,
            history,
        })
    }

    pub async fn erase(&self, actor: &Actor, id: CustomerId) -> CoreResult<Erasure> {
        for attempt in 0..ERASE_ATTEMPTS {
            if attempt > 0 {
                super::backoff(attempt).await;
            }
            let cur = self.subject(actor, id).await?;
            let next = anonymised(&cur);
            let ev = audit_event(actor, &next, "erased");
            if self
                .store
                .erase_customer(&next, cur.version, Some(actor.user_id), &ev)
                .await?
            {
                self.bus.committed();
                self.records.evict(RecordKind::Customer, id.0).await;
                // Its deals were deleted without events of their own.
                self.records.evict_kind(RecordKind::Deal).await;
                return Ok(Erasure {
                    customer_id: id,
                    erased_at: next.updated_at,
                });
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the customer kept changing; try again",
        ))
    }

    async fn audit(&self, actor: &Actor, c: &Customer, action: &'static str) -> CoreResult<()> {
        self.store
            .record_event(&audit_event(actor, c, action))
            .await?;
        self.bus.committed();
        Ok(())
    }
}

/// An event naming the actor and the customer, with no personal data.
fn audit_event(actor: &Actor, c: &Customer, action: &'static str) -> Event {
    Event::new(
        ENTITY,
        c.id.0,
        action,
        Some(actor.user_id),
        serde_json::Map::new(),
    )
    .with_ownership(Some(c.owner_id), c.team_id)
}

/// The tombstone of an erased customer: no name, contact details, tags, attributes or company
/// link; deleted (if it was not already); ownership kept so that revenue figures keep their
/// owner.
fn anonymised(c: &Customer) -> Customer {
    let now: Timestamp = crate::time::now().max(c.updated_at);
    Customer {
        name: match c.kind {
            CustomerKind::Person => "Erased person".into(),
            CustomerKind::Company => "Erased company".into(),
        },
        email: None,
        phone: None,
        company_id: None,
        company_name: None,
        tags: Vec::new(),
        attributes: serde_json::Map::new(),
        segment: None,
        segment_status: crate::customer::SegmentStatus::Unscored,
        segment_confidence: None,
        version: c.version + 1,
        updated_at: now,
        deleted_at: Some(c.deleted_at.unwrap_or(now)),
        ..c.clone()
    }
}
