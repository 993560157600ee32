-- The INSERT that POST /api/v1/customers runs (NEXUS also writes the event row, the tag rows and
-- checks permissions in the same transaction; this is the customer row alone).
\set r random(1, 1000000000000)
INSERT INTO customers (id, kind, name, email, email_norm, phone, company_id, company_name, status, owner_id, team_id, tags, attributes, segment, version, created_at, updated_at, deleted_at)
VALUES (gen_random_uuid(), 'person', 'Bench Person', 'pgb' || :client_id || '.' || :r || '@bench.test', 'pgb' || :client_id || '.' || :r || '@bench.test', '+1 555 0100', NULL, 'Bench Co', 'lead', CAST(:owner AS uuid), NULL, '["bench"]', '{}', NULL, 1, now(), now(), NULL);
