import { toSql, type DbHandle } from "../db/sql";

/** Wakes every agent of the cluster (the target does this once it is ready, so the active acts at once). */
export async function wakeCluster({ db, clusterId }: { db: DbHandle; clusterId: string }) {
  await toSql(db).query(`SELECT pg_notify('cluster_command', $1)`, [clusterId]);
}
