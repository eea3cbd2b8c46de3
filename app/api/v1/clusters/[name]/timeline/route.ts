import { clusterParamsSchema, searchParamsObject, timelineQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { activeTimeline } from "@/lib/cluster/active-timeline";
import { db } from "@/lib/db/client";

export const GET = withAuth<{ name: string }>({ role: "VIEWER" }, async ({ req, params }) => {
  const { name } = clusterParamsSchema.parse(params);
  const query = timelineQuerySchema.parse(searchParamsObject(req.nextUrl.searchParams));
  return activeTimeline({ prisma: db(), clusterName: name, ...query });
});
