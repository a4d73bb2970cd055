ALTER TABLE "problems" ADD COLUMN "priority_score" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "priority_explanation" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "problems_priority_idx" ON "problems" USING btree ("status","priority_score");