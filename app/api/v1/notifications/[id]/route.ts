import { withAuth } from "@/lib/api/with-auth";
import { db } from "@/lib/db/client";
import { getChannel } from "@/lib/notify/channel-view";
import { channelParamsSchema, updateChannelSchema } from "@/lib/notify/schemas";
import { deleteChannel, updateChannel } from "@/lib/notify/update-channel";

export const GET = withAuth({ role: "ADMIN", params: channelParamsSchema }, async ({ params }) => getChannel({ prisma: db(), id: params.id }));

export const PATCH = withAuth({ role: "ADMIN", params: channelParamsSchema, body: updateChannelSchema }, async ({ params, body, user }) =>
  updateChannel({ prisma: db(), actor: user.actor, id: params.id, body }),
);

export const DELETE = withAuth({ role: "ADMIN", params: channelParamsSchema }, async ({ params, user }) =>
  deleteChannel({ prisma: db(), actor: user.actor, id: params.id }),
);
