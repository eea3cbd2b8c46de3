import { toSql, type DbHandle, type Sql } from "../db/sql";
import { agentActor, insertAudit, SYSTEM_ACTOR } from "./audit";
import { clusterTimings, installActive, lockCluster, retireLapsedActive, whyIneligible, type LockedCluster } from "./cluster-lock";
import type { Timings } from "./timing";

// Active-active (mode ALL): every healthy, eligible node of the service serves. Each serving node
// holds a lease of its own on its own row and renews it with its heartbeat, exactly like the
// active of a ONE-mode service, so fencing (stop serving before the lease can end) is unchanged;
// what ALL mode drops is the exclusion: a node joins without waiting for anyone to leave.

export type JoinServingOptions = { db: DbHandle; clusterId: string; nodeId: string; instanceId: string; epochFloor?: bigint };
export type JoinResult = { joined: true; epoch: bigint; timings: Timings } | { joined: false; why: string };

/**
 * A standby of an ALL-mode service starts serving: under the service lock, re-checks that the
 * service is not paused and that the node is eligible (healthy, not in maintenance or held off, priority > 0, checks not failing, not
 * isolated), takes a lease at a new epoch, and audits the change (service.joined: not a failover,
 * so a rolling restart of an active-active fleet raises no failover alerts) and the serving count.
 */
export async function joinServing({ db, clusterId, nodeId, instanceId, epochFloor }: JoinServingOptions): Promise<JoinResult> {
  return toSql(db).transaction(async (tx): Promise<JoinResult> => {
    const locked = await lockCluster(tx, clusterId);
    if (!locked) return { joined: false, why: "service not found" };
    const { cluster, nodes } = locked;
    if (cluster.mode !== "ALL") return { joined: false, why: "the service runs in mode ONE" };
    // Paused: no automatic role change, joining included (a dead node's lease is still retired: that records what happened).
    if (cluster.paused) return { joined: false, why: "automatic changes are paused" };
    const me = nodes.find((n) => n.id === nodeId);
    if (!me) return { joined: false, why: "this node's row is gone" };
    if (me.role === "ACTIVE") return { joined: false, why: "already serving" };
    const why = whyIneligible(me);
    if (why) return { joined: false, why };
    const epoch = await installActive(tx, cluster, nodeId, instanceId, epochFloor);
    if (epoch === null) return { joined: false, why: "this node's row changed meanwhile" };
    const serving = nodes.filter((n) => n.role === "ACTIVE" && n.leaseValid).length + 1;
    await insertAudit(tx, {
      actor: agentActor(cluster.name, me.name),
      action: "service.joined",
      clusterId,
      clusterName: cluster.name,
      nodeId,
      nodeName: me.name,
      fromRole: "STANDBY",
      toRole: "ACTIVE",
      epoch,
      reason: `serving (${serving} of ${nodes.length} nodes serve)`,
      details: { mode: "ALL", serving, minActive: cluster.minActive },
    });
    await noteServingCount(tx, cluster, agentActor(cluster.name, me.name));
    return { joined: true, epoch, timings: clusterTimings(cluster) };
  });
}

/**
 * Marks the service's serving nodes whose lease has lapsed (their agent died, froze or lost the
 * database) STANDBY, audited, and the serving count with them. Any node of the service may run it:
 * the retire re-checks the lapse on the latest row version, so a renewal that committed first wins,
 * and a live node retired by a stepped database clock only loses its row: it fences itself at its
 * next beat (its renewal fails) and rejoins. Returns how many it retired.
 */
export async function retireLapsedServing({ db, clusterId, actor }: { db: DbHandle; clusterId: string; actor: string }): Promise<number> {
  const sql = toSql(db);
  // The common case, nothing lapsed, costs one index lookup and no lock.
  const [lapsed] = await sql.query(
    `SELECT 1 FROM "Node" WHERE "clusterId" = $1::uuid AND role = 'ACTIVE' AND NOT exclusive AND "leaseExpiresAt" <= now() LIMIT 1`,
    [clusterId],
  );
  if (!lapsed) return 0;
  return sql.transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId);
    if (!locked || locked.cluster.mode !== "ALL") return 0;
    const { cluster, nodes } = locked;
    let retired = 0;
    for (const n of nodes.filter((n) => n.role === "ACTIVE" && !n.leaseValid)) {
      if (!(await retireLapsedActive(tx, n.id))) continue;
      retired++;
      await insertAudit(tx, {
        actor,
        action: "service.left",
        clusterId,
        clusterName: cluster.name,
        nodeId: n.id,
        nodeName: n.name,
        fromRole: "ACTIVE",
        toRole: "STANDBY",
        epoch: cluster.epoch,
        reason: `lease expired (last heartbeat ${n.heartbeatAgeMs ?? "never"} ms ago)`,
        details: { mode: "ALL" },
      });
    }
    if (retired) await noteServingCount(tx, cluster, actor);
    return retired;
  });
}

/**
 * retireLapsedServing for every ALL-mode service with a lapsed lease, as the console's timer runs it:
 * when every node of a service died at once, no peer is left to record it (and its below-minimum
 * event). Returns how many leases it retired.
 */
export async function retireLapsedServingEverywhere({ db }: { db: DbHandle }): Promise<number> {
  const rows = await toSql(db).query<{ clusterId: string }>(
    `SELECT DISTINCT "clusterId" FROM "Node" WHERE role = 'ACTIVE' AND NOT exclusive AND "leaseExpiresAt" <= now()`,
  );
  let retired = 0;
  for (const { clusterId } of rows) retired += await retireLapsedServing({ db, clusterId, actor: SYSTEM_ACTOR });
  return retired;
}

/**
 * After a change of an ALL-mode service's serving set, under its lock: audits service.below_minimum
 * when fewer than minActive nodes serve, and service.minimum_restored when enough serve again, once
 * per episode (Cluster.belowMinimumSince). Does nothing for a ONE-mode service.
 */
export async function noteServingCount(tx: Sql, cluster: LockedCluster, actor: string): Promise<void> {
  if (cluster.mode !== "ALL") return;
  const [{ serving }] = (await tx.query<{ serving: number }>(
    `SELECT count(*)::int AS serving FROM "Node" WHERE "clusterId" = $1::uuid AND role = 'ACTIVE' AND "leaseExpiresAt" > now()`,
    [cluster.id],
  )) as [{ serving: number }];
  const below = serving < cluster.minActive;
  if (below === cluster.belowMinimum) return;
  await tx.execute(`UPDATE "Cluster" SET "belowMinimumSince" = CASE WHEN $2 THEN now() END WHERE id = $1::uuid`, [cluster.id, below]);
  await insertAudit(tx, {
    actor,
    action: below ? "service.below_minimum" : "service.minimum_restored",
    clusterId: cluster.id,
    clusterName: cluster.name,
    epoch: cluster.epoch,
    reason: below
      ? `only ${serving} node${serving === 1 ? "" : "s"} serve${serving === 1 ? "s" : ""} ${cluster.service}; its minimum is ${cluster.minActive}`
      : `${serving} nodes serve ${cluster.service} again (minimum ${cluster.minActive})`,
    details: { serving, minActive: cluster.minActive },
  });
  cluster.belowMinimum = below;
}
