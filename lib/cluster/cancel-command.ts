import type { Command } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { AppError } from "../errors";

export type CancelCommandOptions = { db: DbHandle; commandId: string; requestedBy: string; reason?: string };

/** Cancels a command no agent has started; a RUNNING one is past the point of return. */
export async function cancelCommand({ db, commandId, requestedBy, reason = "" }: CancelCommandOptions): Promise<Command> {
  return toSql(db).transaction(async (tx) => {
    // The cluster row first, then the command's, in the order the agents' command steps lock them.
    const [found] = await tx.query<{ clusterId: string }>(`SELECT "clusterId" FROM "Command" WHERE id = $1::uuid`, [commandId]);
    const locked = found && (await lockCluster(tx, found.clusterId, { nodes: false }));
    const [command] = locked ? await tx.query<Command>(`SELECT * FROM "Command" WHERE id = $1::uuid FOR UPDATE`, [commandId]) : [];
    if (!locked || !command) throw new AppError("NOT_FOUND", "command not found");
    if (command.status !== "PENDING") {
      throw new AppError("CONFLICT", `the command is ${command.status.toLowerCase()} and can no longer be cancelled`);
    }
    const error = `cancelled by ${requestedBy}${reason ? `: ${reason}` : ""}`.slice(0, 1000);
    const [updated] = await tx.query<Command>(`UPDATE "Command" SET status = 'CANCELLED', "finishedAt" = now(), error = $2 WHERE id = $1::uuid RETURNING *`, [
      commandId,
      error,
    ]);
    await insertAudit(tx, {
      actor: requestedBy,
      action: "command.cancelled",
      clusterId: command.clusterId,
      clusterName: locked.cluster.name,
      nodeId: command.targetNodeId,
      commandId,
      reason,
    });
    return updated;
  });
}
