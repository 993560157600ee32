//! Transaction service: record sales with line items priced from the catalogue, move them
//! through their statuses, soft delete and restore them, list them, and read the per-customer
//! aggregates that the store keeps in step with every write.
//!
//! A transaction belongs to its customer: whoever may read the customer may read its
//! transactions (`transactions:read`), and whoever may write the customer may record and change
//! them (`transactions:write`). Anything outside the caller's reach is "not found".
//!
//! Custom-field values (`attributes`) are checked against the transaction definitions on a
//! create and on every update that sends them (status changes included); totals stay computed.

use crate::auth::{Actor, Permission};
use crate::bus::EventBus;
use crate::custom_field::{CustomField, CustomFieldEntity, check_attributes};
use crate::customer::Customer;
use crate::error::{CoreError, CoreResult};
use crate::event::{Event, diff};
use crate::ids::{CustomerId, ProductId, TransactionId};
use crate::money::Currency;
use crate::product::Product;
use crate::services::custom_values::{self, FieldDefs};
use crate::store::Store;
use crate::transaction::{
    CustomerAggregates, ItemInput, LineItem, NewTransaction, Transaction, TransactionPatch,
    TransactionQuery, price_items,
};
use crate::validate::Patch;
use std::collections::HashMap;
use std::sync::Arc;

mod import;

pub use import::OrderCheck;

/// Optimistic-concurrency retries of a change without `If-Match` before answering 409.
const UPDATE_ATTEMPTS: u64 = 30;
const ENTITY: &str = "transaction";

#[derive(Clone)]
pub struct TransactionService {
    store: Arc<dyn Store>,
    bus: EventBus,
    fields: FieldDefs,
}

impl TransactionService {
    pub fn new(store: Arc<dyn Store>, bus: EventBus, fields: FieldDefs) -> Self {
        Self { store, bus, fields }
    }

    pub async fn create(&self, actor: &Actor, input: NewTransaction) -> CoreResult<Transaction> {
        actor.require(Permission::TransactionsWrite)?;
        let customer = match self.store.get_customer(input.customer_id).await? {
            Some(c)
                if c.deleted_at.is_none()
                    && actor.can_read_owned(Permission::TransactionsRead, c.ownership()) =>
            {
                c
            }
            _ => {
                return Err(CoreError::invalid(
                    "customer_id",
                    "unknown_customer",
                    "no customer with this id",
                ));
            }
        };
        if !actor.can_write_owned(Permission::TransactionsWrite, customer.ownership()) {
            return Err(CoreError::Forbidden);
        }
        let products = self.products_of(&input.items).await?;
        let defs = self.custom_fields().await?;
        let mut errors = check_attributes(&defs, &input.attributes, None, "", true);
        let priced = match price_items(&input.items, &products, input.currency, &[]) {
            Ok(p) if errors.is_empty() => p,
            Ok(_) => return Err(CoreError::Validation(errors)),
            Err(e) => {
                errors.splice(0..0, e);
                return Err(CoreError::Validation(errors));
            }
        };
        let (t, ev) = new_transaction(actor, &customer, input, priced);
        self.store.insert_transaction(&t, &ev).await?;
        self.bus.committed();
        Ok(t)
    }

