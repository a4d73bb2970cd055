CREATE TABLE "jira_webhook_deliveries" (
	"identifier" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"issue_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "problem_assessments" (
	"problem_id" integer PRIMARY KEY NOT NULL,
	"answers" jsonb NOT NULL,
	"severity" text NOT NULL,
	"suggested_decision" text NOT NULL,
	"decision" text NOT NULL,
	"overridden" boolean DEFAULT false NOT NULL,
	"override_reason" text,
	"fix_version" text,
	"assessed_by" text NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "customer_seats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "kind" text;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "fix_version" text;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "assignee" text;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "due_date" text;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "facts" jsonb;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "closing_commented_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rca_tickets" ADD COLUMN "create_attempted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "problem_assessments" ADD CONSTRAINT "problem_assessments_problem_id_problems_id_fk" FOREIGN KEY ("problem_id") REFERENCES "public"."problems"("id") ON DELETE no action ON UPDATE no action;