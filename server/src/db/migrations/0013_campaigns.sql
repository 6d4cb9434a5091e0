CREATE TABLE "campaign_contacts_ledger" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"customer_id" text NOT NULL,
	"product_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"rendered_message" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_members" (
	"campaign_id" uuid NOT NULL,
	"customer_id" text NOT NULL,
	"group" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_members_campaign_id_customer_id_pk" PRIMARY KEY("campaign_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_offers" (
	"campaign_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"product_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "campaign_offers_campaign_id_position_pk" PRIMARY KEY("campaign_id","position")
);
--> statement-breakpoint
CREATE TABLE "campaign_versions" (
	"campaign_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"approved_by" uuid,
	"approved_at" timestamp with time zone,
	CONSTRAINT "campaign_versions_campaign_id_version_pk" PRIMARY KEY("campaign_id","version")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"objective" text NOT NULL,
	"owner_id" uuid,
	"status" text DEFAULT 'draft' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"pending_version" integer,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"response_window_days" integer DEFAULT 30 NOT NULL,
	"control_share" numeric DEFAULT '0.10' NOT NULL,
	"contact_cap" integer DEFAULT 1 NOT NULL,
	"budget_amount" numeric,
	"budget_currency" text,
	"budget_contacts" integer,
	"salt" text NOT NULL,
	"audience" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"audience_size" integer,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone,
	"approved_by" uuid,
	"approved_at" timestamp with time zone,
	"launched_at" timestamp with time zone,
	"paused_reason" text,
	"attention" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_control_share_range" CHECK ("campaigns"."control_share" >= 0 and "campaigns"."control_share" <= 1)
);
--> statement-breakpoint
CREATE TABLE "segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "max_default_risk" numeric;--> statement-breakpoint
ALTER TABLE "campaign_contacts_ledger" ADD CONSTRAINT "campaign_contacts_ledger_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_contacts_ledger" ADD CONSTRAINT "campaign_contacts_ledger_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_contacts_ledger" ADD CONSTRAINT "campaign_contacts_ledger_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_members" ADD CONSTRAINT "campaign_members_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_offers" ADD CONSTRAINT "campaign_offers_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_offers" ADD CONSTRAINT "campaign_offers_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_versions" ADD CONSTRAINT "campaign_versions_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_contacts_ledger_once_uq" ON "campaign_contacts_ledger" USING btree ("campaign_id","customer_id","product_id");--> statement-breakpoint
CREATE INDEX "campaign_contacts_ledger_state_idx" ON "campaign_contacts_ledger" USING btree ("campaign_id","state");--> statement-breakpoint
CREATE INDEX "campaign_contacts_ledger_customer_idx" ON "campaign_contacts_ledger" USING btree ("customer_id","created_at");--> statement-breakpoint
CREATE INDEX "campaign_members_customer_idx" ON "campaign_members" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_offers_product_uq" ON "campaign_offers" USING btree ("campaign_id","product_id");--> statement-breakpoint
CREATE INDEX "campaign_offers_product_idx" ON "campaign_offers" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "campaigns_status_idx" ON "campaigns" USING btree ("status","starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "segments_name_lower_uq" ON "segments" USING btree (lower("name"));--> statement-breakpoint
-- The managed list starts with every segment the data already uses (one spelling per name, case-insensitively);
-- later imports and syncs add theirs through the segments service's syncFromData().
INSERT INTO "segments" ("name")
SELECT DISTINCT ON (lower(btrim(s))) btrim(s)
FROM (SELECT unnest("segments") AS s FROM "customers" UNION ALL SELECT unnest("target_segments") FROM "products") AS used
WHERE btrim(s) <> ''
ORDER BY lower(btrim(s)), btrim(s)
ON CONFLICT DO NOTHING;
