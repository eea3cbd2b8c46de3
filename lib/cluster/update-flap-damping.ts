import type { Cluster, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { ClusterError } from "./errors";
import { lockCluster } from "./cluster-lock";
import { FLAP_DAMPING_BOUNDS } from "./flap-damping-bounds";

export type FlapDampingSettings = { checkHoldOffMs?: number; failoverLimit?: number; failoverWindowMs?: number };
export type UpdateFlapDampingOptions = { prisma: PrismaClient; clusterName: string; settings: FlapDampingSettings; actor: string; reason?: string };

/**
 * Changes the flap-damping settings: the hold-off of a node that stepped down for failing checks,
 * and the limit of automatic failovers per window beyond which the cluster pauses itself. Under
 * the cluster row lock (as elections read them); idempotent; audited as cluster.settings_changed
 * with { setting: { from, to } } of what changed.
 */
export async function updateFlapDamping({ prisma, clusterName, settings, actor, reason = "" }: UpdateFlapDampingOptions): Promise<Cluster> {
  for (const [key, { min, max }] of Object.entries(FLAP_DAMPING_BOUNDS)) {
    const v = settings[key as keyof FlapDampingSettings];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new ClusterError("INVALID", `${key} must be an integer from ${min} to ${max}`);
  }
  return prisma.$transaction(async (tx) => {
    const locked = await lockCluster(tx, { name: clusterName }, { nodes: false });
    if (!locked) throw new ClusterError("NOT_FOUND", `cluster ${clusterName} not found`);
    const before = await tx.cluster.findUniqueOrThrow({ where: { id: locked.cluster.id } });
    const after = {
      checkHoldOffMs: settings.checkHoldOffMs ?? before.checkHoldOffMs,
      failoverLimit: settings.failoverLimit ?? before.failoverLimit,
      failoverWindowMs: settings.failoverWindowMs ?? before.failoverWindowMs,
    };
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return before;
    const cluster = await tx.cluster.update({ where: { id: before.id }, data: after });
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
