DROP INDEX "approvals_action_idx";--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "requester_roles" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "policy_reason" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "customer_name" text;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "result" jsonb;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "retryable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "approval_channel" text;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "approval_ts" text;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "requester_channel" text;--> statement-breakpoint
ALTER TABLE "account_actions" ADD COLUMN "requester_ts" text;--> statement-breakpoint
ALTER TABLE "approvals" ADD COLUMN "label" text DEFAULT 'Approval' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "approvals_action_stage_idx" ON "approvals" USING btree ("action_id","stage");