-- Webhooks: endpoints registered for event types; one delivery per (endpoint, event), fed from
-- the event log after a cursor; every attempt logged. Secrets are stored sealed (AES-256-GCM).
CREATE TABLE webhooks (
    id                   BLOB PRIMARY KEY,
    url                  TEXT NOT NULL,
    description          TEXT,
    event_types          TEXT NOT NULL,
    secret_sealed        TEXT NOT NULL,
    active               INTEGER NOT NULL,
    disabled_at          TEXT,
    disabled_reason      TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_by           BLOB NOT NULL,
    version              INTEGER NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    deleted_at           TEXT
);

CREATE TABLE webhook_deliveries (
    id              BLOB PRIMARY KEY,
    webhook_id      BLOB NOT NULL REFERENCES webhooks (id),
    event_id        BLOB NOT NULL,
    event_seq       INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    -- A dispatcher's claim: nobody else sends this delivery before then.
    locked_until    TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    manual          INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- The fan-out is idempotent: one delivery per endpoint and event.
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id               BLOB PRIMARY KEY,
    delivery_id      BLOB NOT NULL REFERENCES webhook_deliveries (id),
    attempt          INTEGER NOT NULL,
    triggered_by     TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    duration_ms      INTEGER NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, started_at);

-- The last event (by seq) fanned out. Starts at the end of the log: endpoints get the events
-- that happen after they are registered.
CREATE TABLE webhook_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, seq) SELECT 1, coalesce(max(seq), 0) FROM events;
