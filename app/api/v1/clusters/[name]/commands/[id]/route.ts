import { commandParamsSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { getCommand } from "@/lib/cluster/get-command";
import { db } from "@/lib/db/client";

export const GET = withAuth<{ name: string; id: string }>({ role: "VIEWER" }, async ({ params }) => {
  const { name, id } = commandParamsSchema.parse(params);
  return getCommand({ prisma: db(), clusterName: name, commandId: id });
});
