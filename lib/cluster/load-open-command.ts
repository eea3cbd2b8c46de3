import { toSql, type DbHandle } from "../db/sql";

export type OpenCommand = {
  id: string;
  kind: "PROMOTE" | "DEMOTE" | "SWITCHOVER";
  status: "PENDING" | "RUNNING";
  targetNodeId: string;
  targetName: string;
  /** The target heartbeated after the command was issued: it is alive now, not just recently. */
  targetReady: boolean;
  overdue: boolean;
};

/** The cluster's command in flight (at most one: a unique index sees to it), with its target's health. */
export async function loadOpenCommand({ db, clusterId }: { db: DbHandle; clusterId: string }): Promise<OpenCommand | null> {
  const [row] = await toSql(db).query<OpenCommand>(
    `
    SELECT c.id, c.kind::text AS kind, c.status::text AS status, c."targetNodeId", t.name AS "targetName",
      COALESCE(t."lastHeartbeatAt" > c."createdAt" AND NOT t.maintenance, false) AS "targetReady",
      c.deadline <= now() AS overdue
    FROM "Command" c JOIN "Node" t ON t.id = c."targetNodeId" JOIN "Cluster" cl ON cl.id = c."clusterId"
    WHERE c."clusterId" = $1::uuid AND c.status IN ('PENDING', 'RUNNING')`,
    [clusterId],
  );
  return row ?? null;
}
