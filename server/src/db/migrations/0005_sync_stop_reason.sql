ALTER TABLE "sync_runs" ADD COLUMN "stop_reason" text;--> statement-breakpoint
CREATE INDEX "catalog_changes_run_idx" ON "catalog_changes" USING btree ("sync_run_id","created_at");