CREATE TABLE "ml_scoring_partitions" (
	"run_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"after_id" text,
	"last_id" text,
	"subscribers" integer NOT NULL,
	"status" text NOT NULL,
	"scored" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"worker" text,
	"psi_counts" jsonb,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "ml_scoring_partitions_run_id_index_pk" PRIMARY KEY("run_id","index")
);
--> statement-breakpoint
ALTER TABLE "ml_scoring_runs" ADD COLUMN "partitions_total" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ml_scoring_runs" ADD COLUMN "partitions_done" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ml_scoring_partitions" ADD CONSTRAINT "ml_scoring_partitions_run_id_ml_scoring_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ml_scoring_runs"("id") ON DELETE cascade ON UPDATE no action;