import type { Cluster, FailoverMode, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { ClusterError } from "./errors";
import { lockCluster } from "./cluster-lock";
import { FLAP_DAMPING_BOUNDS } from "./flap-damping-bounds";
import { timingProblem } from "./timing";

export type ClusterSettings = {
  failoverMode?: FailoverMode;
  heartbeatMs?: number;
  leaseMs?: number;
  demoteTimeoutMs?: number;
  /** Flap damping: the hold-off of a node that stepped down for failing checks, and the limit of automatic failovers per window. */
  checkHoldOffMs?: number;
  failoverLimit?: number;
  failoverWindowMs?: number;
};
export type UpdateClusterSettingsOptions = { prisma: PrismaClient; clusterName: string; settings: ClusterSettings; actor: string; reason?: string };

/**
 * Changes failover mode, timings and flap damping, audited in one row with { setting: { from, to } }
 * of what changed. The resulting set of timings is checked as a whole, under the cluster row lock,
 * so two admins changing one value each cannot combine into a bad set.
 */
export async function updateClusterSettings({ prisma, clusterName, settings, actor, reason = "" }: UpdateClusterSettingsOptions): Promise<Cluster> {
  for (const [key, { min, max }] of Object.entries(FLAP_DAMPING_BOUNDS)) {
    const v = settings[key as keyof typeof FLAP_DAMPING_BOUNDS];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new ClusterError("INVALID", `${key} must be an integer from ${min} to ${max}`);
  }
  return prisma.$transaction(async (tx) => {
    const locked = await lockCluster(tx, { name: clusterName }, { nodes: false });
    if (!locked) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    const before = await tx.cluster.findUniqueOrThrow({ where: { id: locked.cluster.id } });
    const after = {
      failoverMode: settings.failoverMode ?? before.failoverMode,
      heartbeatMs: settings.heartbeatMs ?? before.heartbeatMs,
      leaseMs: settings.leaseMs ?? before.leaseMs,
      demoteTimeoutMs: settings.demoteTimeoutMs ?? before.demoteTimeoutMs,
      checkHoldOffMs: settings.checkHoldOffMs ?? before.checkHoldOffMs,
      failoverLimit: settings.failoverLimit ?? before.failoverLimit,
      failoverWindowMs: settings.failoverWindowMs ?? before.failoverWindowMs,
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
