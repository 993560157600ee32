-- Custom fields on deals and products: like customers (0007), each record keeps the values of
-- its custom fields in an `attributes` JSON object under the field's key. Existing rows get an
-- empty object (a constant default: no table rewrite). The definitions (`custom_fields.entity`
-- = 'deal' / 'product') and the index of unique values (`custom_field_values_unique`, keyed by
-- field and record id) are shared with customers and need no change.
ALTER TABLE deals ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE products ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