    /// A live transaction the actor may read.
    pub async fn get(&self, actor: &Actor, id: TransactionId) -> CoreResult<Transaction> {
        match self.visible(actor, id).await? {
            (t, _) if t.deleted_at.is_none() => Ok(t),
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    /// Changes status, time, reference or items. Status moves follow
    /// [`TransactionStatus::can_become`](crate::transaction::TransactionStatus::can_become);
    /// items are re-priced and the total recomputed.
    pub async fn update(
        &self,
        actor: &Actor,
        id: TransactionId,
        patch: TransactionPatch,
        if_match: Option<&str>,
    ) -> CoreResult<Transaction> {
        let products = match &patch.items {
            Some(items) => self.products_of(items).await?,
            None => HashMap::new(),
        };
        // Custom values are checked only when sent, against the definitions of now.
        let defs = match &patch.attributes {
            Patch::Absent => None,
            _ => Some(self.custom_fields().await?),
        };
        self.change(actor, id, if_match, false, |cur| {
            let mut next = cur.clone();
            if let Some(s) = patch.status {
                if !cur.status.can_become(s) {
                    return Err(CoreError::conflict(
                        "invalid_status_transition",
                        Some("status"),
                        format!(
                            "a {} transaction cannot become {}",
                            cur.status.as_str(),
                            s.as_str()
                        ),
                    ));
                }
                next.status = s;
            }
            if let Some(t) = patch.occurred_at {
                next.occurred_at = t;
            }
            patch.reference.apply_to(&mut next.reference);
            patch.external_ref.apply_to(&mut next.external_ref);
            if let Patch::Value(a) = &patch.attributes {
                next.attributes = a.clone();
            }
            if let Some(defs) = &defs {
                custom_values::check_change(defs, cur, &next)?;
            }
            if let Some(items) = &patch.items {
                if !cur.status.items_editable() || !next.status.items_editable() {
                    return Err(CoreError::conflict(
                        "transaction_closed",
                        Some("items"),
                        "the items of a refunded or cancelled transaction cannot change",
                    ));
                }
                let keep: Vec<ProductId> = cur.items.iter().map(|i| i.product_id).collect();
                let (_, lines, total) = price_items(items, &products, Some(cur.currency), &keep)
                    .map_err(CoreError::Validation)?;
                next.items = lines;
                next.total = total;
            }
            let action = if next.status == cur.status {
                "updated"
            } else {
                "status_changed"
            };
            Ok((next != *cur).then_some((next, action)))
        })
        .await
    }

    /// Soft delete: the transaction stops counting in the customer's aggregates.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: TransactionId,
        if_match: Option<&str>,
    ) -> CoreResult<()> {
        let now = crate::time::now();
        self.change(actor, id, if_match, false, |cur| {
            let mut next = cur.clone();
            next.deleted_at = Some(now.max(cur.updated_at));
            Ok(Some((next, "deleted")))
        })
        .await
        .map(|_| ())
    }

    /// Brings a soft-deleted transaction back; it counts again.
    pub async fn restore(&self, actor: &Actor, id: TransactionId) -> CoreResult<Transaction> {
        self.change(actor, id, None, true, |cur| {
            let mut next = cur.clone();
            next.deleted_at = None;
            Ok(cur.deleted_at.is_some().then_some((next, "restored")))
        })
        .await
    }

    /// Lists transactions of customers the actor may read.
    pub async fn list(
        &self,
        actor: &Actor,
        mut q: TransactionQuery,
    ) -> CoreResult<Vec<Transaction>> {
        actor.require(Permission::TransactionsRead)?;
        q.scope = actor.record_scope();
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Transaction,
            &mut q.custom,
        )
        .await?;
        self.store.list_transactions(&q).await
    }

    /// Types the query's `cf.<key>` filters and sort with the live custom-field definitions of
    /// transactions (422 naming `cf.<key>` or `sort` when they do not fit). Lists call it;
    /// handlers call it first when they need the resolved sort for the next cursor.
    pub async fn resolve_custom(&self, actor: &Actor, q: &mut TransactionQuery) -> CoreResult<()> {
        actor.require(Permission::TransactionsRead)?;
        custom_values::resolve(
            &self.fields,
            &*self.store,
            CustomFieldEntity::Transaction,
            &mut q.custom,
        )
        .await
    }

    /// The live custom-field definitions of transactions, for a reader of transactions.
    pub async fn field_definitions(&self, actor: &Actor) -> CoreResult<Arc<Vec<CustomField>>> {
        actor.require(Permission::TransactionsRead)?;
        self.custom_fields().await
    }

    async fn custom_fields(&self) -> CoreResult<Arc<Vec<CustomField>>> {
        self.fields
            .get(&*self.store, CustomFieldEntity::Transaction)
            .await
    }

    /// The lifetime figures of a live customer the actor may read.
    pub async fn aggregates(
        &self,
        actor: &Actor,
        customer: CustomerId,
    ) -> CoreResult<CustomerAggregates> {
        actor
            .require(Permission::TransactionsRead)
            .map_err(|_| CoreError::not_found("customer"))?;
        match self.store.get_customer(customer).await? {
            Some(c)
                if c.deleted_at.is_none()
                    && actor.can_read_owned(Permission::TransactionsRead, c.ownership()) =>
            {
                self.store.customer_aggregates(customer).await
            }
            _ => Err(CoreError::not_found("customer")),
        }
    }

