//! CSV import jobs: an uploaded file, the mapping of its columns onto a resource's fields, and
//! the job's progress. The worker ([`worker`]) reads the file batch by batch; every batch is
//! committed in one transaction together with the job's checkpoint, so a restarted job goes on
//! from the last committed batch, never importing a row twice.

pub mod csv_file;
mod order_batch;
pub mod orders;
mod rejected;
mod upsert;
pub mod worker;

use crate::custom_field::{CustomField, FieldType};
use crate::customer::string_enum;
use crate::error::FieldError;
use crate::ids::{ImportId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

string_enum!(
    /// What an import creates.
    ImportEntity { Customers => "customers", Products => "products", Transactions => "transactions" }
);

string_enum!(
    /// Lifecycle: uploaded (waiting for its mapping) → queued → running → completed, failed or
    /// cancelled.
    ImportStatus { Uploaded => "uploaded", Queued => "queued", Running => "running", Completed => "completed", Failed => "failed", Cancelled => "cancelled" }
);

impl ImportStatus {
    /// Whether the job has ended (nothing changes it any more).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            ImportStatus::Completed | ImportStatus::Failed | ImportStatus::Cancelled
        )
    }
}

string_enum!(
    /// What happens to a row whose key is taken: whose e-mail belongs to an existing customer (a
    /// product: whose SKU belongs to an existing product; a transaction: whose order_ref an
    /// existing transaction holds), or to an earlier row of the file.
    ///
    /// - `skip` (the default): the row is skipped and counted as a duplicate.
    /// - `update` (customers and products): the row's non-empty mapped cells are merged into the
    ///   record as a PATCH would change it (same checks, event and version bump); a later row of
    ///   the file updates what an earlier row created or updated. Counted as updated.
    /// - `reject`: the row is refused and counted as rejected (reason `email_taken`,
    ///   `sku_taken`, `duplicate_in_batch`, …).
    OnDuplicate { Skip => "skip", Update => "update", Reject => "reject" }
);

/// Rows shown with an upload so that the mapping can be checked against real values.
pub const PREVIEW_ROWS: usize = 5;
/// Columns a file may have.
pub const COLUMNS_MAX: usize = 200;

/// Counters of a job, as of its last committed batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportProgress {
    /// Bytes of the file read and committed (the checkpoint: the next batch starts here).
    pub bytes_processed: i64,
    /// Data rows read (accepted + updated + rejected + duplicates).
    pub rows_processed: i64,
    /// Rows committed as new records (transactions: as line items of new transactions).
    pub rows_accepted: i64,
    /// Rows merged into an existing record (`on_duplicate=update`), also when that left the
    /// record as it was.
    pub rows_updated: i64,
    /// Rows refused by validation (see the job's rejections for the reasons).
    pub rows_rejected: i64,
    /// Rows skipped because their key (e-mail, SKU, order_ref) was taken (also listed among
    /// the rejections).
    pub rows_duplicate: i64,
}

/// An import job as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportJob {
    pub id: ImportId,
    pub entity: ImportEntity,
    pub status: ImportStatus,
    /// The uploaded file's name, as the client gave it.
    pub file_name: String,
    pub file_bytes: i64,
    /// The header row of the file.
    pub columns: Vec<String>,
    /// The first data rows, for checking the mapping.
    pub preview: Vec<Vec<String>>,
    /// Column → field; columns left out are ignored. Set when the job is started.
    pub mapping: Option<BTreeMap<String, String>>,
    /// A mapping proposed from the column names (what `start` uses when given none).
    pub suggested_mapping: BTreeMap<String, String>,
    pub on_duplicate: OnDuplicate,
    #[serde(flatten)]
    pub progress: ImportProgress,
    /// Why the job failed.
    pub error: Option<String>,
    pub created_by: UserId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Where the file is kept (not shown to clients).
    #[serde(skip)]
    pub file_path: String,
}

impl ImportJob {
    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }
}

