import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { db } from "@/lib/db/client";
import { queueTestDelivery } from "@/lib/notify/deliveries";
import { wakeProcessDispatcher } from "@/lib/notify/dispatcher";
import { channelParamsSchema } from "@/lib/notify/schemas";

/** Queues a test message (202): its outcome appears in the channel's delivery log. */
export const POST = withAuth({ role: "ADMIN", params: channelParamsSchema }, async ({ params }) => {
  const delivery = await queueTestDelivery({ prisma: db(), channelId: params.id });
  wakeProcessDispatcher();
  return jsonResponse(delivery, { status: 202 });
});
