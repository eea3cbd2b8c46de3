import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import { lockCluster } from "./cluster-lock";
import { noteServingCount } from "./serving";
import { AppError } from "../errors";
import { DEFAULT_TIMINGS, timingProblem, type Timings } from "./timing";

export type RegisterNodeOptions = {
  db: DbHandle;
  clusterName: string;
  /** The service of the cluster this row serves (default "main": a cluster of one service). */
  service?: string;
  /** ONE or ALL; left out, the service's own (ONE for a new one). A different mode than the service's is refused. */
  mode?: "ONE" | "ALL";
  /** ALL mode: the fewest serving nodes before service.below_minimum, for a service this registration creates. */
  minActive?: number;
  nodeName: string;
  host: string;
  agentVersion: string;
  /** Random per process: tells this agent's heartbeats from a stale or duplicate one's. */
  instanceId: string;
  /** Set the node's priority; omit to keep what the console configured. */
  priority?: number;
  /** Timings for the cluster if this registration creates it; an existing cluster keeps its own. */
  timings?: Partial<Timings>;
};

export type RegisteredNode = Timings & { clusterId: string; nodeId: string; mode: "ONE" | "ALL" };

type Row = { id: string; role: "ACTIVE" | "STANDBY"; agentInstance: string | null; host: string; alive: boolean; ageMs: number | null };

/**
 * Creates (or re-attaches to) this agent's Node row, creating the cluster on first use. Refuses
 * when another live agent heartbeats under the same name. A row left ACTIVE by a dead previous
 * process is turned STANDBY: its lease has lapsed, and the role is only regained by election.
 */
