//! Transaction imports: one row of the file is one line item, and the adjacent rows sharing an
//! `order_ref` are one order, which becomes one transaction. This module turns the rows of a
//! batch into orders: every cell parsed into its typed value, the order-wide fields (customer,
//! time, status, currency and `cf.<key>` custom-field values) taken from the first row that
//! gives them and checked against the others. What needs the database — customers, products,
//! prices, refs taken — is the transaction service's
//! ([`check_import_orders`](crate::services::transactions::TransactionService::check_import_orders)).

use super::csv_file::RawRow;
use crate::custom_field::CustomField;
use crate::error::FieldError;
use crate::ids::CustomerId;
use crate::money::{Currency, MajorAmount, QUANTITY_MAX};
use crate::transaction::{ITEMS_MAX, REFERENCE_MAX, TransactionStatus};
use crate::validate::{EmailAddress, parse_date, parse_datetime};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ops::Range;

/// One line of an order, as its row gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderLine {
    pub sku: String,
    pub quantity: i64,
    /// In major units of the transaction's currency; default: the product's price.
    pub unit_price: Option<MajorAmount>,
}

/// An order read from its rows, ready for the checks that need the database.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub order_ref: String,
    /// At least one of the two; both must then name the same customer.
    pub customer_id: Option<CustomerId>,
    /// Normalized (lower case).
    pub customer_email: Option<String>,
    /// Default: now.
    pub occurred_at: Option<DateTime<Utc>>,
    pub status: TransactionStatus,
    /// Default: the products' currency.
    pub currency: Option<Currency>,
    pub lines: Vec<OrderLine>,
    /// Values of the `cf.<key>` columns (typed for their fields, not yet checked against them).
    pub attributes: Map<String, Value>,
}

/// Errors of an order's rows, by the row's position in the order.
pub type LineErrors = BTreeMap<usize, Vec<FieldError>>;

/// The adjacent rows of a batch that form one order.
#[derive(Debug)]
pub struct OrderRows {
    /// The order_ref (`None`: a row without one, which stands alone).
    pub key: Option<String>,
    /// Where its rows are in the batch.
    pub rows: Range<usize>,
    pub order: Result<Order, LineErrors>,
}

/// Splits a batch's rows into orders (by [`RawRow::key`], the order_ref the reader grouped
/// by) and reads each. `mapping` is (column index, field) for the mapped columns; `defs` the
/// live custom fields of transactions, which `cf.<key>` columns fill.
pub fn orders(
    mapping: &[(usize, String)],
    rows: &[RawRow],
    defs: &[CustomField],
) -> Vec<OrderRows> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let key = rows[start].key.clone();
        let mut end = start + 1;
        if key.is_some() {
            while end < rows.len() && rows[end].key == key {
                end += 1;
            }
        }
        out.push(OrderRows {
            order: order(mapping, key.as_deref(), &rows[start..end], defs),
            key,
            rows: start..end,
        });
        start = end;
    }
    out
}

/// A value every row of an order must agree on: the first row giving it sets it.
struct Agreed<T> {
    field: &'static str,
    first: Option<(T, i64)>,
}

impl<T: PartialEq> Agreed<T> {
    fn new(field: &'static str) -> Self {
        Self { field, first: None }
    }

    fn offer(&mut self, value: T, row: i64) -> Result<(), FieldError> {
        match &self.first {
            None => {
                self.first = Some((value, row));
                Ok(())
            }
            Some((v, _)) if *v == value => Ok(()),
            Some((_, first)) => Err(FieldError::new(
                self.field,
                "order_mismatch",
                format!("differs from row {first} of the same order"),
            )),
        }
    }

    fn value(self) -> Option<T> {
        self.first.map(|(v, _)| v)
    }
}

/// The order-wide fields of an order being read.
struct Head {
    customer_id: Agreed<CustomerId>,
    customer_email: Agreed<String>,
    occurred_at: Agreed<DateTime<Utc>>,
    status: Agreed<TransactionStatus>,
    currency: Agreed<Currency>,
    /// One agreed value per custom field, by key.
    attributes: BTreeMap<String, Agreed<Value>>,
}

