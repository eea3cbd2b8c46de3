import type { PrismaClient } from "../db/client";
import { ClusterError } from "./errors";

export type FindNodeByNameOptions = { prisma: PrismaClient; clusterName: string; nodeName: string };

/** The ids behind a cluster and node name, as the API addresses them. */
export async function findNodeByName({ prisma, clusterName, nodeName }: FindNodeByNameOptions): Promise<{ clusterId: string; nodeId: string }> {
  const cluster = await prisma.cluster.findUnique({ where: { name: clusterName }, select: { id: true } });
  if (!cluster) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
  const node = await prisma.node.findUnique({ where: { clusterId_name: { clusterId: cluster.id, name: nodeName } }, select: { id: true } });
  if (!node) throw new ClusterError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
  return { clusterId: cluster.id, nodeId: node.id };
}
