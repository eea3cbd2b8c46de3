import { toSql, type DbHandle } from "../db/sql";
import { insertAudit } from "./audit";
import { AppError } from "../errors";
import { lockCluster } from "./cluster-lock";

export type RemoveNodeOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service. */
  service?: string;
  nodeName: string;
  actor: string;
  reason?: string;
};

type Target = {
  id: string;
  role: "ACTIVE" | "STANDBY";
  host: string;
  priority: number;
  lastHeartbeatAt: Date | null;
  silentForLease: boolean;
  openCommandId: string | null;
};

/**
 * Decommissions a node that is gone: a STANDBY whose agent has been silent for longer than a lease,
 * with no open command aimed at it. Under the cluster lock, so no election or command can pick it
 * meanwhile. Its past commands stay (their target becomes NULL; they keep its name), and so does
 * the audit log. If its agent ever comes back it is told its row is gone and stops; started again,
 * it joins as a new node.
 */
export async function removeNode({ db, clusterName, service, nodeName, actor, reason = "" }: RemoveNodeOptions): Promise<void> {
  await toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, { clusterName, service }, { nodes: false });
    if (!locked) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
    const { cluster } = locked;
    const [node] = await tx.query<Target>(
      `SELECT n.id, n.role::text AS role, n.host, n.priority, n."lastHeartbeatAt",
        COALESCE(n."lastHeartbeatAt" < now() - make_interval(secs => $3::float8 / 1000), true) AS "silentForLease",
        (SELECT c.id FROM "Command" c WHERE c."targetNodeId" = n.id AND c.status IN ('PENDING', 'RUNNING')) AS "openCommandId"
       FROM "Node" n WHERE n."clusterId" = $1::uuid AND n.name = $2 FOR UPDATE`,
      [cluster.id, nodeName, cluster.leaseMs],
    );
    if (!node) throw new AppError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
    if (node.role === "ACTIVE") throw new AppError("CONFLICT", `${nodeName} is the active node; switch over or let it fail over first`);
    if (!node.silentForLease)
      throw new AppError(
        "CONFLICT",
        `${nodeName} is still heartbeating; stop its agent first (a node can be removed once silent for a lease, ${cluster.leaseMs} ms)`,
      );
    if (node.openCommandId) throw new AppError("CONFLICT", `command ${node.openCommandId} targets ${nodeName}; cancel it first`);
    await tx.execute(`DELETE FROM "Node" WHERE id = $1::uuid`, [node.id]);
    await insertAudit(tx, {
      actor,
      action: "node.removed",
      clusterId: cluster.id,
      clusterName,
      nodeId: node.id,
      nodeName,
      reason,
      details: { host: node.host, priority: node.priority, lastHeartbeatAt: node.lastHeartbeatAt?.toISOString() ?? null },
    });
  });
}
