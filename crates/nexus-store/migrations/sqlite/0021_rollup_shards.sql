-- Rollup rows without a hot spot (issue 2, point 13): on PostgreSQL each rollup key gets up to
-- 16 rows, one per `shard` (see the PostgreSQL migration). SQLite has one writer, so no row is
-- ever contended and every row keeps shard 0; the column and key are the same on both backends
-- so that the store's upserts (`ON CONFLICT (…, shard)`) are one SQL text. SQLite cannot change
-- a primary key in place: each table is rebuilt with its rows.

CREATE TABLE rollup_revenue_sharded (
    month     text NOT NULL,
    currency  text NOT NULL,
    owner_id  BLOB NOT NULL,
    team_id   BLOB NOT NULL,
    revenue   bigint NOT NULL,
    purchases bigint NOT NULL,
    shard     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (month, currency, owner_id, team_id, shard)
);
INSERT INTO rollup_revenue_sharded (month, currency, owner_id, team_id, revenue, purchases)
SELECT month, currency, owner_id, team_id, revenue, purchases FROM rollup_revenue;
DROP TABLE rollup_revenue;
ALTER TABLE rollup_revenue_sharded RENAME TO rollup_revenue;

CREATE TABLE rollup_signups_sharded (
    day       text NOT NULL,
    owner_id  BLOB NOT NULL,
    team_id   BLOB NOT NULL,
    customers bigint NOT NULL,
    shard     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, owner_id, team_id, shard)
);
INSERT INTO rollup_signups_sharded (day, owner_id, team_id, customers)
SELECT day, owner_id, team_id, customers FROM rollup_signups;
DROP TABLE rollup_signups;
ALTER TABLE rollup_signups_sharded RENAME TO rollup_signups;

CREATE TABLE rollup_activities_sharded (
    day        text NOT NULL,
    owner_id   BLOB NOT NULL,
    team_id    BLOB NOT NULL,
    kind       text NOT NULL,
    activities bigint NOT NULL,
    shard      integer NOT NULL DEFAULT 0,
    PRIMARY KEY (day, owner_id, team_id, kind, shard)
);
INSERT INTO rollup_activities_sharded (day, owner_id, team_id, kind, activities)
SELECT day, owner_id, team_id, kind, activities FROM rollup_activities;
DROP TABLE rollup_activities;
ALTER TABLE rollup_activities_sharded RENAME TO rollup_activities;

CREATE TABLE rollup_deals_sharded (
    pipeline_id BLOB NOT NULL,
    stage_id    BLOB NOT NULL,
    currency    text NOT NULL,
    owner_id    BLOB NOT NULL,
    team_id     BLOB NOT NULL,
    deals       bigint NOT NULL,
    value       bigint NOT NULL,
    shard       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (pipeline_id, stage_id, currency, owner_id, team_id, shard)
);
INSERT INTO rollup_deals_sharded (pipeline_id, stage_id, currency, owner_id, team_id, deals, value)
SELECT pipeline_id, stage_id, currency, owner_id, team_id, deals, value FROM rollup_deals;
DROP TABLE rollup_deals;
ALTER TABLE rollup_deals_sharded RENAME TO rollup_deals;
