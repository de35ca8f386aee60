ALTER TABLE "notifications" ADD COLUMN "image_png" "bytea";--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "image_name" text;