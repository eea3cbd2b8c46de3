import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import type { Sql } from "../db/sql";
import {
  activeServicesSql,
  bestCandidate,
  clusterTimings,
  lockCluster,
  RoleChangeAborted,
  takeOverRole,
  type LockedCluster,
  type TakeOverRoleOptions,
} from "./cluster-lock";
import { healthyHeartbeatSql, type Timings } from "./timing";

/** The advisory lock class of a cluster's placement (the second key is the hash of the cluster name). */
const PLACEMENT_LOCK = 7301;

/** epochFloor and retirable: the agent's epoch floor and the lease it may retire (cluster-lock.ts takeOverRole). */
export type ElectActiveOptions = Pick<TakeOverRoleOptions, "epochFloor" | "retirable"> & {
  db: DbHandle;
  clusterId: string;
  nodeId: string;
  instanceId: string;
};

/** On success, the timings the new lease was granted with (the agent's deadline must use them, not older ones). */
export type ElectionResult = { elected: true; epoch: bigint; timings: Timings } | { elected: false; why: string };

/**
 * Automatic failover, run by a standby that saw no valid lease: in one transaction under the
 * cluster lock, re-checks that no node holds a lease, that this node is the best eligible
 * candidate, retires the lapsed active, bumps the epoch, takes the role, and audits both changes.
 */
export async function electActive({ db, clusterId, nodeId, instanceId, epochFloor, retirable }: ElectActiveOptions): Promise<ElectionResult> {
  // Cheap look first, without the lock: in a large cluster every standby sees the lapse at once,
  // and only the one that would win should queue for the cluster row. The locked re-check decides.
  const [front] = await toSql(db).query<{ id: string; name: string }>(
    `SELECT n.id, n.name FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId"
     WHERE n."clusterId" = $1::uuid AND n.priority > 0 AND NOT n.maintenance AND COALESCE(n."holdUntil" <= now(), true)
       AND n."checkStatus" <> 'FAILING' AND NOT n.isolated
       AND ${healthyHeartbeatSql('n."lastHeartbeatAt"', 'c."heartbeatMs"')}
     ORDER BY n.priority DESC, ${activeServicesSql("n", "c")} ASC, n.name ASC LIMIT 1`,
    [clusterId],
  );
  if (front && front.id !== nodeId) return { elected: false, why: `${front.name} is the better candidate` };
  try {
    return await toSql(db).transaction(async (tx): Promise<ElectionResult> => {
      // Placement counts the leases the servers hold in the cluster's other services: elections of
      // one cluster's services take turns, so two services that lose their server at once are
      // placed one after the other, on different survivors, not both on the emptiest. Taken before
      // the service row, and by elections only, so it cannot deadlock with any other role change.
      await tx.query(`SELECT pg_advisory_xact_lock(${PLACEMENT_LOCK}, hashtext(name))::text AS locked FROM "Cluster" WHERE id = $1::uuid`, [clusterId]);
      const locked = await lockCluster(tx, clusterId);
      if (!locked) return { elected: false, why: "cluster not found" };
      const { cluster, nodes } = locked;
      if (cluster.failoverMode === "MANUAL") return { elected: false, why: "failover mode is manual" };
      if (cluster.paused) return { elected: false, why: "automatic failover is paused" };
      const active = nodes.find((n) => n.role === "ACTIVE");
      if (active?.leaseValid) return { elected: false, why: `${active.name} holds a valid lease` };
      const [open] = await tx.query<{ id: string; kind: string; targetNodeId: string | null }>(
        `SELECT id, kind::text AS kind, "targetNodeId" FROM "Command"
         WHERE "clusterId" = $1::uuid AND status IN ('PENDING', 'RUNNING') AND deadline > now() FOR UPDATE`,
        [clusterId],
      );
      // A switchover or promote whose target is alive finishes by itself (the target waits the
      // lapsed lease out); anything else can no longer finish and must not hold failover up.
      const target = open && nodes.find((n) => n.id === open.targetNodeId);
      if (open && open.kind !== "DEMOTE" && target?.healthy && !target.maintenance) return { elected: false, why: "a command is in progress" };
      const me = nodes.find((n) => n.id === nodeId);
      const best = bestCandidate(nodes);
      if (!me || best?.id !== nodeId) return { elected: false, why: best ? `${best.name} is the better candidate` : "this node is not eligible" };
      const actor = agentActor(cluster.name, me.name);
      if (await failoverLimitReached(tx, cluster, actor)) return { elected: false, why: "too many automatic failovers: the cluster paused itself" };
      if (open) {
        const error =
          open.kind === "DEMOTE"
            ? `superseded by automatic failover: ${active?.name ?? "the active node"} lost its lease before it stepped down`
            : `superseded by automatic failover: target ${target?.name ?? "(removed)"} is not healthy`;
        await tx.execute(`UPDATE "Command" SET status = 'FAILED', "finishedAt" = now(), error = $2 WHERE id = $1::uuid`, [open.id, error]);
        await insertAudit(tx, {
          actor,
          action: "command.failed",
          clusterId,
          clusterName: cluster.name,
          nodeId: open.targetNodeId,
          nodeName: target?.name,
          commandId: open.id,
          reason: error,
        });
      }
      const epoch = await takeOverRole(tx, { cluster, active, nodeId, instanceId, actor, retireReason: "lease expired", epochFloor, retirable });
      const base = { actor, clusterId, clusterName: cluster.name, epoch };
      await insertAudit(tx, {
        ...base,
        action: "failover.promoted",
        nodeId,
        nodeName: me.name,
        fromRole: "STANDBY",
        toRole: "ACTIVE",
        reason: active ? `automatic failover from ${active.name}` : "no active node: elected",
        details: { previousActive: active?.name ?? null, priority: me.priority },
      });
      return { elected: true as const, epoch, timings: clusterTimings(cluster) };
    });
  } catch (err) {
    if (err instanceof RoleChangeAborted) return { elected: false, why: err.message };
    throw err;
  }
}

