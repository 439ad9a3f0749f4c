CREATE TABLE "animals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"species" text,
	"birth_date" date,
	"description" text,
	"owner_id" uuid NOT NULL,
	"zoo_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zoos" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "images" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"animal_id" uuid,
	"purpose" text NOT NULL,
	"content_hash" text NOT NULL,
	"content_type" text NOT NULL,
	"width" integer NOT NULL,
	"height" integer NOT NULL,
	"byte_size" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "animals" ADD CONSTRAINT "animals_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "animals" ADD CONSTRAINT "animals_zoo_id_zoos_id_fk" FOREIGN KEY ("zoo_id") REFERENCES "public"."zoos"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zoos" ADD CONSTRAINT "zoos_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_animal_id_animals_id_fk" FOREIGN KEY ("animal_id") REFERENCES "public"."animals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "animals_owner_idx" ON "animals" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "animals_zoo_idx" ON "animals" USING btree ("zoo_id");--> statement-breakpoint
CREATE INDEX "animals_created_at_idx" ON "animals" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "animals_name_idx" ON "animals" USING btree ("name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "zoos_name_lower_idx" ON "zoos" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "zoos_owner_idx" ON "zoos" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "zoos_created_at_idx" ON "zoos" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "images_animal_idx" ON "images" USING btree ("animal_id");--> statement-breakpoint
CREATE INDEX "images_owner_purpose_idx" ON "images" USING btree ("owner_id","purpose");--> statement-breakpoint
CREATE INDEX "images_content_hash_idx" ON "images" USING btree ("content_hash");