/// A row that was not imported, with the reasons field by field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportRejection {
    /// Line of the row in the file, counting the header as line 1.
    pub row: i64,
    /// The e-mail was taken: skipped as a duplicate rather than refused.
    pub duplicate: bool,
    /// What is wrong; `field` names the resource field, `column` the file's column.
    pub errors: Vec<RowError>,
    /// The row as read, column → value.
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    /// The group the row belonged to (a transaction row's order_ref), kept so that later
    /// batches know the file's orders seen so far (not shown to clients).
    #[serde(skip)]
    pub group: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowError {
    pub field: String,
    /// The column the field was mapped from (absent for a field no column maps).
    pub column: Option<String>,
    pub code: String,
    pub message: String,
}

/// A committed batch: where the file was read up to, the counters after it, and the rows refused.
#[derive(Clone, Debug)]
pub struct ImportBatch {
    pub progress: ImportProgress,
    pub rejections: Vec<ImportRejection>,
}

/// The records a batch creates.
pub enum ImportRecords {
    /// Written as a bulk load: no event per customer.
    Customers(Vec<crate::customer::Customer>),
    /// Each with its `product.created` event (catalogues are small).
    Products(Vec<(crate::product::Product, crate::event::Event)>),
    /// Each with its `transaction.created` event, written as a create writes them.
    Transactions(Vec<(crate::transaction::Transaction, crate::event::Event)>),
}

