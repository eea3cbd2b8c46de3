import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";
import { resolveService } from "./resolve-service";

export type ActiveInterval = { node: string; from: Date; to: Date; ongoing: boolean; epoch: bigint | null };
/** service: the service it is about; null for a cluster removed since, of whatever services it had. */
export type ActiveTimeline = { cluster: string; service: string | null; from: Date; to: Date; nodes: string[]; intervals: ActiveInterval[] };

/** service left out: the cluster's only service (several: 422 naming them). */
export type ActiveTimelineOptions = { db: DbHandle; clusterName: string; service?: string; from?: Date; to?: Date };

type RoleEvent = { at: Date; nodeName: string | null; fromRole: string | null; toRole: string | null; epoch: bigint | null };

/** Rows of the service in parameter p (any when NULL); rows written before services have none and were "main". */
const serviceMatch = (p: string) => `(${p}::text IS NULL OR COALESCE(service, 'main') = ${p})`;
const DEFAULT_WINDOW_MS = 60 * 60 * 1000;
const MAX_EVENTS = 10_000;

/**
 * Which node was active when, rebuilt from the audit log's role changes (toRole / fromRole), so it
 * survives nodes being removed. Gaps between intervals are times with no active node.
 */
export async function activeTimeline({ db, clusterName, service, from, to }: ActiveTimelineOptions): Promise<ActiveTimeline> {
  const sql = toSql(db);
  const [{ now, exists, known }] = await sql.query<{ now: Date; exists: boolean; known: boolean }>(
    `SELECT clock_timestamp() AS now, EXISTS (SELECT 1 FROM "Cluster" WHERE name = $1) AS exists,
       EXISTS (SELECT 1 FROM "AuditEvent" WHERE "clusterName" = $1) AS known`,
    [clusterName],
  );
  if (!known && !exists) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  // A cluster that still exists is read per service; one removed since, from whatever its log holds.
  const resolved = exists ? await resolveService(sql, { clusterName, service }) : null;
  const clusterId = resolved?.id ?? null;
  const serviceName = resolved?.service ?? service ?? null;
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - DEFAULT_WINDOW_MS);
  if (start >= end) throw new AppError("INVALID", "from must be before to");

  // Each node's last role change before the window tells who was active when it opened.
  const before = await sql.query<RoleEvent>(
    `SELECT DISTINCT ON ("nodeName") at, "nodeName", "fromRole"::text AS "fromRole", "toRole"::text AS "toRole", epoch
     FROM "AuditEvent"
     WHERE "clusterName" = $1 AND ${serviceMatch("$3")} AND "toRole" IS NOT NULL AND at < $2::timestamptz
     ORDER BY "nodeName", at DESC, id DESC`,
    [clusterName, start, serviceName],
  );
  const inside = await sql.query<RoleEvent>(
    `SELECT at, "nodeName", "fromRole"::text AS "fromRole", "toRole"::text AS "toRole", epoch
     FROM "AuditEvent"
     WHERE "clusterName" = $1 AND ${serviceMatch("$4")} AND ("toRole" IS NOT NULL OR "fromRole" IS NOT NULL)
       AND at >= $2::timestamptz AND at < $3::timestamptz
     ORDER BY at, id LIMIT ${MAX_EVENTS}`,
    [clusterName, start, end, serviceName],
  );

  // ONE mode: one active at a time, so a new active ends any interval still open (a missing demote
  // record cannot leave two). ALL mode: each serving node has its own interval.
  const [row] = clusterId ? await sql.query<{ mode: string }>(`SELECT mode::text AS mode FROM "Cluster" WHERE id = $1::uuid`, [clusterId]) : [];
  const exclusive = row?.mode !== "ALL";
  const intervals: ActiveInterval[] = [];
  const open = new Map<string, { node: string; from: Date; epoch: bigint | null }>();
  const close = (node: string, at: Date) => {
    const o = open.get(node);
    if (o && at > o.from) intervals.push({ ...o, to: at, ongoing: false });
    open.delete(node);
  };
  const activeBefore = before.filter((e) => e.toRole === "ACTIVE" && e.nodeName).sort((a, b) => b.at.getTime() - a.at.getTime());
  for (const e of exclusive ? activeBefore.slice(0, 1) : activeBefore) open.set(e.nodeName!, { node: e.nodeName!, from: start, epoch: e.epoch });

  for (const e of inside) {
    if (!e.nodeName) continue;
    if (e.toRole === "ACTIVE" && e.fromRole !== "ACTIVE") {
      if (exclusive) for (const node of [...open.keys()]) close(node, e.at);
      else close(e.nodeName, e.at);
      open.set(e.nodeName, { node: e.nodeName, from: e.at, epoch: e.epoch });
    } else if (e.fromRole === "ACTIVE" && e.toRole !== "ACTIVE") {
      close(e.nodeName, e.at);
    }
  }
  for (const o of open.values()) intervals.push({ ...o, to: end, ongoing: to === undefined || end >= now });
  intervals.sort((a, b) => a.from.getTime() - b.from.getTime() || a.node.localeCompare(b.node));

  const names = new Set<string>(intervals.map((i) => i.node));
  if (clusterId) for (const n of await sql.query<{ name: string }>(`SELECT name FROM "Node" WHERE "clusterId" = $1::uuid`, [clusterId])) names.add(n.name);
  return { cluster: clusterName, service: serviceName, from: start, to: end, nodes: [...names].sort(), intervals };
}
