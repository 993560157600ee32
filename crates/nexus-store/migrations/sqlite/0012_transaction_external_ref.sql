-- Transactions keyed by another system (`external_ref`), and CSV imports of them.
-- Append-only: never edit a shipped migration.

-- The order's key in another system: unique among live transactions, so that an import (or a
-- client) never records the same order twice. Deleted transactions free their key.
ALTER TABLE transactions ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX transactions_external_ref ON transactions (external_ref)
    WHERE external_ref IS NOT NULL AND deleted_at IS NULL;

-- The group a rejected row belonged to (a transaction import's order_ref), so that a later
-- batch of the same job recognises an order it has seen (a repeat, or the rest of an order
-- too long for one batch), also after a restart.
ALTER TABLE import_rejections ADD COLUMN group_key TEXT;
CREATE INDEX import_rejections_group ON import_rejections (job_id, group_key)
    WHERE group_key IS NOT NULL;