impl ImportRecords {
    /// How many records there are.
    pub fn len(&self) -> usize {
        match self {
            ImportRecords::Customers(v) => v.len(),
            ImportRecords::Products(v) => v.len(),
            ImportRecords::Transactions(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An existing record written over by an import row, as a PATCH writes it: the new state, the
/// version it replaces (the batch fails with a conflict when the record moved on) and its
/// `<entity>.updated` event.
pub enum ImportUpdate {
    Customer {
        next: crate::customer::Customer,
        expected_version: i64,
        event: crate::event::Event,
    },
    Product {
        next: crate::product::Product,
        expected_version: i64,
        event: crate::event::Event,
    },
}

/// One batch to commit (see [`crate::store::ImportStore::commit_import_batch`]).
pub struct ImportCommit<'a> {
    pub job: ImportId,
    /// The worker holding the job.
    pub owner: &'a str,
    /// The checkpoint the batch was read from.
    pub from_offset: i64,
    /// The renewed lease.
    pub until: crate::time::Timestamp,
    pub records: ImportRecords,
    /// Existing records the batch changes (`on_duplicate=update`), in file order.
    pub updates: Vec<ImportUpdate>,
    pub batch: &'a ImportBatch,
    pub event: &'a crate::event::Event,
}

/// A field a column can be mapped to.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportField {
    pub name: String,
    pub required: bool,
    pub description: String,
}

/// The customer fields a column can feed, besides `cf.<key>` for each custom field.
const CUSTOMER_FIELDS: &[(&str, bool, &str, &[&str])] = &[
    (
        "name",
        true,
        "Name of the person or company",
        &["fullname", "customername", "contactname", "companyname"],
    ),
    (
        "email",
        false,
        "E-mail address (de-duplicates)",
        &["emailaddress", "mail", "e-mail"],
    ),
    (
        "phone",
        false,
        "Phone number",
        &["phonenumber", "telephone", "mobile", "tel"],
    ),
    (
        "kind",
        false,
        "person or company",
        &["type", "customertype"],
    ),
    (
        "company_name",
        false,
        "Company the person works for",
        &["company", "organisation", "organization", "account"],
    ),
    (
        "status",
        false,
        "lead, prospect, customer or churned",
        &["stage", "lifecyclestage"],
    ),
    (
        "owner_email",
        false,
        "E-mail of the owning user (default: the importer)",
        &["owner", "salesrep", "rep", "assignedto"],
    ),
    (
        "tags",
        false,
        "Tags separated by ; or ,",
        &["labels", "tag"],
    ),
];

/// The product fields a column can feed.
const PRODUCT_FIELDS: &[(&str, bool, &str, &[&str])] = &[
    (
        "sku",
        true,
        "Stock-keeping unit, unique (de-duplicates)",
        &["code", "productcode", "itemcode", "article"],
    ),
    (
        "name",
        true,
        "Product name",
        &["product", "productname", "title"],
    ),
    (
        "price",
        true,
        "List price in minor units (1250 = 12.50)",
        &["listprice", "unitprice", "amount"],
    ),
    ("currency", true, "ISO 4217 code, e.g. EUR", &["cur", "ccy"]),
    (
        "category",
        false,
        "Category",
        &["group", "productgroup", "type"],
    ),
    ("description", false, "Description", &["details", "text"]),
    (
        "active",
        false,
        "true/false, yes/no or 1/0 (default true)",
        &["enabled", "available"],
    ),
];

/// The transaction fields a column can feed: one row is one line item; the rows of an order
/// share its `order_ref` and stand next to each other (see [`orders`]).
const TRANSACTION_FIELDS: &[(&str, bool, &str, &[&str])] = &[
    (
        "order_ref",
        true,
        "The order's number in the source system; rows with the same one form one transaction \
         and must be adjacent (de-duplicates, stored as external_ref)",
        &[
            "orderid",
            "ordernumber",
            "orderno",
            "order",
            "invoice",
            "invoiceid",
            "invoicenumber",
            "invoiceno",
            "externalref",
            "reference",
        ],
    ),
    (
        "customer_email",
        false,
        "E-mail of a live customer you may write (this or customer_id is required)",
        &["email", "emailaddress", "mail", "customermail"],
    ),
    (
        "customer_id",
        false,
        "Id of a live customer you may write (this or customer_email is required)",
        &["clientid", "accountid"],
    ),
    (
        "occurred_at",
        false,
        "When: RFC 3339 or YYYY-MM-DD (default: now)",
        &[
            "date",
            "orderdate",
            "invoicedate",
            "time",
            "timestamp",
            "datetime",
            "purchasedat",
            "createdat",
        ],
    ),
    (
        "status",
        false,
        "pending, completed, refunded or cancelled (default completed)",
        &["orderstatus", "state"],
    ),
    (
        "currency",
        false,
        "ISO 4217 code (default: the products' currency)",
        &["cur", "ccy"],
    ),
    (
        "sku",
        true,
        "SKU of a live product: the line's product",
        &[
            "productsku",
            "itemsku",
            "productcode",
            "itemcode",
            "code",
            "article",
        ],
    ),
    (
        "quantity",
        false,
        "Whole number of units, 1 or more (default 1)",
        &["qty", "units", "count"],
    ),
    (
        "unit_price",
        false,
        "Price of one unit in major units, like 12.50 (default: the product's price)",
        &["price", "unitprice", "itemprice", "priceeach", "each"],
    ),
];

type FieldSpec = (&'static str, bool, &'static str, &'static [&'static str]);

impl ImportEntity {
    /// The entity whose custom fields the rows may fill (`cf.<key>` columns).
    pub fn custom_fields(self) -> Option<crate::custom_field::CustomFieldEntity> {
        use crate::custom_field::CustomFieldEntity;
        match self {
            ImportEntity::Customers => Some(CustomFieldEntity::Customer),
            ImportEntity::Products => Some(CustomFieldEntity::Product),
            ImportEntity::Transactions => Some(CustomFieldEntity::Transaction),
        }
    }
}

fn specs(entity: ImportEntity) -> &'static [FieldSpec] {
    match entity {
        ImportEntity::Customers => CUSTOMER_FIELDS,
        ImportEntity::Products => PRODUCT_FIELDS,
        ImportEntity::Transactions => TRANSACTION_FIELDS,
    }
}

/// Fields of which at least one must be mapped, besides the required ones.
fn one_of(entity: ImportEntity) -> &'static [&'static str] {
    match entity {
        ImportEntity::Transactions => &["customer_email", "customer_id"],
        ImportEntity::Customers | ImportEntity::Products => &[],
    }
}

