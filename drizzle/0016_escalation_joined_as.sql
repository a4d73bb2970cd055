DROP INDEX "escalations_report_created_idx";--> statement-breakpoint
DROP INDEX "escalations_report_linked_idx";--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "joined_as" text;--> statement-breakpoint
-- Backfill: how each linked case joined its problem, by the rule the report used until now (linked after the
-- problem's creation: a duplicate; in the same instant: the case that reported it). For cases moved by a merge
-- before this migration the rule reads the problem they were moved to, not the one they joined, and which problem
-- that was is not recorded anywhere; so the stored value is what the report showed for them last, and past months
-- keep the figures they were last computed with. From here on the value is written with the link and a merge
-- leaves it alone.
UPDATE "escalations" AS e
  SET "joined_as" = CASE WHEN e."linked_at" > p."created_at" THEN 'duplicate' ELSE 'reported' END
  FROM "problems" AS p
  WHERE p."id" = e."problem_id";--> statement-breakpoint
-- A row that gains its first problem without saying how (an insert or update that does not go through the link and
-- report use cases, such as seed data) gets the same rule, evaluated against the problem it joins at that moment.
-- The use cases set the column themselves; a merge changes problem_id of rows that already have one, so it never
-- reaches this.
CREATE OR REPLACE FUNCTION frontline_escalation_joined_as() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.problem_id IS NOT NULL AND NEW.joined_as IS NULL AND (TG_OP = 'INSERT' OR OLD.problem_id IS NULL) THEN
    SELECT CASE WHEN NEW.linked_at > p.created_at THEN 'duplicate' ELSE 'reported' END
      INTO NEW.joined_as
      FROM problems p
      WHERE p.id = NEW.problem_id;
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER escalations_joined_as
  BEFORE INSERT OR UPDATE OF problem_id ON escalations
  FOR EACH ROW EXECUTE FUNCTION frontline_escalation_joined_as();
--> statement-breakpoint
CREATE INDEX "escalations_report_created_idx" ON "escalations" USING btree ("created_at","category","problem_id","linked_at","closed_at","joined_as");--> statement-breakpoint
CREATE INDEX "escalations_report_linked_idx" ON "escalations" USING btree ("linked_at","category","problem_id","joined_as");--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_joined_as_check" CHECK ("escalations"."joined_as" in ('reported', 'duplicate'));--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_linked_joined_as_check" CHECK ("escalations"."problem_id" is null or "escalations"."joined_as" is not null);
