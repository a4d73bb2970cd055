CREATE TABLE "problem_classifications" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "problem_classifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"problem_id" integer NOT NULL,
	"answers" jsonb NOT NULL,
	"suggested_outcome" text NOT NULL,
	"suggested_severity" text NOT NULL,
	"suggestion_reason" text NOT NULL,
	"outcome" text NOT NULL,
	"severity" text NOT NULL,
	"override_reason" text,
	"actor_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "problem_merges" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "problem_merges_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"from_problem_id" integer NOT NULL,
	"into_problem_id" integer NOT NULL,
	"escalation_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"actor_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "dedicated_channel" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "reminded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "snoozed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "problem_classifications" ADD CONSTRAINT "problem_classifications_problem_id_problems_id_fk" FOREIGN KEY ("problem_id") REFERENCES "public"."problems"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_merges" ADD CONSTRAINT "problem_merges_from_problem_id_problems_id_fk" FOREIGN KEY ("from_problem_id") REFERENCES "public"."problems"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "problem_merges" ADD CONSTRAINT "problem_merges_into_problem_id_problems_id_fk" FOREIGN KEY ("into_problem_id") REFERENCES "public"."problems"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "problem_classifications_problem_idx" ON "problem_classifications" USING btree ("problem_id","created_at");--> statement-breakpoint
CREATE INDEX "problem_merges_into_idx" ON "problem_merges" USING btree ("into_problem_id");