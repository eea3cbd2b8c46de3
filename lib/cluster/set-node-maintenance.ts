import type { Node } from "../db/client";
import type { DbHandle } from "../db/sql";
import { updateNodeSetting } from "./update-node-setting";

export type SetNodeMaintenanceOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service. */
  service?: string;
  nodeName: string;
  maintenance: boolean;
  actor: string;
  reason?: string;
};

/**
 * A node in maintenance is never promoted (automatically or by command). It does not demote an
 * active node: the operator demotes or switches over explicitly. Idempotent: no change, no audit.
 */
export function setNodeMaintenance({ maintenance, reason = "", ...target }: SetNodeMaintenanceOptions): Promise<Node> {
  return updateNodeSetting({
    ...target,
    reason,
    setting: { maintenance },
    audit: (node) => ({ action: maintenance ? "node.maintenance_on" : "node.maintenance_off", details: { role: node.role } }),
  });
}
