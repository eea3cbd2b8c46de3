/**
 * A cluster's timings. demoteTimeoutMs is the demote budget: the longest a demote hook (or the
 * stop of a supervised process) may run when the active cannot renew; it fences that much earlier.
 */
export type Timings = { heartbeatMs: number; leaseMs: number; demoteTimeoutMs: number };

export const DEFAULT_TIMINGS: Timings = { heartbeatMs: 1000, leaseMs: 5000, demoteTimeoutMs: 1000 };

/**
 * How long before its lease ends (by its own monotonic clock) an active agent's workload must be
 * down: covers clock-rate drift between machines and scheduling slack.
 */
export function fencingMarginMs({ leaseMs, heartbeatMs }: Pick<Timings, "leaseMs" | "heartbeatMs">): number {
  return Math.min(Math.max(Math.round(leaseMs / 10), 100), heartbeatMs, 1000);
}

/**
 * Returns the problem with a cluster's timings, or null. The lease must cover two missed
 * heartbeats, the fencing margin and the demote budget (the database's Cluster_timings_safe
 * CHECK says the same).
 */
export function timingProblem({ heartbeatMs, leaseMs, demoteTimeoutMs }: Timings): string | null {
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 50 || heartbeatMs > 60_000) return "heartbeatMs must be an integer from 50 to 60000";
  if (!Number.isInteger(leaseMs) || leaseMs > 600_000) return "leaseMs must be an integer up to 600000";
  if (!Number.isInteger(demoteTimeoutMs) || demoteTimeoutMs < 0 || demoteTimeoutMs > 600_000) return "demoteTimeoutMs must be an integer from 0 to 600000";
  const margin = fencingMarginMs({ heartbeatMs, leaseMs });
  const minLease = 2 * heartbeatMs + margin + demoteTimeoutMs;
  if (leaseMs <= minLease) {
    return `leaseMs (${leaseMs}) must exceed 2 x heartbeatMs (${2 * heartbeatMs}) + the fencing margin (${margin}) + demoteTimeoutMs (${demoteTimeoutMs}) = ${minLease}`;
  }
  return null;
}

/** The largest demote budget a lease and heartbeat leave room for (0 when none). */
export function maxDemoteTimeoutMs({ heartbeatMs, leaseMs }: Pick<Timings, "leaseMs" | "heartbeatMs">): number {
  return Math.max(0, leaseMs - 2 * heartbeatMs - fencingMarginMs({ heartbeatMs, leaseMs }) - 1);
}

export type NodeHealth = "healthy" | "suspect" | "down";

// The "healthy heartbeat" bound, defined here once: a node is healthy while its last heartbeat is
// at most two heartbeats plus this slack old. Elections, command preflight and expiry use the SQL
// twins below; the console's health uses nodeHealth. test/cluster/node-health-sql.test.ts holds
// them to each other at every bound.
const HEALTHY_MISSED_HEARTBEATS = 2;
const HEALTHY_SLACK_MS = 250;

/** The oldest heartbeat age (ms, inclusive) at which a node still counts as healthy. */
export function healthyAgeLimitMs(heartbeatMs: number): number {
  return HEALTHY_MISSED_HEARTBEATS * heartbeatMs + HEALTHY_SLACK_MS;
}

/** healthyAgeLimitMs in SQL, over an expression giving the cluster's heartbeatMs. */
export function healthyAgeLimitMsSql(heartbeatMs: string): string {
  return `(${HEALTHY_MISSED_HEARTBEATS} * ${heartbeatMs} + ${HEALTHY_SLACK_MS})`;
}

/**
 * In SQL, on the database clock: the heartbeat stamped at lastHeartbeatAt is healthy now (age at
 * most healthyAgeLimitMs). NULL for a node never heard from: callers COALESCE it to false.
 */
export function healthyHeartbeatSql(lastHeartbeatAt: string, heartbeatMs: string): string {
  return `${lastHeartbeatAt} >= now() - make_interval(secs => ${healthyAgeLimitMsSql(heartbeatMs)} / 1000.0)`;
}

/**
 * healthy: heartbeats on time (at most two missed); suspect: late but within the lease; down:
 * silent for longer than a lease, or never heard from. Only healthy nodes are promoted.
 */
export function nodeHealth(heartbeatAgeMs: number | null, { heartbeatMs, leaseMs }: Pick<Timings, "heartbeatMs" | "leaseMs">): NodeHealth {
  if (heartbeatAgeMs === null || heartbeatAgeMs > leaseMs) return "down";
  return heartbeatAgeMs <= healthyAgeLimitMs(heartbeatMs) ? "healthy" : "suspect";
}

/** Whole milliseconds from the instant `at` until the timestamp `ts` (negative once past; NULL stays NULL). */
export const msUntilSql = (ts: string, at: string) => `round(1000 * date_part('epoch', ${ts} - ${at}))`;

/**
 * A heartbeat's age at the instant `at` in whole milliseconds, never negative; NULL (never heard
 * from) stays NULL: GREATEST ignores NULLs and would say 0, healthy. Exact: extract gives numeric,
 * whose round() takes a half up as Math.round does (round() of a double takes it to even).
 */
export const heartbeatAgeMsSql = (lastHeartbeatAt: string, at: string) =>
  `CASE WHEN ${lastHeartbeatAt} IS NOT NULL THEN GREATEST(0, round(1000 * extract(epoch FROM ${at} - ${lastHeartbeatAt}))::float8) END`;

/**
 * The two instants that decide nodeHealth at the instant `at`, over expressions giving a cluster's
 * heartbeatMs and leaseMs: a heartbeat stamped after healthyAfter is healthy, one at or before
 * downFrom (or none) is down, anything between suspect. A rounded age of at most N ms is an exact
 * age under N + 0.5 ms (a half is taken up), so these agree with nodeHealthSql over heartbeatAgeMsSql
 * to the microsecond.
 */
export function healthBoundsSql(at: string, heartbeatMs: string, leaseMs: string): { healthyAfter: string; downFrom: string } {
  const before = (ms: string) => `${at} - (1000 * ${ms} + 500) * interval '1 microsecond'`;
  return { healthyAfter: before(healthyAgeLimitMsSql(heartbeatMs)), downFrom: before(`(${leaseMs})`) };
}

/**
 * nodeHealth in SQL over a heartbeat timestamp and the bounds of healthBoundsSql. For the console's
 * cluster list: computing the bounds once per cluster and comparing timestamps per node cost half
 * of computing each node's age (5,000 nodes: 3.3 against 6.5 ms, 2026-12-02).
 */
export function nodeHealthAtSql(lastHeartbeatAt: string, healthyAfter: string, downFrom: string): string {
  return `CASE WHEN ${lastHeartbeatAt} IS NULL OR ${lastHeartbeatAt} <= ${downFrom} THEN 'down' WHEN ${lastHeartbeatAt} > ${healthyAfter} THEN 'healthy' ELSE 'suspect' END`;
}

/** nodeHealth in SQL, over column expressions: ageMs a whole number of milliseconds or NULL (the node list). */
export function nodeHealthSql(ageMs: string, heartbeatMs: string, leaseMs: string): string {
  return `CASE WHEN ${ageMs} IS NULL OR ${ageMs} > ${leaseMs} THEN 'down' WHEN ${ageMs} <= ${healthyAgeLimitMsSql(heartbeatMs)} THEN 'healthy' ELSE 'suspect' END`;
}
