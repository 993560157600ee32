-- Products, transactions with line items, and per-customer aggregates (PostgreSQL 15+).
-- Append-only: never edit a shipped migration.
-- Money is bigint minor units with an ISO 4217 `currency`; no float column ever holds money.

CREATE TABLE products (
    id            uuid PRIMARY KEY,
    sku           text NOT NULL,
    sku_norm      text NOT NULL,
    name          text NOT NULL,
    name_norm     text NOT NULL,
    description   text,
    category      text,
    category_norm text,
    price         bigint NOT NULL CHECK (price >= 0),
    currency      text NOT NULL,
    active        boolean NOT NULL,
    version       bigint NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
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
    id          uuid PRIMARY KEY,
    customer_id uuid NOT NULL REFERENCES customers (id),
    status      text NOT NULL,
    currency    text NOT NULL,
    total       bigint NOT NULL CHECK (total >= 0),
    occurred_at timestamptz NOT NULL,
    reference   text,
    created_by  uuid,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX transactions_customer ON transactions (customer_id, occurred_at, id);
CREATE INDEX transactions_occurred ON transactions (occurred_at, id);
CREATE INDEX transactions_created ON transactions (created_at, id);
CREATE INDEX transactions_total ON transactions (total, id);

CREATE TABLE transaction_items (
    transaction_id uuid NOT NULL REFERENCES transactions (id) ON DELETE CASCADE,
    position       bigint NOT NULL,
    product_id     uuid NOT NULL REFERENCES products (id),
    sku            text NOT NULL,
    name           text NOT NULL,
    quantity       bigint NOT NULL CHECK (quantity > 0),
    unit_price     bigint NOT NULL CHECK (unit_price >= 0),
    line_total     bigint NOT NULL CHECK (line_total >= 0),
    PRIMARY KEY (transaction_id, position)
);
CREATE INDEX transaction_items_product ON transaction_items (product_id, transaction_id);

-- Derived from `transactions` and rewritten in the same database transaction as every
-- transaction write of the customer. The row also serialises those writes per customer.
CREATE TABLE customer_aggregates (
    customer_id       uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    purchase_count    bigint NOT NULL,
    refund_count      bigint NOT NULL,
    first_purchase_at timestamptz,
    last_purchase_at  timestamptz,
    version           bigint NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE TABLE customer_revenue (
    customer_id     uuid NOT NULL REFERENCES customer_aggregates (customer_id) ON DELETE CASCADE,
    currency        text NOT NULL,
    revenue         bigint NOT NULL,
    purchase_count  bigint NOT NULL,
    refunded_amount bigint NOT NULL,
    refund_count    bigint NOT NULL,
    PRIMARY KEY (customer_id, currency)
);
