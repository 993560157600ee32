//! The orders of a transaction import (see [`crate::import::orders`]), checked as a create
//! checks its input: the customer must be live, readable and writable by the importer, every
//! SKU a live, active product in the order's currency, the amounts within bounds. An order whose
//! `order_ref` a live transaction holds is a duplicate. Custom-field values (`cf.<key>` columns)
//! are checked as on a create, unique ones also against the rest of the batch and the values
//! held already (on the order's first row). Nothing is written here: the worker commits the
//! accepted orders with its checkpoint.

use super::{TransactionService, new_transaction};
use crate::auth::{Actor, Permission};
use crate::custom_field::{CustomField, CustomFieldEntity, check_attributes};
use crate::customer::Customer;
use crate::error::{CoreResult, FieldError};
use crate::event::Event;
use crate::ids::{CustomerId, ProductId};
use crate::import::orders::{LineErrors, Order};
use crate::product::Product;
use crate::services::custom_values;
use crate::transaction::{ItemInput, NewTransaction, Transaction, price_items};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What becomes of an order of an import.
#[derive(Debug)]
pub enum OrderCheck {
    /// To be recorded, with its `transaction.created` event.
    Accepted(Box<(Transaction, Event)>),
    /// Skipped: a live transaction holds its order_ref.
    Duplicate(FieldError),
    /// Refused: errors by line (order-wide ones on the first line).
    Refused(LineErrors),
}

/// The customers and products a batch of orders names, looked up at once.
struct Lookups {
    customers_by_id: HashMap<CustomerId, Customer>,
    customers_by_email: HashMap<String, CustomerId>,
    products_by_sku: HashMap<String, ProductId>,
    products: HashMap<ProductId, Product>,
}

impl TransactionService {
    /// Checks the orders of an import batch, one [`OrderCheck`] per order, in order.
    pub async fn check_import_orders(
        &self,
        actor: &Actor,
        orders: &[&Order],
    ) -> CoreResult<Vec<OrderCheck>> {
        actor.require(Permission::TransactionsWrite)?;
        let refs: Vec<String> = orders.iter().map(|o| o.order_ref.clone()).collect();
        let taken: HashSet<String> = if refs.is_empty() {
            HashSet::new()
        } else {
            let found = self.store.transactions_with_external_refs(&refs).await?;
            found.into_iter().collect()
        };
        let fresh: Vec<&Order> = orders
            .iter()
            .filter(|o| !taken.contains(&o.order_ref))
            .copied()
            .collect();
        let lookups = self.lookups(&fresh).await?;
        let defs = self
            .fields
            .get(&*self.store, CustomFieldEntity::Transaction)
            .await?;
        let mut checks: Vec<OrderCheck> = orders
            .iter()
            .map(|o| {
                if taken.contains(&o.order_ref) {
                    return OrderCheck::Duplicate(FieldError::new(
                        "order_ref",
                        "order_ref_taken",
                        "a transaction with this order_ref (external_ref) exists",
                    ));
                }
                match check_order(actor, o, &lookups, &defs) {
                    Ok(t) => OrderCheck::Accepted(Box::new(t)),
                    Err(e) => OrderCheck::Refused(e),
                }
            })
            .collect();
        // Unique values repeated in the batch or held already refuse their order.
        let (positions, built): (Vec<usize>, Vec<Transaction>) = checks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                OrderCheck::Accepted(t) => Some((i, t.0.clone())),
                _ => None,
            })
            .unzip();
        for mut e in custom_values::unique_in_batch(&*self.store, &defs, &built, &positions).await?
        {
            // `items[i].attributes.<key>` → order i, its first line, field `attributes.<key>`.
            let at = e
                .field
                .strip_prefix("items[")
                .and_then(|r| r.split_once("]."))
                .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest.to_owned())));
            if let Some((i, rest)) = at {
                e.field = rest;
                match &mut checks[i] {
                    OrderCheck::Refused(lines) => lines.entry(0).or_default().push(e),
                    c => *c = OrderCheck::Refused(LineErrors::from([(0, vec![e])])),
                }
            }
        }
        Ok(checks)
    }

    async fn lookups(&self, orders: &[&Order]) -> CoreResult<Lookups> {
        let ids: BTreeSet<CustomerId> = orders.iter().filter_map(|o| o.customer_id).collect();
        let emails: BTreeSet<&str> = orders
            .iter()
            .filter_map(|o| o.customer_email.as_deref())
            .collect();
        let skus: BTreeSet<String> = orders
            .iter()
            .flat_map(|o| o.lines.iter().map(|l| l.sku.to_lowercase()))
            .collect();
        let ids: Vec<CustomerId> = ids.into_iter().collect();
        let emails: Vec<String> = emails.into_iter().map(str::to_owned).collect();
        let skus: Vec<String> = skus.into_iter().collect();
        let customers = if ids.is_empty() && emails.is_empty() {
            Vec::new()
        } else {
            self.store.live_customers_by_keys(&ids, &emails).await?
        };
        let products = if skus.is_empty() {
            Vec::new()
        } else {
            self.store.products_with_skus(&skus).await?
        };
        Ok(Lookups {
            customers_by_email: customers
                .iter()
                .filter_map(|c| c.email_normalized().map(|e| (e, c.id)))
                .collect(),
            customers_by_id: customers.into_iter().map(|c| (c.id, c)).collect(),
            products_by_sku: products
                .iter()
                .map(|p| (p.sku_normalized(), p.id))
                .collect(),
            products: products.into_iter().map(|p| (p.id, p)).collect(),
        })
    }
}

