ALTER TABLE "incidents" ADD COLUMN "fan_out_holder" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "fan_out_until" timestamp with time zone;