-- A demote budget per cluster: an active that cannot renew fences demoteTimeoutMs earlier, so its
-- demote hook has ended (or been killed) before its lease ends in the database.
ALTER TABLE "Cluster" ADD COLUMN "demoteTimeoutMs" INTEGER NOT NULL DEFAULT 1000;

-- Existing clusters keep working: the budget shrinks to what their timings leave room for.
UPDATE "Cluster" SET "demoteTimeoutMs" = GREATEST(0, LEAST("demoteTimeoutMs",
  "leaseMs" - 2 * "heartbeatMs" - LEAST(GREATEST(round("leaseMs" / 10.0)::int, 100), "heartbeatMs", 1000) - 1));

-- The same rule as lib/cluster/timing.ts timingProblem(), so no client can store unsafe timings:
-- the lease covers two missed heartbeats, the fencing margin and the demote budget. NOT VALID:
-- checked on every write from now on, without failing the migration on a row someone wrote by
-- hand before (agents refuse to join such a cluster and say why).
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_timings_safe" CHECK (
  "heartbeatMs" BETWEEN 50 AND 60000
  AND "leaseMs" <= 600000
  AND "demoteTimeoutMs" BETWEEN 0 AND 600000
  AND "leaseMs" > 2 * "heartbeatMs" + LEAST(GREATEST(round("leaseMs" / 10.0)::int, 100), "heartbeatMs", 1000) + "demoteTimeoutMs"
) NOT VALID;

-- How the hooks a command ran ended ({ demote?, promote? }: ok, ms, error; never the hook's output).
ALTER TABLE "Command" ADD COLUMN "hookOutcomes" JSONB;
