-- Rules the database itself enforces, whatever the code does. Not expressible in schema.prisma.

-- Invariant 1 backstop: at most one ACTIVE node per cluster.
CREATE UNIQUE INDEX "Node_one_active_per_cluster" ON "Node" ("clusterId") WHERE "role" = 'ACTIVE';

-- The audit log is append-only: no UPDATE, DELETE or TRUNCATE, for any role but a superuser
-- who disables the trigger on purpose.
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'AuditEvent is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "AuditEvent_no_update_delete"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- Agents LISTEN on "cluster_command" so a command starts within milliseconds, not at the next
-- tick; the payload is the cluster id so an agent ignores other clusters' traffic.
CREATE FUNCTION command_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cluster_command', NEW."clusterId"::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Command_notify"
  AFTER INSERT OR UPDATE OF "status" ON "Command"
  FOR EACH ROW EXECUTE FUNCTION command_notify();

-- Node role changes also notify, so a standby waiting for a demotion to promote itself reacts
-- at once, and a console stream can push changes.
CREATE FUNCTION node_role_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."role" IS DISTINCT FROM OLD."role" OR NEW."leaseExpiresAt" IS NULL AND OLD."leaseExpiresAt" IS NOT NULL THEN
    PERFORM pg_notify('cluster_command', NEW."clusterId"::text);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Node_role_notify"
  AFTER UPDATE ON "Node"
  FOR EACH ROW EXECUTE FUNCTION node_role_notify();

-- One command in flight per cluster: a second request while one is PENDING or RUNNING is refused
-- by the database, so two consoles cannot start competing switchovers.
CREATE UNIQUE INDEX "Command_one_open_per_cluster" ON "Command" ("clusterId") WHERE "status" IN ('PENDING', 'RUNNING');
