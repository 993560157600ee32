//! Transactions (orders with line items), their status rules, pricing, and the per-customer
//! aggregates derived from them.
//!
//! Aggregate semantics (also in the OpenAPI description of [`CustomerAggregates`]): only live
//! (not deleted) transactions count. A `completed` transaction is a purchase: it adds its total
//! to the revenue of its currency, counts once, and its `occurred_at` is a purchase time. A
//! `refunded` transaction is a fully refunded purchase: it adds nothing to revenue and is not a
//! purchase, and its total is reported as `refunded_amount`. `pending` and `cancelled`
//! transactions do not count at all.

use crate::custom_field::CustomCriteria;
use crate::customer::{ATTRIBUTES_MAX_BYTES, DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::ids::{CustomerId, ProductId, TransactionId, UserId};
use crate::money::{AMOUNT_MAX, Currency, QUANTITY_MAX, line_total};
use crate::page::{Cursor, SortOrder};
use crate::product::Product;
use crate::validate::{Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

pub const ITEMS_MAX: usize = 100;
pub const REFERENCE_MAX: usize = 100;

string_enum!(
    /// pending → completed | cancelled; completed → refunded. Refunded and cancelled are final.
    TransactionStatus { Pending => "pending", Completed => "completed", Refunded => "refunded", Cancelled => "cancelled" }
);

impl TransactionStatus {
    /// Whether a transaction in this status may move to `next` (staying put is always allowed).
    pub fn can_become(self, next: Self) -> bool {
        use TransactionStatus::*;
        self == next
            || matches!(
                (self, next),
                (Pending, Completed) | (Pending, Cancelled) | (Completed, Refunded)
            )
    }

    /// Line items can be corrected while a transaction is open or completed, not once it is
    /// refunded or cancelled.
    pub fn items_editable(self) -> bool {
        matches!(
            self,
            TransactionStatus::Pending | TransactionStatus::Completed
        )
    }
}

/// One line of a transaction. `sku` and `name` are the product's at the time of the sale, so
/// renaming a product does not rewrite history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineItem {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub quantity: i64,
    /// Minor units of the transaction's currency.
    pub unit_price: i64,
    /// `quantity × unit_price`, computed by the server.
    pub line_total: i64,
}

/// A transaction as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Transaction {
    pub id: TransactionId,
    /// The customer it belongs to; who may see or change the transaction follows this customer.
    pub customer_id: CustomerId,
    pub status: TransactionStatus,
    pub currency: Currency,
    pub occurred_at: DateTime<Utc>,
    /// The order number in another system, if any.
    pub reference: Option<String>,
    /// The order's key in another system, unique among live transactions: a CSV import skips an
    /// order whose `order_ref` a live transaction holds here (409 `external_ref_taken` on a
    /// create or change that would repeat one).
    pub external_ref: Option<String>,
    pub items: Vec<LineItem>,
    /// Sum of the line totals, in minor units; computed by the server, never taken from clients.
    pub total: i64,
    /// Who recorded it.
    pub created_by: Option<UserId>,
    /// Custom-field values under their keys (see `/api/v1/custom-fields`, entity
    /// `transaction`), and any other JSON the client keeps with the transaction.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Increases by one on every change; the ETag is derived from it.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Transaction {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    /// The cursor value of this transaction for a sort field.
    pub fn sort_value(&self, sort: TransactionSortField) -> String {
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match sort {
            TransactionSortField::OccurredAt => time(&self.occurred_at),
            TransactionSortField::CreatedAt => time(&self.created_at),
            TransactionSortField::Total => self.total.to_string(),
        }
    }
}

/// A requested line: the unit price defaults to the product's price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemInput {
    pub product_id: ProductId,
    pub quantity: i64,
    pub unit_price: Option<i64>,
}

const COMPUTED: &str = "is computed by the server";

