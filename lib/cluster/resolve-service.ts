import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";

export type ServiceRef = { clusterName: string; /** Left out: the cluster's only service. */ service?: string };

/**
 * The Cluster row of a cluster's service, as the API and CLI address it: by cluster name and
 * service name, or by cluster name alone when the cluster has one service (so a one-service
 * cluster reads as it always did). A service no node serves (a mistyped --service, since
 * stopped) does not make the others ambiguous. An unknown service, or a missing one where the
 * cluster has several, is a clear refusal naming the services there are.
 */
export async function resolveService(db: DbHandle, ref: ServiceRef): Promise<{ id: string; service: string }> {
  const rows = await toSql(db).query<ServiceRow>(
    `SELECT id, service, EXISTS (SELECT 1 FROM "Node" n WHERE n."clusterId" = c.id) AS "hasNodes" FROM "Cluster" c WHERE name = $1 ORDER BY service`,
    [ref.clusterName],
  );
  return pickService(rows, ref);
}

type ServiceRow = { id: string; service: string; hasNodes: boolean };

/** resolveService's choice among the rows of a cluster's services (ordered by service), for a caller that read them with more columns. */
export function pickService<R extends ServiceRow>(rows: R[], { clusterName, service }: ServiceRef): R {
  if (!rows.length) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  const names = rows.map((r) => r.service).join(", ");
  if (service === undefined) {
    const served = rows.filter((r) => r.hasNodes);
    if (rows.length === 1 || served.length === 1) return rows.length === 1 ? rows[0] : served[0];
    throw new AppError("INVALID", `cluster ${clusterName} has several services (${names}): say which one (service)`);
  }
  const found = rows.find((r) => r.service === service);
  if (!found) throw new AppError("NOT_FOUND", `cluster ${clusterName} has no service ${service} (it has ${names})`);
  return found;
}

/**
 * pickService's choice in SQL, for a statement that reads a service's rows by name in the same
 * round trip ($1 cluster name, $2 service or NULL): the same row whenever pickService's choice is
 * valid (the service named; else the only row, or the only one with nodes); callers compare ids.
 */
export const pickServiceSql = (columns: string) => `
  SELECT ${columns} FROM "Cluster" c WHERE c.name = $1 AND ($2::text IS NULL OR c.service = $2::text)
  ORDER BY EXISTS (SELECT 1 FROM "Node" n WHERE n."clusterId" = c.id) DESC, c.service LIMIT 1`;