/// The customer an order names: live, readable by the actor, the same by id and by e-mail when
/// it gives both; writable by the actor.
fn customer_of<'a>(
    actor: &Actor,
    o: &Order,
    lookups: &'a Lookups,
) -> Result<&'a Customer, FieldError> {
    let visible = |id: &CustomerId| {
        lookups
            .customers_by_id
            .get(id)
            .filter(|c| actor.can_read_owned(Permission::TransactionsRead, c.ownership()))
    };
    let by_id = match o.customer_id {
        Some(id) => Some(visible(&id).ok_or_else(|| {
            FieldError::new(
                "customer_id",
                "unknown_customer",
                "no customer with this id",
            )
        })?),
        None => None,
    };
    let by_email = match &o.customer_email {
        Some(e) => Some(
            lookups
                .customers_by_email
                .get(e)
                .and_then(visible)
                .ok_or_else(|| {
                    FieldError::new(
                        "customer_email",
                        "unknown_customer",
                        "no customer with this e-mail",
                    )
                })?,
        ),
        None => None,
    };
    let (customer, field) = match (by_id, by_email) {
        (Some(a), Some(b)) if a.id != b.id => {
            return Err(FieldError::new(
                "customer_email",
                "customer_mismatch",
                "names another customer than customer_id",
            ));
        }
        (Some(c), _) => (c, "customer_id"),
        (None, Some(c)) => (c, "customer_email"),
        (None, None) => {
            return Err(FieldError::new(
                "customer_email",
                "required",
                "no row of the order names its customer",
            ));
        }
    };
    if !actor.can_write_owned(Permission::TransactionsWrite, customer.ownership()) {
        return Err(FieldError::new(
            field,
            "forbidden_customer",
            "you may not record transactions of this customer",
        ));
    }
    Ok(customer)
}

/// One order as a create: errors by line, or the transaction with its event.
fn check_order(
    actor: &Actor,
    o: &Order,
    lookups: &Lookups,
    defs: &[CustomField],
) -> Result<(Transaction, Event), LineErrors> {
    let mut errors = LineErrors::new();
    let custom = check_attributes(defs, &o.attributes, None, "", true);
    if !custom.is_empty() {
        errors.entry(0).or_default().extend(custom);
    }
    let customer = customer_of(actor, o, lookups)
        .map_err(|e| errors.entry(0).or_default().push(e))
        .ok();
    // The lines whose SKU is known, as items, with their line numbers.
    let mut items = Vec::with_capacity(o.lines.len());
    let mut positions = Vec::with_capacity(o.lines.len());
    let products: Vec<Option<&Product>> = o
        .lines
        .iter()
        .map(|l| {
            lookups
                .products_by_sku
                .get(&l.sku.to_lowercase())
                .and_then(|id| lookups.products.get(id))
        })
        .collect();
    let currency = o
        .currency
        .or_else(|| products.iter().flatten().next().map(|p| p.currency));
    for (i, (line, product)) in o.lines.iter().zip(&products).enumerate() {
        let Some(p) = product else {
            errors.entry(i).or_default().push(FieldError::new(
                "sku",
                "unknown_product",
                "no product has this SKU",
            ));
            continue;
        };
        let unit_price = match (line.unit_price, currency) {
            (Some(amount), Some(c)) => match amount.to_minor(c) {
                Ok(minor) => Some(minor),
                Err(m) => {
                    errors.entry(i).or_default().push(FieldError::new(
                        "unit_price",
                        "invalid_amount",
                        m,
                    ));
                    continue;
                }
            },
            _ => None,
        };
        items.push(ItemInput {
            product_id: p.id,
            quantity: line.quantity,
            unit_price,
        });
        positions.push(i);
    }
    let priced = if items.is_empty() {
        None
    } else {
        match price_items(&items, &lookups.products, currency, &[]) {
            Ok(priced) => Some(priced),
            Err(errs) => {
                for e in errs {
                    let (line, field) = item_field(&e.field, &positions);
                    errors
                        .entry(line)
                        .or_default()
                        .push(FieldError::new(field, &e.code, e.message));
                }
                None
            }
        }
    };
    match (customer, priced) {
        (Some(customer), Some(priced)) if errors.is_empty() => {
            let input = NewTransaction {
                customer_id: customer.id,
                status: o.status,
                currency,
                occurred_at: o.occurred_at,
                reference: Some(o.order_ref.clone()),
                external_ref: Some(o.order_ref.clone()),
                items,
                attributes: o.attributes.clone(),
            };
            Ok(new_transaction(actor, customer, input, priced))
        }
        _ => Err(errors),
    }
}

/// The line and import field of a pricing error's path (`items[j].product_id` is line
/// `positions[j]`'s `sku`); order-wide ones (`items`) go on the first line as `total`.
fn item_field(path: &str, positions: &[usize]) -> (usize, &'static str) {
    let parsed = path
        .strip_prefix("items[")
        .and_then(|r| r.split_once("]."))
        .and_then(|(j, f)| Some((*positions.get(j.parse::<usize>().ok()?)?, f)));
    match parsed {
        Some((line, "product_id")) => (line, "sku"),
        Some((line, "unit_price")) => (line, "unit_price"),
        Some((line, _)) => (line, "quantity"),
        None => (0, "total"),
    }
}