/// Reads the `items` array: 1 to [`ITEMS_MAX`] objects.
fn items(f: &mut Fields<'_>) -> Patch<Vec<ItemInput>> {
    let path = f.path("items");
    match f.raw_value("items") {
        None => Patch::Absent,
        Some(Value::Null) => Patch::Null,
        Some(Value::Array(list)) => {
            if list.is_empty() || list.len() > ITEMS_MAX {
                f.error(
                    "items",
                    "out_of_range",
                    format!("must hold 1 to {ITEMS_MAX} items"),
                );
                return Patch::Absent;
            }
            let mut out = Vec::with_capacity(list.len());
            let mut errors = Vec::new();
            for (i, v) in list.iter().enumerate() {
                let prefix = format!("{path}[{i}]");
                let mut item = match Fields::of(v, &prefix) {
                    Ok(item) => item,
                    Err(e) => {
                        errors.extend(crate::customer::validation_errors(e));
                        continue;
                    }
                };
                let product_id = item.uuid("product_id").value().map(ProductId);
                if product_id.is_none()
                    && !item.errors.iter().any(|e| e.field.ends_with(".product_id"))
                {
                    item.error("product_id", "required", "is required");
                }
                let quantity = item.integer("quantity", 1, QUANTITY_MAX);
                if matches!(quantity, Patch::Absent | Patch::Null)
                    && !item.errors.iter().any(|e| e.field.ends_with(".quantity"))
                {
                    item.error("quantity", "required", "is required");
                }
                let unit_price = item.integer("unit_price", 0, AMOUNT_MAX).value();
                item.read_only("line_total", COMPUTED);
                item.read_only("sku", "is taken from the product");
                item.read_only("name", "is taken from the product");
                match (item.finish(), product_id, quantity) {
                    (Ok(()), Some(product_id), Patch::Value(quantity)) => out.push(ItemInput {
                        product_id,
                        quantity,
                        unit_price,
                    }),
                    (Err(e), _, _) => errors.extend(e),
                    _ => {}
                }
            }
            if errors.is_empty() {
                Patch::Value(out)
            } else {
                f.errors.extend(errors);
                Patch::Absent
            }
        }
        Some(_) => {
            f.error("items", "invalid_type", "must be an array of line items");
            Patch::Absent
        }
    }
}

/// Validated input of a transaction create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTransaction {
    pub customer_id: CustomerId,
    pub status: TransactionStatus,
    /// Defaults to the currency of the products.
    pub currency: Option<Currency>,
    /// Defaults to now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub reference: Option<String>,
    pub external_ref: Option<String>,
    pub items: Vec<ItemInput>,
    pub attributes: Map<String, Value>,
}

impl NewTransaction {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let customer_id = f.uuid("customer_id").value().map(CustomerId);
        if customer_id.is_none() && !f.errors.iter().any(|e| e.field == "customer_id") {
            f.error("customer_id", "required", "is required");
        }
        let status = f
            .choice::<TransactionStatus>("status", TransactionStatus::NAMES)
            .value()
            .unwrap_or(TransactionStatus::Pending);
        let currency = f.currency("currency").value();
        let occurred_at = f.datetime("occurred_at").value();
        let reference = f.string("reference", REFERENCE_MAX).value();
        let external_ref = f.string("external_ref", REFERENCE_MAX).value();
        let items = items(&mut f);
        let attributes = f
            .object("attributes", ATTRIBUTES_MAX_BYTES)
            .value()
            .unwrap_or_default();
        if matches!(items, Patch::Null)
            || (items.is_absent() && !f.errors.iter().any(|e| e.field.starts_with("items")))
        {
            f.error("items", "required", "at least one line item is required");
        }
        f.read_only("total", COMPUTED);
        f.finish()?;
        match (customer_id, items) {
            (Some(customer_id), Patch::Value(items)) => Ok(Self {
                customer_id,
                status,
                currency,
                occurred_at,
                reference,
                external_ref,
                items,
                attributes,
            }),
            _ => Err(Vec::new()),
        }
    }
}

