-- Transactions keyed by another system (`external_ref`).
-- Append-only: never edit a shipped migration.

-- The order's key in another system: unique among live transactions, so that an import (or a
-- client) never records the same order twice. Deleted transactions free their key.
ALTER TABLE transactions ADD COLUMN external_ref TEXT;
CREATE UNIQUE INDEX transactions_external_ref ON transactions (external_ref)
    WHERE external_ref IS NOT NULL AND deleted_at IS NULL;
