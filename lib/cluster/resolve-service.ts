import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";

export type ServiceRef = { clusterName: string; /** Left out: the cluster's only service. */ service?: string };

/**
 * The Cluster row of a cluster's service, as the API and CLI address it: by cluster name and
 * service name, or by cluster name alone when the cluster has one service (so a one-service
 * cluster reads as it always did). An unknown service, or a missing one where the cluster has
 * several, is a clear refusal naming the services there are.
 */
export async function resolveService(db: DbHandle, { clusterName, service }: ServiceRef): Promise<{ id: string; service: string }> {
  const rows = await toSql(db).query<{ id: string; service: string }>(`SELECT id, service FROM "Cluster" WHERE name = $1 ORDER BY service`, [clusterName]);
  if (!rows.length) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  const names = rows.map((r) => r.service).join(", ");
  if (service === undefined) {
    if (rows.length === 1) return rows[0];
    throw new AppError("INVALID", `cluster ${clusterName} has several services (${names}): say which one (service)`);
  }
  const found = rows.find((r) => r.service === service);
  if (!found) throw new AppError("NOT_FOUND", `cluster ${clusterName} has no service ${service} (it has ${names})`);
  return found;
}
