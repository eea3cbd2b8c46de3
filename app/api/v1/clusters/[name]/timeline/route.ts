import { clusterParamsSchema, timelineQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { activeTimeline } from "@/lib/cluster/active-timeline";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER", params: clusterParamsSchema, query: timelineQuerySchema }, async ({ params, query }) =>
  activeTimeline({ db: db(), clusterName: params.name, ...query }),
);
