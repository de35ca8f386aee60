CREATE TABLE "governance_posts" (
	"proposal" text NOT NULL,
	"channel" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"claimed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"message_id" text,
	"rows" jsonb,
	"shown" text,
	"edited_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "governance_posts_proposal_channel_pk" PRIMARY KEY("proposal","channel")
);
--> statement-breakpoint
CREATE INDEX "governance_posts_open" ON "governance_posts" USING btree ("closed_at");