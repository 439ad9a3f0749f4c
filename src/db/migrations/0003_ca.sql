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
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_owner_id_accounts_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_issuer_id_certificate_authorities_id_fk" FOREIGN KEY ("issuer_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_serial_idx" ON "certificates" USING btree ("serial");--> statement-breakpoint
CREATE INDEX "certificates_owner_idx" ON "certificates" USING btree ("owner_id","id");--> statement-breakpoint
CREATE INDEX "certificates_not_after_idx" ON "certificates" USING btree ("not_after");--> statement-breakpoint
CREATE INDEX "certificates_sans_idx" ON "certificates" USING gin ("sans");--> statement-breakpoint
CREATE INDEX "certificates_common_name_idx" ON "certificates" USING btree (lower("common_name"));--> statement-breakpoint
CREATE INDEX "certificates_crl_idx" ON "certificates" USING btree ("issuer_id") WHERE "certificates"."status" in ('revoked', 'on_hold');