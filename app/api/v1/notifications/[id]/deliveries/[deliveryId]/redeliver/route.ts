import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { db } from "@/lib/db/client";
import { redeliver } from "@/lib/notify/deliveries";
import { wakeProcessDispatcher } from "@/lib/notify/dispatcher";
import { deliveryParamsSchema } from "@/lib/notify/schemas";

/** Sends a delivery again (202): due now, attempts counted afresh. */
export const POST = withAuth({ role: "ADMIN", params: deliveryParamsSchema }, async ({ params }) => {
  const delivery = await redeliver({ prisma: db(), channelId: params.id, deliveryId: params.deliveryId });
  wakeProcessDispatcher();
  return jsonResponse(delivery, { status: 202 });
});
