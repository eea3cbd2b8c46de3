-- The outbox trigger must never fail the transaction it runs in: that transaction is an election,
-- a step-down or a node marked down, and a failover matters more than its notification. A channel
-- deleted at the same moment (its foreign key check fails), or any other error queueing a delivery,
-- is logged as a warning and the role change commits without that delivery.
CREATE OR REPLACE FUNCTION notification_outbox() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  BEGIN
    INSERT INTO "NotificationDelivery" ("channelId", "auditEventId")
    SELECT c.id, NEW.id FROM "NotificationChannel" c
    WHERE c.enabled AND NEW.action = ANY (c.events)
      AND (cardinality(c.clusters) = 0 OR NEW."clusterName" = ANY (c.clusters));
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'notification outbox: no delivery queued for audit event % (%): %', NEW.id, NEW.action, SQLERRM;
  END;
  RETURN NULL;
END;
$$;