/// Validated input of a partial transaction update. `items`, when present, replaces all lines.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionPatch {
    pub status: Option<TransactionStatus>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub reference: Patch<String>,
    pub external_ref: Patch<String>,
    pub items: Option<Vec<ItemInput>>,
    /// Replaces the whole object (custom-field values are checked against the definitions).
    pub attributes: Patch<Map<String, Value>>,
}

impl TransactionPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let status = f.choice::<TransactionStatus>("status", TransactionStatus::NAMES);
        let occurred_at = f.datetime("occurred_at");
        let reference = f.string("reference", REFERENCE_MAX);
        let external_ref = f.string("external_ref", REFERENCE_MAX);
        let items = items(&mut f);
        let attributes = f.object("attributes", ATTRIBUTES_MAX_BYTES);
        for (field, null) in [
            ("status", status == Patch::Null),
            ("occurred_at", occurred_at == Patch::Null),
            ("items", items == Patch::Null),
        ] {
            if null {
                f.error(field, "required", "cannot be null");
            }
        }
        f.read_only("total", COMPUTED);
        f.read_only(
            "customer_id",
            "cannot be changed; cancel this transaction and record a new one",
        );
        f.read_only("currency", "cannot be changed after creation");
        f.finish()?;
        Ok(Self {
            status: status.value(),
            occurred_at: occurred_at.value(),
            reference,
            external_ref,
            items: items.value(),
            attributes,
        })
    }
}

/// Prices requested lines against the catalogue: unknown or deleted products, inactive products
/// (unless already on the transaction, listed in `keep`), currency mismatches and overflowing
/// amounts are reported per item. Returns the currency, the lines and the total.
pub fn price_items(
    inputs: &[ItemInput],
    products: &HashMap<ProductId, Product>,
    currency: Option<Currency>,
    keep: &[ProductId],
) -> Result<(Currency, Vec<LineItem>, i64), Vec<FieldError>> {
    let mut errors = Vec::new();
    let currency = currency.or_else(|| {
        inputs
            .iter()
            .find_map(|i| {
                products
                    .get(&i.product_id)
                    .filter(|p| p.deleted_at.is_none())
            })
            .map(|p| p.currency)
    });
    let mut lines = Vec::with_capacity(inputs.len());
    let mut total: i64 = 0;
    for (i, input) in inputs.iter().enumerate() {
        let field = |f: &str| format!("items[{i}].{f}");
        let Some(p) = products
            .get(&input.product_id)
            .filter(|p| p.deleted_at.is_none())
        else {
            errors.push(FieldError::new(
                field("product_id"),
                "unknown_product",
                "no product has this id",
            ));
            continue;
        };
        if !p.active && !keep.contains(&p.id) {
            errors.push(FieldError::new(
                field("product_id"),
                "product_inactive",
                "the product is inactive and cannot be sold",
            ));
            continue;
        }
        if Some(p.currency) != currency {
            errors.push(FieldError::new(
                field("product_id"),
                "currency_mismatch",
                format!(
                    "the product is priced in {}, the transaction is in {}",
                    p.currency,
                    currency.map(|c| c.as_str()).unwrap_or("another currency")
                ),
            ));
            continue;
        }
        let unit_price = input.unit_price.unwrap_or(p.price);
        let Some(line) = line_total(input.quantity, unit_price) else {
            errors.push(FieldError::new(
                field("quantity"),
                "amount_too_large",
                format!("quantity × unit price must not exceed {AMOUNT_MAX} minor units"),
            ));
            continue;
        };
        match total.checked_add(line).filter(|t| *t <= AMOUNT_MAX) {
            Some(t) => total = t,
            None => {
                errors.push(FieldError::new(
                    "items",
                    "amount_too_large",
                    format!("the total must not exceed {AMOUNT_MAX} minor units"),
                ));
                break;
            }
        }
        lines.push(LineItem {
            product_id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            quantity: input.quantity,
            unit_price,
            line_total: line,
        });
    }
    match (errors.is_empty(), currency) {
        (true, Some(c)) => Ok((c, lines, total)),
        _ => Err(errors),
    }
}

