-- CreateEnum
CREATE TYPE "RebalanceStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Rebalance" (
    "id" UUID NOT NULL,
    "clusterName" VARCHAR(64) NOT NULL,
    "status" "RebalanceStatus" NOT NULL DEFAULT 'RUNNING',
    "requestedBy" VARCHAR(255) NOT NULL,
    "reason" VARCHAR(500) NOT NULL DEFAULT '',
    "moves" JSONB NOT NULL DEFAULT '[]',
    "currentCommandId" UUID,
    "error" VARCHAR(1000),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Rebalance_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Rebalance_clusterName_createdAt_idx" ON "Rebalance"("clusterName", "createdAt");

-- Hand-written below.
-- One running rebalance per cluster: a second request fails here even when two consoles race.
CREATE UNIQUE INDEX "Rebalance_one_running_per_cluster" ON "Rebalance" ("clusterName") WHERE "status" = 'RUNNING';
-- A finished rebalance says when; a running one does not.
ALTER TABLE "Rebalance" ADD CONSTRAINT "Rebalance_finished" CHECK (("status" = 'RUNNING') = ("finishedAt" IS NULL));
