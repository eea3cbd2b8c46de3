import { nodeParamsSchema, removeNodeSchema, updateNodeSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { getClusterDetail } from "@/lib/cluster/get-cluster-detail";
import { removeNode } from "@/lib/cluster/remove-node";
import { setNodeMaintenance } from "@/lib/cluster/set-node-maintenance";
import { setNodePriority } from "@/lib/cluster/set-node-priority";
import { db } from "@/lib/db/client";
import { toSql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";

/** Maintenance and/or priority, all or nothing: one transaction, which also reads the node back (404 if it is gone). */
export const PATCH = withAuth({ role: "OPERATOR", params: nodeParamsSchema, body: updateNodeSchema }, async ({ params: { name, node }, body, user }) =>
  toSql(db()).transaction(async (tx) => {
    const { maintenance, priority, reason } = body;
    const target = { db: tx, clusterName: name, nodeName: node, actor: user.actor, reason };
    if (maintenance !== undefined) await setNodeMaintenance({ ...target, maintenance });
    if (priority !== undefined) await setNodePriority({ ...target, priority });
    const detail = await getClusterDetail({ db: tx, clusterName: name });
    const view = detail.nodes.find((n) => n.name === node);
    if (!view) throw new AppError("NOT_FOUND", `node ${node} not found in cluster ${name}`);
    return view;
  }),
);

/** Decommission a node that is gone (a standby silent for longer than a lease). */
export const DELETE = withAuth(
  { role: "OPERATOR", params: nodeParamsSchema, body: removeNodeSchema, optionalBody: true },
  async ({ params: { name, node }, body: { reason }, user }) => {
    await removeNode({ db: db(), clusterName: name, nodeName: node, actor: user.actor, reason });
    return { removed: { cluster: name, node } };
  },
);
