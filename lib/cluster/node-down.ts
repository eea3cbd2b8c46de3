import { toSql, type DbHandle } from "../db/sql";
import { healthyHeartbeatSql } from "./timing";

// Node health transitions (node.down, node.recovered), detected by the agents themselves so they
// are recorded whether or not a console runs. Down means what the console shows as down: silent
// for longer than a lease. Each transition is one UPDATE of the node's "downSince" guarded by its
// old value, with its audit row in the same statement, so however many agents watch, the row lock
// and the re-checked guard let exactly one of them record it.

/**
 * Common table expressions for the heartbeat statement (lib/cluster/heartbeat.ts), after its `hb`
 * CTE (which must return id, name, "clusterId", "clusterName" and epoch; $1 is the beating node):
 * marks down the cluster's other nodes silent for longer than a lease, with a node.down audit row
 * each, as of the database clock.
 *
 * - Watchers: the active (its beat already reads the cluster), and the standbys only while no other
 *   node holds a valid lease (a dead active, a headless cluster). In steady state a standby's beat
 *   pays one index probe for this, never a scan or a write; a fact the bench measures.
 * - A watcher whose own previous beat was late (the database was down, or this agent was paused)
 *   accuses nobody: everyone's heartbeat is old then, and they come back within a beat.
 * - `SKIP LOCKED`: a watcher never waits for another's row (a row locked by its own beat is alive,
 *   one locked by another watcher is being marked), so a beat is never held up or deadlocked by
 *   this. The referenced `hb` runs first, so the watcher holds only its own row before it locks others.
 */
export const NODE_DOWN_CTES = `down_marked AS (
       UPDATE "Node" d SET "downSince" = now()
       WHERE d.id IN (
         SELECT o.id FROM "Node" o
         JOIN "Cluster" c ON c.id = o."clusterId"
         JOIN "Node" me ON me.id = $1::uuid
         WHERE o."clusterId" = (SELECT "clusterId" FROM hb) AND o.id <> $1::uuid AND o."downSince" IS NULL
           AND o."lastHeartbeatAt" < now() - make_interval(secs => c."leaseMs" / 1000.0)
           -- me is read from the statement's snapshot: this agent's previous beat.
           AND ${healthyHeartbeatSql('me."lastHeartbeatAt"', 'c."heartbeatMs"')}
           AND NOT EXISTS (
             SELECT 1 FROM "Node" a WHERE a."clusterId" = (SELECT "clusterId" FROM hb) AND a.role = 'ACTIVE'
               AND a."leaseExpiresAt" > now() AND a.id <> $1::uuid)
         FOR UPDATE OF o SKIP LOCKED)
       RETURNING d.id, d.name, d.role, d.maintenance, d."lastHeartbeatAt"
     ),
     down_audit AS (
       INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", "nodeId", "nodeName", epoch, reason, details)
       SELECT 'agent:' || hb."clusterName" || '/' || hb.name, 'node.down', hb."clusterId", hb."clusterName", dm.id, dm.name, hb.epoch,
         'no heartbeat for ' || round(EXTRACT(EPOCH FROM now() - dm."lastHeartbeatAt")::numeric, 1) || ' s (seen by ' || hb.name || ')',
         jsonb_build_object('role', dm.role, 'maintenance', dm.maintenance, 'lastHeartbeatAt', dm."lastHeartbeatAt", 'seenBy', hb.name)
       FROM down_marked dm CROSS JOIN hb
     )`;

/**
 * A node marked down heartbeats again (its beat returned "downSince"): clears the mark and audits
 * node.recovered in one statement, only if the mark is still there, so it is recorded once.
 * Returns whether this call recorded it.
 */
export async function recordNodeRecovered({ db, nodeId, instanceId }: { db: DbHandle; nodeId: string; instanceId: string }): Promise<boolean> {
  const rows = await toSql(db).query<{ id: bigint }>(
    `WITH was AS (SELECT "downSince" FROM "Node" WHERE id = $1::uuid),
     up AS (
       UPDATE "Node" n SET "downSince" = NULL FROM "Cluster" c
       WHERE n.id = $1::uuid AND n."agentInstance" = $2::uuid AND n."downSince" IS NOT NULL AND c.id = n."clusterId"
       RETURNING n.id, n.name, n."clusterId", c.name AS "clusterName", c.epoch
     )
     INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", "nodeId", "nodeName", epoch, reason, details)
     SELECT 'agent:' || up."clusterName" || '/' || up.name, 'node.recovered', up."clusterId", up."clusterName", up.id, up.name, up.epoch,
       'heartbeating again' || COALESCE(' after ' || round(EXTRACT(EPOCH FROM now() - was."downSince")::numeric, 1) || ' s marked down', ''),
       jsonb_build_object('downSince', was."downSince")
     FROM up LEFT JOIN was ON true
     RETURNING id`,
    [nodeId, instanceId],
  );
  return rows.length > 0;
}
