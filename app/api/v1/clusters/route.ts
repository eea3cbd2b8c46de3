import { withAuth } from "@/lib/api/with-auth";
import { getClusterOverview } from "@/lib/cluster/get-cluster-overview";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER" }, async () => ({ clusters: await getClusterOverview({ db: db() }) }));
