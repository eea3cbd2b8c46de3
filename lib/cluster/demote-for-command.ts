import { toSql } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import type { HookOutcome } from "./hook-outcome";
import type { StepDownOptions } from "./start-step-down";

export type DemoteForCommandOptions = StepDownOptions & {
  /** How the demote hook (or the supervised process's stop) ended; null when there was none. */
  hookOutcome: HookOutcome | null;
};

/**
 * The active's second half, once its workload is down: row to STANDBY with the lease released (the
 * target promotes on the release), the command advanced with the hook's outcome, audited.
 */
export async function demoteForCommand({
  db,
  commandId,
  clusterId,
  nodeId,
  nodeName,
  epoch,
  hookOutcome,
}: DemoteForCommandOptions): Promise<{ changed: boolean }> {
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId);
    const [command] = await tx.query<{ kind: string }>(
      `SELECT kind::text AS kind FROM "Command" WHERE id = $1::uuid AND status = 'RUNNING' AND deadline > now() FOR UPDATE`,
      [commandId],
    );
    if (!locked || !command) return { changed: false };
    const { cluster } = locked;
    const holdOff = command.kind === "DEMOTE" ? (2 * cluster.leaseMs) / 1000 : 0;
    const changed =
      (await tx.execute(
        `UPDATE "Node" SET role = 'STANDBY', "leaseExpiresAt" = NULL, "activeEpoch" = NULL,
           "holdUntil" = CASE WHEN $3::float8 > 0 THEN now() + make_interval(secs => $3::float8) END
         WHERE id = $1::uuid AND role = 'ACTIVE' AND "activeEpoch" = $2::bigint`,
        [nodeId, epoch, holdOff],
      )) === 1;
    if (!changed) return { changed };
    await tx.execute(
      `UPDATE "Command" SET status = CASE WHEN kind = 'DEMOTE' THEN 'SUCCEEDED'::"CommandStatus" ELSE status END,
         "finishedAt" = CASE WHEN kind = 'DEMOTE' THEN now() ELSE "finishedAt" END,
         "hookOutcomes" = CASE WHEN $2::jsonb IS NULL THEN "hookOutcomes" ELSE COALESCE("hookOutcomes", '{}') || jsonb_build_object('demote', $2::jsonb) END
       WHERE id = $1::uuid`,
      [commandId, hookOutcome && JSON.stringify(hookOutcome)],
    );
    await insertAudit(tx, {
      actor: agentActor(cluster.name, nodeName),
      action: "command.demoted",
      clusterId,
      clusterName: cluster.name,
      nodeId,
      nodeName,
      fromRole: "ACTIVE",
      toRole: "STANDBY",
      epoch,
      commandId,
      reason: command.kind === "DEMOTE" ? "demoted by operator" : `stepped down for ${command.kind.toLowerCase()}`,
      ...(hookOutcome && { details: { hook: hookOutcome } }),
    });
    return { changed };
  });
}
