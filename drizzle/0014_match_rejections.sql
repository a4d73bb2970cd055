CREATE TABLE "match_rejections" (
	"problem_id" integer NOT NULL,
	"escalation_id" integer NOT NULL,
	"text" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "match_rejections_problem_id_escalation_id_pk" PRIMARY KEY("problem_id","escalation_id")
);
--> statement-breakpoint
ALTER TABLE "match_rejections" ADD CONSTRAINT "match_rejections_problem_id_problems_id_fk" FOREIGN KEY ("problem_id") REFERENCES "public"."problems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "match_rejections_escalation_idx" ON "match_rejections" USING btree ("escalation_id");--> statement-breakpoint
CREATE INDEX "match_rejections_recent_idx" ON "match_rejections" USING btree ("problem_id","created_at" DESC NULLS LAST);