DROP INDEX "license_terms_assistant_kind";--> statement-breakpoint
CREATE UNIQUE INDEX "license_terms_assistant_kind" ON "license_terms" USING btree ("assistant_id","kind") WHERE retired = 0;