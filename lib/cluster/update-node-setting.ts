import type { Node } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { insertAudit, type AuditInput } from "./audit";
import { AppError } from "../errors";
import { lockCluster } from "./cluster-lock";

/** The per-node settings the console changes; each is a column of "Node". */
export type NodeSetting = { maintenance: boolean } | { priority: number };

export type UpdateNodeSettingOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service. */
  service?: string;
  nodeName: string;
  actor: string;
  reason: string;
  setting: NodeSetting;
  audit: (node: Node) => Pick<AuditInput, "action" | "details">;
};

/**
 * The console's per-node settings (maintenance, priority): under the cluster row lock that
 * elections take, so a change and an election never interleave; idempotent (no change, no audit); audited.
 */
export async function updateNodeSetting({ db, clusterName, service, nodeName, actor, reason, setting, audit }: UpdateNodeSettingOptions): Promise<Node> {
  const [[column, value]] = Object.entries(setting) as ["maintenance" | "priority", unknown][];
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, { clusterName, service }, { nodes: false });
    if (!locked) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
    const { cluster } = locked;
    const [node] = await tx.query<Node>(`SELECT * FROM "Node" WHERE "clusterId" = $1::uuid AND name = $2 FOR UPDATE`, [cluster.id, nodeName]);
    if (!node) throw new AppError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
    if (node[column] === value) return node;
    // The column name comes from NodeSetting's keys, never from the request.
    const [updated] = await tx.query<Node>(`UPDATE "Node" SET "${column}" = $2 WHERE id = $1::uuid RETURNING *`, [node.id, value]);
    await insertAudit(tx, { actor, clusterId: cluster.id, clusterName, nodeId: node.id, nodeName, reason, ...audit(node) });
    return updated;
  });
}
