-- A product's scores were deleted with a scan of the whole of ml_scores: no index leads with
-- product_id (~240 ms on 6.5M score rows, and growing with the base and the runs kept). Every score
-- row belongs to a scoring run that exists (a run's scores are written under its partition's lock
-- and deleted with it, migration 0019), and ml_scores_run_score_idx leads with (run_id, product_id):
-- so the deleted products' scores are found run by run, each an index range, as few probes as runs.
-- Subscribers keep the function of migration 0020 (ml_scores_customer_idx leads with customer_id).
CREATE OR REPLACE FUNCTION "ml_scores_of_deleted_products"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "ml_scores" s USING "ml_scoring_runs" r
    WHERE s."run_id" = r."id" AND s."product_id" IN (SELECT "id" FROM "deleted_subjects");
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER "products_delete_scores" ON "products";
--> statement-breakpoint
CREATE TRIGGER "products_delete_scores"
  AFTER DELETE ON "products"
  REFERENCING OLD TABLE AS "deleted_subjects"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_deleted_products"();
