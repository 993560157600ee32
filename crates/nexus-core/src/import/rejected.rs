//! The rows an import refuses, as stored and listed: each with its errors field by field, the
//! column each field came from, and the row as read.

use super::{ImportJob, ImportRejection, RowError};
use crate::error::FieldError;
use serde_json::Value;
use std::collections::BTreeMap;

/// The rejections of the rows a service's check refused (`refused`: errors by index into
/// `item_rows`, each the row number and cells of an item). A row refused only because its key
/// was taken (a customer's e-mail, a product's SKU, by a live record or an earlier row) is a
/// duplicate.
pub(super) fn refused_rows(
    job: &ImportJob,
    mapping: &BTreeMap<String, String>,
    item_rows: &[(i64, &[String])],
    refused: BTreeMap<usize, Vec<FieldError>>,
) -> Vec<ImportRejection> {
    let mut out = Vec::with_capacity(refused.len());
    for (i, mut errors) in refused {
        // Only a taken e-mail (customers) or SKU (products) makes a duplicate.
        let duplicate = errors.iter().all(|e| {
            matches!(
                (e.field.as_str(), e.code.as_str()),
                ("email", "email_taken" | "duplicate_in_batch")
                    | ("sku", "sku_taken" | "duplicate_in_batch")
            )
        });
        // "items[j]" in a message is row k of the file.
        for e in &mut errors {
            if let Some(j) = e
                .message
                .split_once("items[")
                .and_then(|(_, r)| r.split_once(']'))
                .and_then(|(n, _)| n.parse::<usize>().ok())
                && let Some((row, _)) = item_rows.get(j)
            {
                e.message = e
                    .message
                    .replace(&format!("items[{j}]"), &format!("row {row}"));
            }
        }
        let Some(&(row, cells)) = item_rows.get(i) else {
            continue;
        };
        out.push(rejection(
            row,
            duplicate,
            errors,
            mapping,
            &job.columns,
            cells,
        ));
    }
    out
}

/// A refused row: its errors with the column each field came from, and the row as read.
pub(super) fn rejection(
    row: i64,
    duplicate: bool,
    errors: Vec<FieldError>,
    mapping: &BTreeMap<String, String>,
    columns: &[String],
    cells: &[String],
) -> ImportRejection {
    let column_of = |field: &str| {
        let base = field.split(['[', '.']).next().unwrap_or(field);
        let target = match base {
            "attributes" => field
                .strip_prefix("attributes.")
                .map(|k| format!("cf.{}", k.split(['[', '.']).next().unwrap_or(k))),
            "owner_id" => Some("owner_email".to_owned()),
            _ => Some(base.to_owned()),
        };
        target.and_then(|t| {
            mapping
                .iter()
                .find(|(_, f)| **f == t)
                .map(|(c, _)| c.clone())
        })
    };
    ImportRejection {
        row,
        duplicate,
        errors: errors
            .into_iter()
            .map(|e| RowError {
                column: column_of(&e.field),
                field: e.field,
                code: e.code,
                message: e.message,
            })
            .collect(),
        values: columns
            .iter()
            .zip(cells)
            .map(|(c, v)| (c.clone(), Value::String(v.clone())))
            .collect(),
        group: None,
    }
}
