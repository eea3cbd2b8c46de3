import { toSql, type DbHandle, type Sql } from "../db/sql";
import { insertAudit } from "./audit";
import { resolveService, type ServiceRef } from "./resolve-service";
import { healthyHeartbeatSql, type Timings } from "./timing";

export type LockedCluster = {
  id: string;
  name: string;
  service: string;
  mode: "ONE" | "ALL";
  minActive: number;
  belowMinimum: boolean;
  failoverMode: "AUTOMATIC" | "MANUAL";
  paused: boolean;
  heartbeatMs: number;
  leaseMs: number;
  demoteTimeoutMs: number;
  failoverLimit: number;
  failoverWindowMs: number;
  checkHoldOffMs: number;
  epoch: bigint;
};

export type NodeSnapshot = {
  id: string;
  name: string;
  role: "ACTIVE" | "STANDBY";
  priority: number;
  maintenance: boolean;
  agentInstance: string | null;
  healthy: boolean;
  leaseValid: boolean;
  held: boolean;
  heartbeatAgeMs: number | null;
  checkStatus: "PASSING" | "FAILING" | "UNKNOWN";
  isolated: boolean;
  /** How many other services of the cluster this node's server holds the lease of (placement spreads them). */
  activeServices: number;
};

/**
 * The number of other ONE-mode services of the same cluster whose valid lease the server behind
 * node row `n` (same node name) holds; `c` is n's Cluster row. Elections prefer the lowest.
 */
export const activeServicesSql = (n: string, c: string) =>
  `(SELECT count(*) FROM "Node" o JOIN "Cluster" oc ON oc.id = o."clusterId"
    WHERE oc.name = ${c}.name AND oc.id <> ${c}.id AND o.name = ${n}.name AND o.role = 'ACTIVE' AND o.exclusive AND o."leaseExpiresAt" > now())::int`;

export type LockedClusterState = { cluster: LockedCluster; nodes: NodeSnapshot[] };

/**
 * The one cluster lock: every role change and every console change to a cluster or its nodes
 * starts here. The cluster row lock serialises elections, command steps, registrations and the
 * console's changes of one cluster; node rows, when a caller locks any, come after it (the one lock
 * order). The node snapshot (not locked) is judged on the database clock; `{ nodes: false }` skips
 * it where the caller needs only the cluster row. Addressed by id, or by cluster and service name
 * as the API does (resolveService: refused when unknown or ambiguous). Returns null when there is no
 * row with that id.
 */
export async function lockCluster(
  db: DbHandle,
  cluster: string | ServiceRef,
  { nodes: withNodes = true }: { nodes?: boolean } = {},
): Promise<LockedClusterState | null> {
  const sql = toSql(db);
  const id = typeof cluster === "string" ? cluster : (await resolveService(sql, cluster)).id;
  const [row] = await sql.query<LockedCluster>(
    `SELECT id, name, service, mode::text AS mode, "minActive", "belowMinimumSince" IS NOT NULL AS "belowMinimum",
       "failoverMode"::text AS "failoverMode", paused, "heartbeatMs", "leaseMs", "demoteTimeoutMs", "failoverLimit", "failoverWindowMs", "checkHoldOffMs", epoch
     FROM "Cluster" WHERE id = $1::uuid FOR UPDATE`,
    [id],
  );
  if (!row) return null;
  if (!withNodes) return { cluster: row, nodes: [] };
  const nodes = await sql.query<NodeSnapshot>(
    `SELECT n.id, n.name, n.role::text AS role, n.priority, n.maintenance, n."agentInstance",
       COALESCE(${healthyHeartbeatSql('n."lastHeartbeatAt"', "$2::int")}, false) AS healthy,
       COALESCE(n."leaseExpiresAt" > now(), false) AS "leaseValid",
       COALESCE(n."holdUntil" > now(), false) AS held,
       (EXTRACT(EPOCH FROM now() - n."lastHeartbeatAt") * 1000)::int AS "heartbeatAgeMs",
       n."checkStatus"::text AS "checkStatus", n.isolated, ${activeServicesSql("n", "c")} AS "activeServices"
     FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE n."clusterId" = $1::uuid
     -- Placement: priority first, then the server holding the fewest other services (spread), then by name.
     ORDER BY n.priority DESC, "activeServices" ASC, n.name ASC`,
    [row.id, row.heartbeatMs],
  );
  return { cluster: row, nodes };
}

export const clusterTimings = ({ heartbeatMs, leaseMs, demoteTimeoutMs }: LockedCluster): Timings => ({ heartbeatMs, leaseMs, demoteTimeoutMs });

/**
 * The node automatic failover would choose (the first in lockCluster's placement order): healthy, not in maintenance or held off, priority > 0,
 * its checks not failing and not isolated (a node whose checks have not reported yet may serve).
 */
export function bestCandidate(nodes: NodeSnapshot[]): NodeSnapshot | undefined {
  return nodes.find((n) => whyIneligible(n) === null);
}

