import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import { clusterTimings, lockCluster, RoleChangeAborted, takeOverRole, type RetirableLease } from "./cluster-lock";
import type { Timings } from "./timing";

export type PromoteForCommandOptions = {
  db: DbHandle;
  commandId: string;
  clusterId: string;
  nodeId: string;
  instanceId: string;
  /** The highest epoch this agent has seen; the new epoch goes above it (cluster-lock.ts installActive). */
  epochFloor?: bigint;
  /** The lapsed active's lease this agent watched stand still for a lease; only that one is retired (cluster-lock.ts takeOverRole). */
  retirable?: RetirableLease | null;
};

/** forced: an ADMIN forced the role onto this node although its checks failed (it keeps the role until they pass). */
export type PromoteResult = { promoted: true; epoch: bigint; timings: Timings; forced: boolean } | { promoted: false; why: string };

/**
 * The target's half: becomes active once no other node holds a valid lease. A dead active is
 * waited out (fencing by time), then retired in the same transaction; never two actives.
 */
export async function promoteForCommand(options: PromoteForCommandOptions): Promise<PromoteResult> {
  try {
    return await promoteInTransaction(options);
  } catch (err) {
    if (err instanceof RoleChangeAborted) return { promoted: false, why: err.message };
    throw err;
  }
}

function promoteInTransaction({ db, commandId, clusterId, nodeId, instanceId, epochFloor, retirable }: PromoteForCommandOptions): Promise<PromoteResult> {
  return toSql(db).transaction(async (tx): Promise<PromoteResult> => {
    const locked = await lockCluster(tx, clusterId);
    if (!locked) return { promoted: false, why: "cluster not found" };
    const { cluster, nodes } = locked;
    const [command] = await tx.query<{ kind: string; forced: boolean }>(
      `SELECT kind::text AS kind, forced FROM "Command"
       WHERE id = $1::uuid AND "targetNodeId" = $2::uuid AND status IN ('PENDING', 'RUNNING') AND deadline > now()
         AND kind IN ('PROMOTE', 'SWITCHOVER') FOR UPDATE`,
      [commandId, nodeId],
    );
    if (!command) return { promoted: false, why: "command no longer open" };
    const me = nodes.find((n) => n.id === nodeId)!;
    const actor = agentActor(cluster.name, me.name);
    if (me.maintenance) {
      await tx.execute(`UPDATE "Command" SET status = 'FAILED', "finishedAt" = now(), error = $2 WHERE id = $1::uuid`, [
        commandId,
        `${me.name} was put in maintenance`,
      ]);
      await insertAudit(tx, {
        actor,
        action: "command.failed",
        clusterId,
        clusterName: cluster.name,
        nodeId,
        nodeName: me.name,
        commandId,
        reason: "target in maintenance",
      });
      return { promoted: false, why: "in maintenance" };
    }
    const active = nodes.find((n) => n.role === "ACTIVE" && n.id !== nodeId);
    if (active?.leaseValid) return { promoted: false, why: `waiting for ${active.name} to step down or its lease to expire` };
    const epoch = await takeOverRole(tx, {
      cluster,
      active,
      nodeId,
      instanceId,
      actor,
      commandId,
      retireReason: "lease expired without stepping down",
      epochFloor,
      retirable,
    });
    await tx.execute(`UPDATE "Command" SET status = 'SUCCEEDED', "startedAt" = COALESCE("startedAt", now()), "finishedAt" = now() WHERE id = $1::uuid`, [
      commandId,
    ]);
    const base = { actor, clusterId, clusterName: cluster.name, epoch, commandId };
    await insertAudit(tx, {
      ...base,
      action: "command.promoted",
      nodeId,
      nodeName: me.name,
      fromRole: "STANDBY",
      toRole: "ACTIVE",
      reason: `${command.kind.toLowerCase()} completed`,
    });
    return { promoted: true as const, epoch, timings: clusterTimings(cluster), forced: command.forced };
  });
}
