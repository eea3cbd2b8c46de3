import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";

export type FindNodeByNameOptions = { db: DbHandle; clusterName: string; nodeName: string };

/** The ids behind a cluster and node name, as the API addresses them. */
export async function findNodeByName({ db, clusterName, nodeName }: FindNodeByNameOptions): Promise<{ clusterId: string; nodeId: string }> {
  const [row] = await toSql(db).query<{ clusterId: string; nodeId: string | null }>(
    `SELECT c.id AS "clusterId", n.id AS "nodeId" FROM "Cluster" c LEFT JOIN "Node" n ON n."clusterId" = c.id AND n.name = $2 WHERE c.name = $1`,
    [clusterName, nodeName],
  );
  if (!row) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  if (!row.nodeId) throw new AppError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
  return { clusterId: row.clusterId, nodeId: row.nodeId };
}
