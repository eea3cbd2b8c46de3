import type { Prisma } from "../db/client";
import { ClusterError } from "./errors";

export type ClusterLockedByName = { id: string; paused: boolean; leaseMs: number };

/**
 * The console's changes to a cluster or its nodes start here: the row lock elections and command
 * steps take, so none of them interleaves with the change. NOT_FOUND for an unknown name.
 */
export async function lockClusterByName(tx: Prisma.TransactionClient, clusterName: string): Promise<ClusterLockedByName> {
  const [cluster] = await tx.$queryRaw<ClusterLockedByName[]>`SELECT id, paused, "leaseMs" FROM "Cluster" WHERE name = ${clusterName} FOR UPDATE`;
  if (!cluster) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
  return cluster;
}