string_enum!(
    /// Fields a transaction list can be sorted by.
    TransactionSortField { OccurredAt => "occurred_at", CreatedAt => "created_at", Total => "total" }
);

/// A transaction list query after parsing, with the caller's scope folded in (the scope applies
/// to the transaction's customer).
#[derive(Clone, Debug)]
pub struct TransactionQuery {
    pub scope: crate::auth::Scope,
    pub customer_id: Option<CustomerId>,
    pub statuses: Vec<TransactionStatus>,
    pub currency: Option<Currency>,
    pub product_id: Option<ProductId>,
    /// Exactly this `external_ref`.
    pub external_ref: Option<String>,
    pub occurred_after: Option<DateTime<Utc>>,
    pub occurred_before: Option<DateTime<Utc>>,
    pub deleted: DeletedFilter,
    /// `cf.<key>` filters and a `sort=cf.<key>` (which then replaces `sort`).
    pub custom: CustomCriteria,
    pub sort: TransactionSortField,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl Default for TransactionQuery {
    fn default() -> Self {
        Self {
            scope: crate::auth::Scope::All,
            customer_id: None,
            statuses: Vec::new(),
            currency: None,
            product_id: None,
            external_ref: None,
            occurred_after: None,
            occurred_before: None,
            deleted: DeletedFilter::Exclude,
            custom: CustomCriteria::default(),
            sort: TransactionSortField::OccurredAt,
            order: SortOrder::Desc,
            after: None,
            limit: crate::page::DEFAULT_LIMIT,
        }
    }
}

/// Revenue figures of one customer in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CurrencyRevenue {
    pub currency: Currency,
    /// Sum of the totals of completed transactions, in minor units.
    pub revenue: i64,
    /// Number of completed transactions.
    pub purchase_count: i64,
    /// Sum of the totals of refunded transactions (not part of `revenue`).
    pub refunded_amount: i64,
    pub refund_count: i64,
}

/// Lifetime figures of a customer, kept up to date in the same database transaction as every
/// transaction write. Only live transactions count; `completed` ones are purchases (revenue,
/// count, first and last purchase time); `refunded` ones are excluded from all of those and
/// reported as refunds; `pending` and `cancelled` ones do not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerAggregates {
    pub customer_id: CustomerId,
    /// Completed transactions, all currencies.
    pub purchase_count: i64,
    /// Refunded transactions, all currencies.
    pub refund_count: i64,
    /// `occurred_at` of the earliest completed transaction.
    pub first_purchase_at: Option<DateTime<Utc>>,
    /// `occurred_at` of the latest completed transaction.
    pub last_purchase_at: Option<DateTime<Utc>>,
    /// One entry per currency with completed or refunded transactions, ordered by currency.
    pub revenue: Vec<CurrencyRevenue>,
    /// Increases with every transaction write of this customer; 0 before the first.
    pub version: i64,
    /// When a transaction of this customer was last written.
    pub updated_at: Option<DateTime<Utc>>,
}

impl CustomerAggregates {
    /// The figures of a customer without transactions.
    pub fn empty(customer_id: CustomerId) -> Self {
        Self {
            customer_id,
            purchase_count: 0,
            refund_count: 0,
            first_purchase_at: None,
            last_purchase_at: None,
            revenue: Vec::new(),
            version: 0,
            updated_at: None,
        }
    }

