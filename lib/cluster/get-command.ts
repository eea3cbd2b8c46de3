import type { Command } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";
import { commandView, type CommandView } from "./get-cluster-detail";

export type GetCommandOptions = { db: DbHandle; clusterName: string; commandId: string };

export async function getCommand({ db, clusterName, commandId }: GetCommandOptions): Promise<CommandView> {
  const [command] = await toSql(db).query<Command>(
    `SELECT cmd.* FROM "Command" cmd JOIN "Cluster" c ON c.id = cmd."clusterId" WHERE cmd.id = $1::uuid AND c.name = $2`,
    [commandId, clusterName],
  );
  if (!command) throw new AppError("NOT_FOUND", "command not found in this cluster");
  return commandView(command);
}
