-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "FailoverMode" AS ENUM ('AUTOMATIC', 'MANUAL');

-- CreateEnum
CREATE TYPE "NodeRole" AS ENUM ('ACTIVE', 'STANDBY');

-- CreateEnum
CREATE TYPE "CommandKind" AS ENUM ('PROMOTE', 'DEMOTE', 'SWITCHOVER');

-- CreateEnum
CREATE TYPE "CommandStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('ADMIN', 'OPERATOR', 'VIEWER');

-- CreateTable
CREATE TABLE "Cluster" (
    "id" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "failoverMode" "FailoverMode" NOT NULL DEFAULT 'AUTOMATIC',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "heartbeatMs" INTEGER NOT NULL DEFAULT 1000,
    "leaseMs" INTEGER NOT NULL DEFAULT 5000,
    "epoch" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Node" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "host" VARCHAR(255) NOT NULL DEFAULT '',
    "agentVersion" VARCHAR(32) NOT NULL DEFAULT '',
    "role" "NodeRole" NOT NULL DEFAULT 'STANDBY',
    "priority" INTEGER NOT NULL DEFAULT 100,
    "maintenance" BOOLEAN NOT NULL DEFAULT false,
    "lastHeartbeatAt" TIMESTAMPTZ(3),
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "activeEpoch" BIGINT,
    "startedAt" TIMESTAMPTZ(3),
    "holdUntil" TIMESTAMPTZ(3),
    "agentInstance" UUID,
    "metrics" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Node_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Command" (
    "id" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "kind" "CommandKind" NOT NULL,
    "targetNodeId" UUID NOT NULL,
    "status" "CommandStatus" NOT NULL DEFAULT 'PENDING',
    "requestedBy" VARCHAR(255) NOT NULL,
    "reason" VARCHAR(500) NOT NULL DEFAULT '',
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "error" VARCHAR(1000),

    CONSTRAINT "Command_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" VARCHAR(255) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "clusterId" UUID,
    "clusterName" VARCHAR(64),
    "nodeId" UUID,
    "nodeName" VARCHAR(64),
    "fromRole" "NodeRole",
    "toRole" "NodeRole",
    "epoch" BIGINT,
    "commandId" UUID,
    "reason" VARCHAR(500) NOT NULL DEFAULT '',
    "details" JSONB,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" VARCHAR(255) NOT NULL,
    "name" VARCHAR(100) NOT NULL DEFAULT '',
    "passwordHash" VARCHAR(255) NOT NULL,
    "role" "UserRole" NOT NULL DEFAULT 'VIEWER',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_name_key" ON "Cluster"("name");

-- CreateIndex
CREATE INDEX "Node_clusterId_role_idx" ON "Node"("clusterId", "role");

-- CreateIndex
CREATE UNIQUE INDEX "Node_clusterId_name_key" ON "Node"("clusterId", "name");

-- CreateIndex
CREATE INDEX "Command_clusterId_status_idx" ON "Command"("clusterId", "status");

-- CreateIndex
CREATE INDEX "Command_status_deadline_idx" ON "Command"("status", "deadline");

-- CreateIndex
CREATE INDEX "AuditEvent_clusterId_at_idx" ON "AuditEvent"("clusterId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_nodeId_at_idx" ON "AuditEvent"("nodeId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- AddForeignKey
ALTER TABLE "Node" ADD CONSTRAINT "Node_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Command" ADD CONSTRAINT "Command_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Command" ADD CONSTRAINT "Command_targetNodeId_fkey" FOREIGN KEY ("targetNodeId") REFERENCES "Node"("id") ON DELETE CASCADE ON UPDATE CASCADE;
