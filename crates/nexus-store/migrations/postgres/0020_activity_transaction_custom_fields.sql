-- Custom fields on activities and transactions: like customers (0007), deals and products
-- (0017), each record keeps the values of its custom fields in an `attributes` JSON object under
-- the field's key. Existing rows get an empty object (a constant default: no table rewrite).
-- The definitions (`custom_fields.entity` = 'activity' / 'transaction') and the index of unique
-- values (`custom_field_values_unique`, keyed by field and record id) are shared with the other
-- entities and need no change.
ALTER TABLE activities ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE transactions ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
