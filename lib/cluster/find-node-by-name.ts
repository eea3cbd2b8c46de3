import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";
import { resolveService } from "./resolve-service";

export type FindNodeByNameOptions = { db: DbHandle; clusterName: string; /** Left out: the cluster's only service. */ service?: string; nodeName: string };

/** The ids behind a cluster, service and node name, as the API addresses them. */
export async function findNodeByName({ db, clusterName, service, nodeName }: FindNodeByNameOptions): Promise<{ clusterId: string; nodeId: string }> {
  const sql = toSql(db);
  const { id: clusterId, service: resolved } = await resolveService(sql, { clusterName, service });
  const [row] = await sql.query<{ id: string }>(`SELECT id FROM "Node" WHERE "clusterId" = $1::uuid AND name = $2`, [clusterId, nodeName]);
  if (!row)
    throw new AppError("NOT_FOUND", `node ${nodeName} not found in ${service === undefined ? "cluster" : `service ${resolved} of cluster`} ${clusterName}`);
  return { clusterId, nodeId: row.id };
}
