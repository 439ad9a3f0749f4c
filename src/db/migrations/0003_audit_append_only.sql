-- The audit chain is append-only: DELETE and TRUNCATE of audit_log are refused for every role, and so is
-- every UPDATE except the one-time chaining of a new row (seq, prev_hash and hash going from null to set,
-- nothing else changing). A superuser or the table's owner can still disable the trigger (ALTER TABLE …
-- DISABLE TRIGGER); that is what the hash chain and `bulwark audit verify` are for.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND (NEW.id, NEW.occurred_at, NEW.action, NEW.actor_id, NEW.request_id, NEW.ip, NEW.target, NEW.details)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.occurred_at, OLD.action, OLD.actor_id, OLD.request_id, OLD.ip, OLD.target, OLD.details)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
