-- The AI layer (issue 5). Customers carry how their segment was reached: `assigned` (by the
-- behavioural model or, for a customer without purchases, the profile model), `pending` (the AI
-- layer was slow or down when the customer was written; a retrying job classifies it) or
-- `unscored` (no model was serving yet; the next training run scores it). Activities carry the
-- VADER compound score of their body. Every trained model version is kept with its metrics;
-- at most one version of each model serves.
ALTER TABLE customers ADD COLUMN segment_status text NOT NULL DEFAULT 'unscored';
ALTER TABLE customers ADD COLUMN segment_confidence double precision;
UPDATE customers SET segment_status = 'assigned' WHERE segment IS NOT NULL;
CREATE INDEX customers_segment_pending ON customers (created_at, id) WHERE segment_status = 'pending' AND deleted_at IS NULL;

ALTER TABLE activities ADD COLUMN sentiment double precision;

CREATE TABLE ai_models (
    id            uuid PRIMARY KEY,
    model         text NOT NULL,
    version       bigint NOT NULL,
    status        text NOT NULL,      -- serving | retired | rejected
    state         jsonb NOT NULL,     -- the trained state (carries its format version)
    metrics       jsonb NOT NULL,     -- evaluation on held-out data
    reason        text,               -- why a version was rejected
    training_rows bigint NOT NULL,
    fit_ms        bigint NOT NULL,
    trained_at    timestamptz NOT NULL,
    promoted_at   timestamptz,
    UNIQUE (model, version)
);
CREATE UNIQUE INDEX ai_models_serving ON ai_models (model) WHERE status = 'serving';