    /// The definition of the figures, computed from a customer's transactions (deleted ones
    /// are skipped). `version` and `updated_at` are left empty.
    pub fn compute(customer_id: CustomerId, transactions: &[Transaction]) -> Self {
        let mut a = Self::empty(customer_id);
        let mut by_currency: BTreeMap<Currency, CurrencyRevenue> = BTreeMap::new();
        for t in transactions
            .iter()
            .filter(|t| t.customer_id == customer_id && t.deleted_at.is_none())
        {
            let entry = || CurrencyRevenue {
                currency: t.currency,
                revenue: 0,
                purchase_count: 0,
                refunded_amount: 0,
                refund_count: 0,
            };
            match t.status {
                TransactionStatus::Completed => {
                    let r = by_currency.entry(t.currency).or_insert_with(entry);
                    r.revenue += t.total;
                    r.purchase_count += 1;
                    a.purchase_count += 1;
                    a.first_purchase_at = Some(
                        a.first_purchase_at
                            .map_or(t.occurred_at, |f| f.min(t.occurred_at)),
                    );
                    a.last_purchase_at = Some(
                        a.last_purchase_at
                            .map_or(t.occurred_at, |l| l.max(t.occurred_at)),
                    );
                }
                TransactionStatus::Refunded => {
                    let r = by_currency.entry(t.currency).or_insert_with(entry);
                    r.refunded_amount += t.total;
                    r.refund_count += 1;
                    a.refund_count += 1;
                }
                TransactionStatus::Pending | TransactionStatus::Cancelled => {}
            }
        }
        a.revenue = by_currency.into_values().collect();
        a
    }