/** Why a node may not take a role automatically (elected, or joining an active-active service), or null when it may. */
export function whyIneligible(n: NodeSnapshot): string | null {
  if (!n.healthy) return "its heartbeat is late";
  if (n.maintenance) return "in maintenance";
  if (n.held) return "held off";
  if (n.priority <= 0) return "priority 0";
  if (n.checkStatus === "FAILING") return "its checks fail";
  if (n.isolated) return "isolated";
  return null;
}

/**
 * Marks a lapsed active STANDBY; the WHERE re-checks the lapse on the latest row version, so a
 * renewal that committed meanwhile wins and this returns false. With `lease`, only that very lease
 * (the one the caller watched stand still) is retired.
 */
export async function retireLapsedActive(tx: Sql, nodeId: string, lease?: Date | null): Promise<boolean> {
  const n = await tx.execute(
    `UPDATE "Node" SET role = 'STANDBY', "leaseExpiresAt" = NULL, "activeEpoch" = NULL
     WHERE id = $1::uuid AND role = 'ACTIVE' AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= now())
       AND ($2::boolean OR "leaseExpiresAt" IS NOT DISTINCT FROM $3::timestamptz)`,
    [nodeId, lease === undefined, lease ?? null],
  );
  return n === 1;
}

/**
 * Bumps the fencing epoch and makes the node ACTIVE with a fresh lease; returns the new epoch. The
 * epoch goes above the floor too: the highest one the agent has seen, which the database's counter
 * can be behind after a restore from backup or an asynchronous replica's promotion.
 */
export async function installActive(tx: Sql, cluster: LockedCluster, nodeId: string, instanceId: string, epochFloor = 0n): Promise<bigint | null> {
  const epoch = (cluster.epoch > epochFloor ? cluster.epoch : epochFloor) + 1n;
  await tx.execute(`UPDATE "Cluster" SET epoch = $2::bigint, "updatedAt" = now() WHERE id = $1::uuid`, [cluster.id, epoch]);
  const n = await tx.execute(
    `UPDATE "Node" SET role = 'ACTIVE', "activeEpoch" = $3::bigint, "holdUntil" = NULL,
       "leaseExpiresAt" = now() + make_interval(secs => $4::float8 / 1000)
     WHERE id = $1::uuid AND "agentInstance" = $2::uuid AND role = 'STANDBY'`,
    [nodeId, instanceId, epoch, cluster.leaseMs],
  );
  return n === 1 ? epoch : null;
}

/** Thrown inside a role-changing transaction to roll it back: the state moved under us. */
export class RoleChangeAborted extends Error {}

export type TakeOverRoleOptions = {
  cluster: LockedCluster;
  /** The current ACTIVE row, if any; it must have lapsed (checked again here). */
  active: NodeSnapshot | undefined;
  nodeId: string;
  instanceId: string;
  actor: string;
  commandId?: string;
  /** Audit reason for retiring the lapsed active. */
  retireReason: string;
  /** The highest epoch the agent has seen: the new one goes above it (installActive). */
  epochFloor?: bigint;
  /**
   * The other node's lease the caller has watched stand unchanged for a whole lease on its own
   * monotonic clock (agent/lease.ts observeLease), or null for none: only that lease may be retired,
   * whatever the database's clock says. Left out, the database's clock alone decides.
   */
  retirable?: RetirableLease | null;
};

export type RetirableLease = { nodeId: string; leaseExpiresAt: Date | null };

/**
 * The one way a node takes the role: retire the lapsed active (audited), bump the epoch, install
 * the new active. Throws RoleChangeAborted when a renewal or a row change got in between, so the
 * caller's transaction rolls back whole: never a retired active without a successor or a record.
 */
export async function takeOverRole(
  tx: Sql,
  { cluster, active, nodeId, instanceId, actor, commandId, retireReason, epochFloor, retirable }: TakeOverRoleOptions,
): Promise<bigint> {
  // Its own stale row an agent may always retire: it knows its workload is down.
  const checked = active && active.id !== nodeId && retirable !== undefined;
  if (checked && retirable?.nodeId !== active.id) throw new RoleChangeAborted(`${active.name}'s lease has not stood still for a lease on this node's clock`);
  // The lease itself is compared on the latest row version, in the UPDATE.
  if (active && !(await retireLapsedActive(tx, active.id, checked ? retirable!.leaseExpiresAt : undefined))) {
    throw new RoleChangeAborted(`${active.name} renewed its lease meanwhile${checked ? ", or it has not stood still for a lease on this node's clock" : ""}`);
  }
  const epoch = await installActive(tx, cluster, nodeId, instanceId, epochFloor);
  if (epoch === null) throw new RoleChangeAborted("this node's row changed meanwhile");
  if (active) {
    await insertAudit(tx, {
      actor,
      action: "failover.demoted",
      clusterId: cluster.id,
      clusterName: cluster.name,
      nodeId: active.id,
      nodeName: active.name,
      fromRole: "ACTIVE",
      toRole: "STANDBY",
      epoch,
      commandId,
      reason: `${retireReason} (last heartbeat ${active.heartbeatAgeMs ?? "never"} ms ago)`,
    });
  }
  return epoch;
}
