import type { Prisma } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { CHECK_OUTPUT_MAX, type CheckStatus, type NodeCheckState } from "./check-state";
import { pickServiceSql, type ServiceRef } from "./resolve-service";
import { heartbeatAgeMsSql, msUntilSql, nodeHealth, nodeHealthSql, type NodeHealth } from "./timing";

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

const NODE_COLUMNS = `n.id, n."clusterId", c.service, n.name, n.host, n."agentVersion", n.role::text AS role, n.priority, n.maintenance,
      (EXTRACT(EPOCH FROM clock_timestamp() - n."lastHeartbeatAt") * 1000)::float8 AS "heartbeatAgeMs",
      (EXTRACT(EPOCH FROM n."leaseExpiresAt" - clock_timestamp()) * 1000)::float8 AS "leaseRemainingMs",
      CASE WHEN n."holdUntil" > clock_timestamp() THEN (EXTRACT(EPOCH FROM n."holdUntil" - clock_timestamp()) * 1000)::float8 END AS "holdRemainingMs",
      n."activeEpoch", n."startedAt", n.metrics, n."checkStatus"::text AS "checkStatus", n.isolated, n."checkSince", n.checks`;

function toView(r: NodeRow, cluster: { heartbeatMs: number; leaseMs: number }): NodeView {
  const heartbeatAgeMs = r.heartbeatAgeMs === null ? null : Math.max(0, Math.round(r.heartbeatAgeMs));
  return {
    ...r,
    heartbeatAgeMs,
    leaseRemainingMs: r.leaseRemainingMs === null ? null : Math.round(r.leaseRemainingMs),
    holdRemainingMs: r.holdRemainingMs === null ? null : Math.round(r.holdRemainingMs),
    health: nodeHealth(heartbeatAgeMs, cluster),
    checks: publicChecks(r.checks),
  };
}

/**
 * Nodes of the given clusters with ages computed by PostgreSQL in the same statement, so the web
 * server's clock never enters a health decision.
 */
export async function queryNodeViews(db: DbHandle, clusters: { id: string; heartbeatMs: number; leaseMs: number }[]): Promise<NodeView[]> {
  if (clusters.length === 0) return [];
  const ids = clusters.map((c) => c.id);
  const rows = await toSql(db).query<NodeRow>(
    `SELECT ${NODE_COLUMNS}
     FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE n."clusterId" = ANY($1::uuid[])
     ORDER BY n.name, c.service`,
    [ids],
  );
  const byId = new Map(clusters.map((c) => [c.id, c]));
  return rows.map((r) => toView(r, byId.get(r.clusterId)!));
}

export const NODE_SORTS = ["name", "priority", "role", "health", "heartbeat"] as const;
export type NodeSort = (typeof NODE_SORTS)[number];

/** Which nodes of a service the detail lists, in which order, which slice (all of them when nothing is set). */
export type NodeListQuery = {
  /** Case-insensitive part of the node's name or host. */
  q?: string;
  role?: NodeView["role"];
  health?: NodeHealth;
  sort?: NodeSort;
  order?: "asc" | "desc";
  offset?: number;
  /** Left out: every matching node. */
  limit?: number;
};

/** Counted over all of the service's nodes, whatever the filter and page (matching: those the filter keeps). */
export type NodeCounts = {
  total: number;
  matching: number;
  active: number;
  /** ACTIVE with a valid lease. */
  serving: number;
  healthy: number;
  suspect: number;
  down: number;
  maintenance: number;
  failing: number;
  isolated: number;
};

export type NodeList = {
  nodes: NodeView[];
  counts: NodeCounts;
  page: { offset: number; limit: number | null; sort: NodeSort; order: "asc" | "desc" };
  /**
   * The nodes the cluster page reasons about whatever the filter or page shows: the ACTIVE node(s)
   * (at most 10) and the standby an election would pick next (and the best one whose checks pass).
   */
  keyNodes: NodeView[];
};

// Sort keys in SQL (whitelisted: only these texts reach the statement). Ties by name; PostgreSQL
// puts NULLs last ascending and first descending, so a node that never heartbeated is the oldest.
const SORT_SQL: Record<NodeSort, string> = {
  name: "v.name",
  priority: "v.priority",
  role: "CASE v.role WHEN 'ACTIVE' THEN 0 ELSE 1 END",
  health: "CASE v.health WHEN 'healthy' THEN 0 WHEN 'suspect' THEN 1 ELSE 2 END",
  heartbeat: 'v."heartbeatAgeMs"',
};

const MATCH_SQL = `($3::text IS NULL OR strpos(lower(v.name), $3::text) > 0 OR strpos(lower(v.host), $3::text) > 0)
  AND ($4::text IS NULL OR v.role::text = $4::text) AND ($5::text IS NULL OR v.health = $5::text)`;

/**
 * One statement, one snapshot: the service ($1 cluster name, $2 service or NULL, chosen as
 * pickService chooses when that choice is valid), every node's health and ages on the database
 * clock, counts of the whole set, the page ($6 offset, $7 limit, NULL: all) and the key nodes, each
 * returned with its details; the service and counts ride on every row (the one row of a service
 * with no node to return has only them).
 */
