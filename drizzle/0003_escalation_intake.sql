CREATE TABLE "daily_counters" (
	"day" date NOT NULL,
	"category" text NOT NULL,
	"metric" text NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_counters_day_category_metric_pk" PRIMARY KEY("day","category","metric")
);
--> statement-breakpoint
CREATE TABLE "problem_term_stats" (
	"lexeme" text PRIMARY KEY NOT NULL,
	"problems" integer NOT NULL
);
--> statement-breakpoint
DROP INDEX "problems_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "customer_email" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "customer_segment" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "customer_mrr_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "currency" text DEFAULT 'usd' NOT NULL;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "customer_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "source_channel" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "source_ts" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "source_permalink" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "signals" jsonb DEFAULT '{"codes":[],"stripeIds":[],"invoiceNumbers":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "card_channel" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "card_ts" text;--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(symptoms, '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'C')) STORED;--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "signals" jsonb DEFAULT '{"codes":[],"stripeIds":[],"invoiceNumbers":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "triage_channel" text;--> statement-breakpoint
ALTER TABLE "problems" ADD COLUMN "triage_ts" text;--> statement-breakpoint
CREATE INDEX "escalations_customer_idx" ON "escalations" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "problems_search_vector_idx" ON "problems" USING gin ("search_vector");