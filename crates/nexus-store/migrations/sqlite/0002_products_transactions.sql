-- Products, transactions with line items, and per-customer aggregates (SQLite).
-- Append-only: never edit a shipped migration.
-- Money is INTEGER minor units with an ISO 4217 `currency`; no REAL column ever holds money.

CREATE TABLE products (
    id            BLOB PRIMARY KEY,
    sku           TEXT NOT NULL,
    sku_norm      TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_norm     TEXT NOT NULL,
    description   TEXT,
    category      TEXT,
    category_norm TEXT,
    price         INTEGER NOT NULL CHECK (price >= 0),
    currency      TEXT NOT NULL,
    active        INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
);
-- SKUs are unique case-insensitively among live products.
CREATE UNIQUE INDEX products_sku ON products (sku_norm) WHERE deleted_at IS NULL;
CREATE INDEX products_created ON products (created_at, id);
CREATE INDEX products_updated ON products (updated_at, id);
CREATE INDEX products_name ON products (name, id);
CREATE INDEX products_sku_sort ON products (sku_norm, id);
CREATE INDEX products_price ON products (price, id);
CREATE INDEX products_category ON products (category_norm) WHERE category_norm IS NOT NULL;

CREATE TABLE transactions (
    id          BLOB PRIMARY KEY,
    customer_id BLOB NOT NULL REFERENCES customers (id),
    status      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    total       INTEGER NOT NULL CHECK (total >= 0),
    occurred_at TEXT NOT NULL,
    reference   TEXT,
    created_by  BLOB,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX transactions_customer ON transactions (customer_id, occurred_at, id);
CREATE INDEX transactions_occurred ON transactions (occurred_at, id);
CREATE INDEX transactions_created ON transactions (created_at, id);
CREATE INDEX transactions_total ON transactions (total, id);

CREATE TABLE transaction_items (
    transaction_id BLOB NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    product_id     BLOB NOT NULL REFERENCES products (id),
    sku            TEXT NOT NULL,
    name           TEXT NOT NULL,
    quantity       INTEGER NOT NULL CHECK (quantity > 0),
    unit_price     INTEGER NOT NULL CHECK (unit_price >= 0),
    line_total     INTEGER NOT NULL CHECK (line_total >= 0),
    PRIMARY KEY (transaction_id, position)
) WITHOUT ROWID;
CREATE INDEX transaction_items_product ON transaction_items (product_id, transaction_id);

-- Derived from `transactions` and rewritten in the same database transaction as every
-- transaction write of the customer. The row also serialises those writes per customer.
CREATE TABLE customer_aggregates (
    customer_id       BLOB PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    purchase_count    INTEGER NOT NULL,
    refund_count      INTEGER NOT NULL,
    first_purchase_at TEXT,
    last_purchase_at  TEXT,
    version           INTEGER NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE customer_revenue (
    customer_id     BLOB NOT NULL REFERENCES customer_aggregates (customer_id) ON DELETE CASCADE,
    currency        TEXT NOT NULL,
    revenue         INTEGER NOT NULL,
    purchase_count  INTEGER NOT NULL,
    refunded_amount INTEGER NOT NULL,
    refund_count    INTEGER NOT NULL,
    PRIMARY KEY (customer_id, currency)
) WITHOUT ROWID;
