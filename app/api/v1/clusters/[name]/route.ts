import { ApiError } from "@/lib/api/errors";
import { clusterParamsSchema, updateClusterSchema } from "@/lib/api/schemas";
import { readJson, withAuth } from "@/lib/api/with-auth";
import { hasRole } from "@/lib/auth/roles";
import { expireOverdueCommands } from "@/lib/cluster/expire-commands";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { setClusterPaused } from "@/lib/cluster/set-cluster-paused";
import { updateClusterSettings } from "@/lib/cluster/update-cluster-settings";
import { db } from "@/lib/db/client";

export const GET = withAuth<{ name: string }>({ role: "VIEWER" }, async ({ params }) => {
  const { name } = clusterParamsSchema.parse(params);
  const detail = await getClusterDetail({ prisma: db(), clusterName: name });
  // A command whose agents all died would stay open forever; the console settles it too.
  const overdue = detail.commands.some((c) => (c.status === "PENDING" || c.status === "RUNNING") && c.deadline <= detail.dbTime);
  if (!overdue) return detail;
  await expireOverdueCommands({ db: db(), clusterId: detail.cluster.id });
  return getClusterDetail({ prisma: db(), clusterName: name });
});

export const PATCH = withAuth<{ name: string }>({ role: "OPERATOR" }, async ({ req, params, user }) => {
  const { name } = clusterParamsSchema.parse(params);
  const { paused, reason, ...settings } = await readJson(req, updateClusterSchema);
  const changesSettings = Object.values(settings).some((v) => v !== undefined);
  if (changesSettings && !hasRole(user.role, "ADMIN")) throw new ApiError("FORBIDDEN", "changing cluster settings requires the ADMIN role");
  if (changesSettings) await updateClusterSettings({ prisma: db(), clusterName: name, settings, actor: user.actor, reason });
  if (paused !== undefined) await setClusterPaused({ prisma: db(), clusterName: name, paused, actor: user.actor, reason });
  return getClusterDetail({ prisma: db(), clusterName: name });
});
