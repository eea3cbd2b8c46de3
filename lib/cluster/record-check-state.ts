import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import type { NodeCheckReport, NodeCheckState } from "./check-state";

export type RecordCheckStateOptions = {
  db: DbHandle;
  clusterId: string;
  clusterName: string;
  nodeId: string;
  nodeName: string;
  report: NodeCheckReport;
  /** The checks whose status changed since the last report (each gets its audit row). */
  changed: NodeCheckState[];
};

/**
 * A node's check state changed: the node's row and one audit row per changed check, in one
 * transaction (called on changes only, so steady state costs no write per heartbeat).
 */
export async function recordCheckState({ db, clusterId, clusterName, nodeId, nodeName, report, changed }: RecordCheckStateOptions): Promise<void> {
  await toSql(db).transaction(async (tx) => {
    await tx.execute(
      `UPDATE "Node" SET "checkStatus" = $2::"CheckStatus", isolated = $3, checks = $4::jsonb,
         "checkSince" = CASE WHEN "checkStatus" = $2::"CheckStatus" AND isolated = $3 THEN "checkSince" ELSE now() END
       WHERE id = $1::uuid`,
      [nodeId, report.status, report.isolated, JSON.stringify(report.checks)],
    );
    for (const check of changed) {
      if (check.status === "UNKNOWN") continue;
      await insertAudit(tx, {
        actor: agentActor(clusterName, nodeName),
        action: check.status === "FAILING" ? "check.failing" : "check.passing",
        clusterId,
        clusterName,
        nodeId,
        nodeName,
        reason: `${check.name}: ${check.output}`,
        details: { check: check.name, status: check.status, nodeStatus: report.status, isolated: report.isolated },
      });
    }
  });
}
