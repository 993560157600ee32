-- Privacy (issue 3, point 10): customers whose personal data was erased. The customer row stays
-- as an anonymised tombstone so that its transactions (and every revenue figure) stay right;
-- this table records when and by whom, and stops the tombstone from being restored.
CREATE TABLE customer_erasures (
    customer_id BLOB PRIMARY KEY REFERENCES customers (id),
    erased_at   TEXT NOT NULL,
    erased_by   BLOB
);
