-- Dashboards (issue 3, point 9). Revenue by month and new customers by day are kept as small
-- rollups, maintained by the store in the same database transaction as every write that moves
-- them, so a dashboard reads a few hundred rows instead of scanning millions. Each rollup row is
-- keyed by the owner and team of the customer (the nil UUID stands for "no team", so the key
-- has no NULLs), which lets a team-scoped caller read only their part. Months and days are UTC.

CREATE TABLE rollup_revenue (
    month     text NOT NULL,           -- 'YYYY-MM' of occurred_at
    currency  text NOT NULL,
    owner_id  uuid NOT NULL,
    team_id   uuid NOT NULL,
    revenue   bigint NOT NULL,         -- Σ total of live completed transactions
    purchases bigint NOT NULL,
    PRIMARY KEY (month, currency, owner_id, team_id)
);

CREATE TABLE rollup_signups (
    day       text NOT NULL,           -- 'YYYY-MM-DD' of created_at
    owner_id  uuid NOT NULL,
    team_id   uuid NOT NULL,
    customers bigint NOT NULL,         -- live (not deleted) customers created that day
    PRIMARY KEY (day, owner_id, team_id)
);

INSERT INTO rollup_revenue (month, currency, owner_id, team_id, revenue, purchases)
SELECT to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM'), t.currency, c.owner_id,
       coalesce(c.team_id, '00000000-0000-0000-0000-000000000000'), sum(t.total), count(*)
FROM transactions t JOIN customers c ON c.id = t.customer_id
WHERE t.deleted_at IS NULL AND t.status = 'completed'
GROUP BY 1, 2, 3, 4;

INSERT INTO rollup_signups (day, owner_id, team_id, customers)
SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), owner_id,
       coalesce(team_id, '00000000-0000-0000-0000-000000000000'), count(*)
FROM customers WHERE deleted_at IS NULL
GROUP BY 1, 2, 3;

-- Top customers: the largest lifetime revenues of one currency, read in index order.
CREATE INDEX customer_revenue_top ON customer_revenue (currency, revenue DESC, customer_id);
-- Pipeline by stage and activity volume per rep: index-only scans of live rows.
CREATE INDEX deals_board_totals ON deals (pipeline_id, stage_id, currency, value, owner_id, team_id) WHERE deleted_at IS NULL;
CREATE INDEX activities_volume ON activities (created_at, owner_id, kind, team_id) WHERE deleted_at IS NULL;
