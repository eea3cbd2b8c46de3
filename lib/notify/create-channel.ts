import { insertAudit } from "../cluster/audit";
import type { Prisma, PrismaClient } from "../db/client";
import { AppError } from "../errors";
import type { EmailConfig, EmailSecret, SlackConfig, SlackSecret, WebhookConfig, WebhookSecret } from "./channel-config";
import { channelView, checkClustersExist, type ChannelView } from "./channel-view";
import type { CreateChannelBody } from "./schemas";
import { newSigningSecret } from "./signature";

export type CreateChannelOptions = { prisma: PrismaClient; actor: string; body: CreateChannelBody };

/** Creates a channel; a webhook's signing secret is returned here once and never again. */
export async function createChannel({ prisma, actor, body }: CreateChannelOptions): Promise<{ channel: ChannelView; signingSecret?: string }> {
  const clusters = [...new Set(body.clusters ?? [])];
  const events = [...new Set(body.events)];
  const { config, secret, signingSecret } = settings(body);
  return prisma.$transaction(async (tx) => {
    await checkClustersExist(tx, clusters);
    if (await tx.notificationChannel.findUnique({ where: { name: body.name }, select: { id: true } }))
      throw new AppError("CONFLICT", `name: a channel named "${body.name}" exists`);
    const channel = await tx.notificationChannel.create({
      data: { name: body.name, type: body.type, enabled: body.enabled ?? true, events, clusters, config, secret, createdBy: actor },
    });
    await insertAudit(tx, {
      actor,
      action: "notification.channel_created",
      reason: body.name,
      details: { channelId: channel.id, type: body.type, events, clusters },
    });
    return { channel: channelView(channel), ...(signingSecret ? { signingSecret } : {}) };
  });
}

function settings(body: CreateChannelBody): { config: Prisma.InputJsonObject; secret: Prisma.InputJsonObject; signingSecret?: string } {
  switch (body.type) {
    case "WEBHOOK": {
      const signingSecret = newSigningSecret();
      return { config: { url: body.url } satisfies WebhookConfig, secret: { signingSecret } satisfies WebhookSecret, signingSecret };
    }
    case "SLACK":
      // The URL is the credential (anyone holding it may post): only its host is shown.
      return { config: { host: new URL(body.url).host } satisfies SlackConfig, secret: { url: body.url } satisfies SlackSecret };
    case "EMAIL": {
      const config: EmailConfig = {
        host: body.host,
        port: body.port,
        secure: body.secure ?? body.port === 465,
        username: body.username || null,
        from: body.from,
        to: [...new Set(body.to)],
      };
      return { config, secret: { password: body.password || null } satisfies EmailSecret };
    }
  }
}
