import { nodeParamsSchema, removeNodeSchema, serviceQuerySchema, updateNodeSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { changeTargets } from "@/lib/cluster/list-services";
import { serverNodeViews } from "@/lib/cluster/node-views";
import { removeNode } from "@/lib/cluster/remove-node";
import { setNodeMaintenance } from "@/lib/cluster/set-node-maintenance";
import { setNodePriority } from "@/lib/cluster/set-node-priority";
import { db } from "@/lib/db/client";
import { toSql } from "@/lib/db/sql";
import { AppError } from "@/lib/errors";

// Without ?service= on a cluster of several services, a node change is the server's: it applies to
// its row in every service, in one transaction, audited per row.

/** Maintenance and/or priority, all or nothing: one transaction, which also reads the node back (404 if it is gone). */
export const PATCH = withAuth(
  { role: "OPERATOR", params: nodeParamsSchema, query: serviceQuerySchema, body: updateNodeSchema },
  async ({ params: { name, node }, query, body, user }) =>
    toSql(db()).transaction(async (tx) => {
      const { maintenance, priority, reason } = body;
      const { services, clusterWide } = await changeTargets(tx, { clusterName: name, service: query.service, nodeName: node });
      for (const service of services) {
        const target = { db: tx, clusterName: name, service, nodeName: node, actor: user.actor, reason };
        if (maintenance !== undefined) await setNodeMaintenance({ ...target, maintenance });
        if (priority !== undefined) await setNodePriority({ ...target, priority });
      }
      const views = await serverNodeViews(tx, { clusterName: name, nodeName: node, services });
      if (clusterWide) return { cluster: name, node, nodes: views };
      if (!views[0]) throw new AppError("NOT_FOUND", `node ${node} not found in cluster ${name}`);
      return views[0];
    }),
);

/** Decommission a node that is gone (a standby silent for longer than a lease). */
export const DELETE = withAuth(
  { role: "OPERATOR", params: nodeParamsSchema, query: serviceQuerySchema, body: removeNodeSchema, optionalBody: true },
  async ({ params: { name, node }, query, body: { reason }, user }) =>
    toSql(db()).transaction(async (tx) => {
      const { services } = await changeTargets(tx, { clusterName: name, service: query.service, nodeName: node });
      for (const service of services) await removeNode({ db: tx, clusterName: name, service, nodeName: node, actor: user.actor, reason });
      return { removed: { cluster: name, node, services } };
    }),
);
