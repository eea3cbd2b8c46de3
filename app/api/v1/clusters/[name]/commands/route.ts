import { clusterParamsSchema, requestCommandSchema } from "@/lib/api/schemas";
import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { findNodeByName } from "@/lib/cluster/find-node-by-name";
import { getCommand } from "@/lib/cluster/get-command";
import { requestCommand } from "@/lib/cluster/request-command";
import { db } from "@/lib/db/client";

export const POST = withAuth({ role: "OPERATOR", params: clusterParamsSchema, body: requestCommandSchema }, async ({ params: { name }, body, user }) => {
  const { clusterId, nodeId } = await findNodeByName({ prisma: db(), clusterName: name, nodeName: body.targetNode });
  const command = await requestCommand({
    prisma: db(),
    clusterId,
    kind: body.kind,
    targetNodeId: nodeId,
    requestedBy: user.actor,
    reason: body.reason,
    timeoutMs: body.timeoutMs,
  });
  const view = await getCommand({ prisma: db(), clusterName: name, commandId: command.id });
  return jsonResponse(view, { status: 201, headers: { location: `/api/v1/clusters/${name}/commands/${command.id}` } });
});
