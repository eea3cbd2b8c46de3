import { insertAudit } from "../cluster/audit";
import type { PrismaClient } from "../db/client";
import { AppError } from "../errors";
import { channelView, checkClustersExist, type ChannelView } from "./channel-view";
import type { UpdateChannelBody } from "./schemas";

/** Changes a channel's name, filters or enabled flag (its settings and secret are set at creation). */
export async function updateChannel({
  prisma,
  actor,
  id,
  body,
}: {
  prisma: PrismaClient;
  actor: string;
  id: string;
  body: UpdateChannelBody;
}): Promise<ChannelView> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.notificationChannel.findUnique({ where: { id } });
    if (!before) throw new AppError("NOT_FOUND", "notification channel not found");
    const clusters = body.clusters && [...new Set(body.clusters)];
    if (clusters) await checkClustersExist(tx, clusters);
    if (body.name !== undefined && body.name !== before.name && (await tx.notificationChannel.findUnique({ where: { name: body.name }, select: { id: true } })))
      throw new AppError("CONFLICT", `name: a channel named "${body.name}" exists`);
    const channel = await tx.notificationChannel.update({
      where: { id },
      data: { name: body.name, enabled: body.enabled, events: body.events && [...new Set(body.events)], clusters },
    });
    await insertAudit(tx, {
      actor,
      action: "notification.channel_updated",
      reason: channel.name,
      details: { channelId: id, ...body },
    });
    return channelView(channel);
  });
}

/** Deletes a channel and its delivery log (undelivered messages are dropped). */
export async function deleteChannel({ prisma, actor, id }: { prisma: PrismaClient; actor: string; id: string }): Promise<{ id: string; name: string }> {
  return prisma.$transaction(async (tx) => {
    const channel = await tx.notificationChannel.findUnique({ where: { id }, select: { id: true, name: true, type: true } });
    if (!channel) throw new AppError("NOT_FOUND", "notification channel not found");
    await tx.notificationChannel.delete({ where: { id } });
    // No foreign key cascades this (an election's audit trigger must never wait for a channel row):
    // the log goes here; a delivery queued by a transaction that saw the channel just before this
    // one commits is skipped by the dispatchers and pruned (lib/notify/dispatcher.ts).
    await tx.notificationDelivery.deleteMany({ where: { channelId: id } });
    await insertAudit(tx, { actor, action: "notification.channel_deleted", reason: channel.name, details: { channelId: id, type: channel.type } });
    return { id, name: channel.name };
  });
}
