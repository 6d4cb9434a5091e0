CREATE TABLE "ml_model_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_name" text NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"is_active" boolean DEFAULT false NOT NULL,
	"algorithm" text NOT NULL,
	"hyper_parameters" jsonb NOT NULL,
	"seed" integer NOT NULL,
	"feature_list" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"artifact" jsonb,
	"metrics" jsonb,
	"data_snapshot" jsonb,
	"training_scores" jsonb,
	"progress" jsonb NOT NULL,
	"error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"activated_at" timestamp with time zone,
	"activated_by" text
);
--> statement-breakpoint
CREATE TABLE "ml_scores" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"model_name" text NOT NULL,
	"model_version_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"product_id" uuid,
	"campaign_id" text,
	"score" double precision NOT NULL,
	"uplift" double precision,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"scored_at" timestamp with time zone NOT NULL,
	"run_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ml_scoring_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_name" text NOT NULL,
	"model_version_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"status" text NOT NULL,
	"segment" text,
	"campaign_id" text,
	"total" integer DEFAULT 0 NOT NULL,
	"scored" integer DEFAULT 0 NOT NULL,
	"psi" double precision,
	"psi_bins" jsonb,
	"error" text,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "ml_scores" ADD CONSTRAINT "ml_scores_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_scores" ADD CONSTRAINT "ml_scores_model_version_id_ml_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."ml_model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_scores" ADD CONSTRAINT "ml_scores_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_scores" ADD CONSTRAINT "ml_scores_run_id_ml_scoring_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ml_scoring_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ml_scoring_runs" ADD CONSTRAINT "ml_scoring_runs_model_version_id_ml_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."ml_model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ml_model_versions_model_version_uq" ON "ml_model_versions" USING btree ("model_name","version");--> statement-breakpoint
CREATE UNIQUE INDEX "ml_model_versions_one_active_uq" ON "ml_model_versions" USING btree ("model_name") WHERE "ml_model_versions"."is_active";--> statement-breakpoint
CREATE INDEX "ml_scores_customer_idx" ON "ml_scores" USING btree ("customer_id","model_name","scored_at");--> statement-breakpoint
CREATE INDEX "ml_scores_run_idx" ON "ml_scores" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "ml_scoring_runs_model_idx" ON "ml_scoring_runs" USING btree ("model_name","created_at");--> statement-breakpoint
CREATE INDEX "ml_scoring_runs_version_idx" ON "ml_scoring_runs" USING btree ("model_version_id","finished_at");