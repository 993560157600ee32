-- Buyers of one currency in customer order, for the training run's keyset pages
-- (`purchase_facts_page`). Without it SQLite, which keeps no statistics, chose
-- `customer_revenue_top (currency, …)` and sorted every buyer of the currency for each page.
-- The key never changes when a transaction rewrites the row's figures, so the index costs a
-- write only when a customer buys in a new currency. PostgreSQL plans this page as a range of
-- the primary key (customer_id, currency) and needs no index.
CREATE INDEX customer_revenue_currency ON customer_revenue (currency, customer_id);
