import type { Cluster } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { AppError } from "../errors";

export type SetClusterPausedOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service. */
  service?: string;
  paused: boolean;
  actor: string;
  reason?: string;
};

/**
 * Pauses or resumes automatic failover. Takes the cluster row lock elections take, so an election
 * already running finishes first and none starts after a pause commits. Idempotent: no change, no audit.
 */
export async function setClusterPaused({ db, clusterName, service, paused, actor, reason = "" }: SetClusterPausedOptions): Promise<Cluster> {
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, { clusterName, service }, { nodes: false });
    if (!locked) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
    if (locked.cluster.paused === paused) return (await tx.query<Cluster>(`SELECT * FROM "Cluster" WHERE id = $1::uuid`, [locked.cluster.id]))[0];
    const [cluster] = await tx.query<Cluster>(`UPDATE "Cluster" SET paused = $2, "updatedAt" = now() WHERE id = $1::uuid RETURNING *`, [
      locked.cluster.id,
      paused,
    ]);
    await insertAudit(tx, { actor, action: paused ? "cluster.paused" : "cluster.resumed", clusterId: cluster.id, clusterName, epoch: cluster.epoch, reason });
    return cluster;
  });
}
