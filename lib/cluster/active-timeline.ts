import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";

export type ActiveInterval = { node: string; from: Date; to: Date; ongoing: boolean; epoch: bigint | null };
export type ActiveTimeline = { cluster: string; from: Date; to: Date; nodes: string[]; intervals: ActiveInterval[] };

export type ActiveTimelineOptions = { db: DbHandle; clusterName: string; from?: Date; to?: Date };

type RoleEvent = { at: Date; nodeName: string | null; fromRole: string | null; toRole: string | null; epoch: bigint | null };

const DEFAULT_WINDOW_MS = 60 * 60 * 1000;
const MAX_EVENTS = 10_000;

/**
 * Which node was active when, rebuilt from the audit log's role changes (toRole / fromRole), so it
 * survives nodes being removed. Gaps between intervals are times with no active node.
 */
export async function activeTimeline({ db, clusterName, from, to }: ActiveTimelineOptions): Promise<ActiveTimeline> {
  const sql = toSql(db);
  const [{ now, clusterId, known }] = await sql.query<{ now: Date; clusterId: string | null; known: boolean }>(
    `SELECT clock_timestamp() AS now, (SELECT id FROM "Cluster" WHERE name = $1) AS "clusterId",
       EXISTS (SELECT 1 FROM "AuditEvent" WHERE "clusterName" = $1) AS known`,
    [clusterName],
  );
  if (!known && !clusterId) throw new AppError("NOT_FOUND", `cluster ${clusterName} not found`);
  const end = to ?? now;
  const start = from ?? new Date(end.getTime() - DEFAULT_WINDOW_MS);
  if (start >= end) throw new AppError("INVALID", "from must be before to");

  // Each node's last role change before the window tells who was active when it opened.
  const before = await sql.query<RoleEvent>(
    `SELECT DISTINCT ON ("nodeName") at, "nodeName", "fromRole"::text AS "fromRole", "toRole"::text AS "toRole", epoch
     FROM "AuditEvent"
     WHERE "clusterName" = $1 AND "toRole" IS NOT NULL AND at < $2::timestamptz
     ORDER BY "nodeName", at DESC, id DESC`,
    [clusterName, start],
  );
  const inside = await sql.query<RoleEvent>(
    `SELECT at, "nodeName", "fromRole"::text AS "fromRole", "toRole"::text AS "toRole", epoch
     FROM "AuditEvent"
     WHERE "clusterName" = $1 AND ("toRole" IS NOT NULL OR "fromRole" IS NOT NULL) AND at >= $2::timestamptz AND at < $3::timestamptz
     ORDER BY at, id LIMIT ${MAX_EVENTS}`,
    [clusterName, start, end],
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
  return { cluster: clusterName, from: start, to: end, nodes: [...names].sort(), intervals };
}
