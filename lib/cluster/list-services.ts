import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";
import { nodeHealth, type NodeHealth } from "./timing";

/** One server's node row in one service, as the server x service matrix shows it. */
export type ServiceMember = {
  node: string;
  role: "ACTIVE" | "STANDBY";
  health: NodeHealth;
  /** leaseExpiresAt - now() in ms (negative once lapsed); null without a lease. */
  leaseRemainingMs: number | null;
  checkStatus: "PASSING" | "FAILING" | "UNKNOWN";
  maintenance: boolean;
  priority: number;
};

export type ServiceSummary = {
  name: string;
  mode: "ONE" | "ALL";
  minActive: number;
  epoch: bigint;
  failoverMode: "AUTOMATIC" | "MANUAL";
  paused: boolean;
  /** Nodes holding a valid lease (mode ONE: 0 or 1). */
  serving: number;
  /** Fewer serving than minActive (mode ONE: no active). */
  belowMinimum: boolean;
  members: ServiceMember[];
};

/** A cluster's servers (node names in any service) and, per service, the row each server has in it. */
export type ClusterServices = { cluster: string; servers: string[]; services: ServiceSummary[] };

type Row = Omit<ServiceSummary, "members" | "serving" | "belowMinimum"> & {
  heartbeatMs: number;
  leaseMs: number;
  node: string | null;
  role: ServiceMember["role"];
  priority: number;
  maintenance: boolean;
  checkStatus: ServiceMember["checkStatus"];
  heartbeatAgeMs: number | null;
  leaseRemainingMs: number | null;
};

/** The server x service matrix of one cluster, in one statement (ages on the database clock). */
export async function listServices({ db, clusterName }: { db: DbHandle; clusterName: string }): Promise<ClusterServices> {
  const rows = await toSql(db).query<Row>(
    `SELECT c.service AS name, c.mode::text AS mode, c."minActive", c.epoch, c."failoverMode"::text AS "failoverMode", c.paused,
       c."heartbeatMs", c."leaseMs", n.name AS node, n.role::text AS role, n.priority, n.maintenance, n."checkStatus"::text AS "checkStatus",
       (EXTRACT(EPOCH FROM clock_timestamp() - n."lastHeartbeatAt") * 1000)::float8 AS "heartbeatAgeMs",
       (EXTRACT(EPOCH FROM n."leaseExpiresAt" - clock_timestamp()) * 1000)::float8 AS "leaseRemainingMs"
     FROM "Cluster" c LEFT JOIN "Node" n ON n."clusterId" = c.id
     WHERE c.name = $1 ORDER BY c.service, n.name`,
    [clusterName],
  );
  if (!rows.length) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  const services = new Map<string, ServiceSummary>();
  for (const r of rows) {
    let s = services.get(r.name);
    if (!s) {
      s = {
        name: r.name,
        mode: r.mode,
        minActive: r.minActive,
        epoch: r.epoch,
        failoverMode: r.failoverMode,
        paused: r.paused,
        serving: 0,
        belowMinimum: false,
        members: [],
      };
      services.set(r.name, s);
    }
    if (r.node === null) continue;
    const heartbeatAgeMs = r.heartbeatAgeMs === null ? null : Math.max(0, Math.round(r.heartbeatAgeMs));
    const leaseRemainingMs = r.leaseRemainingMs === null ? null : Math.round(r.leaseRemainingMs);
    s.members.push({
      node: r.node,
      role: r.role,
      health: nodeHealth(heartbeatAgeMs, r),
      leaseRemainingMs,
      checkStatus: r.checkStatus,
      maintenance: r.maintenance,
      priority: r.priority,
    });
    if (r.role === "ACTIVE" && (leaseRemainingMs ?? 0) > 0) s.serving++;
  }
  for (const s of services.values()) s.belowMinimum = s.serving < s.minActive;
  const servers = [...new Set(rows.flatMap((r) => (r.node === null ? [] : [r.node])))].sort();
  return { cluster: clusterName, servers, services: [...services.values()] };
}

/**
 * The services a request about a whole cluster addresses: the one named (resolveService's checks
 * are the caller's), or every service of the cluster, by name. 404 when the cluster has none.
 */
export async function serviceNames(db: DbHandle, clusterName: string): Promise<string[]> {
  const rows = await toSql(db).query<{ service: string }>(`SELECT service FROM "Cluster" WHERE name = $1 ORDER BY service`, [clusterName]);
  if (!rows.length) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  return rows.map((r) => r.service);
}

/**
 * The services in which a server has a node row, by name: where a node change without a service
 * applies on a cluster of several services. 404 when the cluster does not exist or the server has
 * no row in any of its services.
 */
export async function servicesOfServer(db: DbHandle, clusterName: string, nodeName: string): Promise<string[]> {
  const rows = await toSql(db).query<{ service: string; has: boolean }>(
    `SELECT c.service, EXISTS (SELECT 1 FROM "Node" n WHERE n."clusterId" = c.id AND n.name = $2) AS has
     FROM "Cluster" c WHERE c.name = $1 ORDER BY c.service`,
    [clusterName, nodeName],
  );
  if (!rows.length) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  const found = rows.filter((r) => r.has).map((r) => r.service);
  if (!found.length) throw new AppError("NOT_FOUND", `node ${nodeName} not found in cluster ${clusterName}`);
  return found;
}

/**
 * The services a change addresses: the one named; left out, the cluster's only service, or on a
 * cluster of several, every service (`clusterWide`, for changes that make sense cluster-wide).
 * With `nodeName`, "every service" is every one the server has a row in.
 */
export async function changeTargets(
  db: DbHandle,
  { clusterName, service, nodeName }: { clusterName: string; service?: string; nodeName?: string },
): Promise<{ services: string[]; clusterWide: boolean }> {
  if (service !== undefined) return { services: [service], clusterWide: false };
  const names = await serviceNames(db, clusterName);
  if (names.length === 1) return { services: names, clusterWide: false };
  return { services: nodeName === undefined ? names : await servicesOfServer(db, clusterName, nodeName), clusterWide: true };
}