export async function registerNode({
  db,
  clusterName,
  service = "main",
  mode,
  minActive,
  nodeName,
  host,
  agentVersion,
  instanceId,
  priority,
  timings = {},
}: RegisterNodeOptions): Promise<RegisteredNode> {
  const actor = agentActor(clusterName, nodeName);
  return toSql(db).transaction(async (tx) => {
    const wanted: Timings = {
      heartbeatMs: timings.heartbeatMs ?? DEFAULT_TIMINGS.heartbeatMs,
      leaseMs: timings.leaseMs ?? DEFAULT_TIMINGS.leaseMs,
      demoteTimeoutMs: timings.demoteTimeoutMs ?? DEFAULT_TIMINGS.demoteTimeoutMs,
    };
    await tx.execute(
      `INSERT INTO "Cluster" (id, name, service, mode, "minActive", "heartbeatMs", "leaseMs", "demoteTimeoutMs", "updatedAt")
       VALUES (gen_random_uuid(), $1, $2, COALESCE($3::"ServiceMode", 'ONE'), COALESCE($4::int, 1), $5, $6, $7, now())
       ON CONFLICT (name, service) DO NOTHING`,
      [clusterName, service, mode ?? null, minActive ?? null, wanted.heartbeatMs, wanted.leaseMs, wanted.demoteTimeoutMs],
    );
    const [cluster] = await tx.query<Timings & { id: string; mode: "ONE" | "ALL"; minActive: number }>(
      `SELECT id, mode::text AS mode, "minActive", "heartbeatMs", "leaseMs", "demoteTimeoutMs" FROM "Cluster" WHERE name = $1 AND service = $2`,
      [clusterName, service],
    );
    const what = service === "main" ? `cluster ${clusterName}` : `service ${service} of cluster ${clusterName}`;
    if (mode && mode !== cluster.mode) {
      throw new AppError("INVALID", `${what} runs in mode ${cluster.mode}; this agent asked for mode ${mode} (a service's mode is fixed when it is created)`);
    }
    // Agents that disagree about the minimum would otherwise have the first one's silently win.
    if (minActive !== undefined && minActive !== cluster.minActive) {
      throw new AppError(
        "INVALID",
        `${what} has a minimum of ${cluster.minActive} serving nodes; this agent asked for ${minActive} (fixed when the service is created)`,
      );
    }
    // Settings written past the console (by hand in SQL) must not make fencing unsafe.
    const problem = timingProblem(cluster);
    if (problem) throw new AppError("INVALID", `${what} has unsafe timings: ${problem}; fix them in the console`);
    const registered = {
      clusterId: cluster.id,
      mode: cluster.mode,
      heartbeatMs: cluster.heartbeatMs,
      leaseMs: cluster.leaseMs,
      demoteTimeoutMs: cluster.demoteTimeoutMs,
    };
    const audit = (nodeId: string, reason: string, wasActive = false) =>
      insertAudit(tx, {
        actor,
        action: "node.registered",
        clusterId: cluster.id,
        clusterName,
        nodeId,
        nodeName,
        ...(wasActive && { fromRole: "ACTIVE" as const, toRole: "STANDBY" as const }),
        reason,
        details: { host, agentVersion },
      });

    // A new node joins without taking the cluster lock: a STANDBY row changes no role, so a
    // thousand nodes joining one cluster do not queue behind each other. (The foreign key still
    // takes a KEY SHARE lock on the cluster row, so a join waits out an election in progress.) A
    // name taken meanwhile, even by a registration not yet committed, falls to the locked path.
    const [inserted] = await tx.query<{ id: string }>(
      `INSERT INTO "Node" (id, "clusterId", name, host, "agentVersion", "agentInstance", priority, exclusive, "startedAt", "lastHeartbeatAt")
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5::uuid, COALESCE($6::int, 100), $7, now(), now())
       ON CONFLICT ("clusterId", name) DO NOTHING RETURNING id`,
      [cluster.id, nodeName, host, agentVersion, instanceId, priority ?? null, cluster.mode === "ONE"],
    );
    if (inserted) {
      await audit(inserted.id, "new node");
      return { ...registered, nodeId: inserted.id };
    }

    // Re-attaching to an existing row may turn it from ACTIVE to STANDBY: under the cluster lock,
    // like every role change, taken before the node's row as everywhere else.
    const locked = await lockCluster(tx, cluster.id, { nodes: false });
    const [existing] = await tx.query<Row>(
      `SELECT id, role::text AS role, "agentInstance", host,
         COALESCE("lastHeartbeatAt" > now() - make_interval(secs => $3::float8 / 1000), false) OR COALESCE("leaseExpiresAt" > now(), false) AS alive,
         (EXTRACT(EPOCH FROM now() - "lastHeartbeatAt") * 1000)::int AS "ageMs"
       FROM "Node" WHERE "clusterId" = $1::uuid AND name = $2 FOR UPDATE`,
      [cluster.id, nodeName, cluster.leaseMs],
    );
    if (!existing) throw new AppError("CONFLICT", `${clusterName}/${nodeName} was removed while registering; try again`, 250);
    if (existing.alive && existing.agentInstance && existing.agentInstance !== instanceId) {
      throw new AppError(
        "CONFLICT",
        `another agent is running as ${clusterName}/${nodeName} (host ${existing.host || "unknown"}, last heartbeat ${existing.ageMs} ms ago); stop it or choose another --node name`,
        // If that agent is dead (we are its restart), its claim lapses within a lease.
        Math.max(0, cluster.leaseMs - (existing.ageMs ?? 0)) + 250,
      );
    }
    const wasActive = existing.role === "ACTIVE";
    await tx.execute(
      `UPDATE "Node" SET host = $2, "agentVersion" = $3, "agentInstance" = $4::uuid, priority = COALESCE($5::int, priority),
         "startedAt" = now(), "lastHeartbeatAt" = now(),
         role = 'STANDBY', "leaseExpiresAt" = CASE WHEN role = 'ACTIVE' THEN NULL ELSE "leaseExpiresAt" END,
         "activeEpoch" = CASE WHEN role = 'ACTIVE' THEN NULL ELSE "activeEpoch" END
       WHERE id = $1::uuid`,
      [existing.id, host, agentVersion, instanceId, priority ?? null],
    );
    await audit(existing.id, wasActive ? "agent restarted; the previous process's lease had lapsed" : "agent restarted", wasActive);
    if (wasActive && locked) await noteServingCount(tx, locked.cluster, actor);
    return { ...registered, nodeId: existing.id };
  });
}
