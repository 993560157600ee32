-- CSV imports: one job per uploaded file. The worker commits the file batch by batch, each batch
-- in one transaction with the job's checkpoint (the byte offset where the next batch starts and
-- the counters), so a job resumes after a restart exactly where its last commit ended.
CREATE TABLE import_jobs (
    id              BLOB PRIMARY KEY,
    entity          TEXT NOT NULL,
    status          TEXT NOT NULL,
    file_name       TEXT NOT NULL,
    file_path       TEXT NOT NULL,
    file_bytes      INTEGER NOT NULL,
    columns         TEXT NOT NULL,
    preview         TEXT NOT NULL,
    mapping         TEXT,
    suggested       TEXT NOT NULL,
    options         TEXT NOT NULL,
    byte_offset     INTEGER NOT NULL DEFAULT 0,
    rows_processed  INTEGER NOT NULL DEFAULT 0,
    rows_accepted   INTEGER NOT NULL DEFAULT 0,
    rows_rejected   INTEGER NOT NULL DEFAULT 0,
    rows_duplicate  INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    -- The worker holding the job, until when (renewed by every batch).
    lease_owner     TEXT,
    lease_until     TEXT,
    created_by      BLOB NOT NULL,
    version         INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT
);
CREATE INDEX import_jobs_creator ON import_jobs (created_by, id);
CREATE INDEX import_jobs_pending ON import_jobs (status) WHERE status IN ('queued', 'running');

-- Rows the import did not commit, with the reasons field by field and the row as read.
CREATE TABLE import_rejections (
    job_id     BLOB NOT NULL REFERENCES import_jobs (id),
    row_number INTEGER NOT NULL,
    duplicate  INTEGER NOT NULL,
    errors     TEXT NOT NULL,
    vals       TEXT NOT NULL,
    PRIMARY KEY (job_id, row_number)
);
