import type { PrismaClient } from "../db/client";
import { ClusterError } from "./errors";
import { commandView, type CommandView } from "./get-cluster-detail";

export type GetCommandOptions = { prisma: PrismaClient; clusterName: string; commandId: string };

export async function getCommand({ prisma, clusterName, commandId }: GetCommandOptions): Promise<CommandView> {
  const command = await prisma.command.findFirst({
    where: { id: commandId, cluster: { name: clusterName } },
  });
  if (!command) throw new ClusterError("NOT_FOUND", "command not found in this cluster");
  return commandView(command);
}