const nodeListSql = (orderBy: string) => `
  WITH cl AS MATERIALIZED (${pickServiceSql('c.id, c.service, c."heartbeatMs", c."leaseMs"')}),
  t AS MATERIALIZED (SELECT clock_timestamp() AS at),
  v AS MATERIALIZED (
    SELECT n.id, n.name, n.host, n.role, n.priority, n.maintenance, n."checkStatus", n.isolated, a."heartbeatAgeMs",
      ${nodeHealthSql('a."heartbeatAgeMs"', 'cl."heartbeatMs"', 'cl."leaseMs"')} AS health,
      ${msUntilSql('n."leaseExpiresAt"', "t.at")} AS "leaseRemainingMs",
      CASE WHEN n."holdUntil" > t.at THEN ${msUntilSql('n."holdUntil"', "t.at")} END AS "holdRemainingMs"
    FROM "Node" n JOIN cl ON cl.id = n."clusterId" CROSS JOIN t
    CROSS JOIN LATERAL (SELECT ${heartbeatAgeMsSql('n."lastHeartbeatAt"', "t.at")} AS "heartbeatAgeMs") a
  ), counts AS (
    SELECT count(*)::int AS total, count(*) FILTER (WHERE ${MATCH_SQL})::int AS matching,
      count(*) FILTER (WHERE role = 'ACTIVE')::int AS active,
      count(*) FILTER (WHERE role = 'ACTIVE' AND "leaseRemainingMs" > 0)::int AS serving,
      count(*) FILTER (WHERE health = 'healthy')::int AS healthy,
      count(*) FILTER (WHERE health = 'suspect')::int AS suspect,
      count(*) FILTER (WHERE health = 'down')::int AS down,
      count(*) FILTER (WHERE maintenance)::int AS maintenance,
      count(*) FILTER (WHERE "checkStatus" = 'FAILING')::int AS failing,
      count(*) FILTER (WHERE isolated)::int AS isolated
    FROM v
  ), page AS (
    SELECT id, row_number() OVER (ORDER BY ${orderBy})::int AS pos FROM v WHERE ${MATCH_SQL} ORDER BY pos OFFSET $6::int LIMIT $7::int
  ), actives AS (
    SELECT id, name FROM v WHERE role = 'ACTIVE' ORDER BY name LIMIT 10
  ), candidates AS (
    -- Those an election could pick now, best first as the election orders them.
    SELECT id, role, "checkStatus", priority, name FROM v
    WHERE health = 'healthy' AND NOT maintenance AND priority > 0 AND "holdRemainingMs" IS NULL AND "checkStatus" <> 'FAILING' AND NOT isolated
      AND id NOT IN (SELECT id FROM actives)
  ), pick AS (
    SELECT id FROM candidates ORDER BY priority DESC, name LIMIT 1
  ), passing AS (
    SELECT id FROM candidates WHERE role = 'STANDBY' AND "checkStatus" = 'PASSING' ORDER BY priority DESC, name LIMIT 1
  ), keys AS (
    SELECT id, row_number() OVER (ORDER BY name)::int AS k FROM actives
    UNION ALL SELECT id, 11 FROM pick
    UNION ALL SELECT id, 12 FROM passing WHERE id NOT IN (SELECT id FROM pick)
  ), chosen AS (
    SELECT id, max(pos) AS pos, max(k) AS k FROM (SELECT id, pos, NULL::int AS k FROM page UNION ALL SELECT id, NULL, k FROM keys) x GROUP BY id
  )
  SELECT cl.id AS "clusterId", cl.service, to_json(counts) AS counts, chosen.pos, chosen.k,
    v.id, v.name, v.host, v.role::text AS role, v.priority, v.maintenance, v."heartbeatAgeMs", v."leaseRemainingMs", v."holdRemainingMs", v.health,
    v."checkStatus"::text AS "checkStatus", v.isolated, n."agentVersion", n."activeEpoch", n."startedAt", n.metrics, n."checkSince", n.checks
  FROM cl CROSS JOIN counts LEFT JOIN chosen ON true LEFT JOIN v ON v.id = chosen.id LEFT JOIN "Node" n ON n.id = chosen.id`;

type NodeListRow = Omit<NodeView, "checks" | "id"> & {
  id: string | null;
  checks: unknown;
  counts: NodeCounts;
  pos: number | null;
  k: number | null;
};

/**
 * One service's nodes filtered, sorted and sliced by PostgreSQL, with counts of the whole set: a
 * page of 50 out of 1,000 ships and maps 50 rows (plus the key nodes). Mapping all 1,000 rows in
 * the console cost ~15 ms of its one thread per request (measured, 2026-12-02).
 */
export async function queryNodeList(db: DbHandle, ref: ServiceRef, query: NodeListQuery = {}): Promise<(NodeList & { clusterId: string }) | null> {
  const sort = query.sort ?? "name";
  const order = query.order ?? "asc";
  const offset = query.offset ?? 0;
  const direction = order === "asc" ? "ASC" : "DESC";
  const orderBy = sort === "name" ? `v.name ${direction}` : `${SORT_SQL[sort]} ${direction}, v.name`;
  const rows = await toSql(db).query<NodeListRow>(nodeListSql(orderBy), [
    ref.clusterName,
    ref.service ?? null,
    query.q?.trim().toLowerCase() || null,
    query.role ?? null,
    query.health ?? null,
    offset,
    query.limit ?? null,
  ]);
  if (!rows.length) return null;
  const chosen = rows
    .filter((r) => r.id !== null)
    .map(({ counts: _c, pos, k, checks, ...r }) => ({ pos, k, view: { ...r, id: r.id!, checks: publicChecks(checks) } }));
  const ranked = (key: "pos" | "k") =>
    chosen
      .filter((c) => c[key] !== null)
      .sort((a, b) => a[key]! - b[key]!)
      .map((c) => c.view);
  return {
    clusterId: rows[0].clusterId,
    nodes: ranked("pos"),
    counts: rows[0].counts,
    page: { offset, limit: query.limit ?? null, sort, order },
    keyNodes: ranked("k"),
  };
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
