import type { Cluster, FailoverMode } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { insertAudit } from "./audit";
import { AppError } from "../errors";
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
export type UpdateClusterSettingsOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service. */
  service?: string;
  settings: ClusterSettings;
  actor: string;
  reason?: string;
};

/**
 * Changes failover mode, timings and flap damping, audited in one row with { setting: { from, to } }
 * of what changed. The resulting set of timings is checked as a whole, under the cluster row lock,
 * so two admins changing one value each cannot combine into a bad set.
 */
export async function updateClusterSettings({ db, clusterName, service, settings, actor, reason = "" }: UpdateClusterSettingsOptions): Promise<Cluster> {
  for (const [key, { min, max }] of Object.entries(FLAP_DAMPING_BOUNDS)) {
    const v = settings[key as keyof typeof FLAP_DAMPING_BOUNDS];
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new AppError("INVALID", `${key} must be an integer from ${min} to ${max}`);
  }
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, { clusterName, service }, { nodes: false });
    if (!locked) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
    const [before] = await tx.query<Cluster>(`SELECT * FROM "Cluster" WHERE id = $1::uuid`, [locked.cluster.id]);
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
    if (problem) throw new AppError("INVALID", problem);
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return before;
    const [cluster] = await tx.query<Cluster>(
      `UPDATE "Cluster" SET "failoverMode" = $2::"FailoverMode", "heartbeatMs" = $3, "leaseMs" = $4, "demoteTimeoutMs" = $5,
         "checkHoldOffMs" = $6, "failoverLimit" = $7, "failoverWindowMs" = $8, "updatedAt" = now()
       WHERE id = $1::uuid RETURNING *`,
      [
        locked.cluster.id,
        after.failoverMode,
        after.heartbeatMs,
        after.leaseMs,
        after.demoteTimeoutMs,
        after.checkHoldOffMs,
        after.failoverLimit,
        after.failoverWindowMs,
      ],
    );
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
