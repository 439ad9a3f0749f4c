CREATE TABLE "reco_models" (
	"id" uuid PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"data_at" timestamp (3) with time zone NOT NULL,
	"users" integer NOT NULL,
	"interactions" integer NOT NULL,
	"training_ms" integer NOT NULL,
	"item_ids" jsonb NOT NULL,
	"metrics" jsonb,
	"model" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE INDEX "reco_models_created_at_idx" ON "reco_models" USING btree ("created_at");