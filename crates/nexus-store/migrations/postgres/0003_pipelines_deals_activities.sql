-- Pipelines with their stages, deals (kanban position per stage, stage history) and activities
-- (PostgreSQL). Append-only: never edit a shipped migration. (0002 belongs to products and
-- transactions.)

CREATE TABLE pipelines (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    is_default  boolean NOT NULL,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX pipelines_name ON pipelines (lower(name)) WHERE deleted_at IS NULL;
-- At most one default pipeline.
CREATE UNIQUE INDEX pipelines_default ON pipelines (is_default) WHERE is_default;
CREATE INDEX pipelines_created ON pipelines (created_at, id);

-- Removed stages are archived, not deleted: deals (live ones never, soft-deleted ones may) and
-- the stage history keep pointing at them.
CREATE TABLE pipeline_stages (
    id          uuid PRIMARY KEY,
    pipeline_id uuid NOT NULL REFERENCES pipelines (id),
    position    integer NOT NULL,
    name        text NOT NULL,
    probability integer NOT NULL,
    kind        text NOT NULL,
    archived_at timestamptz
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

CREATE TABLE deals (
    id                  uuid PRIMARY KEY,
    title               text NOT NULL,
    title_norm          text NOT NULL,
    customer_id         uuid NOT NULL REFERENCES customers (id),
    value               bigint NOT NULL,
    currency            text NOT NULL,
    pipeline_id         uuid NOT NULL REFERENCES pipelines (id),
    stage_id            uuid NOT NULL REFERENCES pipeline_stages (id),
    status              text NOT NULL,
    lost_reason         text,
    owner_id            uuid NOT NULL REFERENCES users (id),
    team_id             uuid,
    expected_close_date date,
    closed_at           timestamptz,
    position            bigint NOT NULL,
    version             bigint NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    deleted_at          timestamptz
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
    id              uuid PRIMARY KEY,
    deal_id         uuid NOT NULL REFERENCES deals (id),
    pipeline_id     uuid NOT NULL,
    from_stage_id   uuid,
    from_stage_name text,
    to_stage_id     uuid NOT NULL,
    to_stage_name   text NOT NULL,
    actor_id        uuid,
    changed_at      timestamptz NOT NULL
);
CREATE INDEX deal_stage_changes_deal ON deal_stage_changes (deal_id, id);

CREATE TABLE activities (
    id           uuid PRIMARY KEY,
    kind         text NOT NULL,
    subject      text NOT NULL,
    body         text,
    due_at       timestamptz,
    done         boolean NOT NULL,
    completed_at timestamptz,
    assignee_id  uuid REFERENCES users (id),
    customer_id  uuid NOT NULL REFERENCES customers (id),
    deal_id      uuid REFERENCES deals (id),
    owner_id     uuid NOT NULL REFERENCES users (id),
    team_id      uuid,
    version      bigint NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deleted_at   timestamptz
);
CREATE INDEX activities_created ON activities (created_at, id);
CREATE INDEX activities_updated ON activities (updated_at, id);
CREATE INDEX activities_customer ON activities (customer_id, created_at, id);
CREATE INDEX activities_deal ON activities (deal_id, created_at, id) WHERE deal_id IS NOT NULL;
CREATE INDEX activities_assignee ON activities (assignee_id, done, due_at) WHERE assignee_id IS NOT NULL;
CREATE INDEX activities_owner ON activities (owner_id, done, due_at);
CREATE INDEX activities_team ON activities (team_id, created_at, id);
CREATE INDEX activities_open_due ON activities (due_at, id) WHERE NOT done;

-- The default sales pipeline, created with the schema (so exactly once, whatever the number of
-- instances starting at the same time: migrations run under sqlx's advisory lock). Fixed ids;
-- admins may rename or change it.
INSERT INTO pipelines (id, name, is_default, version, created_at, updated_at, deleted_at)
VALUES ('00000000-0000-7000-8000-000000000001', 'Sales', true, 1,
        date_trunc('microseconds', now()), date_trunc('microseconds', now()), NULL);
INSERT INTO pipeline_stages (id, pipeline_id, position, name, probability, kind, archived_at) VALUES
    ('00000000-0000-7000-8000-000000000101', '00000000-0000-7000-8000-000000000001', 0, 'Lead-in', 10, 'open', NULL),
    ('00000000-0000-7000-8000-000000000102', '00000000-0000-7000-8000-000000000001', 1, 'Qualified', 25, 'open', NULL),
    ('00000000-0000-7000-8000-000000000103', '00000000-0000-7000-8000-000000000001', 2, 'Proposal', 50, 'open', NULL),
    ('00000000-0000-7000-8000-000000000104', '00000000-0000-7000-8000-000000000001', 3, 'Negotiation', 75, 'open', NULL),
    ('00000000-0000-7000-8000-000000000105', '00000000-0000-7000-8000-000000000001', 4, 'Won', 100, 'won', NULL),
    ('00000000-0000-7000-8000-000000000106', '00000000-0000-7000-8000-000000000001', 5, 'Lost', 0, 'lost', NULL);
