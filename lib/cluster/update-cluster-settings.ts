import type { Cluster, FailoverMode, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { ClusterError } from "./errors";
import { lockCluster } from "./cluster-lock";
import { timingProblem } from "./timing";

export type ClusterSettings = { failoverMode?: FailoverMode; heartbeatMs?: number; leaseMs?: number; demoteTimeoutMs?: number };
export type UpdateClusterSettingsOptions = { prisma: PrismaClient; clusterName: string; settings: ClusterSettings; actor: string; reason?: string };

/**
 * Changes failover mode and timings. The resulting set of timings is checked as a whole, under the
 * cluster row lock, so two admins changing one value each cannot combine into a bad set.
 */
export async function updateClusterSettings({ prisma, clusterName, settings, actor, reason = "" }: UpdateClusterSettingsOptions): Promise<Cluster> {
  return prisma.$transaction(async (tx) => {
    const locked = await lockCluster(tx, { name: clusterName }, { nodes: false });
    if (!locked) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    const before = await tx.cluster.findUniqueOrThrow({ where: { id: locked.cluster.id } });
    const after = {
      failoverMode: settings.failoverMode ?? before.failoverMode,
      heartbeatMs: settings.heartbeatMs ?? before.heartbeatMs,
      leaseMs: settings.leaseMs ?? before.leaseMs,
      demoteTimeoutMs: settings.demoteTimeoutMs ?? before.demoteTimeoutMs,
    };
    const problem = timingProblem(after);
    if (problem) throw new ClusterError("INVALID", problem);
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return before;
    const cluster = await tx.cluster.update({ where: { id: locked.cluster.id }, data: after });
    await insertAudit(tx, {
      actor,
      action: "cluster.settings_changed",
      clusterId: cluster.id,
      clusterName,
      epoch: cluster.epoch,
      reason,
      details: Object.fromEntries(changed.map((k) => [k, { from: before[k], to: after[k] }])),
    });
    return cluster;
  });
}
