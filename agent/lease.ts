// The agent's local view of its lease, as pure functions of a monotonic clock reading (ns), so the
// fencing and renewal rules are table-tested without a database or timers (agent/lease.test.ts).
import type { OpenCommand } from "../lib/cluster/load-open-command";
import type { RetirableLease } from "../lib/cluster/cluster-lock";
import type { HookOutcome } from "../lib/cluster/hook-outcome";
import { fencingMarginMs, type Timings } from "../lib/cluster/timing";

/** Monotonic nanoseconds (process.hrtime.bigint() in production; a test's own clock otherwise). */
export type Clock = () => bigint;

export const MS = 1_000_000n;

/** Why an active is stepping down while keeping its lease: a command, SIGTERM, its supervised process exiting, or its checks failing. */
export type DrainCause = { command: OpenCommand } | { shutdown: true } | { stepDown: string; holdOffMs: number };

/**
 * The agent's role as it believes it. `leaseDeadline` is monotonic ns: renewal start + lease -
 * fencing margin, by which its workload must be down. ACTIVE acts (serves /active) until
 * leaseDeadline - demote budget. DRAINING no longer acts but keeps renewing while its workload
 * stops, then gives the role up in the database.
 */
export type Role =
  | { kind: "STANDBY" }
  /** forced: put here by an ADMIN despite failing checks; it keeps the role until its checks pass once. */
  | { kind: "ACTIVE"; epoch: bigint; leaseDeadline: bigint; commandId: string | null; forced: boolean }
  | {
      kind: "DRAINING";
      epoch: bigint;
      leaseDeadline: bigint;
      cause: DrainCause;
      stopping: Promise<unknown>;
      stopped: { outcome: HookOutcome | null } | null;
    };
export type HoldingRole = Extract<Role, { kind: "ACTIVE" | "DRAINING" }>;

/**
 * The lease as the agent may count on it after a renewal that *started* at t0: the database's
 * lease runs from its own now(), which is no earlier than t0, so t0 + lease is safe on this
 * clock; the fencing margin covers clock rate differences and timer lateness.
 */
export function leaseDeadlineFrom(t0: bigint, timings: Timings): bigint {
  return t0 + BigInt(timings.leaseMs - fencingMarginMs(timings)) * MS;
}

/** An active stops acting one demote budget before its lease deadline, so its demote hook fits. */
export function actUntil(leaseDeadline: bigint, timings: Timings): bigint {
  return leaseDeadline - BigInt(timings.demoteTimeoutMs) * MS;
}

/** May a node in this role act as active (serve /active, keep its workload) at `now`? */
export function mayAct(role: Role, now: bigint, timings: Timings): boolean {
  return role.kind === "ACTIVE" && now < actUntil(role.leaseDeadline, timings);
}

/**
 * What a heartbeat that started at t0 and answered at `now` means for a role holding the lease:
 * the database did not renew it (lost); it renewed it, but an ACTIVE's act deadline passed before
 * the answer came (fence: the standbys may already count the lease as lapsing, and the workload
 * must have room to stop); else renewed, with a new deadline counted from t0.
 */
export type BeatVerdict = { kind: "lost" } | { kind: "fence" } | { kind: "renewed"; leaseDeadline: bigint };

export function judgeBeat(role: HoldingRole, { renewed, t0, now }: { renewed: boolean; t0: bigint; now: bigint }, timings: Timings): BeatVerdict {
  if (!renewed) return { kind: "lost" };
  if (role.kind === "ACTIVE" && now >= actUntil(role.leaseDeadline, timings)) return { kind: "fence" };
  return { kind: "renewed", leaseDeadline: leaseDeadlineFrom(t0, timings) };
}

/** When the role timer must fire: an ACTIVE fences at its act deadline, a DRAINING one gives up at its lease deadline. */
export function roleDeadline(role: HoldingRole, timings: Timings): bigint {
  return role.kind === "ACTIVE" ? actUntil(role.leaseDeadline, timings) : role.leaseDeadline;
}

/**
 * What the role timer does when it fires at `now`: timers run on the event loop's millisecond
 * clock and can fire a fraction of a millisecond before the monotonic deadline (seen by chaos), so
 * early means arm again, never skip.
 */
export function onRoleTimer(role: HoldingRole, now: bigint, timings: Timings): "early" | "fence" | "give-up" {
  if (now < roleDeadline(role, timings)) return "early";
  return role.kind === "ACTIVE" ? "fence" : "give-up";
}

/** A standby's record of the active's lease as it last changed, on the standby's own clock. */
export type LeaseSighting = { key: string; since: bigint } | null;

/**
 * How long (ms) a standby must still wait before taking the role from the active row it sees: 0
 * when there is none (released) or when the same lease has stood unchanged for a whole lease on this
 * node's monotonic clock. The database's clock alone must not decide: stepped forward (NTP), it makes
 * every lease look lapsed at once; a live active renews every heartbeat, so its lease never stands still.
 */
export function observeLease(prev: LeaseSighting, active: RetirableLease | null, now: bigint, timings: Timings): { sighting: LeaseSighting; waitMs: number } {
  if (!active) return { sighting: null, waitMs: 0 };
  const key = `${active.nodeId}@${active.leaseExpiresAt?.getTime() ?? "none"}`;
  const sighting = prev?.key === key ? prev : { key, since: now };
  const left = sighting.since + BigInt(timings.leaseMs) * MS - now;
  return { sighting, waitMs: left > 0n ? Number((left + MS - 1n) / MS) : 0 };
}
