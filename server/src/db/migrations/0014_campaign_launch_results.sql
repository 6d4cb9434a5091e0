ALTER TABLE "campaign_members" ADD COLUMN "contacted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD COLUMN "responded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD COLUMN "response_product_id" uuid;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD COLUMN "response_revenue" numeric;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "launch_state" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "launch_total" integer;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "launch_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "launch_error" text;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_response_product_id_products_id_fk" FOREIGN KEY ("response_product_id") REFERENCES "public"."products"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_bills_customer_due_idx" ON "customer_bills" USING btree ("customer_id","due_date");--> statement-breakpoint
CREATE INDEX "ml_scores_run_customer_idx" ON "ml_scores" USING btree ("run_id","customer_id");--> statement-breakpoint
CREATE INDEX "campaign_members_group_idx" ON "campaign_members" USING btree ("campaign_id","group","responded_at");