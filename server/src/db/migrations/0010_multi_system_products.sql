-- Products were keyed by (system type, source id), so a sync adopted every product of its type,
-- whatever system id the row carried. From here on they are keyed by the connected system. Carry
-- existing rows over before the new keys are built: a synced row with no system, or with the id of
-- a system since removed, belongs to the one system of its type when exactly one is configured (the
-- old key guarantees at most one row per type and source id, so nothing can collide). Manual rows
-- never belong to a system.
UPDATE "products" SET "external_system_id" = NULL WHERE "external_system" = 'manual' AND "external_system_id" IS NOT NULL;--> statement-breakpoint
UPDATE "products" AS p SET "external_system_id" = s."id"
FROM "external_systems" AS s
WHERE p."external_system" <> 'manual'
  AND s."system_type" = p."external_system"
  AND (SELECT count(*) FROM "external_systems" AS t WHERE t."system_type" = p."external_system") = 1
  AND (p."external_system_id" IS NULL OR NOT EXISTS (SELECT 1 FROM "external_systems" AS o WHERE o."id" = p."external_system_id"));--> statement-breakpoint
DROP INDEX "products_system_external_id_uq";--> statement-breakpoint
DROP INDEX "products_system_id_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "products_system_id_external_id_uq" ON "products" USING btree ("external_system_id","external_product_id") WHERE "products"."external_system_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "products_unattached_external_id_uq" ON "products" USING btree ("external_system","external_product_id") WHERE "products"."external_system_id" is null;