/// The column whose equal values in adjacent rows make one record (a transaction's order_ref),
/// as an index into the file's columns; `None` where every row stands alone.
pub fn group_column(
    entity: ImportEntity,
    mapping: &BTreeMap<String, String>,
    columns: &[String],
) -> Option<usize> {
    let field = match entity {
        ImportEntity::Transactions => "order_ref",
        ImportEntity::Customers | ImportEntity::Products => return None,
    };
    let (col, _) = mapping.iter().find(|(_, f)| *f == field)?;
    columns.iter().position(|c| c == col)
}

/// The fields of an entity, with the custom fields' `cf.<key>` entries.
pub fn fields(entity: ImportEntity, defs: &[CustomField]) -> Vec<ImportField> {
    let mut out: Vec<ImportField> = specs(entity)
        .iter()
        .map(|(n, r, d, _)| ImportField {
            name: (*n).to_owned(),
            required: *r,
            description: (*d).to_owned(),
        })
        .collect();
    out.extend(defs.iter().map(|d| ImportField {
        name: format!("cf.{}", d.key),
        required: d.required,
        description: format!("Custom field {:?} ({})", d.label, d.field_type.as_str()),
    }));
    out
}

/// Lower-case letters and digits only: `E-mail Address` → `emailaddress`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Proposes a mapping from column names: a column maps to the field it names (ignoring case,
/// spaces and punctuation), to a known alias, or to a custom field by key or label. Each field
/// is used once, by the first column naming it.
pub fn suggest_mapping(
    entity: ImportEntity,
    columns: &[String],
    defs: &[CustomField],
) -> BTreeMap<String, String> {
    let mut names: Vec<(String, String)> = Vec::new();
    for (field, _, _, aliases) in specs(entity) {
        names.push((squash(field), (*field).to_owned()));
        names.extend(aliases.iter().map(|a| (squash(a), (*field).to_owned())));
    }
    for d in defs {
        let target = format!("cf.{}", d.key);
        names.push((squash(&d.key), target.clone()));
        names.push((squash(&target), target.clone()));
        names.push((squash(&d.label), target));
    }
    let mut used = std::collections::HashSet::new();
    let mut out = BTreeMap::new();
    for col in columns {
        let key = squash(col);
        if let Some((_, field)) = names.iter().find(|(n, _)| *n == key)
            && used.insert(field.clone())
        {
            out.insert(col.clone(), field.clone());
        }
    }
    out
}

/// The field whose value finds the existing record of a row (`on_duplicate=update`).
pub fn key_field(entity: ImportEntity) -> &'static str {
    match entity {
        ImportEntity::Customers => "email",
        ImportEntity::Products => "sku",
        ImportEntity::Transactions => "order_ref",
    }
}

