-- CreateEnum
CREATE TYPE "NotificationChannelType" AS ENUM ('WEBHOOK', 'SLACK', 'EMAIL');

-- CreateEnum
CREATE TYPE "NotificationDeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "downSince" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "NotificationChannel" (
    "id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "type" "NotificationChannelType" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "events" VARCHAR(64)[],
    "clusters" VARCHAR(64)[],
    "config" JSONB NOT NULL,
    "secret" JSONB NOT NULL,
    "createdBy" VARCHAR(255) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotificationChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NotificationDelivery" (
    "id" BIGSERIAL NOT NULL,
    "channelId" UUID NOT NULL,
    "auditEventId" BIGINT,
    "status" "NotificationDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimId" UUID,
    "lastAttemptAt" TIMESTAMPTZ(3),
    "deliveredAt" TIMESTAMPTZ(3),
    "httpStatus" INTEGER,
    "lastError" VARCHAR(500),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotificationDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "NotificationChannel_name_key" ON "NotificationChannel"("name");

-- CreateIndex
CREATE INDEX "NotificationDelivery_status_nextAttemptAt_idx" ON "NotificationDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "NotificationDelivery_channelId_id_idx" ON "NotificationDelivery"("channelId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "NotificationDelivery_channelId_auditEventId_key" ON "NotificationDelivery"("channelId", "auditEventId");

-- AddForeignKey
ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "NotificationChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written below: filters are never NULL, a channel notifies about something.
ALTER TABLE "NotificationChannel" ALTER COLUMN "events" SET NOT NULL,
  ALTER COLUMN "clusters" SET NOT NULL, ALTER COLUMN "clusters" SET DEFAULT '{}',
  ADD CONSTRAINT "NotificationChannel_events_not_empty" CHECK (cardinality("events") > 0);

-- The outbox: every audit row worth a notification queues one delivery per enabled channel whose
-- filters match, in the transaction that writes the row (an election, a step-down, a node marked
-- down), so a notification exists exactly when its event committed. That is the only notification
-- work inside a role-changing transaction: one INSERT ... SELECT over the (few) channels; sending
-- happens later, outside, in the consoles' dispatchers (lib/notify/dispatcher.ts).
-- SECURITY DEFINER: agents insert audit rows but may not read channels (their secrets) or the outbox.
CREATE FUNCTION notification_outbox() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO "NotificationDelivery" ("channelId", "auditEventId")
  SELECT c.id, NEW.id FROM "NotificationChannel" c
  WHERE c.enabled AND NEW.action = ANY (c.events)
    AND (cardinality(c.clusters) = 0 OR NEW."clusterName" = ANY (c.clusters));
  RETURN NULL;
END;
$$;

-- Only the actions a channel may subscribe to (NOTIFY_EVENTS in lib/notify/events.ts; a test holds
-- the two lists together): sign-ins and the like cost nothing.
CREATE TRIGGER "AuditEvent_notification_outbox"
  AFTER INSERT ON "AuditEvent"
  FOR EACH ROW
  WHEN (NEW.action IN ('failover.promoted', 'failover.limited', 'command.promoted', 'command.demoted', 'agent.released',
    'agent.stepped_down', 'command.failed', 'command.expired', 'node.down', 'node.recovered', 'check.failing',
    'check.passing', 'check.no_standby', 'agent.self_fenced', 'hook.failed'))
  EXECUTE FUNCTION notification_outbox();
