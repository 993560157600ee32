//! Product persistence: inserts and optimistic updates with their events (and the uniqueness
//! index of their custom-field values), lookups by id, and keyset lists with filters, `cf.<key>`
//! custom fields and a case-insensitive substring search over name and SKU.

use crate::custom_fields::{SortPart, custom_sort, list_in_sort_parts, write_unique_values};
use crate::dialect::{Dialect, like_pattern};
use crate::query::{Filter, direction, int_value, select_in, text_value, time_value};
use crate::rows::bind_args;
use crate::rows::{Arg, PRODUCT_COLUMNS, ProductRow};
use crate::{Db, db_err, insert_event, with_pool};
use nexus_core::error::CoreResult;
use nexus_core::event::Event;
use nexus_core::ids::ProductId;
use nexus_core::product::{Product, ProductQuery, ProductSortField};
use sqlx::Connection as _;
use sqlx::{Postgres, Sqlite};

pub(crate) const INSERT_PRODUCT: &str = "INSERT INTO products (id, sku, sku_norm, name, name_norm, description, category, category_norm, price, currency, active, version, created_at, updated_at, deleted_at, attributes) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";

pub(crate) const UPDATE_PRODUCT: &str = "UPDATE products SET sku = $2, sku_norm = $3, name = $4, name_norm = $5, description = $6, category = $7, category_norm = $8, \
     price = $9, currency = $10, active = $11, version = $12, created_at = $13, updated_at = $14, deleted_at = $15, attributes = $16 WHERE id = $1 AND version = $17";

/// Binds a product's columns in the order of [`INSERT_PRODUCT`] / [`UPDATE_PRODUCT`]. The
/// `_norm` columns are lower-cased here, not in SQL, so that both backends fold case alike.
macro_rules! bind_product {
    ($q:expr, $p:expr) => {{
        let p: &nexus_core::product::Product = $p;
        $q.bind(p.id.0)
            .bind(&p.sku)
            .bind(p.sku_normalized())
            .bind(&p.name)
            .bind(p.name.to_lowercase())
            .bind(&p.description)
            .bind(&p.category)
            .bind(p.category.as_ref().map(|c| c.to_lowercase()))
            .bind(p.price)
            .bind(p.currency.as_str())
            .bind(p.active)
            .bind(p.version)
            .bind(p.created_at)
            .bind(p.updated_at)
            .bind(p.deleted_at)
            .bind(sqlx::types::Json(&p.attributes))
    }};
}

/// Inserts one product row on a transaction, with the index entries of its unique custom-field
/// values.
macro_rules! insert_product_row {
    ($tx:expr, $p:expr) => {{
        let p: &nexus_core::product::Product = $p;
        $crate::products::bind_product!(sqlx::query($crate::products::INSERT_PRODUCT), p)
            .execute(&mut *$tx)
            .await
            .map_err($crate::db_err)?;
        $crate::custom_fields::write_unique_values!($tx, [p], false);
    }};
}
pub(crate) use {bind_product, insert_product_row};

