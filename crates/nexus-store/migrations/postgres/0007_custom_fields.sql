-- Custom fields: admin-defined fields of an entity (customers today). Values live in the
-- record's `attributes` JSON under the field's key; deleting a definition is a soft delete that
-- leaves the stored values alone. Numbered 0007 after 0008 existed: sqlx applies a missing
-- lower version on an existing database (it refuses only unknown applied versions).
CREATE TABLE custom_fields (
    id            uuid PRIMARY KEY,
    entity        text NOT NULL,
    key           text NOT NULL,
    label         text NOT NULL,
    field_type    text NOT NULL,
    options       jsonb NOT NULL,
    currency      text,
    required      boolean NOT NULL,
    unique_values boolean NOT NULL,
    position      bigint NOT NULL,
    version       bigint NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    deleted_at    timestamptz
);
-- A key names one live field per entity.
CREATE UNIQUE INDEX custom_fields_key ON custom_fields (entity, key) WHERE deleted_at IS NULL;
CREATE INDEX custom_fields_list ON custom_fields (entity, position, id);

-- The values of live `unique_values` fields held by live records, written in the transaction
-- of the record write: the unique index refuses a second record with the same value.
CREATE TABLE custom_field_values_unique (
    field_id   uuid NOT NULL REFERENCES custom_fields (id),
    value_text text NOT NULL,
    entity_id  uuid NOT NULL
);
CREATE UNIQUE INDEX custom_field_values_unique_value ON custom_field_values_unique (field_id, value_text);
CREATE INDEX custom_field_values_unique_entity ON custom_field_values_unique (entity_id);
