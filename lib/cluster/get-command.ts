import type { Command } from "../db/client";
import { toSql, type DbHandle } from "../db/sql";
import { AppError } from "../errors";
import { commandView, type CommandView } from "./get-cluster-detail";
import { resolveService } from "./resolve-service";

export type GetCommandOptions = {
  db: DbHandle;
  clusterName: string;
  /** Given: the command must be this service's (404 otherwise). Left out: any service of the cluster (ids are unique). */
  service?: string;
  commandId: string;
};

export async function getCommand({ db, clusterName, service, commandId }: GetCommandOptions): Promise<CommandView> {
  const sql = toSql(db);
  if (service !== undefined) await resolveService(sql, { clusterName, service }); // an unknown service says so
  const [command] = await sql.query<Command & { service: string }>(
    `SELECT cmd.*, c.service FROM "Command" cmd JOIN "Cluster" c ON c.id = cmd."clusterId"
     WHERE cmd.id = $1::uuid AND c.name = $2 AND ($3::text IS NULL OR c.service = $3)`,
    [commandId, clusterName, service ?? null],
  );
  if (!command) throw new AppError("NOT_FOUND", `command not found in this ${service === undefined ? "cluster" : "service"}`);
  return commandView(command);
}
