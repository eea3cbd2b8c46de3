import { clusterParamsSchema, commandsQuerySchema, requestCommandSchema, serviceQuerySchema } from "@/lib/api/schemas";
import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { hasRole } from "@/lib/auth/roles";
import { findNodeByName } from "@/lib/cluster/find-node-by-name";
import { getCommand } from "@/lib/cluster/get-command";
import { listCommands } from "@/lib/cluster/list-commands";
import { requestCommand } from "@/lib/cluster/request-command";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";

export const GET = withAuth({ role: "VIEWER", params: clusterParamsSchema, query: commandsQuerySchema }, async ({ params: { name }, query }) =>
  listCommands({ db: db(), clusterName: name, ...query }),
);

export const POST = withAuth(
  { role: "OPERATOR", params: clusterParamsSchema, query: serviceQuerySchema, body: requestCommandSchema },
  async ({ params: { name }, query, body, user }) => {
    if (query.service !== undefined && body.service !== undefined && query.service !== body.service) {
      throw new AppError("INVALID", `service ${query.service} in the query and ${body.service} in the body differ: say it once`);
    }
    const service = body.service ?? query.service;
    if (body.force && !hasRole(user.role, "ADMIN")) {
      throw new AppError("FORBIDDEN", "forcing a command onto a node whose checks fail (or that is isolated) requires the ADMIN role");
    }
    const { clusterId, nodeId } = await findNodeByName({ db: db(), clusterName: name, service, nodeName: body.targetNode });
    const command = await requestCommand({
      db: db(),
      clusterId,
      kind: body.kind,
      targetNodeId: nodeId,
      requestedBy: user.actor,
      reason: body.reason,
      timeoutMs: body.timeoutMs,
      force: body.force,
    });
    const view = await getCommand({ db: db(), clusterName: name, commandId: command.id });
    return jsonResponse(view, { status: 201, headers: { location: `/api/v1/clusters/${name}/commands/${command.id}` } });
  },
);
