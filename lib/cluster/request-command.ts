import type { Command, CommandKind } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { AppError } from "../errors";
import { healthyHeartbeatSql } from "./timing";

export type RequestCommandOptions = {
  db: DbHandle;
  clusterId: string;
  kind: CommandKind;
  targetNodeId: string;
  /** Audit actor, e.g. userActor(email). */
  requestedBy: string;
  reason?: string;
  /** How long the agents get before the command expires; defaults to max(30 s, 3 leases). */
  timeoutMs?: number;
  /** Go ahead although the target's checks fail or it is isolated (ADMINs only: the caller checks); audited as forced. */
  force?: boolean;
};

type NodeState = {
  id: string;
  name: string;
  role: "ACTIVE" | "STANDBY";
  maintenance: boolean;
  healthy: boolean;
  leaseValid: boolean;
  checkStatus: "PASSING" | "FAILING" | "UNKNOWN";
  isolated: boolean;
  checks: { name: string; status: string; output: string }[] | null;
};

/**
 * The console's only way to change roles: checks the request against the cluster's state, then
 * inserts a PENDING command and its audit row. The agents carry it out (start-step-down.ts, demote-for-command.ts, promote-for-command.ts).
 */
export async function requestCommand({
  db,
  clusterId,
  kind,
  targetNodeId,
  requestedBy,
  reason = "",
  timeoutMs,
  force = false,
}: RequestCommandOptions): Promise<Command> {
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 600_000)) {
    throw new AppError("INVALID", "timeoutMs must be an integer from 1000 to 600000");
  }
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId, { nodes: false });
    if (!locked) throw new AppError("NOT_FOUND", "cluster not found");
    const { cluster } = locked;
    if (cluster.mode === "ALL") {
      throw new AppError(
        "PRECONDITION_FAILED",
        `service ${cluster.service} of cluster ${cluster.name} runs on every healthy node (mode ALL): there is no role to move; put a node in maintenance to take it out`,
      );
    }
    const nodes = await tx.query<NodeState>(
      `SELECT id, name, role::text AS role, maintenance,
         COALESCE(${healthyHeartbeatSql('"lastHeartbeatAt"', "$2::int")}, false) AS healthy,
         COALESCE("leaseExpiresAt" > now(), false) AS "leaseValid",
         "checkStatus"::text AS "checkStatus", isolated, checks
       FROM "Node" WHERE "clusterId" = $1::uuid`,
      [clusterId, cluster.heartbeatMs],
    );
    const target = nodes.find((n) => n.id === targetNodeId);
    if (!target) throw new AppError("NOT_FOUND", "node not found in this cluster");
    const active = nodes.find((n) => n.role === "ACTIVE");
    const [open] = await tx.query<{ kind: CommandKind }>(
      `SELECT kind::text AS kind FROM "Command" WHERE "clusterId" = $1::uuid AND status IN ('PENDING', 'RUNNING')`,
      [clusterId],
    );
    if (open) throw new AppError("CONFLICT", `a ${open.kind.toLowerCase()} command is already in progress for this cluster`);

    if (kind === "DEMOTE") {
      if (target.role !== "ACTIVE") throw new AppError("PRECONDITION_FAILED", `${target.name} is not the active node`);
    } else {
      if (target.role === "ACTIVE") throw new AppError("PRECONDITION_FAILED", `${target.name} is already the active node`);
      if (target.maintenance) throw new AppError("PRECONDITION_FAILED", `${target.name} is in maintenance; take it out of maintenance first`);
      if (!target.healthy) throw new AppError("PRECONDITION_FAILED", `${target.name} is not healthy (its heartbeat is late or missing)`);
      const sick = checkProblem(target);
      if (sick && !force) throw new AppError("PRECONDITION_FAILED", `${sick}; an ADMIN may force it`);
      if (kind === "SWITCHOVER" && !active) {
        throw new AppError("PRECONDITION_FAILED", "no node is active to switch over from; use promote");
      }
      if (kind === "PROMOTE" && active?.leaseValid) {
        throw new AppError("PRECONDITION_FAILED", `${active.name} is active; use switchover to move the role`);
      }
    }
    const timeout = timeoutMs ?? Math.max(30_000, 3 * cluster.leaseMs);
    // Both stamps from the database clock (now()): agents compare heartbeats against createdAt.
    const [command] = await tx.query<Command>(
      `INSERT INTO "Command" (id, "clusterId", kind, "targetNodeId", "targetName", "requestedBy", reason, "createdAt", deadline, forced)
       VALUES (gen_random_uuid(), $1::uuid, $2::"CommandKind", $3::uuid, $4, $5, $6, now(), now() + make_interval(secs => $7::float8 / 1000), $8)
       RETURNING *`,
      [clusterId, kind, targetNodeId, target.name, requestedBy, reason.slice(0, 500), timeout, force && kind !== "DEMOTE" && checkProblem(target) !== null],
    );
    await insertAudit(tx, {
      actor: requestedBy,
      action: "command.requested",
      clusterId,
      clusterName: cluster.name,
      nodeId: target.id,
      nodeName: target.name,
      commandId: command.id,
      reason,
      details: {
        kind,
        timeoutMs: timeout,
        activeNode: active?.name ?? null,
        ...(force && kind !== "DEMOTE" && checkProblem(target) && { forced: checkProblem(target) }),
      },
    });
    return command;
  });
}

/** Why a node's checks say it should not take the role, or null. */
function checkProblem(node: NodeState): string | null {
  const failing = node.checks?.find((c) => c.status === "FAILING");
  if (node.isolated) return `${node.name} is isolated (its gateway check fails${failing ? `: ${failing.output}` : ""})`;
  if (node.checkStatus === "FAILING") return `${node.name}'s checks fail${failing ? ` (${failing.name}: ${failing.output})` : ""}`;
  return null;
}
