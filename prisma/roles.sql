-- Least-privilege database roles. Run as the owner of the schema (the role that applies the
-- migrations), after the migrations and after creating the two login roles, e.g.:
--   CREATE ROLE failover_console LOGIN PASSWORD '...';
--   CREATE ROLE failover_agent   LOGIN PASSWORD '...';
-- Re-runnable. See docs/database-roles.md.

-- Console: reads everything, writes what the console writes; the audit log only grows.
GRANT USAGE ON SCHEMA public TO failover_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON "Cluster", "Node", "Command", "User" TO failover_console;
GRANT SELECT, INSERT, UPDATE ON "Rebalance" TO failover_console; -- rebalances: requested, then stepped by every console
GRANT SELECT, INSERT ON "AuditEvent" TO failover_console;
GRANT USAGE ON SEQUENCE "AuditEvent_id_seq" TO failover_console;
GRANT SELECT ON "_prisma_migrations" TO failover_console;

-- Agent: its own heartbeat, elections and command steps; no users, no audit reads, no deletes.
GRANT USAGE ON SCHEMA public TO failover_agent;
GRANT SELECT, INSERT ON "Cluster" TO failover_agent;
GRANT UPDATE (epoch, "updatedAt", paused, "belowMinimumSince") ON "Cluster" TO failover_agent; -- paused: flap damping pauses a cluster; belowMinimumSince: an ALL-mode service's count
GRANT SELECT, INSERT ON "Node" TO failover_agent;
GRANT UPDATE (host, "agentVersion", role, priority, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch", "startedAt", "agentInstance", "holdUntil", metrics, "checkStatus", isolated, "checkSince", checks, "downSince") ON "Node" TO failover_agent; -- downSince: node.down / node.recovered
GRANT SELECT ON "Command" TO failover_agent;
GRANT UPDATE (status, "startedAt", "finishedAt", error, deadline, "hookOutcomes") ON "Command" TO failover_agent;
GRANT INSERT ON "AuditEvent" TO failover_agent;
GRANT SELECT (id, "clusterId", action, at, "nodeName", "toRole") ON "AuditEvent" TO failover_agent; -- INSERT ... RETURNING id; flap damping counts recent promotions
GRANT USAGE ON SEQUENCE "AuditEvent_id_seq" TO failover_agent;

-- Notification channels and their outbox: the console's only. Agents queue deliveries without any
-- grant, through the SECURITY DEFINER trigger on "AuditEvent" (they never see a channel's secret).
GRANT SELECT, INSERT, UPDATE, DELETE ON "NotificationChannel", "NotificationDelivery" TO failover_console;
GRANT USAGE ON SEQUENCE "NotificationDelivery_id_seq" TO failover_console;

-- API tokens are the console's business only.
GRANT SELECT, INSERT, UPDATE ON "ApiToken" TO failover_console;
