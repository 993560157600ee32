//! The product catalogue: what can be sold, at which list price. Products have no owner; every
//! role reads the catalogue and admins and managers change it.

use crate::custom_field::CustomCriteria;
use crate::customer::{ATTRIBUTES_MAX_BYTES, DeletedFilter, string_enum};
use crate::error::FieldError;
use crate::ids::ProductId;
use crate::money::{AMOUNT_MAX, Currency};
use crate::page::{Cursor, SortOrder};
use crate::validate::{Fields, Patch};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::str::FromStr;

pub const SKU_MAX: usize = 64;
pub const NAME_MAX: usize = 200;
pub const CATEGORY_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 4000;

/// A product as stored and as returned by the API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    pub id: ProductId,
    /// Stock-keeping unit: unique among live products, compared case-insensitively.
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub category: Option<String>,
    /// List price in minor units of `currency` (cents for EUR, yen for JPY).
    pub price: i64,
    pub currency: Currency,
    /// Inactive products stay readable but cannot be added to new transactions.
    pub active: bool,
    /// Custom-field values under their keys (see `/api/v1/custom-fields`, entity `product`),
    /// and any other JSON the client keeps with the product.
    #[schema(value_type = Object)]
    pub attributes: Map<String, Value>,
    /// Increases by one on every change; the ETag is derived from it.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Product {
    /// The case-insensitive key used for SKU uniqueness, lookups and sorting.
    pub fn sku_normalized(&self) -> String {
        self.sku.to_lowercase()
    }

    pub fn etag(&self) -> String {
        format!("\"{}-{}\"", self.id.0.simple(), self.version)
    }

    /// The cursor value of this product for a sort field.
    pub fn sort_value(&self, sort: ProductSortField) -> String {
        let time = |t: &DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        match sort {
            ProductSortField::CreatedAt => time(&self.created_at),
            ProductSortField::UpdatedAt => time(&self.updated_at),
            ProductSortField::Name => self.name.clone(),
            ProductSortField::Sku => self.sku_normalized(),
            ProductSortField::Price => self.price.to_string(),
        }
    }
}

/// Reads a SKU: 1 to 64 letters, digits and `-_./`, starting with a letter or digit.
fn sku(f: &mut Fields<'_>, name: &'static str) -> Patch<String> {
    match f.string(name, SKU_MAX) {
        Patch::Value(s) => {
            let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
            if ok {
                Patch::Value(s)
            } else {
                f.error(
                    name,
                    "invalid_sku",
                    "must be letters, digits and - _ . / (starting with a letter or digit)",
                );
                Patch::Absent
            }
        }
        other => other,
    }
}

/// Validated input of a product create.
#[derive(Clone, Debug, PartialEq)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: Option<String>,
    pub category: Option<String>,
    pub price: i64,
    pub currency: Currency,
    pub active: bool,
    pub attributes: Map<String, Value>,
}

impl NewProduct {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let sku = sku(&mut f, "sku").value();
        if sku.is_none() && !f.errors.iter().any(|e| e.field == "sku") {
            f.error("sku", "required", "is required");
        }
        let name = f.required_string("name", NAME_MAX);
        let description = f.string("description", DESCRIPTION_MAX).value();
        let category = f.string("category", CATEGORY_MAX).value();
        let price = f.integer("price", 0, AMOUNT_MAX);
        if matches!(price, Patch::Absent | Patch::Null)
            && !f.errors.iter().any(|e| e.field == "price")
        {
            f.error(
                "price",
                "required",
                "is required (an integer in minor units)",
            );
        }
        let currency = f.currency("currency");
        if matches!(currency, Patch::Absent | Patch::Null)
            && !f.errors.iter().any(|e| e.field == "currency")
        {
            f.error("currency", "required", "is required");
        }
        let active = f.boolean("active").unwrap_or(true);
        let attributes = f
            .object("attributes", ATTRIBUTES_MAX_BYTES)
            .value()
            .unwrap_or_default();
        f.finish()?;
        match (sku, name, price, currency) {
            (Some(sku), Some(name), Patch::Value(price), Patch::Value(currency)) => Ok(Self {
                sku,
                name,
                description,
                category,
                price,
                currency,
                active,
                attributes,
            }),
            _ => Err(Vec::new()),
        }
    }

    /// The product this input describes, created now.
    pub fn into_product(self) -> Product {
        let now = crate::time::now();
        Product {
            id: ProductId::new(),
            sku: self.sku,
            name: self.name,
            description: self.description,
            category: self.category,
            price: self.price,
            currency: self.currency,
            active: self.active,
            attributes: self.attributes,
            version: 1,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }
}

/// Validated input of a partial product update (JSON merge patch).
#[derive(Clone, Debug, PartialEq)]
pub struct ProductPatch {
    pub sku: Patch<String>,
    pub name: Patch<String>,
    pub description: Patch<String>,
    pub category: Patch<String>,
    pub price: Patch<i64>,
    pub currency: Patch<Currency>,
    pub active: Option<bool>,
    /// Replaces the whole object (custom-field values are checked against the definitions).
    pub attributes: Patch<Map<String, Value>>,
}

