import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { healthyHeartbeatSql } from "./timing";

export type StepDownForChecksOptions = {
  db: DbHandle;
  clusterId: string;
  nodeId: string;
  nodeName: string;
  /** Why (the failing check and its output), for the audit. */
  reason: string;
  /** Isolated (its gateway is unreachable): it steps down whether or not a standby can take over. */
  isolated: boolean;
  /** Write the "keeps the role" audit row (once per failing episode: the agent asks again every beat). */
  auditIfKept: boolean;
};

export type StepDownForChecksDecision = { stepDown: true; holdOffMs: number; successor: string | null } | { stepDown: false; why: string };

/**
 * An active whose checks fail asks whether to step down: yes when a standby could take over
 * (healthy, eligible, its own checks passing), or when it is isolated; otherwise it keeps the role
 * rather than leave the cluster with nothing, and says so in the audit. Under the cluster lock, so
 * the answer is consistent with elections in progress.
 */
export async function stepDownForChecks({
  db,
  clusterId,
  nodeId,
  nodeName,
  reason,
  isolated,
  auditIfKept,
}: StepDownForChecksOptions): Promise<StepDownForChecksDecision> {
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId, { nodes: false });
    if (!locked) return { stepDown: false, why: "cluster not found" };
    const { cluster } = locked;
    const [successor] = await tx.query<{ name: string }>(
      `SELECT name FROM "Node"
       WHERE "clusterId" = $1::uuid AND id <> $2::uuid AND priority > 0 AND NOT maintenance AND NOT isolated
         AND "checkStatus" = 'PASSING' AND COALESCE("holdUntil" <= now(), true)
         AND ${healthyHeartbeatSql('"lastHeartbeatAt"', "$3::int")}
       ORDER BY priority DESC, name ASC LIMIT 1`,
      [clusterId, nodeId, cluster.heartbeatMs],
    );
    if (successor || isolated) return { stepDown: true, holdOffMs: cluster.checkHoldOffMs, successor: successor?.name ?? null };
    if (auditIfKept) {
      await insertAudit(tx, {
        actor: agentActor(cluster.name, nodeName),
        action: "check.no_standby",
        clusterId,
        clusterName: cluster.name,
        nodeId,
        nodeName,
        reason: `keeps the active role although its checks fail (${reason}): no standby passes its own checks`.slice(0, 500),
      });
    }
    return { stepDown: false, why: "no standby passes its checks" };
  });
}
