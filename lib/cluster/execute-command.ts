import { toSql, type DbHandle } from "../db/sql";
import { agentActor, insertAudit } from "./audit";
import type { HookOutcome } from "./hook-outcome";
import { clusterTimings, lockCluster, RoleChangeAborted, takeOverRole } from "./cluster-lock";
import type { Timings } from "./timing";

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

export type CommandStep = "demote" | "promote" | "wait";

/**
 * This node's part in a command. The active steps down for a DEMOTE aimed at it, or for a
 * switchover/promote to another node once that node has heartbeated since the command was issued
 * (never into a void: a target that died a moment ago is not waited for with the role dropped);
 * the target promotes itself once no other node holds a valid lease.
 */
export function commandStep(command: OpenCommand, me: { nodeId: string; active: boolean }): CommandStep {
  if (command.overdue) return "wait";
  const isTarget = command.targetNodeId === me.nodeId;
  if (command.kind === "DEMOTE") return isTarget && me.active && command.status === "PENDING" ? "demote" : "wait";
  if (me.active) return !isTarget && command.status === "PENDING" && command.targetReady ? "demote" : "wait";
  return isTarget ? "promote" : "wait";
}

/** Wakes every agent of the cluster (the target does this once it is ready, so the active acts at once). */
export async function wakeCluster({ db, clusterId }: { db: DbHandle; clusterId: string }) {
  await toSql(db).query(`SELECT pg_notify('cluster_command', $1)`, [clusterId]);
}

export type StepDownOptions = {
  db: DbHandle;
  commandId: string;
  clusterId: string;
  nodeId: string;
  nodeName: string;
  /** The epoch the agent is active at; nothing changes if the row has moved on. */
  epoch: bigint;
};

/**
 * The active's first half of a command, before its demote hook runs: the command becomes RUNNING
 * (so a cancel is refused from here on, rather than honoured while the node is already stopping),
 * audited. The node keeps its role and lease while the hook runs ("draining"), for at most drainMs.
 */
export async function startStepDown({
  db,
  commandId,
  clusterId,
  nodeId,
  nodeName,
  epoch,
  drainMs,
}: StepDownOptions & { drainMs: number }): Promise<{ started: boolean }> {
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId);
    const [command] = await tx.query<{ kind: string }>(
      `SELECT kind::text AS kind FROM "Command" WHERE id = $1::uuid AND status = 'PENDING' AND deadline > now() FOR UPDATE`,
      [commandId],
    );
    const me = locked?.nodes.find((n) => n.id === nodeId);
    if (!locked || !command || me?.role !== "ACTIVE" || !me.leaseValid) return { started: false };
    const [{ current }] = await tx.query<{ current: boolean }>(`SELECT "activeEpoch" = $2::bigint AS current FROM "Node" WHERE id = $1::uuid`, [nodeId, epoch]);
    if (!current) return { started: false };
    // A slow but healthy drain must not be expired halfway: the deadline covers the longest one.
    await tx.execute(
      `UPDATE "Command" SET status = 'RUNNING', "startedAt" = now(), deadline = GREATEST(deadline, now() + make_interval(secs => $2::float8 / 1000))
       WHERE id = $1::uuid`,
      [commandId, drainMs],
    );
    await insertAudit(tx, {
      actor: agentActor(locked.cluster.name, nodeName),
      action: "command.started",
      clusterId,
      clusterName: locked.cluster.name,
      nodeId,
      nodeName,
      epoch,
      commandId,
      reason: `stepping down for ${command.kind.toLowerCase()}: stopping its workload while it keeps the lease`,
    });
    return { started: true };
  });
}

export type DemoteForCommandOptions = StepDownOptions & {
  /** How the demote hook (or the supervised process's stop) ended; null when there was none. */
  hookOutcome: HookOutcome | null;
};

/**
 * The active's second half, once its workload is down: row to STANDBY with the lease released (the
 * target promotes on the release), the command advanced with the hook's outcome, audited.
 */
