-- Saved views (issue 3, point 6): a named filter, sort and column choice over one list, private
-- to its owner or shared with the owner's team.
CREATE TABLE saved_views (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL,
    name_norm   TEXT NOT NULL,
    resource    TEXT NOT NULL,
    filters     TEXT NOT NULL,
    sort        TEXT,
    columns     TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    owner_id    BLOB NOT NULL REFERENCES users (id),
    team_id     BLOB,
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
);
-- One live view of a name per owner and list.
CREATE UNIQUE INDEX saved_views_name ON saved_views (owner_id, resource, name_norm) WHERE deleted_at IS NULL;
CREATE INDEX saved_views_team ON saved_views (team_id, resource, name_norm) WHERE visibility = 'team';
CREATE INDEX saved_views_list ON saved_views (resource, name_norm, id);
