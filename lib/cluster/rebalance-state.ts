import { toSql, type DbHandle } from "../db/sql";
import type { PlanInput, ServicePlacement } from "./rebalance-plan";
import { healthyHeartbeatSql } from "./timing";

/** A cluster's ONE-mode services as the rebalance planner sees them, and what it needs to act. */
export type ClusterPlacement = {
  input: PlanInput;
  /** Cluster row id of each ONE-mode service. */
  serviceIds: Record<string, string>;
  /** Node row id of each server in each service: nodeIds[service][server]. */
  nodeIds: Record<string, Record<string, string>>;
  /** ONE-mode services with a PENDING or RUNNING command. */
  openCommands: { service: string; commandId: string; kind: string }[];
};

type Row = {
  clusterId: string;
  service: string;
  mode: "ONE" | "ALL";
  nodeId: string | null;
  server: string | null;
  priority: number;
  role: "ACTIVE" | "STANDBY";
  leaseValid: boolean;
  eligible: boolean;
  openCommandId: string | null;
  openKind: string | null;
};

/**
 * Reads the placement of a cluster's services (not locked: requestCommand re-checks its target
 * under the service lock). Eligible as for an election: healthy, not in maintenance or held off,
 * priority > 0, checks not failing, not isolated. A service with no valid lease (an election under
 * way) is left out of the plan: it cannot be switched over. Null when the cluster has no row.
 */
export async function loadPlacement(db: DbHandle, clusterName: string): Promise<ClusterPlacement | null> {
  const rows = await toSql(db).query<Row>(
    `SELECT c.id AS "clusterId", c.service, c.mode::text AS mode, n.id AS "nodeId", n.name AS server, n.priority, n.role::text AS role,
       COALESCE(n."leaseExpiresAt" > now(), false) AS "leaseValid",
       COALESCE(n.priority > 0 AND NOT n.maintenance AND COALESCE(n."holdUntil" <= now(), true) AND n."checkStatus" <> 'FAILING' AND NOT n.isolated
         AND ${healthyHeartbeatSql('n."lastHeartbeatAt"', 'c."heartbeatMs"')}, false) AS eligible,
       o.id AS "openCommandId", o.kind::text AS "openKind"
     FROM "Cluster" c
     LEFT JOIN "Node" n ON n."clusterId" = c.id
     LEFT JOIN LATERAL (SELECT id, kind FROM "Command" WHERE "clusterId" = c.id AND status IN ('PENDING', 'RUNNING') LIMIT 1) o ON true
     WHERE c.name = $1 ORDER BY c.service, n.name`,
    [clusterName],
  );
  if (!rows.length) return null;
  const placement: ClusterPlacement = { input: { servers: [], services: [] }, serviceIds: {}, nodeIds: {}, openCommands: [] };
  const servers = new Set<string>();
  const byService = new Map<string, Row[]>();
  for (const r of rows.filter((r) => r.mode === "ONE")) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
  for (const [service, nodes] of byService) {
    placement.serviceIds[service] = nodes[0].clusterId;
    if (nodes[0].openCommandId) placement.openCommands.push({ service, commandId: nodes[0].openCommandId, kind: nodes[0].openKind! });
    const seated = nodes.filter((n): n is Row & { server: string; nodeId: string } => n.server !== null);
    placement.nodeIds[service] = Object.fromEntries(seated.map((n) => [n.server, n.nodeId]));
    for (const n of seated) if (n.eligible) servers.add(n.server);
    const active = seated.find((n) => n.role === "ACTIVE" && n.leaseValid);
    if (!active) continue;
    const seat = (n: Row & { server: string }) => ({ server: n.server, priority: n.priority });
    const entry: ServicePlacement = { service, active: seat(active), standbys: seated.filter((n) => n.role === "STANDBY" && n.eligible).map(seat) };
    placement.input.services.push(entry);
  }
  placement.input.servers = [...servers].sort();
  return placement;
}
