import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { db } from "@/lib/db/client";
import { listChannels } from "@/lib/notify/channel-view";
import { createChannel } from "@/lib/notify/create-channel";
import { createChannelSchema } from "@/lib/notify/schemas";

export const GET = withAuth({ role: "ADMIN" }, async () => ({ channels: await listChannels({ prisma: db() }) }));

/** Creates a channel; a webhook's signing secret is in this answer only. */
export const POST = withAuth({ role: "ADMIN", body: createChannelSchema }, async ({ body, user }) =>
  jsonResponse(await createChannel({ prisma: db(), actor: user.actor, body }), { status: 201 }),
);
