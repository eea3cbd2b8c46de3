import type { Node } from "../db/client";
import type { DbHandle } from "../db/sql";
import { AppError } from "../errors";
import { priorityProblem } from "./priority";
import { updateNodeSetting } from "./update-node-setting";

export type SetNodePriorityOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service. */
  service?: string;
  nodeName: string;
  priority: number;
  actor: string;
  reason?: string;
};

/** Sets the election priority (higher wins; 0 = never promoted automatically). Idempotent. */
export async function setNodePriority({ priority, reason = "", ...target }: SetNodePriorityOptions): Promise<Node> {
  const problem = priorityProblem(priority);
  if (problem) throw new AppError("INVALID", problem);
  return updateNodeSetting({
    ...target,
    reason,
    setting: { priority },
    audit: (node) => ({ action: "node.priority_changed", details: { from: node.priority, to: priority } }),
  });
}