    /// Equal figures, ignoring `version` and `updated_at`.
    pub fn same_figures(&self, other: &Self) -> bool {
        Self {
            version: 0,
            updated_at: None,
            ..self.clone()
        } == Self {
            version: 0,
            updated_at: None,
            ..other.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransactionStatus::*;
    use serde_json::json;

    #[test]
    fn status_transitions() {
        assert!(Pending.can_become(Completed));
        assert!(Pending.can_become(Cancelled));
        assert!(Completed.can_become(Refunded));
        assert!(Refunded.can_become(Refunded));
        for (from, to) in [
            (Refunded, Pending),
            (Refunded, Completed),
            (Cancelled, Pending),
            (Cancelled, Completed),
            (Completed, Pending),
            (Completed, Cancelled),
            (Pending, Refunded),
        ] {
            assert!(!from.can_become(to), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn create_parsing_reports_item_paths_and_refuses_client_totals() {
        let pid = ProductId::new();
        let ok = NewTransaction::parse(&json!({
            "customer_id": CustomerId::new(), "items": [{"product_id": pid, "quantity": 2}]
        }))
        .unwrap();
        assert_eq!(ok.status, Pending);
        assert_eq!(
            ok.items[0],
            ItemInput {
                product_id: pid,
                quantity: 2,
                unit_price: None
            }
        );
        let errs = NewTransaction::parse(&json!({
            "customer_id": "nope", "status": "done", "total": 5,
            "items": [{"product_id": pid, "quantity": 0}, 3, {"quantity": 1, "unit_price": 1.5, "line_total": 9}]
        }))
        .unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("customer_id", "invalid_uuid"),
                ("status", "invalid_choice"),
                ("items[0].quantity", "out_of_range"),
                ("items[1]", "invalid_type"),
                ("items[2].product_id", "required"),
                ("items[2].unit_price", "invalid_type"),
                ("items[2].line_total", "read_only"),
                ("total", "read_only"),
            ]
        );
        let errs = NewTransaction::parse(&json!({"customer_id": CustomerId::new(), "items": []}))
            .unwrap_err();
        assert_eq!(errs[0].field, "items");
        let errs =
            TransactionPatch::parse(&json!({"currency": "USD", "status": null})).unwrap_err();
        let got: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(got, vec!["status", "currency"]);
    }

    fn product(price: i64, currency: &str, active: bool) -> Product {
        let mut p = crate::product::NewProduct::parse(
            &json!({"sku": "S", "name": "N", "price": price, "currency": currency}),
        )
        .unwrap()
        .into_product();
        p.active = active;
        p
    }

    #[test]
    fn pricing_defaults_checks_currency_and_overflow() {
        let eur = product(250, "EUR", true);
        let usd = product(100, "USD", true);
        let old = product(10, "EUR", false);
        let catalogue: HashMap<ProductId, Product> = [&eur, &usd, &old]
            .iter()
            .map(|p| (p.id, (*p).clone()))
            .collect();
        let item = |p: &Product, q: i64, price: Option<i64>| ItemInput {
            product_id: p.id,
            quantity: q,
            unit_price: price,
        };
        let (c, lines, total) = price_items(
            &[item(&eur, 3, None), item(&eur, 1, Some(99))],
            &catalogue,
            None,
            &[],
        )
        .unwrap();
        assert_eq!((c.as_str(), total), ("EUR", 849));
        assert_eq!(
            (
                lines[0].unit_price,
                lines[0].line_total,
                lines[1].line_total
            ),
            (250, 750, 99)
        );
        let errs = price_items(
            &[
                item(&eur, 1, None),
                item(&usd, 1, None),
                item(&old, 1, None),
                ItemInput {
                    product_id: ProductId::new(),
                    quantity: 1,
                    unit_price: None,
                },
            ],
            &catalogue,
            None,
            &[],
        )
        .unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("items[1].product_id", "currency_mismatch"),
                ("items[2].product_id", "product_inactive"),
                ("items[3].product_id", "unknown_product"),
            ]
        );
        assert!(price_items(&[item(&old, 1, None)], &catalogue, None, &[old.id]).is_ok());
        let errs = price_items(
            &[item(&eur, 1, None)],
            &catalogue,
            Currency::parse("USD").ok(),
            &[],
        )
        .unwrap_err();
        assert_eq!(errs[0].code, "currency_mismatch");
        let big = AMOUNT_MAX / 2 + 1;
        let errs = price_items(
            &[item(&eur, 1, Some(big)), item(&eur, 1, Some(big))],
            &catalogue,
            None,
            &[],
        )
        .unwrap_err();
        assert_eq!(
            (errs[0].field.as_str(), errs[0].code.as_str()),
            ("items", "amount_too_large")
        );
        let errs = price_items(
            &[item(&eur, QUANTITY_MAX, Some(AMOUNT_MAX))],
            &catalogue,
            None,
            &[],
        )
        .unwrap_err();
        assert_eq!(errs[0].field, "items[0].quantity");
    }

    #[test]
    fn aggregates_count_completed_and_report_refunds() {
        let c = CustomerId::new();
        let t = |status, currency: &str, total, day: i64| {
            let at = chrono::DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(day);
            Transaction {
                id: TransactionId::new(),
                customer_id: c,
                status,
                currency: Currency::parse(currency).unwrap(),
                occurred_at: at,
                reference: None,
                external_ref: None,
                items: vec![],
                total,
                created_by: None,
                attributes: Default::default(),
                version: 1,
                created_at: at,
                updated_at: at,
                deleted_at: None,
            }
        };
        let mut deleted = t(Completed, "EUR", 1_000_000, 1);
        deleted.deleted_at = Some(deleted.occurred_at);
        let txs = vec![
            t(Completed, "EUR", 500, 10),
            t(Completed, "EUR", 300, 5),
            t(Refunded, "EUR", 200, 2),
            t(Completed, "USD", 700, 20),
            t(Pending, "USD", 900, 30),
            t(Cancelled, "GBP", 900, 40),
            deleted,
        ];
        let a = CustomerAggregates::compute(c, &txs);
        assert_eq!((a.purchase_count, a.refund_count), (3, 1));
        assert_eq!(a.first_purchase_at, Some(txs[1].occurred_at));
        assert_eq!(a.last_purchase_at, Some(txs[3].occurred_at));
        let figures: Vec<(&str, i64, i64, i64, i64)> = a
            .revenue
            .iter()
            .map(|r| {
                (
                    r.currency.as_str(),
                    r.revenue,
                    r.purchase_count,
                    r.refunded_amount,
                    r.refund_count,
                )
            })
            .collect();
        assert_eq!(
            figures,
            vec![("EUR", 800, 2, 200, 1), ("USD", 700, 1, 0, 0)]
        );
        assert!(a.same_figures(&CustomerAggregates {
            version: 7,
            ..a.clone()
        }));
    }
}
