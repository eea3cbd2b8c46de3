import { clusterParamsSchema, updateClusterSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { hasRole } from "@/lib/auth/roles";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { setClusterPaused } from "@/lib/cluster/set-cluster-paused";
import { updateClusterSettings } from "@/lib/cluster/update-cluster-settings";
import { db } from "@/lib/db/client";
import { toSql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";

// Overdue commands are expired by the agents' ticks and by the console's sweep (instrumentation.ts), never by a read.
export const GET = withAuth({ role: "VIEWER", params: clusterParamsSchema }, async ({ params: { name } }) => getClusterDetail({ db: db(), clusterName: name }));

/** Settings and pause, all or nothing: one transaction, which also reads the result back. */
export const PATCH = withAuth({ role: "OPERATOR", params: clusterParamsSchema, body: updateClusterSchema }, async ({ params: { name }, body, user }) => {
  const { paused, reason, ...settings } = body;
  const changesSettings = Object.values(settings).some((v) => v !== undefined);
  if (changesSettings && !hasRole(user.role, "ADMIN")) throw new AppError("FORBIDDEN", "changing cluster settings requires the ADMIN role");
  return toSql(db()).transaction(async (tx) => {
    if (changesSettings) await updateClusterSettings({ db: tx, clusterName: name, settings, actor: user.actor, reason });
    if (paused !== undefined) await setClusterPaused({ db: tx, clusterName: name, paused, actor: user.actor, reason });
    return getClusterDetail({ db: tx, clusterName: name });
  });
});
