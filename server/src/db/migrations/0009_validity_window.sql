ALTER TABLE "products" ADD COLUMN "in_validity_window" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- Existing rows: the window as of now.
UPDATE "products" SET "in_validity_window" = (("valid_from" IS NULL OR "valid_from" <= now()) AND ("valid_to" IS NULL OR "valid_to" > now()));
--> statement-breakpoint
-- New rows start with their window as of their insert; later openings and closings are flipped by
-- refreshValidityWindows, which records each as a catalog change.
CREATE OR REPLACE FUNCTION "products_initial_validity_window"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW."in_validity_window" := (NEW."valid_from" IS NULL OR NEW."valid_from" <= now()) AND (NEW."valid_to" IS NULL OR NEW."valid_to" > now());
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "products_initial_validity_window"
  BEFORE INSERT ON "products"
  FOR EACH ROW EXECUTE FUNCTION "products_initial_validity_window"();
