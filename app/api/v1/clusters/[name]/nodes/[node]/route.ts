import { nodeParamsSchema, updateNodeSchema } from "@/lib/api/schemas";
import { readJson, withAuth } from "@/lib/api/with-auth";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { setNodeMaintenance } from "@/lib/cluster/set-node-maintenance";
import { setNodePriority } from "@/lib/cluster/set-node-priority";
import { db } from "@/lib/db/client";

export const PATCH = withAuth<{ name: string; node: string }>({ role: "OPERATOR" }, async ({ req, params, user }) => {
  const { name, node } = nodeParamsSchema.parse(params);
  const { maintenance, priority, reason } = await readJson(req, updateNodeSchema);
  const target = { prisma: db(), clusterName: name, nodeName: node, actor: user.actor, reason };
  if (maintenance !== undefined) await setNodeMaintenance({ ...target, maintenance });
  if (priority !== undefined) await setNodePriority({ ...target, priority });
  const detail = await getClusterDetail({ prisma: db(), clusterName: name });
  return detail.nodes.find((n) => n.name === node);
});
