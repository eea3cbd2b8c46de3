import type { Cluster, Command } from "../db/client";
import { qualifiedColumns, toSql, type DbHandle } from "../db/sql";
import type { CommandHookOutcomes } from "./hook-outcome";
import { queryNodeList, type NodeCounts, type NodeList, type NodeListQuery, type NodeView } from "./node-views";
import { AppError } from "../errors";
import { pickService, pickServiceSql, type ServiceRef } from "./resolve-service";

export type CommandView = {
  id: string;
  /** The service of the cluster it is about. */
  service: string;
  kind: "PROMOTE" | "DEMOTE" | "SWITCHOVER";
  status: "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "EXPIRED" | "CANCELLED";
  targetNode: string;
  requestedBy: string;
  reason: string;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  deadline: Date;
  /** How the hooks it ran ended, as the agents recorded them (null until one has run). */
  hookOutcomes: CommandHookOutcomes | null;
};

/** A Command row (with its service) as the API shows it: the target by name (kept after the node is removed). */
export function commandView({ targetName, clusterId: _c, targetNodeId: _t, hookOutcomes, ...rest }: Command & { service: string }): CommandView {
  return { ...rest, targetNode: targetName, hookOutcomes: publicHookOutcomes(hookOutcomes) };
}

const ERROR_MAX = 200;

/**
 * Command.hookOutcomes as VIEWERs may read it: only { node, ok, ms, error } of each hook, the error
 * cut to 200 characters. Whatever else a row holds (a hook's output written by mistake, a future
 * field) stays in the database, since the column is JSON that no schema guards.
 */
export function publicHookOutcomes(stored: unknown): CommandHookOutcomes | null {
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return null;
  const out: CommandHookOutcomes = {};
  for (const step of ["demote", "promote"] as const) {
    const o = (stored as Record<string, unknown>)[step];
    if (!o || typeof o !== "object") continue;
    const { node, ok, ms, error } = o as Record<string, unknown>;
    if (typeof node !== "string" || typeof ok !== "boolean" || typeof ms !== "number") continue;
    out[step] = { node, ok, ms, ...(typeof error === "string" ? { error: error.length > ERROR_MAX ? `${error.slice(0, ERROR_MAX - 1)}…` : error } : {}) };
  }
  return out.demote || out.promote ? out : null;
}

export type ClusterDetail = {
  /** Database time when the snapshot was taken. */
  dbTime: Date;
  cluster: {
    id: string;
    name: string;
    /** The service this detail is about; its settings, nodes and commands are this service's. */
    service: string;
    mode: "ONE" | "ALL";
    /** Mode ALL: fewer serving nodes than this is audited (service.below_minimum). */
    minActive: number;
    /** Every service of the cluster, by name. */
    services: string[];
    failoverMode: "AUTOMATIC" | "MANUAL";
    paused: boolean;
    heartbeatMs: number;
    leaseMs: number;
    demoteTimeoutMs: number;
    /** Flap damping: how long a node that stepped down for failing checks is held off elections. */
    checkHoldOffMs: number;
    /** At most this many automatic failovers per failoverWindowMs (0: no limit); beyond, the cluster pauses itself. */
    failoverLimit: number;
    failoverWindowMs: number;
    epoch: bigint;
    /** Why it is paused when flap damping paused it (the failover.limited audit row's reason); null otherwise. */
    pausedReason: string | null;
  };
  /** The nodes the query asked for (every node, by name, when it set nothing). */
  nodes: NodeView[];
  /** Counted over all of the service's nodes, whatever the filter and page. */
  nodeCounts: NodeCounts;
  /** The offset, limit (null: no limit), sort and order applied to `nodes`. */
  nodePage: NodeList["page"];
  /** The active node(s) and the standby an election would pick next, whatever the filter or page. */
  keyNodes: NodeView[];
  /** Newest first: every open command plus the most recent finished ones. */
  commands: CommandView[];
};

export type GetClusterDetailOptions = {
  db: DbHandle;
  clusterName: string;
  /** Left out: the cluster's only service (a cluster of several services then answers 422 naming them). */
  service?: string;
  recentCommands?: number;
  /** Filter, sort and page of the node list (left out: every node, by name). */
  nodeQuery?: NodeListQuery;
};

