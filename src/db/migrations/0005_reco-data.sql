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
ALTER TABLE "item_suggestions" ADD CONSTRAINT "item_suggestions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_suggestions" ADD CONSTRAINT "item_suggestions_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "item_suggestions" ADD CONSTRAINT "item_suggestions_decided_by_accounts_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bad_recommendations" ADD CONSTRAINT "bad_recommendations_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "liked_genres" ADD CONSTRAINT "liked_genres_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "item_suggestions_status_idx" ON "item_suggestions" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "item_suggestions_account_idx" ON "item_suggestions" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "items_external_id_idx" ON "items" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "items_popularity_idx" ON "items" USING btree ("popularity" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "items_genres_idx" ON "items" USING gin ("genres");--> statement-breakpoint
CREATE INDEX "items_search_idx" ON "items" USING gin ("search");--> statement-breakpoint
CREATE INDEX "feedback_item_idx" ON "feedback" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "feedback_updated_at_idx" ON "feedback" USING btree ("updated_at");