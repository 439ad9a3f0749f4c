DROP INDEX "accounts_phone_idx";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "phone_e164" text GENERATED ALWAYS AS (case
        when phone_number ~ '^[+][1-9][0-9]{7,14}$' then phone_number
        when phone_number ~ '^[0-9]{3}-[0-9]{3}-[0-9]{4}$' then '+1' || replace(phone_number, '-', '')
      end) STORED;--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."status" in ('completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE INDEX "accounts_phone_e164_idx" ON "accounts" USING btree ("phone_e164");