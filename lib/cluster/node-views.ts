import type { Prisma } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { CHECK_OUTPUT_MAX, type CheckStatus, type NodeCheckState } from "./check-state";
import { nodeHealth, type NodeHealth } from "./timing";

/** A node as the console shows it; every age is measured on the database clock. */
export type NodeView = {
  id: string;
  clusterId: string;
  /** The service of the cluster this row serves (Cluster.service). */
  service: string;
  name: string;
  host: string;
  agentVersion: string;
  role: "ACTIVE" | "STANDBY";
  priority: number;
  maintenance: boolean;
  health: NodeHealth;
  /** now() - lastHeartbeatAt in ms; null when it never heartbeated. */
  heartbeatAgeMs: number | null;
  /** leaseExpiresAt - now() in ms (negative once lapsed); null without a lease. */
  leaseRemainingMs: number | null;
  activeEpoch: bigint | null;
  startedAt: Date | null;
  /** Remaining hold-off after an operator demotion, ms; null when not held. */
  holdRemainingMs: number | null;
  metrics: Prisma.JsonValue | null;
  /** The agent's health checks: FAILING if any fails, PASSING if all pass (or it runs none), UNKNOWN until they settle. */
  checkStatus: CheckStatus;
  /** Its gateway (isolation) check fails: never promoted; an active steps down. */
  isolated: boolean;
  /** When checkStatus or isolated last changed (database clock); null before the first report. */
  checkSince: Date | null;
  /** Each check as the agent last reported it (output cut to CHECK_OUTPUT_MAX); [] when it runs none. */
  checks: NodeCheckState[];
};

type NodeRow = Omit<NodeView, "health" | "checks"> & { checks: unknown };

const CHECK_STATUSES: readonly string[] = ["PASSING", "FAILING", "UNKNOWN"];

/**
 * Node.checks as VIEWERs may read it: only { name, status, since, output } of each check, output
 * cut. Whatever else the JSON column holds (no schema guards it) stays in the database.
 */
export function publicChecks(stored: unknown): NodeCheckState[] {
  if (!Array.isArray(stored)) return [];
  const out: NodeCheckState[] = [];
  for (const c of stored.slice(0, 50)) {
    if (!c || typeof c !== "object") continue;
    const { name, status, since, output } = c as Record<string, unknown>;
    if (typeof name !== "string" || typeof status !== "string" || !CHECK_STATUSES.includes(status)) continue;
    const text = typeof output === "string" ? output : "";
    out.push({
      name: name.slice(0, 100),
      status: status as CheckStatus,
      since: typeof since === "string" ? since.slice(0, 40) : "",
      output: text.length > CHECK_OUTPUT_MAX ? `${text.slice(0, CHECK_OUTPUT_MAX - 1)}…` : text,
    });
  }
  return out;
}

/**
 * Nodes of the given clusters with ages computed by PostgreSQL in the same statement, so the web
 * server's clock never enters a health decision.
 */
export async function queryNodeViews(db: DbHandle, clusters: { id: string; heartbeatMs: number; leaseMs: number }[]): Promise<NodeView[]> {
  if (clusters.length === 0) return [];
  const ids = clusters.map((c) => c.id);
  const rows = await toSql(db).query<NodeRow>(
    `SELECT n.id, n."clusterId", c.service, n.name, n.host, n."agentVersion", n.role::text AS role, n.priority, n.maintenance,
      (EXTRACT(EPOCH FROM clock_timestamp() - n."lastHeartbeatAt") * 1000)::float8 AS "heartbeatAgeMs",
      (EXTRACT(EPOCH FROM n."leaseExpiresAt" - clock_timestamp()) * 1000)::float8 AS "leaseRemainingMs",
      n."activeEpoch", n."startedAt",
      CASE WHEN n."holdUntil" > clock_timestamp() THEN (EXTRACT(EPOCH FROM n."holdUntil" - clock_timestamp()) * 1000)::float8 END AS "holdRemainingMs",
      n.metrics, n."checkStatus"::text AS "checkStatus", n.isolated, n."checkSince", n.checks
     FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE n."clusterId" = ANY($1::uuid[])
     ORDER BY n.name, c.service`,
    [ids],
  );
  const byId = new Map(clusters.map((c) => [c.id, c]));
  return rows.map((r) => {
    const heartbeatAgeMs = r.heartbeatAgeMs === null ? null : Math.max(0, Math.round(r.heartbeatAgeMs));
    return {
      ...r,
      heartbeatAgeMs,
      leaseRemainingMs: r.leaseRemainingMs === null ? null : Math.round(r.leaseRemainingMs),
      holdRemainingMs: r.holdRemainingMs === null ? null : Math.round(r.holdRemainingMs),
      health: nodeHealth(heartbeatAgeMs, byId.get(r.clusterId)!),
      checks: publicChecks(r.checks),
    };
  });
}

/** The node rows of one server (node name) in the given services of a cluster, by service. */
export async function serverNodeViews(
  db: DbHandle,
  { clusterName, nodeName, services }: { clusterName: string; nodeName: string; services: string[] },
): Promise<NodeView[]> {
  const clusters = await toSql(db).query<{ id: string; heartbeatMs: number; leaseMs: number }>(
    `SELECT id, "heartbeatMs", "leaseMs" FROM "Cluster" WHERE name = $1 AND service = ANY($2::text[])`,
    [clusterName, services],
  );
  return (await queryNodeViews(db, clusters)).filter((n) => n.name === nodeName);
}