// Named, not c.* / cmd.*: a prepared statement with a star fails once a migration adds a column.
const CLUSTER_COLUMNS = qualifiedColumns("c", [
  "id",
  "name",
  "service",
  "mode",
  "minActive",
  "belowMinimumSince",
  "failoverMode",
  "paused",
  "heartbeatMs",
  "leaseMs",
  "demoteTimeoutMs",
  "checkHoldOffMs",
  "failoverLimit",
  "failoverWindowMs",
  "epoch",
  "createdAt",
  "updatedAt",
] satisfies (keyof Cluster)[]);
const COMMAND_COLUMNS = qualifiedColumns("cmd", [
  "id",
  "clusterId",
  "kind",
  "targetNodeId",
  "targetName",
  "status",
  "requestedBy",
  "reason",
  "deadline",
  "createdAt",
  "startedAt",
  "finishedAt",
  "error",
  "hookOutcomes",
  "forced",
] satisfies (keyof Command)[]);

/** The newest commands of the service chosen as the node list chooses it, with that service's id (also when it has none). */
const RECENT_COMMANDS_SQL = `
  WITH cl AS MATERIALIZED (${pickServiceSql("c.id")})
  SELECT cl.id AS "pickedId", ${COMMAND_COLUMNS} FROM cl
  LEFT JOIN LATERAL (SELECT * FROM "Command" WHERE "clusterId" = cl.id ORDER BY "createdAt" DESC LIMIT $3) cmd ON true
  ORDER BY cmd."createdAt" DESC`;

export async function getClusterDetail({ db, clusterName, service, recentCommands = 10, nodeQuery }: GetClusterDetailOptions): Promise<ClusterDetail> {
  const sql = toSql(db);
  // Every service row of the cluster in one read, the service chosen as resolveService chooses.
  // Who paused it last: an operator, or flap damping (the cluster pausing itself says why).
  // The nodes and commands are read at the same time for the service their statements choose:
  // one round trip instead of two (each costs most under load), checked against the choice below.
  const ref = { clusterName, service };
  const nodesAndCommands = (r: ServiceRef) =>
    Promise.all([
      queryNodeList(sql, r, nodeQuery),
      sql.query<Command & { pickedId: string }>(RECENT_COMMANDS_SQL, [r.clusterName, r.service ?? null, recentCommands]),
    ]);
  const [rows, first] = await Promise.all([
    sql.query<Cluster & { now: Date; hasNodes: boolean; lastPauseAction: string | null; lastPauseReason: string | null }>(
      `SELECT ${CLUSTER_COLUMNS}, clock_timestamp() AS now, EXISTS (SELECT 1 FROM "Node" n WHERE n."clusterId" = c.id) AS "hasNodes",
         p.action AS "lastPauseAction", p.reason AS "lastPauseReason"
       FROM "Cluster" c
       LEFT JOIN LATERAL (
         SELECT action, reason FROM "AuditEvent"
         WHERE c.paused AND "clusterId" = c.id AND action IN ('cluster.paused', 'cluster.resumed', 'failover.limited')
         ORDER BY id DESC LIMIT 1
       ) p ON true
       WHERE c.name = $1 ORDER BY c.service`,
      [clusterName],
    ),
    nodesAndCommands(ref),
  ]);
  const cluster = pickService(rows, ref);
  // A service added, removed or first served between the reads: read both again for the service chosen.
  const agree = first[0]?.clusterId === cluster.id && first[1][0]?.pickedId === cluster.id;
  const [nodeList, commandRows] = agree ? first : await nodesAndCommands({ clusterName, service: cluster.service });
  if (!nodeList) throw new AppError("NOT_FOUND", `cluster ${clusterName} has no service ${cluster.service} any more`);
  return {
    dbTime: cluster.now,
    cluster: {
      id: cluster.id,
      name: cluster.name,
      service: cluster.service,
      mode: cluster.mode,
      minActive: cluster.minActive,
      services: rows.map((r) => r.service),
      failoverMode: cluster.failoverMode,
      paused: cluster.paused,
      heartbeatMs: cluster.heartbeatMs,
      leaseMs: cluster.leaseMs,
      demoteTimeoutMs: cluster.demoteTimeoutMs,
      checkHoldOffMs: cluster.checkHoldOffMs,
      failoverLimit: cluster.failoverLimit,
      failoverWindowMs: cluster.failoverWindowMs,
      epoch: cluster.epoch,
      pausedReason: cluster.lastPauseAction === "failover.limited" ? cluster.lastPauseReason : null,
    },
    nodes: nodeList.nodes,
    nodeCounts: nodeList.counts,
    nodePage: nodeList.page,
    keyNodes: nodeList.keyNodes,
    commands: commandRows.filter((c) => c.id !== null).map(({ pickedId: _p, ...c }) => commandView({ ...c, service: cluster.service })),
  };
}
