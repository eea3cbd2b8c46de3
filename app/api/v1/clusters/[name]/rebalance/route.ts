import { jsonResponse } from "@/lib/api/json";
import { clusterParamsSchema, rebalanceRequestSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { advanceRebalances, getRebalance, requestRebalance } from "@/lib/cluster/rebalance";
import { db } from "@/lib/db/client";

export const POST = withAuth(
  { role: "OPERATOR", params: clusterParamsSchema, body: rebalanceRequestSchema, optionalBody: true },
  async ({ params: { name }, body, user }) => {
    const requested = await requestRebalance({ db: db(), clusterName: name, requestedBy: user.actor, reason: body.reason });
    // The first move now rather than at the consoles' next tick; should it fail, that tick retries.
    if (requested.status === "RUNNING") await advanceRebalances({ db: db(), id: requested.id }).catch(() => {});
    return jsonResponse(await getRebalance({ db: db(), clusterName: name, id: requested.id }), { status: 202 });
  },
);

export const GET = withAuth({ role: "VIEWER", params: clusterParamsSchema }, async ({ params: { name } }) => getRebalance({ db: db(), clusterName: name }));
