import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { noteServingCount } from "./serving";

export type ReleaseLeaseOptions = {
  db: DbHandle;
  clusterName: string;
  nodeName: string;
  nodeId: string;
  clusterId: string;
  /** The epoch the agent was active at: the row is changed only if it still is. */
  epoch: bigint;
  /** stepped_down: its supervised process exited or its checks failed. */
  why: "shutdown" | "self_fenced" | "stepped_down";
  reason: string;
  /** Not elected again for this long (a node whose service failed should not get the role straight back). */
  holdOffMs?: number;
};

const ACTIONS = { shutdown: "agent.released", self_fenced: "agent.self_fenced", stepped_down: "agent.stepped_down" } as const;

/**
 * An active agent gives the role up: on clean shutdown (so a standby takes over at once instead
 * of after the lease) or, once the database answers again, to record that it fenced itself.
 * Audited either way; the row changes only if the epoch is still this agent's.
 */
export async function releaseLease({
  db,
  clusterName,
  nodeName,
  nodeId,
  clusterId,
  epoch,
  why,
  reason,
  holdOffMs = 0,
}: ReleaseLeaseOptions): Promise<{ changed: boolean }> {
  return toSql(db).transaction(async (tx) => {
    // Under the service lock, as every role change: an ALL-mode service counts its serving nodes after it.
    const [{ mode }] = (await tx.query<{ mode: string }>(`SELECT mode::text AS mode FROM "Cluster" WHERE id = $1::uuid`, [clusterId])) as [{ mode: string }];
    const locked = mode === "ALL" ? await lockCluster(tx, clusterId, { nodes: false }) : null;
    const changed =
      (await tx.execute(
        `UPDATE "Node" SET role = 'STANDBY', "leaseExpiresAt" = NULL, "activeEpoch" = NULL,
           "holdUntil" = CASE WHEN $3::float8 > 0 THEN now() + make_interval(secs => $3::float8 / 1000) END
         WHERE id = $1::uuid AND role = 'ACTIVE' AND "activeEpoch" = $2::bigint`,
        [nodeId, epoch, holdOffMs],
      )) === 1;
    await insertAudit(tx, {
      actor: agentActor(clusterName, nodeName),
      action: ACTIONS[why],
      clusterId,
      clusterName,
      nodeId,
      nodeName,
      epoch,
      ...(changed && { fromRole: "ACTIVE" as const, toRole: "STANDBY" as const }),
      reason,
      details: { rowChanged: changed },
    });
    if (changed && locked) await noteServingCount(tx, locked.cluster, agentActor(clusterName, nodeName));
    return { changed };
  });
}
