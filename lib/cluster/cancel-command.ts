import type { Command, PrismaClient } from "../db/client";
import { insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { ClusterError } from "./errors";

export type CancelCommandOptions = { prisma: PrismaClient; commandId: string; requestedBy: string; reason?: string };

/** Cancels a command no agent has started; a RUNNING one is past the point of return. */
export async function cancelCommand({ prisma, commandId, requestedBy, reason = "" }: CancelCommandOptions): Promise<Command> {
  return prisma.$transaction(async (tx) => {
    // The cluster row first, then the command's, in the order the agents' command steps lock them.
    const found = await tx.command.findUnique({ where: { id: commandId }, select: { clusterId: true } });
    const locked = found && (await lockCluster(tx, found.clusterId, { nodes: false }));
    const [command] = locked ? await tx.$queryRaw<Command[]>`SELECT * FROM "Command" WHERE id = ${commandId}::uuid FOR UPDATE` : [];
    if (!locked || !command) throw new ClusterError("NOT_FOUND", "command not found");
    if (command.status !== "PENDING") {
      throw new ClusterError("CONFLICT", `the command is ${command.status.toLowerCase()} and can no longer be cancelled`);
    }
    const error = `cancelled by ${requestedBy}${reason ? `: ${reason}` : ""}`.slice(0, 1000);
    await tx.$executeRaw`UPDATE "Command" SET status = 'CANCELLED', "finishedAt" = now(), error = ${error} WHERE id = ${commandId}::uuid`;
    const updated = await tx.command.findUniqueOrThrow({ where: { id: commandId } });
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
