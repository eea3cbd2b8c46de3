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

  const intervals: ActiveInterval[] = [];
  let open: { node: string; from: Date; epoch: bigint | null } | null = null;
  const close = (at: Date) => {
    if (open && at > open.from) intervals.push({ ...open, to: at, ongoing: false });
    open = null;
  };
  const latestBefore = before.filter((e) => e.toRole === "ACTIVE").sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  if (latestBefore?.nodeName) open = { node: latestBefore.nodeName, from: start, epoch: latestBefore.epoch };

  for (const e of inside) {
    if (!e.nodeName) continue;
    const current = open as { node: string } | null;
    if (e.toRole === "ACTIVE" && e.fromRole !== "ACTIVE") {
      // A new active ends any interval still open (the database allows one active at a time).
      close(e.at);
      open = { node: e.nodeName, from: e.at, epoch: e.epoch };
    } else if (e.fromRole === "ACTIVE" && e.toRole !== "ACTIVE" && current?.node === e.nodeName) {
      close(e.at);
    }
  }
  const last = open;
  if (last) intervals.push({ ...last, to: end, ongoing: to === undefined || end >= now });

  const names = new Set<string>(intervals.map((i) => i.node));
  if (clusterId) for (const n of await sql.query<{ name: string }>(`SELECT name FROM "Node" WHERE "clusterId" = $1::uuid`, [clusterId])) names.add(n.name);
  return { cluster: clusterName, service: serviceName, from: start, to: end, nodes: [...names].sort(), intervals };
}
