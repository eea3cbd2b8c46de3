import type { Node, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { ClusterError } from "./errors";

export type SetNodePriorityOptions = { prisma: PrismaClient; clusterName: string; nodeName: string; priority: number; actor: string; reason?: string };

/** Sets the election priority (higher wins; 0 = never promoted automatically). Idempotent. */
export async function setNodePriority({ prisma, clusterName, nodeName, priority, actor, reason = "" }: SetNodePriorityOptions): Promise<Node> {
  if (!Number.isInteger(priority) || priority < 0 || priority > 1000) throw new ClusterError("INVALID", "priority must be an integer from 0 to 1000");
  return prisma.$transaction(async (tx) => {
    const [cluster] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Cluster" WHERE name = ${clusterName} FOR UPDATE`;
    if (!cluster) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    const node = await tx.node.findUnique({ where: { clusterId_name: { clusterId: cluster.id, name: nodeName } } });
    if (!node) throw new ClusterError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
    if (node.priority === priority) return node;
    const updated = await tx.node.update({ where: { id: node.id }, data: { priority } });
    await insertAudit(tx, {
      actor,
      action: "node.priority_changed",
      clusterId: cluster.id,
      clusterName,
      nodeId: node.id,
      nodeName,
      reason,
      details: { from: node.priority, to: priority },
    });
    return updated;
  });
}
