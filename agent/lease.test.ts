// Table tests of the agent's lease rules (agent/lease.ts) on a clock the test sets, as client-go
// tests its leader election: renewal, fencing, the role timer, and the bound they keep.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fencingMarginMs, timingProblem, type Timings } from "../lib/cluster/timing";
import { actUntil, judgeBeat, leaseDeadlineFrom, mayAct, MS, observeLease, onRoleTimer, type HoldingRole, type LeaseSighting, type Role } from "./lease";

// H = 1 s, L = 5 s, D = 1 s: margin M = 500 ms; a renewal started at t0 holds to t0 + 4.5 s and acts to t0 + 3.5 s.
const T: Timings = { heartbeatMs: 1000, leaseMs: 5000, demoteTimeoutMs: 1000 };
const ms = (n: number) => BigInt(n) * MS;
const active = (deadlineMs: number): HoldingRole => ({ kind: "ACTIVE", epoch: 7n, leaseDeadline: ms(deadlineMs), commandId: null, forced: false });
const draining = (deadlineMs: number): HoldingRole => ({
  kind: "DRAINING",
  epoch: 7n,
  leaseDeadline: ms(deadlineMs),
  cause: { shutdown: true },
  stopping: Promise.resolve(),
  stopped: null,
});

describe("agent lease rules", () => {
  it("counts the lease from the renewal's start, less the fencing margin; acts one demote budget less", () => {
    expect(fencingMarginMs(T)).toBe(500);
    expect(leaseDeadlineFrom(ms(1000), T)).toBe(ms(5500));
    expect(actUntil(ms(5500), T)).toBe(ms(4500));
  });

  const beats: { name: string; role: HoldingRole; renewed: boolean; t0: number; now: number; want: ReturnType<typeof judgeBeat> }[] = [
    { name: "renewed in time", role: active(4500), renewed: true, t0: 1000, now: 1010, want: { kind: "renewed", leaseDeadline: ms(5500) } },
    {
      name: "renewed 1 ms before the act deadline",
      role: active(4500),
      renewed: true,
      t0: 3000,
      now: 3499,
      want: { kind: "renewed", leaseDeadline: ms(7500) },
    },
    { name: "renewal answered at the act deadline", role: active(4500), renewed: true, t0: 3000, now: 3500, want: { kind: "fence" } },
    { name: "renewal answered after a pause (SIGSTOP) past the lease", role: active(4500), renewed: true, t0: 1000, now: 9000, want: { kind: "fence" } },
    { name: "a slow renewal (database stall) that started in time", role: active(4500), renewed: true, t0: 1000, now: 3600, want: { kind: "fence" } },
    { name: "the database gave the role to another node", role: active(4500), renewed: false, t0: 1000, now: 1010, want: { kind: "lost" } },
    { name: "lost while the answer was also late", role: active(4500), renewed: false, t0: 1000, now: 9000, want: { kind: "lost" } },
    {
      name: "draining past the act deadline keeps renewing",
      role: draining(4500),
      renewed: true,
      t0: 3600,
      now: 3700,
      want: { kind: "renewed", leaseDeadline: ms(8100) },
    },
    { name: "draining and not renewed", role: draining(4500), renewed: false, t0: 3600, now: 3700, want: { kind: "lost" } },
  ];
  it.each(beats)("heartbeat verdict: $name", ({ role, renewed, t0, now, want }) => {
    expect(judgeBeat(role, { renewed, t0: ms(t0), now: ms(now) }, T)).toEqual(want);
  });

  const acting: { name: string; role: Role; now: number; want: boolean }[] = [
    { name: "active before its act deadline", role: active(4500), now: 3499, want: true },
    { name: "active at its act deadline", role: active(4500), now: 3500, want: false },
    { name: "active past its lease deadline", role: active(4500), now: 4600, want: false },
    { name: "draining", role: draining(4500), now: 1000, want: false },
    { name: "standby", role: { kind: "STANDBY" }, now: 0, want: false },
  ];
  it.each(acting)("may act: $name", ({ role, now, want }) => {
    expect(mayAct(role, ms(now), T)).toBe(want);
  });

  const timers: { name: string; role: HoldingRole; now: bigint; want: ReturnType<typeof onRoleTimer> }[] = [
    { name: "active, fired 0.4 ms early (event-loop rounding)", role: active(4500), now: ms(3500) - 400_000n, want: "early" },
    { name: "active, at its act deadline", role: active(4500), now: ms(3500), want: "fence" },
    { name: "active, long after (woke from a pause)", role: active(4500), now: ms(60_000), want: "fence" },
    { name: "draining, at its act deadline (keeps stopping)", role: draining(4500), now: ms(3500), want: "early" },
    { name: "draining, at its lease deadline", role: draining(4500), now: ms(4500), want: "give-up" },
  ];
  it.each(timers)("role timer: $name", ({ role, now, want }) => {
    expect(onRoleTimer(role, now, T)).toBe(want);
  });

  it("lets a standby take over only once the same lease stood still for a lease on its own clock", () => {
    const lease = (ms: number) => ({ nodeId: "n1", leaseExpiresAt: new Date(ms) });
    const steps: { name: string; active: { nodeId: string; leaseExpiresAt: Date | null } | null; now: number; wait: number }[] = [
      { name: "first sighting", active: lease(10_000), now: 1000, wait: 5000 },
      { name: "unchanged, half a lease later", active: lease(10_000), now: 3500, wait: 2500 },
      { name: "renewed: the count starts again", active: lease(12_000), now: 4000, wait: 5000 },
      { name: "the database clock jumps: the lease looks lapsed, but it stood still only 1 s", active: lease(12_000), now: 5000, wait: 4000 },
      { name: "unchanged for a whole lease", active: lease(12_000), now: 9000, wait: 0 },
      { name: "another node became active", active: { nodeId: "n2", leaseExpiresAt: new Date(12_000) }, now: 9100, wait: 5000 },
      { name: "no active row (released): at once", active: null, now: 9200, wait: 0 },
    ];
    let sighting: LeaseSighting = null;
    for (const { name, active, now, wait } of steps) {
      const r = observeLease(sighting, active, ms(now), T);
      expect({ name, wait: r.waitMs }).toEqual({ name, wait });
      sighting = r.sighting;
    }
  });

  it("never acts past (database lease - margin - demote budget), for any safe timings and beat", () => {
    const timings = fc
      .record({
        heartbeatMs: fc.integer({ min: 50, max: 10_000 }),
        leaseMs: fc.integer({ min: 200, max: 120_000 }),
        demoteTimeoutMs: fc.integer({ min: 0, max: 60_000 }),
      })
      .filter((t) => timingProblem(t) === null);
    fc.assert(
      fc.property(
        timings,
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        fc.integer({ min: 0, max: 100_000 }),
        (t, t0, lateness, prevMs) => {
          const role = active(0);
          role.leaseDeadline = t0 + ms(prevMs);
          const now = t0 + lateness;
          const verdict = judgeBeat(role, { renewed: true, t0, now }, t);
          if (verdict.kind !== "renewed") return now >= actUntil(role.leaseDeadline, t);
          // The database's lease runs from its now() >= t0: acting ends a margin and a budget before it.
          const dbLeaseEndsNoEarlierThan = t0 + ms(t.leaseMs);
          return (
            actUntil(verdict.leaseDeadline, t) + ms(t.demoteTimeoutMs + fencingMarginMs(t)) === dbLeaseEndsNoEarlierThan &&
            now < actUntil(role.leaseDeadline, t)
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
