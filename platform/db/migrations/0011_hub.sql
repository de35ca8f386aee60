CREATE TABLE "hub_aliases" (
	"id" text PRIMARY KEY NOT NULL,
	"ipfs" text NOT NULL,
	"address" text NOT NULL,
	"alias" text NOT NULL,
	"created" bigint NOT NULL,
	"revoked_at" bigint
);
--> statement-breakpoint
CREATE TABLE "hub_follows" (
	"id" text PRIMARY KEY NOT NULL,
	"ipfs" text NOT NULL,
	"follower" text NOT NULL,
	"space" text NOT NULL,
	"network" text DEFAULT 's' NOT NULL,
	"created" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_messages" (
	"mci" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"ipfs" text NOT NULL,
	"address" text NOT NULL,
	"version" text NOT NULL,
	"timestamp" bigint NOT NULL,
	"space" text,
	"type" text NOT NULL,
	"sig" text NOT NULL,
	"receipt" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"ipfs" text NOT NULL,
	"author" text NOT NULL,
	"created" bigint NOT NULL,
	"updated" bigint,
	"space" text NOT NULL,
	"network" text NOT NULL,
	"symbol" text NOT NULL,
	"type" text NOT NULL,
	"strategies" jsonb NOT NULL,
	"validation" jsonb,
	"plugins" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"discussion" text DEFAULT '' NOT NULL,
	"choices" jsonb NOT NULL,
	"labels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"start" bigint NOT NULL,
	"end" bigint NOT NULL,
	"quorum" numeric DEFAULT '0' NOT NULL,
	"privacy" text DEFAULT '' NOT NULL,
	"snapshot" bigint NOT NULL,
	"app" text DEFAULT '' NOT NULL,
	"scores" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"scores_by_strategy" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"scores_total" numeric DEFAULT '0' NOT NULL,
	"scores_state" text DEFAULT 'pending' NOT NULL,
	"scores_updated" bigint DEFAULT 0 NOT NULL,
	"votes" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_spaces" (
	"id" text PRIMARY KEY NOT NULL,
	"settings" jsonb NOT NULL,
	"controller" text NOT NULL,
	"created" bigint NOT NULL,
	"updated" bigint NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_votes" (
	"id" text PRIMARY KEY NOT NULL,
	"ipfs" text NOT NULL,
	"voter" text NOT NULL,
	"created" bigint NOT NULL,
	"space" text NOT NULL,
	"proposal" text NOT NULL,
	"choice" jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"app" text DEFAULT '' NOT NULL,
	"vp_exact" numeric NOT NULL,
	"vp" numeric NOT NULL,
	"vp_by_strategy" jsonb NOT NULL,
	"vp_state" text DEFAULT 'final' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "hub_vp_cache" (
	"proposal" text NOT NULL,
	"voter" text NOT NULL,
	"vp_exact" numeric NOT NULL,
	"vp_by_strategy" jsonb NOT NULL,
	"created" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "hub_aliases_alias" ON "hub_aliases" USING btree ("alias");--> statement-breakpoint
CREATE INDEX "hub_aliases_address" ON "hub_aliases" USING btree ("address");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_follows_follower_space" ON "hub_follows" USING btree ("follower","space");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_messages_id" ON "hub_messages" USING btree ("id");--> statement-breakpoint
CREATE INDEX "hub_messages_space_type" ON "hub_messages" USING btree ("space","type");--> statement-breakpoint
CREATE INDEX "hub_proposals_space" ON "hub_proposals" USING btree ("space","created");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_votes_proposal_voter" ON "hub_votes" USING btree ("proposal","voter");--> statement-breakpoint
CREATE INDEX "hub_votes_space" ON "hub_votes" USING btree ("space");--> statement-breakpoint
CREATE UNIQUE INDEX "hub_vp_cache_pk" ON "hub_vp_cache" USING btree ("proposal","voter");