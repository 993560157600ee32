-- Custom fields: admin-defined fields of an entity (customers today). Values live in the
-- record's `attributes` JSON under the field's key; deleting a definition is a soft delete that
-- leaves the stored values alone. Numbered 0007 after 0008 existed: sqlx applies a missing
-- lower version on an existing database (it refuses only unknown applied versions).
CREATE TABLE custom_fields (
    id            BLOB PRIMARY KEY,
    entity        TEXT NOT NULL,
    key           TEXT NOT NULL,
    label         TEXT NOT NULL,
    field_type    TEXT NOT NULL,
    options       TEXT NOT NULL,
    currency      TEXT,
    required      INTEGER NOT NULL,
    unique_values INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
);
-- A key names one live field per entity.
CREATE UNIQUE INDEX custom_fields_key ON custom_fields (entity, key) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_list ON custom_fields (entity, position, id);

-- The values of live `unique_values` fields held by live records, written in the transaction
-- of the record write: the unique index refuses a second record with the same value.
CREATE TABLE custom_field_values_unique (
    field_id   BLOB NOT NULL REFERENCES custom_fields (id),
    value_text TEXT NOT NULL,
    entity_id  BLOB NOT NULL
);
CREATE UNIQUE INDEX custom_field_values_unique_value ON custom_field_values_unique (field_id, value_text);
CREATE INDEX custom_field_values_unique_entity ON custom_field_values_unique (entity_id);
