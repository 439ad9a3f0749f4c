CREATE TABLE "catalog_stats" (
	"id" integer PRIMARY KEY NOT NULL,
	"m" double precision DEFAULT 0 NOT NULL,
	"c" double precision DEFAULT 0 NOT NULL,
	"refreshed_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "item_suggestions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"genres" text[] DEFAULT '{}'::text[] NOT NULL,
	"year" integer,
	"attributes" jsonb,
	"note" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"item_id" uuid,
	"decided_by" uuid,
	"decided_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "items" (
	"id" uuid PRIMARY KEY NOT NULL,
	"external_id" text,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"description" text,
	"genres" text[] DEFAULT '{}'::text[] NOT NULL,
	"year" integer,
	"attributes" jsonb,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"rating_sum" double precision DEFAULT 0 NOT NULL,
	"popularity" double precision DEFAULT 0 NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')) STORED,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "bad_recommendations" (
	"user_key" text NOT NULL,
	"item_id" uuid NOT NULL,
	"reasons" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bad_recommendations_user_key_item_id_pk" PRIMARY KEY("user_key","item_id")
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"user_key" text NOT NULL,
	"item_id" uuid NOT NULL,
	"slot" smallint NOT NULL,
	"type" text NOT NULL,
	"value" real,
	"at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_user_key_item_id_slot_pk" PRIMARY KEY("user_key","item_id","slot")
);
--> statement-breakpoint
CREATE TABLE "liked_genres" (
	"account_id" uuid NOT NULL,
	"genre" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "liked_genres_account_id_genre_pk" PRIMARY KEY("account_id","genre")
);
--> statement-breakpoint
CREATE TABLE "group_invitations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"group_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"invited_by" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"role" text NOT NULL,
	"joined_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "group_members_group_id_account_id_pk" PRIMARY KEY("group_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"aggregation" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
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
ALTER TABLE "model_versions" ADD COLUMN "max_queue" integer DEFAULT 1000 NOT NULL;--> statement-breakpoint
ALTER TABLE "item_suggestions" ADD CONSTRAINT "item_suggestions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_suggestions" ADD CONSTRAINT "item_suggestions_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_suggestions" ADD CONSTRAINT "item_suggestions_decided_by_accounts_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bad_recommendations" ADD CONSTRAINT "bad_recommendations_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "liked_genres" ADD CONSTRAINT "liked_genres_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_invitations" ADD CONSTRAINT "group_invitations_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_invitations" ADD CONSTRAINT "group_invitations_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_invitations" ADD CONSTRAINT "group_invitations_invited_by_accounts_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_id_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "groups" ADD CONSTRAINT "groups_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "item_suggestions_status_idx" ON "item_suggestions" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "item_suggestions_account_idx" ON "item_suggestions" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "items_external_id_idx" ON "items" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "items_popularity_idx" ON "items" USING btree ("popularity" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "items_genres_idx" ON "items" USING gin ("genres");--> statement-breakpoint
CREATE INDEX "items_search_idx" ON "items" USING gin ("search");--> statement-breakpoint
CREATE INDEX "feedback_updated_at_idx" ON "feedback" USING brin ("updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "group_invitations_group_account_idx" ON "group_invitations" USING btree ("group_id","account_id");--> statement-breakpoint
CREATE INDEX "group_invitations_account_idx" ON "group_invitations" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "group_members_account_idx" ON "group_members" USING btree ("account_id","group_id");--> statement-breakpoint
CREATE INDEX "groups_owner_idx" ON "groups" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "reco_models_created_at_idx" ON "reco_models" USING btree ("created_at");