ALTER TABLE "uploads" ALTER COLUMN "reply_target" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "assistants" ADD COLUMN "finetune_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "assistants" ADD COLUMN "finetune_step" integer;--> statement-breakpoint
ALTER TABLE "assistants" ADD COLUMN "finetune_total_steps" integer;--> statement-breakpoint
ALTER TABLE "assistants" ADD COLUMN "finetune_progress_at" timestamp with time zone;