-- Each of a scoring page's ~600 score rows had its subscriber and product keys checked one by one
-- (~5 ms of the database's CPU per page of 100 subscribers, bench scale). The page now locks its
-- subscribers and its products once, as the checks did row by row (ml.repository
-- writePartitionScores: FOR KEY SHARE, and a page whose subscriber or product is gone fails its
-- attempt, as the key's violation did). What the keys' cascade did, deleting a subscriber's or a
-- product's scores with them, these triggers do: for a whole statement's rows at once, and on a
-- truncate (with a DELETE: a TRUNCATE of ml_scores fails inside a statement that truncates it too).
ALTER TABLE "ml_scores" DROP CONSTRAINT "ml_scores_customer_id_customers_id_fk";
--> statement-breakpoint
ALTER TABLE "ml_scores" DROP CONSTRAINT "ml_scores_product_id_products_id_fk";

--> statement-breakpoint
-- One pair of functions for both: the trigger's argument names the scores' column that refers to
-- the table (a fixed identifier of this migration, quoted by format's %I).
CREATE OR REPLACE FUNCTION "ml_scores_of_deleted_subjects"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DELETE FROM "ml_scores" WHERE %I IN (SELECT "id" FROM "deleted_subjects")', TG_ARGV[0]);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "ml_scores_of_truncated_subjects"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DELETE FROM "ml_scores" WHERE %I IS NOT NULL', TG_ARGV[0]);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "customers_delete_scores"
  AFTER DELETE ON "customers"
  REFERENCING OLD TABLE AS "deleted_subjects"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_deleted_subjects"('customer_id');
--> statement-breakpoint
CREATE TRIGGER "customers_truncate_scores"
  AFTER TRUNCATE ON "customers"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_truncated_subjects"('customer_id');
--> statement-breakpoint
CREATE TRIGGER "products_delete_scores"
  AFTER DELETE ON "products"
  REFERENCING OLD TABLE AS "deleted_subjects"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_deleted_subjects"('product_id');
--> statement-breakpoint
CREATE TRIGGER "products_truncate_scores"
  AFTER TRUNCATE ON "products"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_truncated_subjects"('product_id');
