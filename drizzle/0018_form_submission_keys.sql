ALTER TABLE "account_actions" ADD COLUMN "submission_key" text;--> statement-breakpoint
ALTER TABLE "status_updates" ADD COLUMN "submission_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "account_actions_submission_idx" ON "account_actions" USING btree ("submission_key");--> statement-breakpoint
CREATE UNIQUE INDEX "status_updates_submission_idx" ON "status_updates" USING btree ("submission_key");