import { commandParamsSchema, serviceQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { getCommand } from "@/lib/cluster/get-command";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER", params: commandParamsSchema, query: serviceQuerySchema }, async ({ params, query }) =>
  getCommand({ db: db(), clusterName: params.name, service: query.service, commandId: params.id }),
);
