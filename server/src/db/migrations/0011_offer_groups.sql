CREATE TABLE "offer_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"master_product_id" uuid,
	"master_chosen" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "offer_group_id" uuid;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "group_rule" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "group_confidence" numeric;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "group_decision" text;--> statement-breakpoint
ALTER TABLE "offer_groups" ADD CONSTRAINT "offer_groups_master_product_id_products_id_fk" FOREIGN KEY ("master_product_id") REFERENCES "public"."products"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_offer_group_id_offer_groups_id_fk" FOREIGN KEY ("offer_group_id") REFERENCES "public"."offer_groups"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "products_offer_group_idx" ON "products" USING btree ("offer_group_id");--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_group_rule_ck" CHECK ("group_rule" IS NULL OR "group_rule" IN ('shared_code', 'name_price_cycle', 'manual'));--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_group_decision_ck" CHECK ("group_decision" IS NULL OR "group_decision" IN ('auto', 'confirmed', 'manual_link', 'manual_split'));--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_group_confidence_ck" CHECK ("group_confidence" IS NULL OR ("group_confidence" >= 0 AND "group_confidence" <= 1));