    /// A transaction (deleted ones too) and its customer, if the actor may read them.
    async fn visible(
        &self,
        actor: &Actor,
        id: TransactionId,
    ) -> CoreResult<(Transaction, Customer)> {
        actor
            .require(Permission::TransactionsRead)
            .map_err(|_| CoreError::not_found(ENTITY))?;
        let Some(t) = self.store.get_transaction(id).await? else {
            return Err(CoreError::not_found(ENTITY));
        };
        match self.store.get_customer(t.customer_id).await? {
            Some(c) if actor.can_read_owned(Permission::TransactionsRead, c.ownership()) => {
                Ok((t, c))
            }
            _ => Err(CoreError::not_found(ENTITY)),
        }
    }

    /// Optimistic read-change-write: `f` turns the current state into the next one (or `None`
    /// for "nothing to do"). Without `If-Match`, a lost race is retried on fresh data, so that
    /// the checks in `f` (status moves) always run against the state being replaced.
    async fn change<F>(
        &self,
        actor: &Actor,
        id: TransactionId,
        if_match: Option<&str>,
        deleted_ok: bool,
        f: F,
    ) -> CoreResult<Transaction>
    where
        F: Fn(&Transaction) -> CoreResult<Option<(Transaction, &'static str)>>,
    {
        for attempt in 0..UPDATE_ATTEMPTS {
            if attempt > 0 {
                super::backoff(attempt).await;
            }
            let (cur, customer) = self.visible(actor, id).await?;
            if cur.deleted_at.is_some() && !deleted_ok {
                return Err(CoreError::not_found(ENTITY));
            }
            super::check_if_match(if_match, &cur.etag())?;
            if !actor.can_write_owned(Permission::TransactionsWrite, customer.ownership()) {
                return Err(CoreError::Forbidden);
            }
            let Some((mut next, action)) = f(&cur)? else {
                return Ok(cur);
            };
            next.version = cur.version + 1;
            next.updated_at = crate::time::now().max(cur.updated_at);
            let ev = event(actor, &customer, Some(&cur), &next, action);
            if self
                .store
                .update_transaction(&next, cur.version, &ev)
                .await?
            {
                self.bus.committed();
                return Ok(next);
            }
            if if_match.is_some() {
                return Err(CoreError::PreconditionFailed);
            }
        }
        Err(CoreError::conflict(
            "concurrent_update",
            None,
            "the transaction is being changed by others; retry",
        ))
    }

    async fn products_of(&self, items: &[ItemInput]) -> CoreResult<HashMap<ProductId, Product>> {
        let mut ids: Vec<ProductId> = items.iter().map(|i| i.product_id).collect();
        ids.sort();
        ids.dedup();
        Ok(self
            .store
            .get_products(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }
}

/// A new transaction of `customer` from a create's input and its priced lines (currency, lines,
/// total: see [`price_items`]), with its `transaction.created` event.
fn new_transaction(
    actor: &Actor,
    customer: &Customer,
    input: NewTransaction,
    (currency, items, total): (Currency, Vec<LineItem>, i64),
) -> (Transaction, Event) {
    let now = crate::time::now();
    let t = Transaction {
        id: TransactionId::new(),
        customer_id: customer.id,
        status: input.status,
        currency,
        occurred_at: input.occurred_at.unwrap_or(now),
        reference: input.reference,
        external_ref: input.external_ref,
        items,
        total,
        created_by: Some(actor.user_id),
        attributes: input.attributes,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let ev = event(actor, customer, None, &t, "created");
    (t, ev)
}

/// The event of a transaction write, carrying the customer's ownership for delivery checks.
fn event(
    actor: &Actor,
    customer: &Customer,
    before: Option<&Transaction>,
    after: &Transaction,
    action: &str,
) -> Event {
    Event::new(
        ENTITY,
        after.id.0,
        action,
        Some(actor.user_id),
        diff(before, Some(after)),
    )
    .with_ownership(Some(customer.owner_id), customer.team_id)
}
