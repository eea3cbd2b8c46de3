-- Fire the role-change notification trigger only on role changes and lease releases, so the
-- once-a-second heartbeat of every agent no longer calls a plpgsql function (~4 % of database CPU
-- per heartbeat, measured by bench/). Same notifications as before.
DROP TRIGGER "Node_role_notify" ON "Node";

CREATE TRIGGER "Node_role_notify"
  AFTER UPDATE ON "Node"
  FOR EACH ROW
  WHEN (NEW."role" IS DISTINCT FROM OLD."role" OR (NEW."leaseExpiresAt" IS NULL AND OLD."leaseExpiresAt" IS NOT NULL))
  EXECUTE FUNCTION node_role_notify();
