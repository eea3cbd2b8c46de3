import type { NodeRole } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";

export { AUDIT_ACTIONS, SYSTEM_ACTOR, agentActor, userActor, type AuditAction } from "./audit-actions";
import type { AuditAction } from "./audit-actions";

export type AuditInput = {
  actor: string;
  action: AuditAction;
  clusterId?: string | null;
  clusterName?: string | null;
  /** The service of the cluster; left out, it is read from the Cluster row clusterId names. */
  service?: string | null;
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
    `INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", "nodeId", "nodeName", "fromRole", "toRole", epoch, "commandId", reason, details, service)
     VALUES ($1, $2, $3::uuid, $4, $5::uuid, $6, $7::"NodeRole", $8::"NodeRole", $9::bigint, $10::uuid, $11, $12::jsonb,
       COALESCE($13::varchar, (SELECT service FROM "Cluster" WHERE id = $3::uuid)))`,
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
      input.details === undefined ? null : JSON.stringify(input.details, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
      input.service ?? null,
    ],
  );
}
