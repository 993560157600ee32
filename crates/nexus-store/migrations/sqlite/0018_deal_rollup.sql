-- Pipeline by stage (issue 3, point 9) from a rollup, like activity volume (0016): live deals
-- per pipeline, stage, currency, owner and team (the nil UUID for none), with their count and
-- summed value, maintained by the store in the same database transaction as every deal write
-- (create, edit, stage move, delete, restore, erasure, demo load). Kanban renumbering moves
-- positions only and leaves it alone.

CREATE TABLE rollup_deals (
    pipeline_id BLOB NOT NULL,
    stage_id    BLOB NOT NULL,
    currency    text NOT NULL,
    owner_id    BLOB NOT NULL,
    team_id     BLOB NOT NULL,
    deals       bigint NOT NULL,        -- live (not deleted) deals
    value       bigint NOT NULL,        -- their summed value, minor units
    PRIMARY KEY (pipeline_id, stage_id, currency, owner_id, team_id)
);

INSERT INTO rollup_deals (pipeline_id, stage_id, currency, owner_id, team_id, deals, value)
SELECT pipeline_id, stage_id, currency, owner_id, coalesce(team_id, X'00000000000000000000000000000000'), count(*), sum(value)
FROM deals WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4, 5;
