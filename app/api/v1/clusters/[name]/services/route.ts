import { clusterParamsSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { listServices } from "@/lib/cluster/list-services";
import { db } from "@/lib/db/client";

/** The server x service matrix: which server holds which service's lease, with each row's health. */
export const GET = withAuth({ role: "VIEWER", params: clusterParamsSchema }, async ({ params: { name } }) => listServices({ db: db(), clusterName: name }));
