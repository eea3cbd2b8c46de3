import type { NotificationChannel, PrismaClient } from "../db/client";
import { AppError } from "../errors";
import type { ChannelType } from "./events";

/** A channel as the API shows it: filters, the public half of its settings, delivery counts; never its secret. */
export type ChannelView = {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  events: string[];
  clusters: string[];
  config: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  deliveries: { pending: number; delivered: number; failed: number };
};

type Counts = Map<string, ChannelView["deliveries"]>;

export function channelView(c: NotificationChannel, counts: Counts = new Map()): ChannelView {
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    enabled: c.enabled,
    events: c.events,
    clusters: c.clusters,
    config: c.config as Record<string, unknown>,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    deliveries: counts.get(c.id) ?? { pending: 0, delivered: 0, failed: 0 },
  };
}

async function deliveryCounts(prisma: PrismaClient, channelIds: string[]): Promise<Counts> {
  const groups = await prisma.notificationDelivery.groupBy({ by: ["channelId", "status"], where: { channelId: { in: channelIds } }, _count: { _all: true } });
  const counts: Counts = new Map();
  for (const g of groups) {
    const c = counts.get(g.channelId) ?? { pending: 0, delivered: 0, failed: 0 };
    c[g.status.toLowerCase() as keyof ChannelView["deliveries"]] = g._count._all;
    counts.set(g.channelId, c);
  }
  return counts;
}

export async function listChannels({ prisma }: { prisma: PrismaClient }): Promise<ChannelView[]> {
  const channels = await prisma.notificationChannel.findMany({ orderBy: { name: "asc" } });
  const counts = await deliveryCounts(
    prisma,
    channels.map((c) => c.id),
  );
  return channels.map((c) => channelView(c, counts));
}

export async function getChannel({ prisma, id }: { prisma: PrismaClient; id: string }): Promise<ChannelView> {
  const channel = await prisma.notificationChannel.findUnique({ where: { id } });
  if (!channel) throw new AppError("NOT_FOUND", "notification channel not found");
  return channelView(channel, await deliveryCounts(prisma, [id]));
}

/** A filter naming a cluster that does not exist is refused (422, the field named), never stored. */
export async function checkClustersExist(prisma: Pick<PrismaClient, "cluster">, names: string[]) {
  if (names.length === 0) return;
  const found = await prisma.cluster.findMany({ where: { name: { in: names } }, select: { name: true } });
  const missing = names.filter((n) => !found.some((f) => f.name === n));
  if (missing.length) throw new AppError("INVALID", `clusters: no cluster named ${missing.map((m) => JSON.stringify(m)).join(", ")}`);
}