fn order(
    mapping: &[(usize, String)],
    key: Option<&str>,
    rows: &[RawRow],
    defs: &[CustomField],
) -> Result<Order, LineErrors> {
    let mut errors = LineErrors::new();
    let Some(order_ref) = key else {
        errors.insert(
            0,
            vec![FieldError::new("order_ref", "required", "is required")],
        );
        return Err(errors);
    };
    if rows.len() > ITEMS_MAX {
        let e = FieldError::new(
            "order_ref",
            "too_many_lines",
            format!("an order has at most {ITEMS_MAX} lines (rows)"),
        );
        return Err((0..rows.len()).map(|i| (i, vec![e.clone()])).collect());
    }
    if order_ref.chars().count() > REFERENCE_MAX {
        errors.entry(0).or_default().push(FieldError::new(
            "order_ref",
            "too_long",
            format!("must be at most {REFERENCE_MAX} characters"),
        ));
    }
    let mut head = Head {
        customer_id: Agreed::new("customer_id"),
        customer_email: Agreed::new("customer_email"),
        occurred_at: Agreed::new("occurred_at"),
        status: Agreed::new("status"),
        currency: Agreed::new("currency"),
        attributes: BTreeMap::new(),
    };
    let mut lines = Vec::with_capacity(rows.len());
    for (i, raw) in rows.iter().enumerate() {
        match &raw.cells {
            Ok(cells) => match line(mapping, cells, raw.row, &mut head, defs) {
                Ok(l) => lines.push(l),
                Err(e) => {
                    errors.entry(i).or_default().extend(e);
                }
            },
            Err((code, message)) => {
                errors
                    .entry(i)
                    .or_default()
                    .push(FieldError::new("", code, message.clone()))
            }
        }
    }
    let customer_id = head.customer_id.value();
    let customer_email = head.customer_email.value();
    if customer_id.is_none() && customer_email.is_none() && errors.is_empty() {
        let field = if mapping.iter().any(|(_, f)| f == "customer_email") {
            "customer_email"
        } else {
            "customer_id"
        };
        errors.entry(0).or_default().push(FieldError::new(
            field,
            "required",
            "no row of the order names its customer (customer_email or customer_id)",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Order {
        order_ref: order_ref.to_owned(),
        customer_id,
        customer_email,
        occurred_at: head.occurred_at.value(),
        status: head.status.value().unwrap_or(TransactionStatus::Completed),
        currency: head.currency.value(),
        lines,
        attributes: head
            .attributes
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.value()?)))
            .collect(),
    })
}

