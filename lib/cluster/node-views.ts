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
 * What filtering, counting, sorting and picking the key nodes need, ages computed by PostgreSQL,
 * and what must agree with the role and checks (epoch, checkSince). A page of a large cluster reads
 * only these for every node: the rest was about half of a 1,000-node read's time, and only the
 * nodes returned need it.
 */
const LIST_COLUMNS = `n.id, n.name, n.host, n.role::text AS role, n.priority, n.maintenance,
      (EXTRACT(EPOCH FROM clock_timestamp() - n."lastHeartbeatAt") * 1000)::float8 AS "heartbeatAgeMs",
      (EXTRACT(EPOCH FROM n."leaseExpiresAt" - clock_timestamp()) * 1000)::float8 AS "leaseRemainingMs",
      CASE WHEN n."holdUntil" > clock_timestamp() THEN (EXTRACT(EPOCH FROM n."holdUntil" - clock_timestamp()) * 1000)::float8 END AS "holdRemainingMs",
      n."checkStatus"::text AS "checkStatus", n.isolated, n."activeEpoch", n."checkSince"`;
/** The rest of a NodeView: what changes with the agent's process (version, start) or its full beats (JSON), not with its role or checks. */
const DETAIL_COLUMNS = `n."clusterId", c.service, n."agentVersion", n."startedAt", n.metrics, n.checks`;
type DetailRow = Pick<NodeRow, "id" | "clusterId" | "service" | "agentVersion" | "startedAt" | "metrics" | "checks">;

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
    `SELECT ${LIST_COLUMNS}, ${DETAIL_COLUMNS}
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

const HEALTH_RANK: Record<NodeHealth, number> = { healthy: 0, suspect: 1, down: 2 };
const ROLE_RANK = { ACTIVE: 0, STANDBY: 1 } as const;

/** Ascending comparators; ties keep the database's name order (the rows arrive ordered by name). */
const COMPARE: Record<NodeSort, ((a: NodeView, b: NodeView) => number) | null> = {
  name: null,
  priority: (a, b) => a.priority - b.priority,
  role: (a, b) => ROLE_RANK[a.role] - ROLE_RANK[b.role],
  health: (a, b) => HEALTH_RANK[a.health] - HEALTH_RANK[b.health],
  // Freshest heartbeat first; a node that never heartbeated counts as the oldest.
  heartbeat: (a, b) => (a.heartbeatAgeMs ?? Infinity) - (b.heartbeatAgeMs ?? Infinity) || 0,
};

const eligible = (n: NodeView) =>
  n.health === "healthy" && !n.maintenance && n.priority > 0 && n.holdRemainingMs === null && n.checkStatus !== "FAILING" && !n.isolated;
const byElection = (a: NodeView, b: NodeView) => b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * One service's nodes filtered, sorted and sliced on the server, with counts of the whole set. For a
 * filter or a page, every node is read with LIST_COLUMNS only and the rest (JSON included) is read
 * for the nodes returned, so a page of 50 out of 1,000 costs the details of 50.
 */
export async function queryNodeList(
  db: DbHandle,
  cluster: { id: string; service: string; heartbeatMs: number; leaseMs: number },
  query: NodeListQuery = {},
): Promise<NodeList> {
  const sql = toSql(db);
  // Every node returned (no filter, no page): their details in the same read, one round trip fewer.
  const whole = query.limit === undefined && !query.offset && !query.q?.trim() && !query.role && !query.health;
  // A node removed between the two reads: no details.
  const none: Omit<DetailRow, "id"> = {
    clusterId: cluster.id,
    service: cluster.service,
    agentVersion: "",
    startedAt: null,
    metrics: null,
    checks: [],
  };
  const rows = await sql.query<NodeRow>(
    `SELECT ${LIST_COLUMNS}${whole ? `, ${DETAIL_COLUMNS}` : ""}
     FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE n."clusterId" = $1::uuid
     ORDER BY n.name`,
    [cluster.id],
  );
  // A page's rows lack the details until they are read below, for the nodes returned only (merging
  // placeholders into every row cost 4-9 ms per 1,000 nodes).
  const all = rows.map((r) => toView(r, cluster));
  const counts: NodeCounts = {
    total: all.length,
    matching: 0,
    active: 0,
    serving: 0,
    healthy: 0,
    suspect: 0,
    down: 0,
    maintenance: 0,
    failing: 0,
    isolated: 0,
  };
  for (const n of all) {
    counts[n.health]++;
    if (n.role === "ACTIVE") counts.active++;
    if (n.role === "ACTIVE" && (n.leaseRemainingMs ?? 0) > 0) counts.serving++;
    if (n.maintenance) counts.maintenance++;
    if (n.checkStatus === "FAILING") counts.failing++;
    if (n.isolated) counts.isolated++;
  }
  const q = query.q?.trim().toLowerCase();
  const matching = all.filter(
    (n) =>
      (!q || n.name.toLowerCase().includes(q) || n.host.toLowerCase().includes(q)) &&
      (!query.role || n.role === query.role) &&
      (!query.health || n.health === query.health),
  );
  counts.matching = matching.length;
  const sort = query.sort ?? "name";
  const order = query.order ?? "asc";
  const compare = COMPARE[sort];
  const sign = order === "asc" ? 1 : -1;
  // Array.prototype.sort is stable: equal keys stay in name order.
  if (compare) matching.sort((a, b) => sign * compare(a, b));
  else if (order === "desc") matching.reverse();
  const offset = query.offset ?? 0;
  const nodes = query.limit === undefined ? matching.slice(offset) : matching.slice(offset, offset + query.limit);

  const actives = all.filter((n) => n.role === "ACTIVE").slice(0, 10);
  const candidates = all.filter((n) => eligible(n) && !actives.some((a) => a.id === n.id)).sort(byElection);
  const passing = candidates.find((n) => n.role === "STANDBY" && n.checkStatus === "PASSING");
  const keyNodes = [...actives, ...candidates.slice(0, 1), ...(passing && passing !== candidates[0] ? [passing] : [])];

  // The details of the nodes returned, read by id (a node removed meanwhile keeps none).
  const ids = [...new Set([...nodes, ...keyNodes].map((n) => n.id))];
  if (!whole && ids.length > 0) {
    const details = await sql.query<DetailRow>(
      `SELECT n.id, ${DETAIL_COLUMNS} FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE n.id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(details.map((d) => [d.id, d]));
    for (const n of new Set([...nodes, ...keyNodes])) {
      const { id: _id, ...detail } = byId.get(n.id) ?? { id: n.id, ...none };
      Object.assign(n, detail, { checks: publicChecks(detail.checks) });
    }
  }
  return { nodes, counts, page: { offset, limit: query.limit ?? null, sort, order }, keyNodes };
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
