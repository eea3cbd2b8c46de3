-- A change of a service's settings wakes its agents, as commands and role changes already do
-- (cluster_command, payload the Cluster row id): most heartbeats are light ones that do not read
-- the service's row (lib/cluster/heartbeat.ts), so an agent learns of a pause, a failover mode or
-- new timings from this notification and its next, full, beat; a missed notification is covered
-- by the full beat every few beats.
CREATE FUNCTION cluster_settings_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cluster_command', NEW.id::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Cluster_settings_notify"
  AFTER UPDATE OF epoch, "failoverMode", paused, "heartbeatMs", "leaseMs", "demoteTimeoutMs" ON "Cluster"
  FOR EACH ROW
  WHEN (OLD.epoch IS DISTINCT FROM NEW.epoch OR OLD."failoverMode" IS DISTINCT FROM NEW."failoverMode" OR OLD.paused IS DISTINCT FROM NEW.paused
    OR OLD."heartbeatMs" IS DISTINCT FROM NEW."heartbeatMs" OR OLD."leaseMs" IS DISTINCT FROM NEW."leaseMs"
    OR OLD."demoteTimeoutMs" IS DISTINCT FROM NEW."demoteTimeoutMs")
  EXECUTE FUNCTION cluster_settings_notify();
