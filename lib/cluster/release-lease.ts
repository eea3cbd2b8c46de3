import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";

export type ReleaseLeaseOptions = {
  db: DbHandle;
  clusterName: string;
  nodeName: string;
  nodeId: string;
  clusterId: string;
  /** The epoch the agent was active at: the row is changed only if it still is. */
  epoch: bigint;
  why: "shutdown" | "self_fenced";
  reason: string;
};

/**
 * An active agent gives the role up: on clean shutdown (so a standby takes over at once instead
 * of after the lease) or, once the database answers again, to record that it fenced itself.
 * Audited either way; the row changes only if the epoch is still this agent's.
 */
export async function releaseLease({ db, clusterName, nodeName, nodeId, clusterId, epoch, why, reason }: ReleaseLeaseOptions): Promise<{ changed: boolean }> {
  return toSql(db).transaction(async (tx) => {
    const changed =
      (await tx.execute(
        `UPDATE "Node" SET role = 'STANDBY', "leaseExpiresAt" = NULL, "activeEpoch" = NULL
         WHERE id = $1::uuid AND role = 'ACTIVE' AND "activeEpoch" = $2::bigint`,
        [nodeId, epoch],
      )) === 1;
    await insertAudit(tx, {
      actor: agentActor(clusterName, nodeName),
      action: why === "shutdown" ? "agent.released" : "agent.self_fenced",
      clusterId,
      clusterName,
      nodeId,
      nodeName,
      epoch,
      ...(changed && { fromRole: "ACTIVE" as const, toRole: "STANDBY" as const }),
      reason,
      details: { rowChanged: changed },
    });
    return { changed };
  });
}
