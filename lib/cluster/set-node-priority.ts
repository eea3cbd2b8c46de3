import type { Node, PrismaClient } from "../db/client";
import { ClusterError } from "./errors";
import { updateNodeSetting } from "./update-node-setting";

export type SetNodePriorityOptions = { prisma: PrismaClient; clusterName: string; nodeName: string; priority: number; actor: string; reason?: string };

/** Sets the election priority (higher wins; 0 = never promoted automatically). Idempotent. */
export async function setNodePriority({ priority, reason = "", ...target }: SetNodePriorityOptions): Promise<Node> {
  if (!Number.isInteger(priority) || priority < 0 || priority > 1000) throw new ClusterError("INVALID", "priority must be an integer from 0 to 1000");
  return updateNodeSetting({
    ...target,
    reason,
    unchanged: (node) => node.priority === priority,
    data: { priority },
    audit: (node) => ({ action: "node.priority_changed", details: { from: node.priority, to: priority } }),
  });
}
