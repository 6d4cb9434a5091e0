DROP INDEX "customers_id_trgm";--> statement-breakpoint
DROP INDEX "customers_msisdn_trgm";--> statement-breakpoint
CREATE INDEX "customers_id_lower_trgm" ON "customers" USING gin (lower("id") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "customers_msisdn_lower_trgm" ON "customers" USING gin (lower("msisdn") gin_trgm_ops);--> statement-breakpoint
-- Products' trigram indexes (hand-written in 0001, outside the Drizzle schema) move the same way:
-- the sync's look-up of a page of 1,000 source ids by external_product_id took the trigram index
-- (18 s per page at 20,000 products) instead of the unique btree on (system, external id).
DROP INDEX IF EXISTS "products_external_id_trgm";--> statement-breakpoint
DROP INDEX IF EXISTS "products_name_trgm";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "products_external_id_lower_trgm" ON "products" USING gin (lower("external_product_id") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "products_name_lower_trgm" ON "products" USING gin (lower("name") gin_trgm_ops);
