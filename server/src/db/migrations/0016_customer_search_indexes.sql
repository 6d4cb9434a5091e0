DROP INDEX "customers_id_trgm";--> statement-breakpoint
DROP INDEX "customers_msisdn_trgm";--> statement-breakpoint
CREATE INDEX "customers_id_lower_trgm" ON "customers" USING gin (lower("id") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "customers_msisdn_lower_trgm" ON "customers" USING gin (lower("msisdn") gin_trgm_ops);