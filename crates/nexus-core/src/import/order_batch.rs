//! One batch of a transaction import: its rows grouped into orders ([`super::orders`]); each
//! order checked against what the job has seen of its `order_ref` — a ref met again further
//! down the file is a duplicate, the rest of an order too long for one batch is refused like
//! its start — then by the transaction service. All rows of an order share its fate: committed
//! together, skipped together as a duplicate, or refused together (the rows without errors of
//! their own with `order_rejected`).
//!
//! What earlier batches saw survives a restart: accepted orders are transactions holding their
//! ref as `external_ref`, refused and skipped rows are stored with theirs as the group key.

use super::csv_file::RawBatch;
use super::orders::{self, Order, OrderRows};
use super::rejected::rejection;
use super::worker::Checked;
use super::{ImportJob, ImportRecords, ImportRejection};
use crate::auth::Actor;
use crate::error::{CoreError, CoreResult, FieldError};
use crate::services::Services;
use crate::services::transactions::OrderCheck;
use crate::transaction::ITEMS_MAX;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Checks a batch of a transactions import.
pub(super) async fn check_orders(
    services: &Services,
    job: &ImportJob,
    actor: &Actor,
    columns: &[(usize, String)],
    mapping: &BTreeMap<String, String>,
    batch: &RawBatch,
) -> CoreResult<Checked> {
    let defs = services
        .store
        .custom_field_definitions(crate::custom_field::CustomFieldEntity::Transaction)
        .await?;
    let groups = orders::orders(columns, &batch.rows, &defs);
    let keys: BTreeSet<String> = groups.iter().filter_map(|g| g.key.clone()).collect();
    let keys: Vec<String> = keys.into_iter().collect();
    // The first and last rows earlier batches refused or skipped, by order_ref.
    let seen: HashMap<String, (i64, i64)> = if keys.is_empty() {
        HashMap::new()
    } else {
        let rows = services.store.import_groups_seen(job.id, &keys).await?;
        rows.into_iter().map(|(k, lo, hi)| (k, (lo, hi))).collect()
    };
    let mut first_here: HashMap<&str, i64> = HashMap::new();
    // Each order's fate, `None` for "the service's answer, in order".
    let mut fates = Vec::with_capacity(groups.len());
    let mut to_check: Vec<&Order> = Vec::new();
    for g in &groups {
        let first_row = batch.rows[g.rows.start].row;
        let fate = fate(g, first_row, &seen, &first_here).or_else(|| match &g.order {
            Ok(o) => {
                to_check.push(o);
                None
            }
            Err(e) => Some(OrderCheck::Refused(e.clone())),
        });
        if let Some(k) = &g.key {
            first_here.entry(k).or_insert(first_row);
        }
        fates.push(fate);
    }
    let mut checked = if to_check.is_empty() {
        Vec::new()
    } else {
        services
            .transactions
            .check_import_orders(actor, &to_check)
            .await?
    }
    .into_iter();
    let mut records = Vec::new();
    let mut accepted_rows = 0;
    let mut rejections = Vec::new();
    for (g, fate) in groups.iter().zip(fates) {
        let fate = match fate.or_else(|| checked.next()) {
            Some(f) => f,
            None => return Err(CoreError::Internal("an order went unchecked".into())),
        };
        match fate {
            OrderCheck::Accepted(t) => {
                accepted_rows += g.rows.len() as i64;
                records.push(*t);
            }
            OrderCheck::Duplicate(e) => {
                let errors = move |_| vec![e.clone()];
                rejections.extend(reject(job, mapping, batch, g, true, errors));
            }
            OrderCheck::Refused(mut by_line) => {
                let first_bad = by_line
                    .keys()
                    .next()
                    .map_or(0, |i| batch.rows[g.rows.start + i].row);
                let errors = move |i| {
                    by_line.remove(&i).unwrap_or_else(|| {
                        vec![FieldError::new(
                            "order_ref",
                            "order_rejected",
                            format!("not imported: row {first_bad} of the same order has errors"),
                        )]
                    })
                };
                rejections.extend(reject(job, mapping, batch, g, false, errors));
            }
        }
    }
    Ok(Checked {
        records: ImportRecords::Transactions(records),
        accepted_rows,
        updates: Vec::new(),
        updated_rows: 0,
        rejections,
    })
}

/// What the file itself decides of an order, before any other check: the rest of an overlong
/// order is refused like its start (its previous row, in the batch before, had the same ref);
/// an overlong order is refused; a ref seen earlier in the file is a duplicate.
fn fate(
    g: &OrderRows,
    first_row: i64,
    seen: &HashMap<String, (i64, i64)>,
    first_here: &HashMap<&str, i64>,
) -> Option<OrderCheck> {
    let key = g.key.as_deref()?;
    let earlier = seen.get(key);
    if let Some((start, end)) = earlier.filter(|(_, end)| *end == first_row - 1) {
        let e = FieldError::new(
            "order_ref",
            "too_many_lines",
            format!(
                "continues the order of rows {start} to {end}: an order has at most {ITEMS_MAX} lines (rows)"
            ),
        );
        return Some(OrderCheck::Refused(
            (0..g.rows.len()).map(|i| (i, vec![e.clone()])).collect(),
        ));
    }
    if g.rows.len() > ITEMS_MAX {
        return g.order.as_ref().err().cloned().map(OrderCheck::Refused);
    }
    let first = earlier
        .map(|(start, _)| *start)
        .or_else(|| first_here.get(key).copied())?;
    Some(OrderCheck::Duplicate(FieldError::new(
        "order_ref",
        "duplicate_in_file",
        format!("the order of row {first} has this order_ref"),
    )))
}

/// The rejections of an order's rows, `errors` giving each row's by its position in the order.
fn reject<'a>(
    job: &'a ImportJob,
    mapping: &'a BTreeMap<String, String>,
    batch: &'a RawBatch,
    g: &'a OrderRows,
    duplicate: bool,
    mut errors: impl FnMut(usize) -> Vec<FieldError> + 'a,
) -> impl Iterator<Item = ImportRejection> + 'a {
    g.rows.clone().enumerate().map(move |(i, at)| {
        let raw = &batch.rows[at];
        let cells = raw.cells.as_deref().unwrap_or(&[]);
        let mut r = rejection(raw.row, duplicate, errors(i), mapping, &job.columns, cells);
        r.group.clone_from(&g.key);
        r
    })
}
