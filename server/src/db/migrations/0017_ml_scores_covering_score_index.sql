-- Audiences build their score sets ("latest active propensity >= x", "default risk <= y") from one
-- range of ml_scores by (run, product, score) and read only the subscriber id: with customer_id in
-- the index, that is an index-only scan, which reads no table page once VACUUM has marked the run's
-- pages all-visible (the scoring run vacuums after writing; see ml.repository refreshScoreStatistics).
-- Written by hand: Drizzle's index builder cannot say INCLUDE (schema/ml.ts keeps the same name).
DROP INDEX IF EXISTS "ml_scores_run_score_idx";--> statement-breakpoint
CREATE INDEX "ml_scores_run_score_idx" ON "ml_scores" USING btree ("run_id","product_id","score") INCLUDE ("customer_id");
