CREATE TABLE "campaign_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"campaign_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"product_id" uuid,
	"group" text NOT NULL,
	"contacted_at" timestamp with time zone NOT NULL,
	"channel" text,
	"responded" boolean DEFAULT false NOT NULL,
	"responded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_bills" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"bill_date" date NOT NULL,
	"due_date" date NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_holdings" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"product_id" uuid NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_payments" (
	"id" text PRIMARY KEY NOT NULL,
	"bill_id" text NOT NULL,
	"paid_date" date NOT NULL,
	"amount" numeric NOT NULL,
	"method" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_purchases" (
	"id" text PRIMARY KEY NOT NULL,
	"customer_id" text NOT NULL,
	"product_id" uuid NOT NULL,
	"purchased_at" timestamp with time zone NOT NULL,
	"price" numeric NOT NULL,
	"channel" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_usage" (
	"customer_id" text NOT NULL,
	"month" date NOT NULL,
	"data_gb" double precision NOT NULL,
	"voice_minutes" double precision NOT NULL,
	"sms" integer NOT NULL,
	"spend" numeric NOT NULL,
	"topup_count" integer DEFAULT 0 NOT NULL,
	"topup_amount" numeric DEFAULT '0' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customer_usage_pk" PRIMARY KEY("customer_id","month")
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" text PRIMARY KEY NOT NULL,
	"msisdn" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"segments" text[] DEFAULT '{}'::text[] NOT NULL,
	"value_band" text NOT NULL,
	"customer_value" numeric NOT NULL,
	"currency" text NOT NULL,
	"plan_type" text NOT NULL,
	"activation_date" date NOT NULL,
	"region" text,
	"age_band" text,
	"device_type" text,
	"device_os" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "campaign_contacts" ADD CONSTRAINT "campaign_contacts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_contacts" ADD CONSTRAINT "campaign_contacts_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_bills" ADD CONSTRAINT "customer_bills_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_holdings" ADD CONSTRAINT "customer_holdings_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_holdings" ADD CONSTRAINT "customer_holdings_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_payments" ADD CONSTRAINT "customer_payments_bill_id_customer_bills_id_fk" FOREIGN KEY ("bill_id") REFERENCES "public"."customer_bills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_purchases" ADD CONSTRAINT "customer_purchases_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_purchases" ADD CONSTRAINT "customer_purchases_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "customer_usage" ADD CONSTRAINT "customer_usage_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "campaign_contacts_customer_idx" ON "campaign_contacts" USING btree ("customer_id","contacted_at");--> statement-breakpoint
CREATE INDEX "campaign_contacts_campaign_idx" ON "campaign_contacts" USING btree ("campaign_id","group");--> statement-breakpoint
CREATE INDEX "campaign_contacts_product_idx" ON "campaign_contacts" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "customer_bills_customer_idx" ON "customer_bills" USING btree ("customer_id","bill_date");--> statement-breakpoint
CREATE INDEX "customer_bills_due_idx" ON "customer_bills" USING btree ("due_date");--> statement-breakpoint
CREATE INDEX "customer_holdings_customer_idx" ON "customer_holdings" USING btree ("customer_id","started_at");--> statement-breakpoint
CREATE INDEX "customer_holdings_product_idx" ON "customer_holdings" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "customer_payments_bill_idx" ON "customer_payments" USING btree ("bill_id","paid_date");--> statement-breakpoint
CREATE INDEX "customer_purchases_customer_idx" ON "customer_purchases" USING btree ("customer_id","purchased_at");--> statement-breakpoint
CREATE INDEX "customer_purchases_product_idx" ON "customer_purchases" USING btree ("product_id","purchased_at");--> statement-breakpoint
CREATE INDEX "customer_usage_month_idx" ON "customer_usage" USING btree ("month");--> statement-breakpoint
CREATE INDEX "customers_msisdn_idx" ON "customers" USING btree ("msisdn");--> statement-breakpoint
CREATE INDEX "customers_status_idx" ON "customers" USING btree ("status");--> statement-breakpoint
CREATE INDEX "customers_value_idx" ON "customers" USING btree ("customer_value");--> statement-breakpoint
CREATE INDEX "customers_segments_gin" ON "customers" USING gin ("segments");--> statement-breakpoint
CREATE INDEX "customers_id_trgm" ON "customers" USING gin ("id" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "customers_msisdn_trgm" ON "customers" USING gin ("msisdn" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "customers_name_trgm" ON "customers" USING gin ("name" gin_trgm_ops);