ALTER TABLE "assets" ADD COLUMN "assistant_id" integer;--> statement-breakpoint
ALTER TABLE "assets" ADD CONSTRAINT "assets_assistant_id_assistants_id_fk" FOREIGN KEY ("assistant_id") REFERENCES "public"."assistants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_assistant" ON "assets" USING btree ("assistant_id");