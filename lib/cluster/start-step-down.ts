import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";

export type StepDownOptions = {
  db: DbHandle;
  commandId: string;
  clusterId: string;
  nodeId: string;
  nodeName: string;
  /** The epoch the agent is active at; nothing changes if the row has moved on. */
  epoch: bigint;
};

/**
 * The active's first half of a command, before its demote hook runs: the command becomes RUNNING
 * (so a cancel is refused from here on, rather than honoured while the node is already stopping),
 * audited. The node keeps its role and lease while the hook runs ("draining"), for at most drainMs.
 */
export async function startStepDown({
  db,
  commandId,
  clusterId,
  nodeId,
  nodeName,
  epoch,
  drainMs,
}: StepDownOptions & { drainMs: number }): Promise<{ started: boolean }> {
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId);
    const [command] = await tx.query<{ kind: string }>(
      `SELECT kind::text AS kind FROM "Command" WHERE id = $1::uuid AND status = 'PENDING' AND deadline > now() FOR UPDATE`,
      [commandId],
    );
    const me = locked?.nodes.find((n) => n.id === nodeId);
    if (!locked || !command || me?.role !== "ACTIVE" || !me.leaseValid) return { started: false };
    const [{ current }] = await tx.query<{ current: boolean }>(`SELECT "activeEpoch" = $2::bigint AS current FROM "Node" WHERE id = $1::uuid`, [nodeId, epoch]);
    if (!current) return { started: false };
    // A slow but healthy drain must not be expired halfway: the deadline covers the longest one.
    await tx.execute(
      `UPDATE "Command" SET status = 'RUNNING', "startedAt" = now(), deadline = GREATEST(deadline, now() + make_interval(secs => $2::float8 / 1000))
       WHERE id = $1::uuid`,
      [commandId, drainMs],
    );
    await insertAudit(tx, {
      actor: agentActor(locked.cluster.name, nodeName),
      action: "command.started",
      clusterId,
      clusterName: locked.cluster.name,
      nodeId,
      nodeName,
      epoch,
      commandId,
      reason: `stepping down for ${command.kind.toLowerCase()}: stopping its workload while it keeps the lease`,
    });
    return { started: true };
  });
}
