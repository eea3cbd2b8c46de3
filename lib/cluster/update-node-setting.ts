import type { Node, Prisma, PrismaClient } from "../db/client";
import { insertAudit, type AuditInput } from "./audit";
import { ClusterError } from "./errors";
import { lockCluster } from "./cluster-lock";

export type UpdateNodeSettingOptions = {
  prisma: PrismaClient;
  clusterName: string;
  nodeName: string;
  actor: string;
  reason: string;
  /** True when the node already has the wanted value: nothing changes, nothing is audited. */
  unchanged: (node: Node) => boolean;
  data: Prisma.NodeUpdateInput;
  audit: (node: Node) => Pick<AuditInput, "action" | "details">;
};

/**
 * The console's per-node settings (maintenance, priority): under the cluster row lock that
 * elections take, so a change and an election never interleave; idempotent; audited.
 */
export async function updateNodeSetting({ prisma, clusterName, nodeName, actor, reason, unchanged, data, audit }: UpdateNodeSettingOptions): Promise<Node> {
  return prisma.$transaction(async (tx) => {
    const locked = await lockCluster(tx, { name: clusterName }, { nodes: false });
    if (!locked) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    const { cluster } = locked;
    const node = await tx.node.findUnique({ where: { clusterId_name: { clusterId: cluster.id, name: nodeName } } });
    if (!node) throw new ClusterError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
    if (unchanged(node)) return node;
    const updated = await tx.node.update({ where: { id: node.id }, data });
    await insertAudit(tx, { actor, clusterId: cluster.id, clusterName, nodeId: node.id, nodeName, reason, ...audit(node) });
    return updated;
  });
}