/**
 * Flap damping: with failoverLimit automatic failovers already in the window, the cluster pauses
 * itself instead of failing over again, and says why; an operator looks, then resumes or promotes
 * by hand (commands still run while paused). A failover here is an election that moved the role to
 * another node: the cluster's first election, and a node re-elected after a database outage made
 * it fence, do not count; nor do failovers before an operator last resumed automatic failover.
 */
async function failoverLimitReached(tx: Sql, cluster: LockedCluster, actor: string): Promise<boolean> {
  if (cluster.failoverLimit === 0) return false;
  const [{ n }] = (await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT id, action, at, "nodeName", lag("nodeName") OVER (ORDER BY id) AS previous
       FROM (SELECT id, action, at, "nodeName" FROM "AuditEvent"
             WHERE "clusterId" = $1::uuid AND "toRole" = 'ACTIVE' ORDER BY id DESC LIMIT $3) recent
     ) promotions
     WHERE action = 'failover.promoted' AND previous IS DISTINCT FROM "nodeName" AND previous IS NOT NULL
       AND at > now() - make_interval(secs => $2::float8 / 1000)
       -- An operator who resumed automatic failover starts a new count.
       AND id > COALESCE((SELECT max(id) FROM "AuditEvent" WHERE "clusterId" = $1::uuid AND action = 'cluster.resumed'), 0)`,
    [cluster.id, cluster.failoverWindowMs, 2 * cluster.failoverLimit + 2],
  )) as [{ n: number }];
  if (n < cluster.failoverLimit) return false;
  await tx.execute(`UPDATE "Cluster" SET paused = true, "updatedAt" = now() WHERE id = $1::uuid`, [cluster.id]);
  await insertAudit(tx, {
    actor,
    action: "failover.limited",
    clusterId: cluster.id,
    clusterName: cluster.name,
    reason: `automatic failover paused: ${n} automatic failovers in the last ${Math.round(cluster.failoverWindowMs / 1000)} s (limit ${cluster.failoverLimit}); resume it in the console once the cause is fixed`,
    details: { failovers: n, windowMs: cluster.failoverWindowMs, limit: cluster.failoverLimit },
  });
  return true;
}
