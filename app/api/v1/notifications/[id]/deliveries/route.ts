import { withAuth } from "@/lib/api/with-auth";
import { db } from "@/lib/db/client";
import { listDeliveries } from "@/lib/notify/deliveries";
import { channelParamsSchema, deliveriesQuerySchema } from "@/lib/notify/schemas";

/** The channel's delivery log, newest first. */
export const GET = withAuth({ role: "ADMIN", params: channelParamsSchema, query: deliveriesQuerySchema }, async ({ params, query }) => ({
  deliveries: await listDeliveries({ prisma: db(), channelId: params.id, limit: query.limit }),
}));
