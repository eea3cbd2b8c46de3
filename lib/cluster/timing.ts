export type Timings = { heartbeatMs: number; leaseMs: number };

export const DEFAULT_TIMINGS: Timings = { heartbeatMs: 1000, leaseMs: 5000 };

/**
 * How long before its lease ends (by its own monotonic clock) an active agent stops acting as
 * active. Covers clock-rate drift between machines and the time to run the demote hook.
 */
export function fencingMarginMs({ leaseMs, heartbeatMs }: Timings): number {
  return Math.min(Math.max(Math.round(leaseMs / 10), 100), heartbeatMs, 1000);
}

/** Returns the problem with a pair of timings, or null. leaseMs must cover two missed heartbeats. */
export function timingProblem({ heartbeatMs, leaseMs }: Timings): string | null {
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < 50 || heartbeatMs > 60_000) return "heartbeatMs must be an integer from 50 to 60000";
  if (!Number.isInteger(leaseMs) || leaseMs > 600_000) return "leaseMs must be an integer up to 600000";
  const minLease = 2 * heartbeatMs + fencingMarginMs({ heartbeatMs, leaseMs });
  if (leaseMs <= minLease) return `leaseMs (${leaseMs}) must exceed 2 x heartbeatMs plus the fencing margin (${minLease})`;
  return null;
}

export type NodeHealth = "healthy" | "suspect" | "down";

/**
 * healthy: heartbeats on time (at most two missed); suspect: late but within the lease; down:
 * silent for longer than a lease, or never heard from. Only healthy nodes are promoted.
 */
export function nodeHealth(heartbeatAgeMs: number | null, { heartbeatMs, leaseMs }: Timings): NodeHealth {
  if (heartbeatAgeMs === null || heartbeatAgeMs > leaseMs) return "down";
  return heartbeatAgeMs <= 2 * heartbeatMs + 250 ? "healthy" : "suspect";
}

/**
 * nodeHealth in SQL, over column expressions: ageMs a whole number of milliseconds or NULL. For
 * queries that aggregate health over thousands of nodes (the console's cluster list).
 */
export function nodeHealthSql(ageMs: string, heartbeatMs: string, leaseMs: string): string {
  return `CASE WHEN ${ageMs} IS NULL OR ${ageMs} > ${leaseMs} THEN 'down' WHEN ${ageMs} <= 2 * ${heartbeatMs} + 250 THEN 'healthy' ELSE 'suspect' END`;
}

/** SQL twin of nodeHealth's "healthy" bound, for elections and preflight checks. */
export const healthyAgeMsSql = (heartbeatMs: number) => 2 * heartbeatMs + 250;
