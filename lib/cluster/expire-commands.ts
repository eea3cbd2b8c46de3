import { toSql, type DbHandle } from "../db/sql";
import { SYSTEM_ACTOR } from "./audit";
import { healthyHeartbeatSql } from "./timing";

export type ExpireOverdueCommandsOptions = { db: DbHandle; clusterId?: string; actor?: string };

/**
 * Turns every open command past its deadline into EXPIRED with the reason it got stuck, and
 * audits each, in one statement (so two agents noticing at once expire and audit it once).
 */
export async function expireOverdueCommands({ db, clusterId, actor = SYSTEM_ACTOR }: ExpireOverdueCommandsOptions): Promise<number> {
  const rows = await toSql(db).query<{ id: bigint }>(
    `WITH expired AS (
       UPDATE "Command" c SET status = 'EXPIRED', "finishedAt" = now(), error = CASE
           WHEN NOT COALESCE(${healthyHeartbeatSql('t."lastHeartbeatAt"', 'cl."heartbeatMs"')}, false)
             THEN format('target %s stopped heartbeating (last heartbeat %s s ago)', t.name,
                         COALESCE(round(EXTRACT(EPOCH FROM now() - t."lastHeartbeatAt"))::text, 'never'))
           WHEN c.kind = 'DEMOTE' OR EXISTS (SELECT 1 FROM "Node" a WHERE a."clusterId" = c."clusterId" AND a.role = 'ACTIVE' AND a.id <> c."targetNodeId")
             THEN 'the active node did not step down before the deadline'
           ELSE format('target %s did not take over before the deadline', t.name) END
       FROM "Node" t, "Cluster" cl
       WHERE c.status IN ('PENDING', 'RUNNING') AND c.deadline <= now()
         AND t.id = c."targetNodeId" AND cl.id = c."clusterId"
         AND ($1::uuid IS NULL OR c."clusterId" = $1::uuid)
       RETURNING c.id, c."clusterId", cl.name AS "clusterName", cl.service, t.id AS "nodeId", t.name AS "nodeName", c.error, c.kind
     )
     INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", service, "nodeId", "nodeName", "commandId", reason, details)
     SELECT $2, 'command.expired', "clusterId", "clusterName", service, "nodeId", "nodeName", id, error, jsonb_build_object('kind', kind)
     FROM expired RETURNING id`,
    [clusterId ?? null, actor],
  );
  return rows.length;
}