/// Reads one row: its line, and its share of the order-wide fields. Empty cells are absent.
fn line(
    mapping: &[(usize, String)],
    cells: &[String],
    row: i64,
    head: &mut Head,
    defs: &[CustomField],
) -> Result<OrderLine, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut sku = None;
    let mut quantity = 1;
    let mut unit_price = None;
    for (i, field) in mapping {
        let Some(raw) = cells.get(*i).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
            continue;
        };
        if let Some(key) = field.strip_prefix("cf.") {
            // A custom value is order-wide, typed as for products (unknown keys are ignored).
            let mut one = Map::new();
            super::custom_cell(defs, key, raw, &mut one, &mut errors);
            if let Some((k, v)) = one.into_iter().next() {
                let path = format!("attributes.{k}");
                let agreed = head.attributes.entry(k).or_insert_with(|| Agreed {
                    field: "",
                    first: None,
                });
                if let Err(mut e) = agreed.offer(v, row) {
                    e.field = path;
                    errors.push(e);
                }
            }
            continue;
        }
        let invalid = |code: &str, message: &str| FieldError::new(field.as_str(), code, message);
        let offered = match field.as_str() {
            "customer_id" => match raw.parse::<uuid::Uuid>() {
                Ok(id) => head.customer_id.offer(CustomerId(id), row),
                Err(_) => Err(invalid("invalid_uuid", "must be a UUID")),
            },
            "customer_email" => match EmailAddress::parse(raw) {
                Ok(e) => head.customer_email.offer(e.normalized(), row),
                Err(m) => Err(invalid("invalid_email", m)),
            },
            "occurred_at" => match parse_datetime(raw).or_else(|| {
                parse_date(raw)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            }) {
                Some(t) => head.occurred_at.offer(t, row),
                None => Err(invalid(
                    "invalid_datetime",
                    "must be an RFC 3339 date-time or a date, YYYY-MM-DD",
                )),
            },
            "status" => match raw.to_ascii_lowercase().parse::<TransactionStatus>() {
                Ok(s) => head.status.offer(s, row),
                Err(()) => Err(invalid(
                    "invalid_choice",
                    &format!("must be one of: {}", TransactionStatus::NAMES.join(", ")),
                )),
            },
            "currency" => match Currency::parse(raw) {
                Ok(c) => head.currency.offer(c, row),
                Err(m) => Err(invalid("invalid_currency", m)),
            },
            "sku" => {
                sku = Some(raw.to_owned());
                Ok(())
            }
            "quantity" => match raw.parse::<i64>() {
                Ok(q) if (1..=QUANTITY_MAX).contains(&q) => {
                    quantity = q;
                    Ok(())
                }
                _ => Err(invalid(
                    "invalid_quantity",
                    &format!("must be a whole number from 1 to {QUANTITY_MAX}"),
                )),
            },
            "unit_price" => match MajorAmount::parse(raw) {
                Ok(p) => {
                    unit_price = Some(p);
                    Ok(())
                }
                Err(m) => Err(invalid("invalid_amount", m)),
            },
            // order_ref is the row's key, read by the batch reader.
            _ => Ok(()),
        };
        errors.extend(offered.err());
    }
    let Some(sku) = sku else {
        errors.push(FieldError::new("sku", "required", "is required"));
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(OrderLine {
        sku,
        quantity,
        unit_price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(fields: &[&str]) -> Vec<(usize, String)> {
        fields
            .iter()
            .enumerate()
            .map(|(i, f)| (i, (*f).to_owned()))
            .collect()
    }

    fn rows(lines: &[&[&str]]) -> Vec<RawRow> {
        lines
            .iter()
            .enumerate()
            .map(|(i, cells)| RawRow {
                row: i as i64 + 2,
                cells: Ok(cells.iter().map(|c| (*c).to_owned()).collect()),
                key: Some(cells[0].trim().to_owned()).filter(|k| !k.is_empty()),
            })
            .collect()
    }

    fn codes(e: &LineErrors) -> Vec<(usize, String, String)> {
        e.iter()
            .flat_map(|(i, errs)| errs.iter().map(|e| (*i, e.field.clone(), e.code.clone())))
            .collect()
    }

    const FIELDS: &[&str] = &[
        "order_ref",
        "customer_email",
        "occurred_at",
        "status",
        "currency",
        "sku",
        "quantity",
        "unit_price",
    ];

    #[test]
    fn adjacent_rows_with_one_ref_make_one_order_with_defaults_from_the_first_row() {
        let m = mapping(FIELDS);
        let r = rows(&[
            &[
                "A-1",
                "Ada@X.io",
                "2024-05-01",
                "",
                "eur",
                "W-1",
                "3",
                "12.50",
            ],
            &["A-1", "", "", "", "", "W-2", "", ""],
            &[
                "B-7",
                "bo@x.io",
                "2024-05-02T10:30:00+02:00",
                "Pending",
                "",
                "W-1",
                "1",
                "",
            ],
            &["A-1", "ada@x.io", "", "", "", "W-3", "", ""],
        ]);
        let got = orders(&m, &r, &[]);
        assert_eq!(
            got.iter()
                .map(|o| (o.key.as_deref(), o.rows.clone()))
                .collect::<Vec<_>>(),
            vec![
                (Some("A-1"), 0..2),
                (Some("B-7"), 2..3),
                (Some("A-1"), 3..4)
            ],
            "only adjacent rows group; a repeat further down is an order of its own"
        );
        let a = got[0].order.as_ref().unwrap();
        assert_eq!(a.customer_email.as_deref(), Some("ada@x.io"));
        assert_eq!(a.status, TransactionStatus::Completed);
        assert_eq!(a.currency.map(|c| c.as_str()), Some("EUR"));
        assert_eq!(
            a.occurred_at.map(|t| t.to_rfc3339()),
            Some("2024-05-01T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            a.lines,
            vec![
                OrderLine {
                    sku: "W-1".into(),
                    quantity: 3,
                    unit_price: MajorAmount::parse("12.50").ok(),
                },
                OrderLine {
                    sku: "W-2".into(),
                    quantity: 1,
                    unit_price: None,
                },
            ]
        );
        let b = got[1].order.as_ref().unwrap();
        assert_eq!(b.status, TransactionStatus::Pending);
        assert_eq!(
            b.occurred_at.map(|t| t.to_rfc3339()),
            Some("2024-05-02T08:30:00+00:00".to_owned())
        );
    }

    #[test]
    fn bad_cells_and_disagreeing_rows_are_reported_by_row_and_field() {
        let m = mapping(FIELDS);
        let r = rows(&[
            &[
                "A-1",
                "ada@x.io",
                "yesterday",
                "done",
                "EURO",
                "",
                "0",
                "12,50",
            ],
            &["A-1", "bo@x.io", "", "", "", "W-1", "1", "3"],
            &["", "cy@x.io", "", "", "", "W-1", "", ""],
            &["C-1", "", "", "", "", "W-1", "", ""],
        ]);
        let got = orders(&m, &r, &[]);
        assert_eq!(
            codes(got[0].order.as_ref().unwrap_err()),
            vec![
                (0, "occurred_at".into(), "invalid_datetime".into()),
                (0, "status".into(), "invalid_choice".into()),
                (0, "currency".into(), "invalid_currency".into()),
                (0, "quantity".into(), "invalid_quantity".into()),
                (0, "unit_price".into(), "invalid_amount".into()),
                (0, "sku".into(), "required".into()),
                (1, "customer_email".into(), "order_mismatch".into()),
            ]
        );
        assert_eq!(
            codes(got[1].order.as_ref().unwrap_err()),
            vec![(0, "order_ref".into(), "required".into())]
        );
        assert_eq!(
            codes(got[2].order.as_ref().unwrap_err()),
            vec![(0, "customer_email".into(), "required".into())]
        );
    }

    #[test]
    fn unreadable_rows_and_overlong_orders_reject_the_order() {
        let m = mapping(&["order_ref", "customer_id", "sku"]);
        let id = CustomerId::new().0.to_string();
        let mut r = rows(&[&["A-1", &id, "W-1"], &["A-1", &id, "W-2"]]);
        r[1].cells = Err(("wrong_column_count", "has 2 cells".into()));
        let got = orders(&m, &r, &[]);
        assert_eq!(got.len(), 1, "the broken row still belongs to its order");
        assert_eq!(
            codes(got[0].order.as_ref().unwrap_err()),
            vec![(1, String::new(), "wrong_column_count".into())]
        );
        let long: Vec<[&str; 3]> = (0..=ITEMS_MAX)
            .map(|_| ["L-1", id.as_str(), "W-1"])
            .collect();
        let long: Vec<&[&str]> = long.iter().map(|l| &l[..]).collect();
        let got = orders(&m, &rows(&long), &[]);
        let errs = got[0].order.as_ref().unwrap_err();
        assert_eq!(errs.len(), ITEMS_MAX + 1, "every row is told why");
        assert_eq!(errs[&0][0].code, "too_many_lines");
        let ok = orders(&m, &rows(&long[..ITEMS_MAX]), &[]);
        assert_eq!(
            ok[0].order.as_ref().map(|o| o.lines.len()).ok(),
            Some(ITEMS_MAX)
        );
        assert_eq!(
            ok[0].order.as_ref().ok().and_then(|o| o.customer_id),
            Some(CustomerId(id.parse().unwrap()))
        );
    }
}
