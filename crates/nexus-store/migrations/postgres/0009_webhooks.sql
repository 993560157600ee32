-- Webhooks: endpoints registered for event types; one delivery per (endpoint, event), fed from
-- the event log after a cursor; every attempt logged. Secrets are stored sealed (AES-256-GCM).
CREATE TABLE webhooks (
    id                   uuid PRIMARY KEY,
    url                  text NOT NULL,
    description          text,
    event_types          jsonb NOT NULL,
    secret_sealed        text NOT NULL,
    active               boolean NOT NULL,
    disabled_at          timestamptz,
    disabled_reason      text,
    consecutive_failures bigint NOT NULL DEFAULT 0,
    created_by           uuid NOT NULL,
    version              bigint NOT NULL,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    deleted_at           timestamptz
);

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    webhook_id      uuid NOT NULL REFERENCES webhooks (id),
    event_id        uuid NOT NULL,
    event_seq       bigint NOT NULL,
    event_type      text NOT NULL,
    payload         jsonb NOT NULL,
    status          text NOT NULL,
    attempts        bigint NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    -- A dispatcher's claim: nobody else sends this delivery before then.
    locked_until    timestamptz,
    last_status     bigint,
    last_error      text,
    manual          boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- The fan-out is idempotent: one delivery per endpoint and event.
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (webhook_id, id);

CREATE TABLE webhook_attempts (
    id               uuid PRIMARY KEY,
    delivery_id      uuid NOT NULL REFERENCES webhook_deliveries (id),
    attempt          bigint NOT NULL,
    triggered_by     text NOT NULL,
    started_at       timestamptz NOT NULL,
    duration_ms      bigint NOT NULL,
    status_code      bigint,
    error            text,
    response_excerpt text
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, started_at);

-- The last event (by seq) fanned out. Starts at the end of the log: endpoints get the events
-- that happen after they are registered.
CREATE TABLE webhook_cursor (
    id  integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
INSERT INTO webhook_cursor (id, seq) SELECT 1, coalesce(max(seq), 0) FROM events;
