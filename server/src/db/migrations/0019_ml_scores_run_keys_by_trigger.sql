-- A scoring page writes ~700 score rows, and each row's foreign keys to its run and its model
-- version were checked one by one: ~5 ms of the database's CPU per page of 100 subscribers (bench
-- scale), for keys that hold anyway. The page's transaction holds its partition's row locked while
-- it writes (ml.repository lockAttempt), so its run cannot be deleted meanwhile, and a score's
-- version is its run's. What the keys' cascade did, deleting a run's scores with the run (and with
-- its version, which deletes its runs), these triggers do: for a whole statement's runs at once,
-- and for all of them on a truncate.
-- Customers and products keep their keys: they are deleted while runs write.
ALTER TABLE "ml_scores" DROP CONSTRAINT "ml_scores_model_version_id_ml_model_versions_id_fk";
--> statement-breakpoint
ALTER TABLE "ml_scores" DROP CONSTRAINT "ml_scores_run_id_ml_scoring_runs_id_fk";
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "ml_scores_of_deleted_runs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "ml_scores" WHERE "run_id" IN (SELECT "id" FROM "deleted_runs");
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "ml_scoring_runs_delete_scores"
  AFTER DELETE ON "ml_scoring_runs"
  REFERENCING OLD TABLE AS "deleted_runs"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_deleted_runs"();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "ml_scores_of_truncated_runs"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A DELETE: a TRUNCATE here fails when the same statement truncates ml_scores too (a cascade from customers).
  DELETE FROM "ml_scores";
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "ml_scoring_runs_truncate_scores"
  AFTER TRUNCATE ON "ml_scoring_runs"
  FOR EACH STATEMENT EXECUTE FUNCTION "ml_scores_of_truncated_runs"();
