import { nodeParamsSchema, removeNodeSchema, updateNodeSchema } from "@/lib/api/schemas";
import { readJson, withAuth } from "@/lib/api/with-auth";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { removeNode } from "@/lib/cluster/remove-node";
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

/** Decommission a node that is gone (a standby silent for longer than a lease). */
export const DELETE = withAuth<{ name: string; node: string }>({ role: "OPERATOR" }, async ({ req, params, user }) => {
  const { name, node } = nodeParamsSchema.parse(params);
  const { reason } = await readJson(req, removeNodeSchema, { optional: true });
  await removeNode({ prisma: db(), clusterName: name, nodeName: node, actor: user.actor, reason });
  return { removed: { cluster: name, node } };
});
