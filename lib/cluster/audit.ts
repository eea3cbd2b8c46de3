import type { NodeRole } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";

/** Audit actors are strings so the log outlives users and nodes. */
export const userActor = (email: string) => `user:${email}`;
export const agentActor = (cluster: string, node: string) => `agent:${cluster}/${node}`;
export const SYSTEM_ACTOR = "system";

/** Every action the audit log records, in one list so filters and docs agree. */
export const AUDIT_ACTIONS = [
  "node.registered",
  "failover.promoted", // automatic election: this node became active
  "failover.demoted", // automatic election: the dead active was marked standby
  "command.requested",
  "command.cancelled",
  "command.expired",
  "command.failed",
  "command.demoted", // the active stepped down for a command
  "command.promoted", // the target became active for a command
  "agent.released", // clean shutdown: the active gave up its lease
  "agent.self_fenced", // the active could not renew in time and demoted itself
  "hook.failed",
  "cluster.paused",
  "cluster.resumed",
  "cluster.settings_changed",
  "node.maintenance_on",
  "node.maintenance_off",
  "node.priority_changed",
  "user.created",
  "user.signed_in",
  "user.sign_in_failed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditInput = {
  actor: string;
  action: AuditAction;
  clusterId?: string | null;
  clusterName?: string | null;
  nodeId?: string | null;
  nodeName?: string | null;
  fromRole?: NodeRole | null;
  toRole?: NodeRole | null;
  epoch?: bigint | null;
  commandId?: string | null;
  reason?: string;
  details?: Record<string, unknown>;
};

/** Writes one audit row inside the caller's transaction, so the change and its record commit together. */
export async function insertAudit(db: DbHandle, input: AuditInput): Promise<void> {
  await toSql(db).execute(
    `INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", "nodeId", "nodeName", "fromRole", "toRole", epoch, "commandId", reason, details)
     VALUES ($1, $2, $3::uuid, $4, $5::uuid, $6, $7::"NodeRole", $8::"NodeRole", $9::bigint, $10::uuid, $11, $12::jsonb)`,
    [
      input.actor,
      input.action,
      input.clusterId ?? null,
      input.clusterName ?? null,
      input.nodeId ?? null,
      input.nodeName ?? null,
      input.fromRole ?? null,
      input.toRole ?? null,
      input.epoch ?? null,
      input.commandId ?? null,
      (input.reason ?? "").slice(0, 500),
      input.details === undefined ? null : JSON.stringify(input.details, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    ],
  );
}
