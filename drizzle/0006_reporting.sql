ALTER TABLE "rca_tickets" ADD COLUMN "closed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "account_actions_created_idx" ON "account_actions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "account_actions_executed_idx" ON "account_actions" USING btree ("executed_at");--> statement-breakpoint
CREATE INDEX "account_actions_requester_idx" ON "account_actions" USING btree ("requester_id","created_at");--> statement-breakpoint
CREATE INDEX "approvals_created_idx" ON "approvals" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "approvals_role_pending_idx" ON "approvals" USING btree ("required_role","decision");--> statement-breakpoint
CREATE INDEX "escalations_report_created_idx" ON "escalations" USING btree ("created_at","category","problem_id","linked_at","closed_at");--> statement-breakpoint
CREATE INDEX "escalations_report_linked_idx" ON "escalations" USING btree ("linked_at","category","problem_id");--> statement-breakpoint
CREATE INDEX "escalations_report_closed_idx" ON "escalations" USING btree ("closed_at","category","created_at");--> statement-breakpoint
CREATE INDEX "escalations_requester_open_idx" ON "escalations" USING btree ("requester_id","created_at") WHERE status <> 'closed';--> statement-breakpoint
CREATE INDEX "incidents_created_idx" ON "incidents" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "problems_created_idx" ON "problems" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "rca_tickets_created_idx" ON "rca_tickets" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "rca_tickets_closed_idx" ON "rca_tickets" USING btree ("closed_at");