-- CreateEnum
CREATE TYPE "ServiceMode" AS ENUM ('ONE', 'ALL');

-- DropIndex
DROP INDEX "Cluster_name_key";

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "belowMinimumSince" TIMESTAMPTZ(3),
ADD COLUMN     "minActive" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "mode" "ServiceMode" NOT NULL DEFAULT 'ONE',
ADD COLUMN     "service" VARCHAR(64) NOT NULL DEFAULT 'main';

-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "exclusive" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "service" VARCHAR(64);

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_name_service_key" ON "Cluster"("name", "service");

-- Hand-written below.
-- Invariant 1 backstop, now per service: at most one ACTIVE node per ONE-mode service. An ALL-mode
-- service's rows are not exclusive: every healthy node of it may be ACTIVE at once.
DROP INDEX "Node_one_active_per_cluster";
CREATE UNIQUE INDEX "Node_one_active_per_service" ON "Node" ("clusterId") WHERE "role" = 'ACTIVE' AND "exclusive";

-- Service names follow node names; a minimum of serving nodes is at least one.
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_service_name" CHECK ("service" ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_min_active" CHECK ("minActive" BETWEEN 1 AND 1000);

-- Notifications also for an ALL-mode service's serving count and for rebalances
-- (NOTIFY_EVENTS in lib/notify/events.ts).
DROP TRIGGER "AuditEvent_notification_outbox" ON "AuditEvent";
CREATE TRIGGER "AuditEvent_notification_outbox"
  AFTER INSERT ON "AuditEvent"
  FOR EACH ROW
  WHEN (NEW.action IN ('failover.promoted', 'failover.limited', 'command.promoted', 'command.demoted', 'agent.released',
    'agent.stepped_down', 'command.failed', 'command.expired', 'node.down', 'node.recovered', 'check.failing',
    'check.passing', 'check.no_standby', 'agent.self_fenced', 'hook.failed', 'service.below_minimum',
    'service.minimum_restored', 'rebalance.finished', 'rebalance.failed'))
  EXECUTE FUNCTION notification_outbox();