impl ProductPatch {
    pub fn parse(v: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(v, "").map_err(crate::customer::validation_errors)?;
        let sku = sku(&mut f, "sku");
        let name = f.string("name", NAME_MAX);
        let description = f.string("description", DESCRIPTION_MAX);
        let category = f.string("category", CATEGORY_MAX);
        let price = f.integer("price", 0, AMOUNT_MAX);
        let currency = f.currency("currency");
        for (field, null) in [
            ("sku", sku == Patch::Null),
            ("name", name == Patch::Null),
            ("price", price == Patch::Null),
            ("currency", currency == Patch::Null),
        ] {
            if null {
                f.error(field, "required", "cannot be empty");
            }
        }
        let active = f.boolean("active");
        let attributes = f.object("attributes", ATTRIBUTES_MAX_BYTES);
        f.finish()?;
        Ok(Self {
            sku,
            name,
            description,
            category,
            price,
            currency,
            active,
            attributes,
        })
    }

    /// Applies the patch to a copy of `p`.
    pub fn apply(&self, p: &Product) -> Product {
        let mut n = p.clone();
        if let Patch::Value(v) = &self.sku {
            n.sku = v.clone();
        }
        if let Patch::Value(v) = &self.name {
            n.name = v.clone();
        }
        for (field, patch) in [
            (&mut n.description, &self.description),
            (&mut n.category, &self.category),
        ] {
            match patch {
                Patch::Absent => {}
                Patch::Null => *field = None,
                Patch::Value(v) => *field = Some(v.clone()),
            }
        }
        if let Patch::Value(v) = self.price {
            n.price = v;
        }
        if let Patch::Value(v) = self.currency {
            n.currency = v;
        }
        if let Some(a) = self.active {
            n.active = a;
        }
        if let Patch::Value(v) = &self.attributes {
            n.attributes = v.clone();
        }
        n
    }
}

string_enum!(
    /// Fields a product list can be sorted by.
    ProductSortField { CreatedAt => "created_at", UpdatedAt => "updated_at", Name => "name", Sku => "sku", Price => "price" }
);

/// A product list query after parsing.
#[derive(Clone, Debug)]
pub struct ProductQuery {
    pub active: Option<bool>,
    /// Exact category, compared case-insensitively.
    pub category: Option<String>,
    pub currency: Option<Currency>,
    /// Substring of the name or the SKU, case-insensitive.
    pub q: Option<String>,
    pub deleted: DeletedFilter,
    /// `cf.<key>` filters and a `sort=cf.<key>` (which then replaces `sort`).
    pub custom: CustomCriteria,
    pub sort: ProductSortField,
    pub order: SortOrder,
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl Default for ProductQuery {
    fn default() -> Self {
        Self {
            active: None,
            category: None,
            currency: None,
            q: None,
            deleted: DeletedFilter::Exclude,
            custom: CustomCriteria::default(),
            sort: ProductSortField::CreatedAt,
            order: SortOrder::Desc,
            after: None,
            limit: crate::page::DEFAULT_LIMIT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_requires_sku_name_price_currency() {
        let p = NewProduct::parse(
            &json!({"sku": "AB-1", "name": " Widget ", "price": 1999, "currency": "eur"}),
        )
        .unwrap();
        assert_eq!(
            (p.name.as_str(), p.price, p.currency.as_str(), p.active),
            ("Widget", 1999, "EUR", true)
        );
        let errs = NewProduct::parse(
            &json!({"sku": "a b", "price": 19.99, "currency": "EURO", "total": 1}),
        )
        .unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("sku", "invalid_sku"),
                ("name", "required"),
                ("price", "invalid_type"),
                ("currency", "invalid_currency"),
                ("total", "unknown_field"),
            ]
        );
        let errs = NewProduct::parse(&json!({"name": "x", "price": -1})).unwrap_err();
        let got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("sku", "required"),
                ("price", "out_of_range"),
                ("currency", "required")
            ]
        );
    }

    #[test]
    fn patch_merges_and_refuses_clearing_required_fields() {
        let p = NewProduct::parse(
            &json!({"sku": "S", "name": "N", "price": 5, "currency": "USD", "category": "Tools"}),
        )
        .unwrap()
        .into_product();
        let n = ProductPatch::parse(&json!({"category": null, "price": 7, "active": false}))
            .unwrap()
            .apply(&p);
        assert_eq!((n.category, n.price, n.active), (None, 7, false));
        assert!(ProductPatch::parse(&json!({"sku": null})).is_err());
        assert!(ProductPatch::parse(&json!({"price": null})).is_err());
        assert!(ProductPatch::parse(&json!({"active": null})).is_err());
    }
}
