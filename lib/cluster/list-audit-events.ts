import type { AuditEvent } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";

export type AuditFilters = {
  cluster?: string;
  /** Rows about this service of a cluster (rows from before services count as "main"). */
  service?: string;
  node?: string;
  /** Case-insensitive substring of the actor, e.g. an email. */
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
};

export type ListAuditEventsOptions = AuditFilters & {
  db: DbHandle;
  /** Keyset cursor: only rows with a smaller id (newest first). */
  before?: bigint;
  limit: number;
};

export type AuditPage = { events: AuditEvent[]; nextBefore: bigint | null };

// A filter left out is NULL and matches every row.
const AUDIT_PAGE_SQL = `
  SELECT * FROM "AuditEvent"
  WHERE ($1::text IS NULL OR "clusterName" = $1) AND ($2::text IS NULL OR "nodeName" = $2) AND ($3::text IS NULL OR action = $3)
    AND ($4::text IS NULL OR strpos(lower(actor), lower($4)) > 0)
    AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6) AND ($7::bigint IS NULL OR id < $7)
    AND ($9::text IS NULL OR COALESCE(service, CASE WHEN "clusterName" IS NOT NULL THEN 'main' END) = $9)
  ORDER BY id DESC LIMIT $8`;

/** Newest first, keyset-paged on the id (stable while new rows keep arriving at the top). */
export async function listAuditEvents({ db, before, limit, cluster, service, node, action, actor, from, to }: ListAuditEventsOptions): Promise<AuditPage> {
  const events = await toSql(db).query<AuditEvent>(AUDIT_PAGE_SQL, [
    cluster ?? null,
    node ?? null,
    action ?? null,
    actor ?? null,
    from ?? null,
    to ?? null,
    before ?? null,
    limit + 1,
    service ?? null,
  ]);
  const more = events.length > limit;
  const page = more ? events.slice(0, limit) : events;
  return { events: page, nextBefore: more ? page[page.length - 1].id : null };
}
