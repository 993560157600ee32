-- The tags of one customer. The primary key leads with the tag, so rewriting a customer's tags
-- (every customer update deletes them by customer_id) and cascading a customer's erasure
-- scanned the whole tag table.
CREATE INDEX customer_tags_customer ON customer_tags (customer_id);
