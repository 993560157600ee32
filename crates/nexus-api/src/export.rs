//! CSV rendering of exports (the `csv` crate quotes; this module picks the columns and keeps
//! spreadsheet formulas out).

use nexus_core::custom_field::CustomField;
use nexus_core::customer::Customer;
use serde_json::Value;

/// The fixed columns of a customer export, before the `cf.<key>` ones.
const CUSTOMER_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "name",
    "email",
    "phone",
    "company_id",
    "company_name",
    "status",
    "owner_id",
    "team_id",
    "tags",
    "segment",
    "created_at",
    "updated_at",
];

/// The header row of a customer export.
pub fn customer_header(defs: &[CustomField]) -> Vec<u8> {
    let mut names: Vec<String> = CUSTOMER_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    names.extend(defs.iter().map(|d| format!("cf.{}", d.key)));
    let mut out = Vec::new();
    write_record(&mut out, &names);
    out
}

/// Appends one CSV row per customer.
pub fn customer_rows(out: &mut Vec<u8>, rows: &[Customer], defs: &[CustomField]) {
    let mut cells: Vec<String> = Vec::with_capacity(CUSTOMER_COLUMNS.len() + defs.len());
    for c in rows {
        cells.clear();
        let time = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        };
        cells.extend([
            c.id.0.to_string(),
            c.kind.as_str().to_owned(),
            c.name.clone(),
            c.email.clone().unwrap_or_default(),
            c.phone.clone().unwrap_or_default(),
            c.company_id.map(|i| i.0.to_string()).unwrap_or_default(),
            c.company_name.clone().unwrap_or_default(),
            c.status.as_str().to_owned(),
            c.owner_id.0.to_string(),
            c.team_id.map(|t| t.0.to_string()).unwrap_or_default(),
            c.tags.join(";"),
            c.segment.clone().unwrap_or_default(),
            time(c.created_at),
            time(c.updated_at),
        ]);
        cells.extend(defs.iter().map(|d| cell(c.attributes.get(&d.key))));
        write_record(out, &cells);
    }
}

/// A custom value as a cell: text as is, numbers and booleans as JSON writes them, lists joined
/// with `;`.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

/// A cell that a spreadsheet would evaluate gets a leading `'` (OWASP's advice against CSV
/// injection); phone numbers and signed numbers (`+44 …`, `-5`) stay as they are.
fn defuse(s: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = s.chars();
    let risky = match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == ' ' || c == '('),
        _ => false,
    };
    if risky {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn write_record(out: &mut Vec<u8>, cells: &[String]) {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    // Writing to a Vec cannot fail.
    let _ = w.write_record(cells.iter().map(|c| defuse(c).into_owned()));
    let _ = w.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_but_phone_numbers_kept() {
        assert_eq!(defuse("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(defuse("@cmd"), "'@cmd");
        assert_eq!(defuse("-cmd|calc"), "'-cmd|calc");
        assert_eq!(defuse("+44 20 7946 0000"), "+44 20 7946 0000");
        assert_eq!(defuse("-5"), "-5");
        assert_eq!(defuse("Ada"), "Ada");
    }

    #[test]
    fn records_are_quoted_as_needed() {
        let mut out = Vec::new();
        write_record(&mut out, &["a,b".into(), "say \"hi\"".into(), "x".into()]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",x\r\n"
        );
        assert_eq!(cell(Some(&serde_json::json!(["a", "b"]))), "a;b");
        assert_eq!(cell(Some(&serde_json::json!(2.5))), "2.5");
        assert_eq!(cell(None), "");
    }
}
