import { clusterListQuerySchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { getClusterOverview } from "@/lib/cluster/get-cluster-overview";
import { db } from "@/lib/db/client";

// Filtered, sorted and paged here (q, status, sort, offset, limit), with counts of every cluster;
// nothing set: every cluster, by name, as before.
export const GET = withAuth({ role: "VIEWER", query: clusterListQuerySchema }, async ({ query }) => getClusterOverview({ db: db(), query }));
