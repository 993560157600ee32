-- Activities written while the AI layer was slow or down have a body but no sentiment; a
-- retrying job scores them (issue 5). This partial index holds exactly those, in the job's
-- (created_at, id) order, so finding them costs nothing once every body is scored. Its predicate
-- is the job's query's, term for term (SQLite uses a partial index only then).
CREATE INDEX activities_sentiment_pending ON activities (created_at, id)
    WHERE sentiment IS NULL AND body IS NOT NULL AND body <> '' AND deleted_at IS NULL;
