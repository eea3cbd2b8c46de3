import type { Cluster, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { ClusterError } from "./errors";

export type SetClusterPausedOptions = { prisma: PrismaClient; clusterName: string; paused: boolean; actor: string; reason?: string };

/**
 * Pauses or resumes automatic failover. Takes the cluster row lock elections take, so an election
 * already running finishes first and none starts after a pause commits. Idempotent: no change, no audit.
 */
export async function setClusterPaused({ prisma, clusterName, paused, actor, reason = "" }: SetClusterPausedOptions): Promise<Cluster> {
  return prisma.$transaction(async (tx) => {
    const locked = await lockCluster(tx, { name: clusterName }, { nodes: false });
    if (!locked) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    if (locked.cluster.paused === paused) return tx.cluster.findUniqueOrThrow({ where: { id: locked.cluster.id } });
    const cluster = await tx.cluster.update({ where: { id: locked.cluster.id }, data: { paused } });
    await insertAudit(tx, { actor, action: paused ? "cluster.paused" : "cluster.resumed", clusterId: cluster.id, clusterName, epoch: cluster.epoch, reason });
    return cluster;
  });
}
