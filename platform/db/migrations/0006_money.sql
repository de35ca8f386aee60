CREATE TYPE "public"."license_kind" AS ENUM('period', 'perpetual', 'api');--> statement-breakpoint
CREATE TYPE "public"."notify_preference" AS ENUM('on', 'digest', 'off');--> statement-breakpoint
CREATE TABLE "assistant_trials" (
	"user_id" integer NOT NULL,
	"assistant_id" integer NOT NULL,
	"used" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chain_blocks" (
	"chain_id" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chain_cursor" (
	"chain_id" integer PRIMARY KEY NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chain_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"chain_id" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"block_hash" text NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"contract" text NOT NULL,
	"name" text NOT NULL,
	"args" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chain_receipt_holders" (
	"chain_id" integer NOT NULL,
	"receipt_id" numeric NOT NULL,
	"asset_id" numeric NOT NULL,
	"holder" text NOT NULL,
	"shares" numeric NOT NULL
);
--> statement-breakpoint
CREATE TABLE "earnings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" bigint NOT NULL,
	"chain_id" integer NOT NULL,
	"block_number" bigint NOT NULL,
	"tx_hash" text NOT NULL,
	"log_index" integer NOT NULL,
	"asset_id" numeric NOT NULL,
	"token" text NOT NULL,
	"holder" text NOT NULL,
	"scaled" numeric NOT NULL,
	"amount" numeric NOT NULL,
	"cause" text NOT NULL,
	"notified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "license_terms" (
	"id" serial PRIMARY KEY NOT NULL,
	"assistant_id" integer NOT NULL,
	"kind" "license_kind" NOT NULL,
	"currency" text NOT NULL,
	"price" numeric NOT NULL,
	"duration_seconds" integer NOT NULL,
	"quota" integer DEFAULT 0 NOT NULL,
	"chain_terms_id" numeric,
	"retired" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "licenses" (
	"id" serial PRIMARY KEY NOT NULL,
	"chain_license_id" numeric NOT NULL,
	"chain_terms_id" numeric NOT NULL,
	"assistant_id" integer NOT NULL,
	"user_id" integer,
	"holder_address" text NOT NULL,
	"kind" "license_kind" NOT NULL,
	"currency" text NOT NULL,
	"price_paid" numeric NOT NULL,
	"expires_at" timestamp with time zone,
	"quota" integer DEFAULT 0 NOT NULL,
	"calls_used" integer DEFAULT 0 NOT NULL,
	"tx_hash" text NOT NULL,
	"reminder_sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "link_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"user_id" integer NOT NULL,
	"purpose" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_settings" (
	"user_id" integer PRIMARY KEY NOT NULL,
	"notify" "notify_preference" DEFAULT 'digest' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wallet_links" (
	"id" serial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"nonce" text NOT NULL,
	"address" text,
	"message" text,
	"signature" text,
	"expires_at" timestamp with time zone NOT NULL,
	"linked_at" timestamp with time zone,
	"unlinked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "user_id" integer;--> statement-breakpoint
ALTER TABLE "assistant_trials" ADD CONSTRAINT "assistant_trials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assistant_trials" ADD CONSTRAINT "assistant_trials_assistant_id_assistants_id_fk" FOREIGN KEY ("assistant_id") REFERENCES "public"."assistants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "earnings" ADD CONSTRAINT "earnings_event_id_chain_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."chain_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "license_terms" ADD CONSTRAINT "license_terms_assistant_id_assistants_id_fk" FOREIGN KEY ("assistant_id") REFERENCES "public"."assistants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_assistant_id_assistants_id_fk" FOREIGN KEY ("assistant_id") REFERENCES "public"."assistants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_tokens" ADD CONSTRAINT "link_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_settings" ADD CONSTRAINT "user_settings_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wallet_links" ADD CONSTRAINT "wallet_links_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assistant_trials_pk" ON "assistant_trials" USING btree ("user_id","assistant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "chain_blocks_pk" ON "chain_blocks" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE UNIQUE INDEX "chain_events_log" ON "chain_events" USING btree ("chain_id","block_hash","log_index");--> statement-breakpoint
CREATE INDEX "chain_events_block" ON "chain_events" USING btree ("chain_id","block_number");--> statement-breakpoint
CREATE INDEX "chain_events_name" ON "chain_events" USING btree ("chain_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "chain_receipt_holders_pk" ON "chain_receipt_holders" USING btree ("chain_id","receipt_id");--> statement-breakpoint
CREATE INDEX "chain_receipt_holders_asset" ON "chain_receipt_holders" USING btree ("chain_id","asset_id");--> statement-breakpoint
CREATE UNIQUE INDEX "earnings_key" ON "earnings" USING btree ("chain_id","tx_hash","log_index","holder");--> statement-breakpoint
CREATE INDEX "earnings_holder" ON "earnings" USING btree ("chain_id","holder");--> statement-breakpoint
CREATE INDEX "earnings_pending" ON "earnings" USING btree ("notified_at");--> statement-breakpoint
CREATE UNIQUE INDEX "license_terms_assistant_kind" ON "license_terms" USING btree ("assistant_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "license_terms_chain" ON "license_terms" USING btree ("chain_terms_id");--> statement-breakpoint
CREATE UNIQUE INDEX "licenses_chain_id" ON "licenses" USING btree ("chain_license_id");--> statement-breakpoint
CREATE INDEX "licenses_user_assistant" ON "licenses" USING btree ("user_id","assistant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "link_tokens_hash" ON "link_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "wallet_links_nonce" ON "wallet_links" USING btree ("nonce");--> statement-breakpoint
CREATE INDEX "wallet_links_user" ON "wallet_links" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "users_wallet_address" ON "users" USING btree ("wallet_address");--> statement-breakpoint
-- Priced assistants keep their price as 30-day terms in ETH; they are created on-chain by the next start.
INSERT INTO "license_terms" ("assistant_id", "kind", "currency", "price", "duration_seconds")
  SELECT "id", 'period', '0x0000000000000000000000000000000000000000', "price_wei", 2592000 FROM "assistants" WHERE "price_wei" > 0;--> statement-breakpoint
ALTER TABLE "assistants" DROP COLUMN "price_wei";