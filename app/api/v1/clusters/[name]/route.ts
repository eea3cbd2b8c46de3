import { AppError } from "@/lib/errors";
import { clusterParamsSchema, updateClusterSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { hasRole } from "@/lib/auth/roles";
import { expireOverdueCommands } from "@/lib/cluster/expire-commands";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { setClusterPaused } from "@/lib/cluster/set-cluster-paused";
import { updateClusterSettings } from "@/lib/cluster/update-cluster-settings";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER", params: clusterParamsSchema }, async ({ params: { name } }) => {
  const detail = await getClusterDetail({ prisma: db(), clusterName: name });
  // A command whose agents all died would stay open forever; the console settles it too.
  const overdue = detail.commands.some((c) => (c.status === "PENDING" || c.status === "RUNNING") && c.deadline <= detail.dbTime);
  if (!overdue) return detail;
  await expireOverdueCommands({ db: db(), clusterId: detail.cluster.id });
  return getClusterDetail({ prisma: db(), clusterName: name });
});

export const PATCH = withAuth({ role: "OPERATOR", params: clusterParamsSchema, body: updateClusterSchema }, async ({ params: { name }, body, user }) => {
  const { paused, reason, ...settings } = body;
  const changesSettings = Object.values(settings).some((v) => v !== undefined);
  if (changesSettings && !hasRole(user.role, "ADMIN")) throw new AppError("FORBIDDEN", "changing cluster settings requires the ADMIN role");
  if (changesSettings) await updateClusterSettings({ prisma: db(), clusterName: name, settings, actor: user.actor, reason });
  if (paused !== undefined) await setClusterPaused({ prisma: db(), clusterName: name, paused, actor: user.actor, reason });
  return getClusterDetail({ prisma: db(), clusterName: name });
});
