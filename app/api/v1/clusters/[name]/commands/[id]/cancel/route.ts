import { commandParamsSchema, serviceQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { cancelCommand } from "@/lib/cluster/cancel-command";
import { getCommand } from "@/lib/cluster/get-command";
import { db } from "@/lib/db/client";

export const POST = withAuth({ role: "OPERATOR", params: commandParamsSchema, query: serviceQuerySchema }, async ({ params: { name, id }, query, user }) => {
  await getCommand({ db: db(), clusterName: name, service: query.service, commandId: id }); // 404 unless it belongs to this cluster (and service)
  await cancelCommand({ db: db(), commandId: id, requestedBy: user.actor });
  return getCommand({ db: db(), clusterName: name, commandId: id });
});
