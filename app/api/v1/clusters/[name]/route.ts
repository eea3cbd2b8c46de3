import { clusterDetailQuerySchema, clusterParamsSchema, serviceQuerySchema, updateClusterSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { hasRole } from "@/lib/auth/roles";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { changeTargets, listServices } from "@/lib/cluster/list-services";
import { setClusterPaused } from "@/lib/cluster/set-cluster-paused";
import { updateClusterSettings } from "@/lib/cluster/update-cluster-settings";
import { db } from "@/lib/db/client";
import { toSql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";

// Overdue commands are expired by the agents' ticks and by the console's sweep (instrumentation.ts), never by a read.
// The node list is filtered, sorted and paged here (q, role, health, sort, order, offset, limit),
// with counts of the whole set; nothing set: every node, by name, as before.
export const GET = withAuth(
  { role: "VIEWER", params: clusterParamsSchema, query: clusterDetailQuerySchema },
  async ({ params: { name }, query: { service, ...nodeQuery } }) => getClusterDetail({ db: db(), clusterName: name, service, nodeQuery }),
);

/**
 * Settings and pause, all or nothing: one transaction, which also reads the result back. Settings
 * are one service's; a pause without a service pauses every service of the cluster (and answers
 * with the services matrix when there are several).
 */
export const PATCH = withAuth(
  { role: "OPERATOR", params: clusterParamsSchema, query: serviceQuerySchema, body: updateClusterSchema },
  async ({ params: { name }, query: { service }, body, user }) => {
    const { paused, reason, ...settings } = body;
    const changesSettings = Object.values(settings).some((v) => v !== undefined);
    if (changesSettings && !hasRole(user.role, "ADMIN")) throw new AppError("FORBIDDEN", "changing cluster settings requires the ADMIN role");
    return toSql(db()).transaction(async (tx) => {
      // Settings first: without a service on a cluster of several they are refused (422) before anything changes.
      if (changesSettings) await updateClusterSettings({ db: tx, clusterName: name, service, settings, actor: user.actor, reason });
      const { services, clusterWide } = await changeTargets(tx, { clusterName: name, service });
      if (paused !== undefined) for (const s of services) await setClusterPaused({ db: tx, clusterName: name, service: s, paused, actor: user.actor, reason });
      return clusterWide ? listServices({ db: tx, clusterName: name }) : getClusterDetail({ db: tx, clusterName: name, service });
    });
  },
);
