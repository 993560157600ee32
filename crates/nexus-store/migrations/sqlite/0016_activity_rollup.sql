-- Activity volume per rep (issue 3, point 9) from a rollup, like revenue and signups (0005): live
-- activities per UTC creation day, owner, team (the nil UUID for none) and kind, maintained by
-- the store in the same database transaction as every activity write (create, edit of owner,
-- team or kind, delete, restore, erasure). The dashboard adds the rollup's whole days to a
-- count of the live rows in the partial days at either end of the requested window.

CREATE TABLE rollup_activities (
    day        text NOT NULL,           -- 'YYYY-MM-DD' of created_at
    owner_id   BLOB NOT NULL,
    team_id    BLOB NOT NULL,
    kind       text NOT NULL,
    activities bigint NOT NULL,         -- live (not deleted) activities
    PRIMARY KEY (day, owner_id, team_id, kind)
);

INSERT INTO rollup_activities (day, owner_id, team_id, kind, activities)
SELECT substr(created_at, 1, 10), owner_id, coalesce(team_id, X'00000000000000000000000000000000'), kind, count(*)
FROM activities WHERE deleted_at IS NULL
GROUP BY 1, 2, 3, 4;
