CREATE TABLE "model_job_chunks" (
	"job_id" uuid NOT NULL,
	"chunk" integer NOT NULL,
	"outputs" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"model_name" text NOT NULL,
	"version_id" uuid,
	"version" integer NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"inputs_key" text NOT NULL,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"blob_key" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"description" text,
	"signature" jsonb NOT NULL,
	"max_batch_size" integer NOT NULL,
	"max_delay_ms" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"description" text,
	"production_version" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "certificate_authorities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"parent_id" uuid,
	"certificate_pem" text NOT NULL,
	"private_key_sealed" text,
	"data_key_wrapped" text,
	"master_key_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"revision" bigint DEFAULT 0 NOT NULL,
	"crl_number" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid NOT NULL,
	"issuer_id" uuid NOT NULL,
	"serial" text NOT NULL,
	"common_name" text NOT NULL,
	"subject" jsonb NOT NULL,
	"sans" text[] NOT NULL,
	"key_algorithm" text NOT NULL,
	"profile" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"revocation_reason" text,
	"revoked_at" timestamp (3) with time zone,
	"not_before" timestamp (3) with time zone NOT NULL,
	"not_after" timestamp (3) with time zone NOT NULL,
	"fingerprint_sha256" text NOT NULL,
	"certificate_pem" text NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"renewed_from" uuid,
	"renewed_by" uuid,
	"expiry_notified" smallint,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"webhook_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"response_status" integer,
	"duration_ms" integer,
	"last_error" text,
	"next_attempt_at" timestamp (3) with time zone,
	"last_attempt_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"all_accounts" boolean DEFAULT false NOT NULL,
	"secret_sealed" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"action" text NOT NULL,
	"actor_id" uuid,
	"request_id" text,
	"ip" text,
	"target" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" text,
	"hash" text,
	CONSTRAINT "audit_log_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
DROP INDEX "accounts_phone_idx";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "phone_e164" text GENERATED ALWAYS AS (case
        when phone_number ~ '^[+][1-9][0-9]{7,14}$' then phone_number
        when phone_number ~ '^[0-9]{3}-[0-9]{3}-[0-9]{4}$' then '+1' || replace(phone_number, '-', '')
      end) STORED;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "model_names" text[];--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "requests_per_minute" integer;--> statement-breakpoint
ALTER TABLE "model_job_chunks" ADD CONSTRAINT "model_job_chunks_job_id_model_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."model_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_jobs" ADD CONSTRAINT "model_jobs_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_jobs" ADD CONSTRAINT "model_jobs_version_id_model_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_issuer_id_certificate_authorities_id_fk" FOREIGN KEY ("issuer_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "animals" ADD CONSTRAINT "animals_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "animals" ADD CONSTRAINT "animals_zoo_id_zoos_id_fk" FOREIGN KEY ("zoo_id") REFERENCES "public"."zoos"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zoos" ADD CONSTRAINT "zoos_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_animal_id_animals_id_fk" FOREIGN KEY ("animal_id") REFERENCES "public"."animals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "model_job_chunks_pk" ON "model_job_chunks" USING btree ("job_id","chunk");--> statement-breakpoint
CREATE INDEX "model_jobs_owner_idx" ON "model_jobs" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "model_jobs_expires_idx" ON "model_jobs" USING btree ("expires_at") WHERE "model_jobs"."status" in ('succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_model_version_idx" ON "model_versions" USING btree ("model_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_serial_idx" ON "certificates" USING btree ("serial");--> statement-breakpoint
CREATE INDEX "certificates_owner_idx" ON "certificates" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "certificates_not_after_idx" ON "certificates" USING btree ("not_after");--> statement-breakpoint
CREATE INDEX "certificates_sans_idx" ON "certificates" USING gin ("sans");--> statement-breakpoint
CREATE INDEX "certificates_common_name_idx" ON "certificates" USING btree (lower("common_name"));--> statement-breakpoint
CREATE INDEX "certificates_crl_idx" ON "certificates" USING btree ("issuer_id") WHERE "certificates"."status" in ('revoked', 'on_hold');--> statement-breakpoint
CREATE INDEX "animals_owner_idx" ON "animals" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "animals_zoo_idx" ON "animals" USING btree ("zoo_id");--> statement-breakpoint
CREATE INDEX "animals_created_at_idx" ON "animals" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "animals_name_idx" ON "animals" USING btree ("name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "zoos_name_lower_idx" ON "zoos" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "zoos_owner_idx" ON "zoos" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "zoos_created_at_idx" ON "zoos" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "images_animal_idx" ON "images" USING btree ("animal_id");--> statement-breakpoint
CREATE INDEX "images_owner_purpose_idx" ON "images" USING btree ("owner_id","purpose");--> statement-breakpoint
CREATE INDEX "images_content_hash_idx" ON "images" USING btree ("content_hash");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_idx" ON "webhook_deliveries" USING btree ("webhook_id","id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_finished_idx" ON "webhook_deliveries" USING btree ("last_attempt_at") WHERE "webhook_deliveries"."status" in ('succeeded', 'failed');--> statement-breakpoint
CREATE INDEX "webhooks_account_idx" ON "webhooks" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "webhooks_all_accounts_idx" ON "webhooks" USING btree ("id") WHERE "webhooks"."all_accounts";--> statement-breakpoint
CREATE INDEX "audit_log_unchained_idx" ON "audit_log" USING btree ("id") WHERE "audit_log"."seq" is null;--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target","id");--> statement-breakpoint
CREATE INDEX "audit_log_occurred_idx" ON "audit_log" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."status" in ('completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE INDEX "accounts_phone_e164_idx" ON "accounts" USING btree ("phone_e164");