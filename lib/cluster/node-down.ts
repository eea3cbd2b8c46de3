import { toSql, type DbHandle } from "../db/sql";
import { healthyAgeLimitMs } from "./timing";

// Node health transitions (node.down, node.recovered), detected by the agents themselves so they
// are recorded whether or not a console runs. Down means what the console shows as down: silent
// for longer than a lease. Each transition is one UPDATE of the node's "downSince" guarded by its
// old value, with its audit row in the same statement, so however many agents watch, the row lock
// and the re-checked guard let exactly one of them record it.
//
// Who watches: the active, whose beat statement also says (read-only) whether a node of its
// cluster is silent and unmarked; and the standbys only while no node holds a valid lease (a dead
// active, a headless cluster), which their beat already tells them. In steady state a standby's
// beat statement carries nothing of this. A watcher that sees cause runs one more statement, which
// marks (markSilentNodesDown). A watcher whose own previous beat was late accuses nobody: after a
// database outage, or a pause of the watcher, every heartbeat is old, and the others come back
// within a beat.

/** For the active's beat statement, over its `hb` CTE: a node of the cluster is silent for longer than a lease and not marked yet. */
export const SILENT_NODE_SQL = `EXISTS (
         SELECT 1 FROM "Node" o WHERE o."clusterId" = hb."clusterId" AND o.id <> hb.id AND o."downSince" IS NULL
           AND o."lastHeartbeatAt" < now() - make_interval(secs => hb."leaseMs" / 1000.0))`;

// When each node's last beat succeeded, by this process's monotonic clock (one agent per node, or
// many in one process as the bench's fleet runs them).
const lastBeat = new Map<string, number>();

/** Records a successful beat; returns whether the one before it was on time (within healthyAgeLimitMs). */
export function beatOnTime(nodeId: string, heartbeatMs: number, now = performance.now()): boolean {
  const previous = lastBeat.get(nodeId);
  lastBeat.set(nodeId, now);
  return previous !== undefined && now - previous <= healthyAgeLimitMs(heartbeatMs);
}

/**
 * CTEs after a `hb` CTE that returns the watcher's id, name, "clusterId", "clusterName" and epoch
 * ($1 is the watcher): marks down the cluster's other nodes silent for longer than a lease, each
 * with a node.down audit row, on the database clock. `SKIP LOCKED`: a watcher never waits for
 * another's row (a row locked by its own beat is alive, one locked by another watcher is being
 * marked), so it never waits for a lock and cannot deadlock with a beat, an election or another
 * watcher.
 */
function nodeDownCtes(): string {
  return `down_marked AS (
       UPDATE "Node" d SET "downSince" = now()
       WHERE d.id IN (
         SELECT o.id FROM "Node" o
         JOIN "Cluster" c ON c.id = o."clusterId"
         WHERE o."clusterId" = (SELECT "clusterId" FROM hb) AND o.id <> $1::uuid AND o."downSince" IS NULL
           AND o."lastHeartbeatAt" < now() - make_interval(secs => c."leaseMs" / 1000.0)
           AND NOT EXISTS (
             SELECT 1 FROM "Node" a WHERE a."clusterId" = (SELECT "clusterId" FROM hb) AND a.role = 'ACTIVE' AND a.exclusive
               AND a."leaseExpiresAt" > now() AND a.id <> $1::uuid)
         FOR UPDATE OF o SKIP LOCKED)
       RETURNING d.id, d.name, d.role, d.maintenance, d."lastHeartbeatAt"
     ),
     down_audit AS (
       INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", service, "nodeId", "nodeName", epoch, reason, details)
       SELECT 'agent:' || hb."clusterName" || '/' || hb.name, 'node.down', hb."clusterId", hb."clusterName", hb.service, dm.id, dm.name, hb.epoch,
         'no heartbeat for ' || round(EXTRACT(EPOCH FROM now() - dm."lastHeartbeatAt")::numeric, 1) || ' s (seen by ' || hb.name || ')',
         jsonb_build_object('role', dm.role, 'maintenance', dm.maintenance, 'lastHeartbeatAt', dm."lastHeartbeatAt", 'seenBy', hb.name)
       FROM down_marked dm CROSS JOIN hb
       RETURNING id
     )`;
}

const WATCH = `WITH hb AS (
       SELECT n.id, n.name, n."clusterId", c.name AS "clusterName", c.service, c.epoch FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId"
       WHERE n.id = $1::uuid AND n."agentInstance" = $2::uuid
     ),
     ${nodeDownCtes()}
     SELECT count(*)::int AS marked FROM down_audit`;

/** Marks the cluster's silent nodes down (node.down), once each whoever else does the same; returns how many this call marked. */
export async function markSilentNodesDown({ db, nodeId, instanceId }: { db: DbHandle; nodeId: string; instanceId: string }): Promise<number> {
  const [row] = await toSql(db).query<{ marked: number }>(WATCH, [nodeId, instanceId]);
  return row?.marked ?? 0;
}

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
       RETURNING n.id, n.name, n."clusterId", c.name AS "clusterName", c.service, c.epoch
     )
     INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", service, "nodeId", "nodeName", epoch, reason, details)
     SELECT 'agent:' || up."clusterName" || '/' || up.name, 'node.recovered', up."clusterId", up."clusterName", up.service, up.id, up.name, up.epoch,
       'heartbeating again' || COALESCE(' after ' || round(EXTRACT(EPOCH FROM now() - was."downSince")::numeric, 1) || ' s marked down', ''),
       jsonb_build_object('downSince', was."downSince")
     FROM up LEFT JOIN was ON true
     RETURNING id`,
    [nodeId, instanceId],
  );
  return rows.length > 0;
}
