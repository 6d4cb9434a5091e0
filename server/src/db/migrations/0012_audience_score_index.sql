DROP INDEX "ml_scores_run_idx";--> statement-breakpoint
CREATE INDEX "ml_scores_run_score_idx" ON "ml_scores" USING btree ("run_id","product_id","score");