-- The SELECT that GET /api/v1/customers/{id} runs, for a random seeded customer.
-- pgbench cannot draw a random UUID from a table, so the id comes from bench_ids (n → id, a
-- primary-key lookup on an integer) inside the same statement.
\set n random(1, :ids)
SELECT id, kind, name, email, phone, company_id, company_name, status, owner_id, team_id, tags, attributes, segment, version, created_at, updated_at, deleted_at
FROM customers WHERE id = (SELECT id FROM bench_ids WHERE n = :n);
