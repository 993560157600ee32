-- The AI layer (issue 5). Customers carry how their segment was reached: `assigned` (by the
-- behavioural model or, for a customer without purchases, the profile model), `pending` (the AI
-- layer was slow or down when the customer was written; a retrying job classifies it) or
-- `unscored` (no model was serving yet; the next training run scores it). Activities carry the
-- VADER compound score of their body. Every trained model version is kept with its metrics;
-- at most one version of each model serves.
ALTER TABLE customers ADD COLUMN segment_status TEXT NOT NULL DEFAULT 'unscored';
ALTER TABLE customers ADD COLUMN segment_confidence REAL;
UPDATE customers SET segment_status = 'assigned' WHERE segment IS NOT NULL;
CREATE INDEX customers_segment_pending ON customers (created_at, id) WHERE segment_status = 'pending' AND deleted_at IS NULL;

ALTER TABLE activities ADD COLUMN sentiment REAL;

CREATE TABLE ai_models (
    id            BLOB PRIMARY KEY,
    model         TEXT NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT NOT NULL,      -- serving | retired | rejected
    state         TEXT NOT NULL,      -- the trained state (JSON, carries its format version)
    metrics       TEXT NOT NULL,      -- evaluation on held-out data (JSON)
    reason        TEXT,               -- why a version was rejected
    training_rows INTEGER NOT NULL,
    fit_ms        INTEGER NOT NULL,
    trained_at    TEXT NOT NULL,
    promoted_at   TEXT,
    UNIQUE (model, version)
);
CREATE UNIQUE INDEX ai_models_serving ON ai_models (model) WHERE status = 'serving';
