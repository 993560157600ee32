-- CSV imports with `on_duplicate=update`: the rows merged into existing records, counted beside
-- the accepted, rejected and duplicate ones. Append-only: never edit a shipped migration.
ALTER TABLE import_jobs ADD COLUMN rows_updated bigint NOT NULL DEFAULT 0;
