CREATE TYPE "public"."assistant_status" AS ENUM('training', 'ready', 'failed');--> statement-breakpoint
CREATE TYPE "public"."assistant_visibility" AS ENUM('private', 'unlisted', 'public');--> statement-breakpoint
CREATE TABLE "assistant_datasets" (
	"assistant_id" integer NOT NULL,
	"dataset_id" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assistants" (
	"id" serial PRIMARY KEY NOT NULL,
	"owner_id" integer NOT NULL,
	"name" text NOT NULL,
	"tagline" text,
	"instructions" text NOT NULL,
	"greeting" text,
	"starters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"visibility" "assistant_visibility" NOT NULL,
	"price_wei" numeric NOT NULL,
	"status" "assistant_status" DEFAULT 'training' NOT NULL,
	"losses" jsonb,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chat_sessions" (
	"key" text PRIMARY KEY NOT NULL,
	"state" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "web_messages" ADD COLUMN "image_png" "bytea";--> statement-breakpoint
ALTER TABLE "assistant_datasets" ADD CONSTRAINT "assistant_datasets_assistant_id_assistants_id_fk" FOREIGN KEY ("assistant_id") REFERENCES "public"."assistants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assistant_datasets" ADD CONSTRAINT "assistant_datasets_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assistants" ADD CONSTRAINT "assistants_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assistant_datasets_pk" ON "assistant_datasets" USING btree ("assistant_id","dataset_id");--> statement-breakpoint
CREATE INDEX "assistants_owner" ON "assistants" USING btree ("owner_id");