impl Db {
    pub(crate) async fn insert_product(&self, p: &Product, event: &Event) -> CoreResult<()> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            insert_product_row!(tx, p);
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(())
    }

    pub(crate) async fn get_product(&self, id: ProductId) -> CoreResult<Option<Product>> {
        Ok(self.get_products(&[id]).await?.pop())
    }

    pub(crate) async fn get_products(&self, ids: &[ProductId]) -> CoreResult<Vec<Product>> {
        let sql = format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id IN ({{in}})");
        let rows: Vec<ProductRow> = select_in!(self, sqlx::query_as, sql, [], ids, |id| id.0);
        rows.into_iter().map(Product::try_from).collect()
    }

    /// Live products holding these normalized (lower-case) SKUs.
    pub(crate) async fn products_with_skus(&self, skus: &[String]) -> CoreResult<Vec<Product>> {
        let sql = format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE deleted_at IS NULL AND sku_norm IN ({{in}})"
        );
        let rows: Vec<ProductRow> = select_in!(self, sqlx::query_as, sql, [], skus, |s| s);
        rows.into_iter().map(Product::try_from).collect()
    }

    pub(crate) async fn update_product(
        &self,
        p: &Product,
        expected_version: i64,
        event: &Event,
    ) -> CoreResult<bool> {
        with_pool!(self, write, pool => {
            let mut tx = pool.begin().await.map_err(db_err)?;
            let done = bind_product!(sqlx::query(UPDATE_PRODUCT), p)
                .bind(expected_version)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            write_unique_values!(tx, [p], true);
            insert_event!(tx, event);
            tx.commit().await.map_err(db_err)?;
        });
        Ok(true)
    }

    pub(crate) async fn list_products(&self, q: &ProductQuery) -> CoreResult<Vec<Product>> {
        list_in_sort_parts!(self, q, ProductQuery, list_products_in)
    }

    /// The list of `q` within `part` of a custom-field sort (ignored by other sorts).
    async fn list_products_in(&self, q: &ProductQuery, part: SortPart) -> CoreResult<Vec<Product>> {
        let (sql, args) = if self.is_sqlite() {
            list_sql::<Sqlite>(q, part)?
        } else {
            list_sql::<Postgres>(q, part)?
        };
        let rows: Vec<ProductRow> = with_pool!(self, read, pool => {
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())), &args)
                .fetch_all(pool)
                .await
                .map_err(db_err)?
        });
        rows.into_iter().map(Product::try_from).collect()
    }
}

/// The list statement and its arguments for backend `D` (the same SQL on both, but for the JSON
/// of `cf.<key>` filters and sorts).
fn list_sql<D: Dialect>(q: &ProductQuery, part: SortPart) -> CoreResult<(String, Vec<Arg>)> {
    let mut f = Filter::default();
    f.deleted(q.deleted, "p");
    match q.active {
        Some(true) => f.cond("p.active"),
        Some(false) => f.cond("NOT p.active"),
        None => {}
    }
    if let Some(c) = &q.category {
        let n = f.arg(Arg::Text(c.to_lowercase()));
        f.cond(format!("p.category_norm = ${n}"));
    }
    if let Some(c) = q.currency {
        let n = f.arg(Arg::Text(c.as_str().to_owned()));
        f.cond(format!("p.currency = ${n}"));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let n = f.arg(Arg::Text(like_pattern(&text.to_lowercase())));
        f.cond(format!(
            "(p.name_norm LIKE ${n} ESCAPE '\\' OR p.sku_norm LIKE ${n} ESCAPE '\\')"
        ));
    }
    let cols: Vec<String> = PRODUCT_COLUMNS
        .split(", ")
        .map(|c| format!("p.{c}"))
        .collect();
    if let Some(order_by) =
        custom_sort::<D>(&mut f, "p", &q.custom, q.order, q.after.as_ref(), part)?
    {
        let limit = f.arg(Arg::Int(i64::from(q.limit)));
        let sql = format!(
            "SELECT {} FROM products p {} ORDER BY {order_by} LIMIT ${limit}",
            cols.join(", "),
            f.where_clause()
        );
        return Ok((sql, f.args));
    }
    let (sort_expr, value): (&str, fn(&str) -> Option<Arg>) = match q.sort {
        ProductSortField::CreatedAt => ("p.created_at", time_value),
        ProductSortField::UpdatedAt => ("p.updated_at", time_value),
        ProductSortField::Name => ("p.name", text_value),
        ProductSortField::Sku => ("p.sku_norm", text_value),
        ProductSortField::Price => ("p.price", int_value),
    };
    if let Some(cur) = &q.after {
        f.after(cur, q.sort.as_str(), sort_expr, "p.id", q.order, value)?;
    }
    let limit = f.arg(Arg::Int(i64::from(q.limit)));
    let dir = direction(q.order);
    let sql = format!(
        "SELECT {} FROM products p {} ORDER BY {sort_expr} {dir}, p.id {dir} LIMIT ${limit}",
        cols.join(", "),
        f.where_clause()
    );
    Ok((sql, f.args))
}
