CREATE TYPE "public"."dataset_access" AS ENUM('private', 'open');--> statement-breakpoint
CREATE TYPE "public"."receipt_role" AS ENUM('contributor', 'reviewer', 'creator');--> statement-breakpoint
CREATE TABLE "chat_components" (
	"id" text PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"data" jsonb NOT NULL,
	"owner_user_id" integer,
	"once" integer DEFAULT 0 NOT NULL,
	"used_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_offers" (
	"id" serial PRIMARY KEY NOT NULL,
	"dataset_id" integer NOT NULL,
	"validator_user_id" integer NOT NULL,
	"round" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "validators" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"added_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assistants" ADD COLUMN "public_id" text;--> statement-breakpoint
UPDATE "assistants" SET "public_id" = 'as_' || (select string_agg(substr('0123456789abcdefghjkmnpqrstvwxyz', 1 + floor(random() * 32)::int, 1), '') from generate_series(1, 10) where assistants.id is not null);--> statement-breakpoint
ALTER TABLE "assistants" ALTER COLUMN "public_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "public_id" text;--> statement-breakpoint
UPDATE "datasets" SET "public_id" = 'ds_' || (select string_agg(substr('0123456789abcdefghjkmnpqrstvwxyz', 1 + floor(random() * 32)::int, 1), '') from generate_series(1, 10) where datasets.id is not null);--> statement-breakpoint
ALTER TABLE "datasets" ALTER COLUMN "public_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "access" "dataset_access" DEFAULT 'private' NOT NULL;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "inspection" jsonb;--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "minhash" "bytea";--> statement-breakpoint
ALTER TABLE "datasets" ADD COLUMN "rejection_reason" text;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "controls" jsonb;--> statement-breakpoint
ALTER TABLE "receipts" ADD COLUMN "role" "receipt_role" DEFAULT 'contributor' NOT NULL;--> statement-breakpoint
UPDATE "receipts" SET "role" = 'creator' FROM "assets" WHERE "assets"."id" = "receipts"."asset_id" AND "assets"."kind" = 'assistant';--> statement-breakpoint
ALTER TABLE "reviews" ADD COLUMN "reviewer_user_id" integer;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "access" "dataset_access";--> statement-breakpoint
ALTER TABLE "web_messages" ADD COLUMN "controls" jsonb;--> statement-breakpoint
ALTER TABLE "chat_components" ADD CONSTRAINT "chat_components_owner_user_id_users_id_fk" FOREIGN KEY ("owner_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_offers" ADD CONSTRAINT "review_offers_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "review_offers" ADD CONSTRAINT "review_offers_validator_user_id_users_id_fk" FOREIGN KEY ("validator_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "validators" ADD CONSTRAINT "validators_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_components_expires" ON "chat_components" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "review_offers_dataset_validator" ON "review_offers" USING btree ("dataset_id","validator_user_id");--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_reviewer_user_id_users_id_fk" FOREIGN KEY ("reviewer_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assistants_public_id" ON "assistants" USING btree ("public_id");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_public_id" ON "datasets" USING btree ("public_id");--> statement-breakpoint
CREATE UNIQUE INDEX "receipts_asset_user_role" ON "receipts" USING btree ("asset_id","user_id","role");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_dataset_reviewer" ON "reviews" USING btree ("dataset_id","reviewer_user_id");