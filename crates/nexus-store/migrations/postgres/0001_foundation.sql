-- NEXUS foundation schema (PostgreSQL 15+). Append-only: never edit a shipped migration.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE teams (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name));

CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    email               text NOT NULL,
    email_norm          text NOT NULL UNIQUE,
    name                text NOT NULL,
    role                text NOT NULL,
    team_id             uuid REFERENCES teams (id),
    active              boolean NOT NULL,
    password_hash       text NOT NULL,
    password_expires_at timestamptz,
    version             bigint NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    last_login_at       timestamptz
);
CREATE INDEX users_team ON users (team_id, id);

CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  text NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_revoked ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,
    key_hash     text NOT NULL UNIQUE,
    role         text NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id),
    team_id      uuid,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE customers (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    name         text NOT NULL,
    email        text,
    email_norm   text,
    phone        text,
    company_id   uuid REFERENCES customers (id),
    company_name text,
    status       text NOT NULL,
    owner_id     uuid NOT NULL REFERENCES users (id),
    team_id      uuid,
    tags         jsonb NOT NULL,
    attributes   jsonb NOT NULL,
    segment      text,
    version      bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz,
    -- Substring search over name, email, company and phone through a trigram index.
    search_text  text GENERATED ALWAYS AS (
        lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(company_name, '') || ' ' || coalesce(phone, ''))
    ) STORED
);
CREATE UNIQUE INDEX customers_email ON customers (email_norm) WHERE email_norm IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX customers_created ON customers (created_at, id);
CREATE INDEX customers_updated ON customers (updated_at, id);
CREATE INDEX customers_name ON customers (name, id);
CREATE INDEX customers_email_sort ON customers ((coalesce(email_norm, '')), id);
CREATE INDEX customers_status ON customers (status, created_at, id);
CREATE INDEX customers_owner ON customers (owner_id, created_at, id);
CREATE INDEX customers_team ON customers (team_id, created_at, id);
CREATE INDEX customers_company ON customers (company_id) WHERE company_id IS NOT NULL;
CREATE INDEX customers_segment ON customers (segment) WHERE segment IS NOT NULL;
CREATE INDEX customers_search ON customers USING gin (search_text gin_trgm_ops);

CREATE TABLE customer_tags (
    tag         text NOT NULL,
    customer_id uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, customer_id)
);

CREATE TABLE events (
    id          uuid PRIMARY KEY,
    seq         bigint UNIQUE,
    event_type  text NOT NULL,
    entity      text NOT NULL,
    entity_id   uuid NOT NULL,
    action      text NOT NULL,
    actor_id    uuid,
    owner_id    uuid,
    team_id     uuid,
    changes     jsonb NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX events_entity ON events (entity_id, id);
CREATE INDEX events_unsequenced ON events (id) WHERE seq IS NULL;

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    status       integer,
    body         text,
    location     text,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
