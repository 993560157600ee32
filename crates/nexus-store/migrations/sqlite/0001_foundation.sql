-- NEXUS foundation schema (SQLite). Append-only: never edit a shipped migration.
-- UUIDs are 16-byte BLOBs, times RFC 3339 text in UTC, JSON as text.

CREATE TABLE teams (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name));

CREATE TABLE users (
    id                  BLOB PRIMARY KEY,
    email               TEXT NOT NULL,
    email_norm          TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL,
    team_id             BLOB REFERENCES teams (id),
    active              INTEGER NOT NULL,
    password_hash       TEXT NOT NULL,
    password_expires_at TEXT,
    version             INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    last_login_at       TEXT
);
CREATE INDEX users_team ON users (team_id, id);

CREATE TABLE refresh_tokens (
    id          BLOB PRIMARY KEY,
    session_id  BLOB NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_revoked ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users (id),
    team_id      BLOB,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE customers (
    id           BLOB PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT,
    email_norm   TEXT,
    phone        TEXT,
    company_id   BLOB REFERENCES customers (id),
    company_name TEXT,
    status       TEXT NOT NULL,
    owner_id     BLOB NOT NULL REFERENCES users (id),
    team_id      BLOB,
    tags         TEXT NOT NULL,
    attributes   TEXT NOT NULL,
    segment      TEXT,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);
CREATE UNIQUE INDEX customers_email ON customers (email_norm) WHERE email_norm IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX customers_created ON customers (created_at, id);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_name ON customers (name, id);
CREATE INDEX customers_email_sort ON customers (coalesce(email_norm, ''), id);
CREATE INDEX customers_status ON customers (status, created_at, id);
CREATE INDEX customers_owner ON customers (owner_id, created_at, id);
CREATE INDEX customers_team ON customers (team_id, created_at, id);
CREATE INDEX customers_company ON customers (company_id) WHERE company_id IS NOT NULL;
CREATE INDEX customers_segment ON customers (segment) WHERE segment IS NOT NULL;

CREATE TABLE customer_tags (
    tag         TEXT NOT NULL,
    customer_id BLOB NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, customer_id)
) WITHOUT ROWID;

-- Substring search over name, email, company and phone: FTS5 with the trigram tokenizer,
-- kept in step with the table by triggers.
CREATE VIRTUAL TABLE customers_fts USING fts5 (
    name, email, company_name, phone,
    content = 'customers', content_rowid = 'rowid', tokenize = 'trigram'
);
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, name, email, company_name, phone)
    VALUES (new.rowid, new.name, new.email, new.company_name, new.phone);
END;
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, name, email, company_name, phone)
    VALUES ('delete', old.rowid, old.name, old.email, old.company_name, old.phone);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF name, email, company_name, phone ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, name, email, company_name, phone)
    VALUES ('delete', old.rowid, old.name, old.email, old.company_name, old.phone);
    INSERT INTO customers_fts (rowid, name, email, company_name, phone)
    VALUES (new.rowid, new.name, new.email, new.company_name, new.phone);
END;

CREATE TABLE events (
    id          BLOB PRIMARY KEY,
    seq         INTEGER UNIQUE,
    event_type  TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   BLOB NOT NULL,
    action      TEXT NOT NULL,
    actor_id    BLOB,
    owner_id    BLOB,
    team_id     BLOB,
    changes     TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE INDEX events_entity ON events (entity_id, id);
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER,
    body         TEXT,
    location     TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