/// Checks a mapping against the file's columns and the entity's fields, field by field. With
/// `on_duplicate=update` the key field (customers: `email`, products: `sku`) is the one field
/// that must be mapped: a file may update a few columns of existing records; its rows that
/// create records are checked row by row for the create's required fields.
pub fn check_mapping(
    entity: ImportEntity,
    mapping: &BTreeMap<String, String>,
    columns: &[String],
    defs: &[CustomField],
    on_duplicate: OnDuplicate,
) -> Vec<FieldError> {
    let known = fields(entity, defs);
    let mut errors = Vec::new();
    let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
    for (col, field) in mapping {
        let path = format!("mapping.{col}");
        if !columns.contains(col) {
            errors.push(FieldError::new(
                &path,
                "unknown_column",
                "the file has no column of this name",
            ));
        }
        if !known.iter().any(|f| f.name == *field) {
            errors.push(FieldError::new(
                &path,
                "unknown_field",
                format!(
                    "must be one of: {}",
                    known
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        } else if let Some(first) = targets.insert(field, col) {
            errors.push(FieldError::new(
                &path,
                "duplicate_field",
                format!("column {first:?} is mapped to {field} already"),
            ));
        }
    }
    let updating = on_duplicate == OnDuplicate::Update && entity != ImportEntity::Transactions;
    let required = |f: &ImportField| {
        if updating {
            f.name == key_field(entity)
        } else {
            f.required
        }
    };
    for f in known.iter().filter(|f| required(f)) {
        if !mapping.values().any(|v| *v == f.name) {
            errors.push(FieldError::new(
                "mapping",
                "missing_field",
                format!("no column is mapped to the required field {}", f.name),
            ));
        }
    }
    let alternatives = one_of(entity);
    if !alternatives.is_empty() && !mapping.values().any(|v| alternatives.contains(&v.as_str())) {
        errors.push(FieldError::new(
            "mapping",
            "missing_field",
            format!("no column is mapped to {}", alternatives.join(" or ")),
        ));
    }
    errors
}

/// A data row of the file turned into a create body (the JSON a client would send), for the
/// service to validate exactly as an API create. Conversions of text into typed values that
/// fail are reported against the field.
pub struct RowInput {
    pub body: Value,
    /// Owner given by e-mail, resolved by the service.
    pub owner_email: Option<String>,
    pub errors: Vec<FieldError>,
}

/// Builds the create body of a customer row. Empty cells are absent values.
pub fn customer_row(
    mapping: &[(usize, String)],
    record: &[String],
    defs: &[CustomField],
) -> RowInput {
    let mut body = Map::new();
    let mut attributes = Map::new();
    let mut owner_email = None;
    let mut errors = Vec::new();
    for (i, field) in mapping {
        let Some(raw) = record.get(*i).map(|s| s.trim()) else {
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        match field.as_str() {
            "owner_email" => owner_email = Some(raw.to_lowercase()),
            "tags" => {
                let tags: Vec<Value> = raw
                    .split([';', ','])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| Value::String(t.to_owned()))
                    .collect();
                body.insert("tags".into(), Value::Array(tags));
            }
            f => match f.strip_prefix("cf.") {
                Some(key) => custom_cell(defs, key, raw, &mut attributes, &mut errors),
                None => {
                    body.insert(f.to_owned(), Value::String(raw.to_owned()));
                }
            },
        }
    }
    if !attributes.is_empty() {
        body.insert("attributes".into(), Value::Object(attributes));
    }
    RowInput {
        body: Value::Object(body),
        owner_email,
        errors,
    }
}

/// Puts the value of a `cf.<key>` cell into `attributes`, typed for its field (or reports it).
pub(crate) fn custom_cell(
    defs: &[CustomField],
    key: &str,
    raw: &str,
    attributes: &mut Map<String, Value>,
    errors: &mut Vec<FieldError>,
) {
    if let Some(d) = defs.iter().find(|d| d.key == key) {
        match typed_value(d.field_type, raw) {
            Ok(v) => {
                attributes.insert(key.to_owned(), v);
            }
            Err(msg) => errors.push(FieldError::new(d.path(""), "invalid_type", msg)),
        }
    }
}

/// Builds the create body of a product row (as `POST /api/v1/products` takes it): the price an
/// integer, `active` a boolean, `cf.<key>` columns into `attributes`. Empty cells are absent
/// values.
pub fn product_row(
    mapping: &[(usize, String)],
    record: &[String],
    defs: &[CustomField],
) -> RowInput {
    let mut body = Map::new();
    let mut attributes = Map::new();
    let mut errors = Vec::new();
    for (i, field) in mapping {
        let Some(raw) = record.get(*i).map(|s| s.trim()).filter(|s| !s.is_empty()) else {
            continue;
        };
        if let Some(key) = field.strip_prefix("cf.") {
            custom_cell(defs, key, raw, &mut attributes, &mut errors);
            continue;
        }
        let value = match field.as_str() {
            "price" => typed_value(FieldType::Currency, raw),
            "active" => typed_value(FieldType::Boolean, raw),
            _ => Ok(Value::String(raw.to_owned())),
        };
        match value {
            Ok(v) => {
                body.insert(field.clone(), v);
            }
            Err(msg) => errors.push(FieldError::new(field.as_str(), "invalid_type", msg)),
        }
    }
    if !attributes.is_empty() {
        body.insert("attributes".into(), Value::Object(attributes));
    }
    RowInput {
        body: Value::Object(body),
        owner_email: None,
        errors,
    }
}

/// A custom field's value from a cell: numbers, yes/no, lists separated by `;`; text, dates and
/// choices as written (the field's own check then applies).
fn typed_value(t: FieldType, raw: &str) -> Result<Value, String> {
    match t {
        FieldType::Number => raw
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
            .map(|n| {
                // Whole numbers stay integers (`5`, not `5.0`).
                raw.parse::<i64>().map_or(Value::Number(n), Value::from)
            })
            .ok_or_else(|| "must be a number".to_owned()),
        FieldType::Currency => raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "must be an integer amount in minor units".to_owned()),
        FieldType::Boolean => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "n" | "0" => Ok(Value::Bool(false)),
            _ => Err("must be true/false, yes/no or 1/0".to_owned()),
        },
        FieldType::MultiSelect => Ok(Value::Array(
            raw.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
        FieldType::Text | FieldType::Date | FieldType::Select => Ok(Value::String(raw.to_owned())),
    }
}

/// Parses `OnDuplicate` and other enum options from JSON strings.
pub fn parse_choice<T: FromStr>(v: Option<&Value>, names: &[&str]) -> Result<Option<T>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| format!("must be one of: {}", names.join(", "))),
        Some(_) => Err(format!("must be one of: {}", names.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_matches_names_aliases_and_custom_fields_once() {
        let cols: Vec<String> = [
            "Full Name",
            "E-mail",
            "Email",
            "Phone Number",
            "Notes",
            "Tier",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let now = crate::time::now();
        let def = CustomField {
            id: crate::ids::CustomFieldId::new(),
            entity: crate::custom_field::CustomFieldEntity::Customer,
            key: "tier".into(),
            label: "Tier".into(),
            field_type: FieldType::Select,
            options: vec!["gold".into()],
            currency: None,
            required: false,
            unique: false,
            position: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        let m = suggest_mapping(ImportEntity::Customers, &cols, &[def]);
        assert_eq!(m.get("Full Name").map(String::as_str), Some("name"));
        assert_eq!(m.get("E-mail").map(String::as_str), Some("email"));
        // The second e-mail column does not map: the field is taken.
        assert_eq!(m.get("Email"), None);
        assert_eq!(m.get("Phone Number").map(String::as_str), Some("phone"));
        assert_eq!(m.get("Notes"), None);
        assert_eq!(m.get("Tier").map(String::as_str), Some("cf.tier"));
    }

    #[test]
    fn mapping_errors_name_the_column() {
        let cols = vec!["a".to_owned(), "b".to_owned()];
        let mut m = BTreeMap::new();
        m.insert("a".to_owned(), "email".to_owned());
        m.insert("b".to_owned(), "email".to_owned());
        m.insert("c".to_owned(), "nope".to_owned());
        let errs = check_mapping(ImportEntity::Customers, &m, &cols, &[], OnDuplicate::Skip);
        let codes: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert!(
            codes.contains(&("mapping.b", "duplicate_field")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("mapping.c", "unknown_column")),
            "{codes:?}"
        );
        assert!(codes.contains(&("mapping.c", "unknown_field")), "{codes:?}");
        assert!(codes.contains(&("mapping", "missing_field")), "{codes:?}");
    }

    #[test]
    fn updating_needs_only_the_key_mapped() {
        let cols = vec!["E-mail".to_owned(), "Phone".to_owned()];
        let mut m = BTreeMap::new();
        m.insert("Phone".to_owned(), "phone".to_owned());
        let missing = |m: &BTreeMap<String, String>, on| {
            check_mapping(ImportEntity::Customers, m, &cols, &[], on)
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
        };
        // Creating needs a name; updating needs the e-mail, and nothing else.
        assert_eq!(
            missing(&m, OnDuplicate::Skip),
            vec!["no column is mapped to the required field name"]
        );
        assert_eq!(
            missing(&m, OnDuplicate::Update),
            vec!["no column is mapped to the required field email"]
        );
        m.insert("E-mail".to_owned(), "email".to_owned());
        assert!(missing(&m, OnDuplicate::Update).is_empty());
        let skus = vec!["SKU".to_owned(), "Price".to_owned()];
        let mut p = BTreeMap::new();
        p.insert("SKU".to_owned(), "sku".to_owned());
        p.insert("Price".to_owned(), "price".to_owned());
        assert!(
            check_mapping(ImportEntity::Products, &p, &skus, &[], OnDuplicate::Update).is_empty()
        );
        assert_eq!(
            check_mapping(ImportEntity::Products, &p, &skus, &[], OnDuplicate::Skip).len(),
            2
        );
    }

    #[test]
    fn typed_values_from_cells() {
        assert_eq!(typed_value(FieldType::Number, "5"), Ok(Value::from(5)));
        assert_eq!(
            typed_value(FieldType::Number, "2.5"),
            Ok(serde_json::json!(2.5))
        );
        assert!(typed_value(FieldType::Number, "five").is_err());
        assert!(typed_value(FieldType::Number, "NaN").is_err());
        assert_eq!(
            typed_value(FieldType::Boolean, "Yes"),
            Ok(Value::Bool(true))
        );
        assert!(typed_value(FieldType::Boolean, "maybe").is_err());
        assert_eq!(
            typed_value(FieldType::MultiSelect, "a; b;"),
            Ok(serde_json::json!(["a", "b"]))
        );
        assert!(typed_value(FieldType::Currency, "1.50").is_err());
    }

    #[test]
    fn product_rows_type_price_and_active() {
        let mapping = vec![
            (0, "sku".to_owned()),
            (1, "price".to_owned()),
            (2, "active".to_owned()),
        ];
        let cells = |v: [&str; 3]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let r = product_row(&mapping, &cells(["A-1", "1250", "no"]), &[]);
        assert!(r.errors.is_empty());
        assert_eq!(
            r.body,
            serde_json::json!({"sku": "A-1", "price": 1250, "active": false})
        );
        let r = product_row(&mapping, &cells(["A-2", "12.50", ""]), &[]);
        assert_eq!(r.errors[0].field, "price");
        let m = suggest_mapping(
            ImportEntity::Products,
            &[
                "Item Code".to_owned(),
                "Unit Price".to_owned(),
                "Currency".to_owned(),
            ],
            &[],
        );
        assert_eq!(m.get("Item Code").map(String::as_str), Some("sku"));
        assert_eq!(m.get("Unit Price").map(String::as_str), Some("price"));
        assert_eq!(m.get("Currency").map(String::as_str), Some("currency"));
    }

    #[test]
    fn rows_become_create_bodies() {
        let mapping = vec![
            (0, "name".to_owned()),
            (1, "email".to_owned()),
            (2, "tags".to_owned()),
            (3, "owner_email".to_owned()),
        ];
        let rec: Vec<String> = ["Ada", " ada@example.com ", "vip; b2b", "Rep@Example.com"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let r = customer_row(&mapping, &rec, &[]);
        assert!(r.errors.is_empty());
        assert_eq!(
            r.body,
            serde_json::json!({"name": "Ada", "email": "ada@example.com", "tags": ["vip", "b2b"]})
        );
        assert_eq!(r.owner_email.as_deref(), Some("rep@example.com"));
        // Empty cells are absent, short rows too.
        let r = customer_row(&mapping, &["Bo".to_owned(), String::new()], &[]);
        assert_eq!(r.body, serde_json::json!({"name": "Bo"}));
    }
}
