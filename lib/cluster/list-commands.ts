import type { Command } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { commandView, type CommandView } from "./get-cluster-detail";
import { resolveService } from "./resolve-service";
import { serviceNames } from "./list-services";

export type ListCommandsOptions = {
  db: DbHandle;
  clusterName: string;
  /** Given: that service's commands (404 for an unknown one). Left out: every service's. */
  service?: string;
  limit: number;
};

/** A cluster's commands, newest first, each with its service. */
export async function listCommands({ db, clusterName, service, limit }: ListCommandsOptions): Promise<{ commands: CommandView[] }> {
  const sql = toSql(db);
  if (service === undefined)
    await serviceNames(sql, clusterName); // 404 for an unknown cluster
  else await resolveService(sql, { clusterName, service });
  const rows = await sql.query<Command & { service: string }>(
    `SELECT cmd.*, c.service FROM "Command" cmd JOIN "Cluster" c ON c.id = cmd."clusterId"
     WHERE c.name = $1 AND ($2::text IS NULL OR c.service = $2)
     ORDER BY cmd."createdAt" DESC, cmd.id LIMIT $3`,
    [clusterName, service ?? null, limit],
  );
  return { commands: rows.map(commandView) };
}
