import type { Node, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { ClusterError } from "./errors";

export type SetNodeMaintenanceOptions = { prisma: PrismaClient; clusterName: string; nodeName: string; maintenance: boolean; actor: string; reason?: string };

/**
 * A node in maintenance is never promoted (automatically or by command). It does not demote an
 * active node: the operator demotes or switches over explicitly. Idempotent: no change, no audit.
 */
export async function setNodeMaintenance({ prisma, clusterName, nodeName, maintenance, actor, reason = "" }: SetNodeMaintenanceOptions): Promise<Node> {
  return prisma.$transaction(async (tx) => {
    const [cluster] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Cluster" WHERE name = ${clusterName} FOR UPDATE`;
    if (!cluster) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    const node = await tx.node.findUnique({ where: { clusterId_name: { clusterId: cluster.id, name: nodeName } } });
    if (!node) throw new ClusterError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
    if (node.maintenance === maintenance) return node;
    const updated = await tx.node.update({ where: { id: node.id }, data: { maintenance } });
    await insertAudit(tx, {
      actor,
      action: maintenance ? "node.maintenance_on" : "node.maintenance_off",
      clusterId: cluster.id,
      clusterName,
      nodeId: node.id,
      nodeName,
      reason,
      details: { role: node.role },
    });
    return updated;
  });
}
