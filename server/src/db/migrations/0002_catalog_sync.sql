CREATE TABLE "catalog_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"product_id" uuid NOT NULL,
	"external_system_id" uuid,
	"sync_run_id" uuid,
	"change_type" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "external_systems" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"system_type" text NOT NULL,
	"base_url" text NOT NULL,
	"api_version" text,
	"auth_type" text NOT NULL,
	"auth_username" text,
	"auth_header_name" text,
	"auth_token_url" text,
	"auth_secret_enc" text,
	"default_currency" text,
	"timeout_ms" integer DEFAULT 30000 NOT NULL,
	"max_retries" integer DEFAULT 5 NOT NULL,
	"rate_limit_per_minute" integer DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"sync_frequency" text DEFAULT 'daily' NOT NULL,
	"sync_interval_days" integer,
	"sync_cron" text,
	"full_sync_every" integer DEFAULT 1 NOT NULL,
	"retire_guard_percent" integer DEFAULT 20 NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"cursor" jsonb,
	"runs_since_full" integer DEFAULT 0 NOT NULL,
	"next_run_at" timestamp with time zone,
	"last_run_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_full_sync_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "external_systems_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"external_system_id" uuid NOT NULL,
	"system_type" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"trigger" text NOT NULL,
	"requested_mode" text NOT NULL,
	"mode" text,
	"force" boolean DEFAULT false NOT NULL,
	"requested_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"owner" text,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"items_read" integer DEFAULT 0 NOT NULL,
	"items_total" integer,
	"counts" jsonb DEFAULT '{"created":0,"updated":0,"unchanged":0,"retired":0,"skipped":0,"failed":0}'::jsonb NOT NULL,
	"item_errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"item_errors_total" integer DEFAULT 0 NOT NULL,
	"error" text,
	"cursor_before" jsonb,
	"cursor_after" jsonb,
	"http_stats" jsonb
);
--> statement-breakpoint
ALTER TABLE "catalog_changes" ADD CONSTRAINT "catalog_changes_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_external_system_id_external_systems_id_fk" FOREIGN KEY ("external_system_id") REFERENCES "public"."external_systems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "catalog_changes_product_idx" ON "catalog_changes" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "catalog_changes_created_idx" ON "catalog_changes" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "sync_runs_system_created_idx" ON "sync_runs" USING btree ("external_system_id","created_at");--> statement-breakpoint
CREATE INDEX "sync_runs_status_idx" ON "sync_runs" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "sync_runs_one_active_per_system" ON "sync_runs" USING btree ("external_system_id") WHERE status in ('queued', 'running');