export async function demoteForCommand({
  db,
  commandId,
  clusterId,
  nodeId,
  nodeName,
  epoch,
  hookOutcome,
}: DemoteForCommandOptions): Promise<{ changed: boolean }> {
  return toSql(db).transaction(async (tx) => {
    const locked = await lockCluster(tx, clusterId);
    const [command] = await tx.query<{ kind: string }>(
      `SELECT kind::text AS kind FROM "Command" WHERE id = $1::uuid AND status = 'RUNNING' AND deadline > now() FOR UPDATE`,
      [commandId],
    );
    if (!locked || !command) return { changed: false };
    const { cluster } = locked;
    const holdOff = command.kind === "DEMOTE" ? (2 * cluster.leaseMs) / 1000 : 0;
    const changed =
      (await tx.execute(
        `UPDATE "Node" SET role = 'STANDBY', "leaseExpiresAt" = NULL, "activeEpoch" = NULL,
           "holdUntil" = CASE WHEN $3::float8 > 0 THEN now() + make_interval(secs => $3::float8) END
         WHERE id = $1::uuid AND role = 'ACTIVE' AND "activeEpoch" = $2::bigint`,
        [nodeId, epoch, holdOff],
      )) === 1;
    if (!changed) return { changed };
    await tx.execute(
      `UPDATE "Command" SET status = CASE WHEN kind = 'DEMOTE' THEN 'SUCCEEDED'::"CommandStatus" ELSE status END,
         "finishedAt" = CASE WHEN kind = 'DEMOTE' THEN now() ELSE "finishedAt" END,
         "hookOutcomes" = CASE WHEN $2::jsonb IS NULL THEN "hookOutcomes" ELSE COALESCE("hookOutcomes", '{}') || jsonb_build_object('demote', $2::jsonb) END
       WHERE id = $1::uuid`,
      [commandId, hookOutcome && JSON.stringify(hookOutcome)],
    );
    await insertAudit(tx, {
      actor: agentActor(cluster.name, nodeName),
      action: "command.demoted",
      clusterId,
      clusterName: cluster.name,
      nodeId,
      nodeName,
      fromRole: "ACTIVE",
      toRole: "STANDBY",
      epoch,
      commandId,
      reason: command.kind === "DEMOTE" ? "demoted by operator" : `stepped down for ${command.kind.toLowerCase()}`,
      ...(hookOutcome && { details: { hook: hookOutcome } }),
    });
    return { changed };
  });
}

/** The target's promote hook ended: its outcome goes on the command (the audit has hook.failed too). */
export async function recordPromoteHook({ db, commandId, outcome }: { db: DbHandle; commandId: string; outcome: HookOutcome }) {
  await toSql(db).execute(
    `UPDATE "Command" SET "hookOutcomes" = COALESCE("hookOutcomes", '{}') || jsonb_build_object('promote', $2::jsonb) WHERE id = $1::uuid`,
    [commandId, JSON.stringify(outcome)],
  );
}

export type PromoteForCommandOptions = {
  db: DbHandle;
  commandId: string;
  clusterId: string;
  nodeId: string;
  instanceId: string;
};

export type PromoteResult = { promoted: true; epoch: bigint; timings: Timings } | { promoted: false; why: string };

/**
 * The target's half: becomes active once no other node holds a valid lease. A dead active is
 * waited out (fencing by time), then retired in the same transaction; never two actives.
 */
export async function promoteForCommand(options: PromoteForCommandOptions): Promise<PromoteResult> {
  try {
    return await promoteInTransaction(options);
  } catch (err) {
    if (err instanceof RoleChangeAborted) return { promoted: false, why: err.message };
    throw err;
  }
}

function promoteInTransaction({ db, commandId, clusterId, nodeId, instanceId }: PromoteForCommandOptions): Promise<PromoteResult> {
  return toSql(db).transaction(async (tx): Promise<PromoteResult> => {
    const locked = await lockCluster(tx, clusterId);
    if (!locked) return { promoted: false, why: "cluster not found" };
    const { cluster, nodes } = locked;
    const [command] = await tx.query<{ kind: string }>(
      `SELECT kind::text AS kind FROM "Command"
       WHERE id = $1::uuid AND "targetNodeId" = $2::uuid AND status IN ('PENDING', 'RUNNING') AND deadline > now()
         AND kind IN ('PROMOTE', 'SWITCHOVER') FOR UPDATE`,
      [commandId, nodeId],
    );
    if (!command) return { promoted: false, why: "command no longer open" };
    const me = nodes.find((n) => n.id === nodeId)!;
    const actor = agentActor(cluster.name, me.name);
    if (me.maintenance) {
      await tx.execute(`UPDATE "Command" SET status = 'FAILED', "finishedAt" = now(), error = $2 WHERE id = $1::uuid`, [
        commandId,
        `${me.name} was put in maintenance`,
      ]);
      await insertAudit(tx, {
        actor,
        action: "command.failed",
        clusterId,
        clusterName: cluster.name,
        nodeId,
        nodeName: me.name,
        commandId,
        reason: "target in maintenance",
      });
      return { promoted: false, why: "in maintenance" };
    }
    const active = nodes.find((n) => n.role === "ACTIVE" && n.id !== nodeId);
    if (active?.leaseValid) return { promoted: false, why: `waiting for ${active.name} to step down or its lease to expire` };
    const epoch = await takeOverRole(tx, { cluster, active, nodeId, instanceId, actor, commandId, retireReason: "lease expired without stepping down" });
    await tx.execute(`UPDATE "Command" SET status = 'SUCCEEDED', "startedAt" = COALESCE("startedAt", now()), "finishedAt" = now() WHERE id = $1::uuid`, [
      commandId,
    ]);
    const base = { actor, clusterId, clusterName: cluster.name, epoch, commandId };
    await insertAudit(tx, {
      ...base,
      action: "command.promoted",
      nodeId,
      nodeName: me.name,
      fromRole: "STANDBY",
      toRole: "ACTIVE",
      reason: `${command.kind.toLowerCase()} completed`,
    });
    return { promoted: true as const, epoch, timings: clusterTimings(cluster) };
  });
}
