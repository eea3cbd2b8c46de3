import type { AuditEvent, Prisma, PrismaClient } from "../db/client";

export type AuditFilters = {
  cluster?: string;
  node?: string;
  /** Case-insensitive substring of the actor, e.g. an email. */
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
};

export type ListAuditEventsOptions = AuditFilters & {
  prisma: PrismaClient;
  /** Keyset cursor: only rows with a smaller id (newest first). */
  before?: bigint;
  limit: number;
};

export type AuditPage = { events: AuditEvent[]; nextBefore: bigint | null };

export function auditWhere({ cluster, node, actor, action, from, to }: AuditFilters): Prisma.AuditEventWhereInput {
  return {
    clusterName: cluster,
    nodeName: node,
    action,
    actor: actor ? { contains: actor, mode: "insensitive" } : undefined,
    at: from || to ? { gte: from, lt: to } : undefined,
  };
}

/** Newest first, keyset-paged on the id (stable while new rows keep arriving at the top). */
export async function listAuditEvents({ prisma, before, limit, ...filters }: ListAuditEventsOptions): Promise<AuditPage> {
  const events = await prisma.auditEvent.findMany({
    where: { ...auditWhere(filters), id: before !== undefined ? { lt: before } : undefined },
    orderBy: { id: "desc" },
    take: limit + 1,
  });
  const more = events.length > limit;
  const page = more ? events.slice(0, limit) : events;
  return { events: page, nextBefore: more ? page[page.length - 1].id : null };
}
