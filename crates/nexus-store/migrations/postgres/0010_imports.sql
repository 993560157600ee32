-- CSV imports: one job per uploaded file. The worker commits the file batch by batch, each batch
-- in one transaction with the job's checkpoint (the byte offset where the next batch starts and
-- the counters), so a job resumes after a restart exactly where its last commit ended.
CREATE TABLE import_jobs (
    id              uuid PRIMARY KEY,
    entity          text NOT NULL,
    status          text NOT NULL,
    file_name       text NOT NULL,
    file_path       text NOT NULL,
    file_bytes      bigint NOT NULL,
    columns         jsonb NOT NULL,
    preview         jsonb NOT NULL,
    mapping         jsonb,
    suggested       jsonb NOT NULL,
    options         jsonb NOT NULL,
    byte_offset     bigint NOT NULL DEFAULT 0,
    rows_processed  bigint NOT NULL DEFAULT 0,
    rows_accepted   bigint NOT NULL DEFAULT 0,
    rows_rejected   bigint NOT NULL DEFAULT 0,
    rows_duplicate  bigint NOT NULL DEFAULT 0,
    error           text,
    -- The worker holding the job, until when (renewed by every batch).
    lease_owner     text,
    lease_until     timestamptz,
    created_by      uuid NOT NULL,
    version         bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX import_jobs_creator ON import_jobs (created_by, id);
CREATE INDEX import_jobs_pending ON import_jobs (status) WHERE status IN ('queued', 'running');

-- Rows the import did not commit, with the reasons field by field and the row as read.
CREATE TABLE import_rejections (
    job_id     uuid NOT NULL REFERENCES import_jobs (id),
    row_number bigint NOT NULL,
    duplicate  boolean NOT NULL,
    errors     jsonb NOT NULL,
    vals       jsonb NOT NULL,
    PRIMARY KEY (job_id, row_number)
);
