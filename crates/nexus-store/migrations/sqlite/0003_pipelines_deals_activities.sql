-- Pipelines with their stages, deals (kanban position per stage, stage history) and activities
-- (SQLite). Append-only: never edit a shipped migration. (0002 belongs to products and
-- transactions.)

CREATE TABLE pipelines (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    is_default  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE UNIQUE INDEX pipelines_name ON pipelines (lower(name)) WHERE deleted_at IS NULL;
-- At most one default pipeline.
CREATE UNIQUE INDEX pipelines_default ON pipelines (is_default) WHERE is_default = 1;
CREATE INDEX pipelines_created ON pipelines (created_at, id);

-- Removed stages are archived, not deleted: deals (live ones never, soft-deleted ones may) and
-- the stage history keep pointing at them.
CREATE TABLE pipeline_stages (
    id          BLOB PRIMARY KEY,
    pipeline_id BLOB NOT NULL REFERENCES pipelines (id),
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    probability INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    archived_at TEXT
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

CREATE TABLE deals (
    id                  BLOB PRIMARY KEY,
    title               TEXT NOT NULL,
    title_norm          TEXT NOT NULL,
    customer_id         BLOB NOT NULL REFERENCES customers (id),
    value               INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    pipeline_id         BLOB NOT NULL REFERENCES pipelines (id),
    stage_id            BLOB NOT NULL REFERENCES pipeline_stages (id),
    status              TEXT NOT NULL,
    lost_reason         TEXT,
    owner_id            BLOB NOT NULL REFERENCES users (id),
    team_id             BLOB,
    expected_close_date TEXT,
    closed_at           TEXT,
    position            INTEGER NOT NULL,
    version             INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    deleted_at          TEXT
);
-- Kanban order: positions are unique inside a stage among live deals.
CREATE UNIQUE INDEX deals_position ON deals (stage_id, position) WHERE deleted_at IS NULL;
CREATE INDEX deals_created ON deals (created_at, id);
CREATE INDEX deals_updated ON deals (updated_at, id);
CREATE INDEX deals_pipeline ON deals (pipeline_id, created_at, id);
CREATE INDEX deals_owner ON deals (owner_id, created_at, id);
CREATE INDEX deals_team ON deals (team_id, created_at, id);
CREATE INDEX deals_customer ON deals (customer_id, created_at, id);
CREATE INDEX deals_close ON deals (expected_close_date, id);

CREATE TABLE deal_stage_changes (
    id              BLOB PRIMARY KEY,
    deal_id         BLOB NOT NULL REFERENCES deals (id),
    pipeline_id     BLOB NOT NULL,
    from_stage_id   BLOB,
    from_stage_name TEXT,
    to_stage_id     BLOB NOT NULL,
    to_stage_name   TEXT NOT NULL,
    actor_id        BLOB,
    changed_at      TEXT NOT NULL
);
CREATE INDEX deal_stage_changes_deal ON deal_stage_changes (deal_id, id);

CREATE TABLE activities (
    id           BLOB PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    body         TEXT,
    due_at       TEXT,
    done         INTEGER NOT NULL,
    completed_at TEXT,
    assignee_id  BLOB REFERENCES users (id),
    customer_id  BLOB NOT NULL REFERENCES customers (id),
    deal_id      BLOB REFERENCES deals (id),
    owner_id     BLOB NOT NULL REFERENCES users (id),
    team_id      BLOB,
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
);
CREATE INDEX activities_created ON activities (created_at, id);
CREATE INDEX activities_updated ON activities (updated_at, id);
CREATE INDEX activities_customer ON activities (customer_id, created_at, id);
CREATE INDEX activities_deal ON activities (deal_id, created_at, id) WHERE deal_id IS NOT NULL;
CREATE INDEX activities_assignee ON activities (assignee_id, done, due_at) WHERE assignee_id IS NOT NULL;
CREATE INDEX activities_owner ON activities (owner_id, done, due_at);
CREATE INDEX activities_team ON activities (team_id, created_at, id);
CREATE INDEX activities_open_due ON activities (due_at, id) WHERE done = 0;

-- The default sales pipeline, created with the schema (so exactly once, whatever the number of
-- instances starting at the same time). Fixed ids; admins may rename or change it.
INSERT INTO pipelines (id, name, is_default, version, created_at, updated_at, deleted_at)
VALUES (X'00000000000070008000000000000001', 'Sales', 1, 1,
        strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), NULL);
INSERT INTO pipeline_stages (id, pipeline_id, position, name, probability, kind, archived_at) VALUES
    (X'00000000000070008000000000000101', X'00000000000070008000000000000001', 0, 'Lead-in', 10, 'open', NULL),
    (X'00000000000070008000000000000102', X'00000000000070008000000000000001', 1, 'Qualified', 25, 'open', NULL),
    (X'00000000000070008000000000000103', X'00000000000070008000000000000001', 2, 'Proposal', 50, 'open', NULL),
    (X'00000000000070008000000000000104', X'00000000000070008000000000000001', 3, 'Negotiation', 75, 'open', NULL),
    (X'00000000000070008000000000000105', X'00000000000070008000000000000001', 4, 'Won', 100, 'won', NULL),
    (X'00000000000070008000000000000106', X'00000000000070008000000000000001', 5, 'Lost', 0, 'lost', NULL);
