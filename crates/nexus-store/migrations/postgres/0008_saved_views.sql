-- Saved views (issue 3, point 6): a named filter, sort and column choice over one list, private
-- to its owner or shared with the owner's team.
CREATE TABLE saved_views (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    name_norm   text NOT NULL,
    resource    text NOT NULL,
    filters     jsonb NOT NULL,
    sort        text,
    columns     jsonb NOT NULL,
    visibility  text NOT NULL,
    owner_id    uuid NOT NULL REFERENCES users (id),
    team_id     uuid,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
-- One live view of a name per owner and list.
CREATE UNIQUE INDEX saved_views_name ON saved_views (owner_id, resource, name_norm) WHERE deleted_at IS NULL;
CREATE INDEX saved_views_team ON saved_views (team_id, resource, name_norm) WHERE visibility = 'team';
CREATE INDEX saved_views_list ON saved_views (resource, name_norm, id);
