import { describe, expect, it } from "vitest";
import { fencingMarginMs, maxDemoteTimeoutMs, nodeHealth, timingProblem } from "./timing";

describe("timings", () => {
  it.each([
    [{ heartbeatMs: 1000, leaseMs: 5000, demoteTimeoutMs: 1000 }, null],
    [{ heartbeatMs: 250, leaseMs: 2000, demoteTimeoutMs: 1000 }, null],
    [{ heartbeatMs: 250, leaseMs: 2000, demoteTimeoutMs: 1299 }, null],
    [
      { heartbeatMs: 250, leaseMs: 2000, demoteTimeoutMs: 1300 },
      /leaseMs \(2000\) must exceed 2 x heartbeatMs \(500\) \+ the fencing margin \(200\) \+ demoteTimeoutMs \(1300\) = 2000/,
    ],
    [{ heartbeatMs: 1000, leaseMs: 2000, demoteTimeoutMs: 0 }, /leaseMs \(2000\) must exceed .* = 2200/],
    [{ heartbeatMs: 1000, leaseMs: 2200, demoteTimeoutMs: 0 }, /must exceed/],
    [{ heartbeatMs: 10, leaseMs: 2000, demoteTimeoutMs: 0 }, /heartbeatMs must be an integer from 50/],
    [{ heartbeatMs: 1000.5, leaseMs: 5000, demoteTimeoutMs: 0 }, /heartbeatMs/],
    [{ heartbeatMs: 1000, leaseMs: 5000, demoteTimeoutMs: -1 }, /demoteTimeoutMs must be an integer from 0/],
  ])("%o -> %s", (t, expected) => {
    const problem = timingProblem(t);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it("offers the largest demote budget that still passes", () => {
    for (const t of [
      { heartbeatMs: 1000, leaseMs: 5000 },
      { heartbeatMs: 250, leaseMs: 2000 },
      { heartbeatMs: 300, leaseMs: 5000 },
    ]) {
      const max = maxDemoteTimeoutMs(t);
      expect(timingProblem({ ...t, demoteTimeoutMs: max })).toBeNull();
      expect(timingProblem({ ...t, demoteTimeoutMs: max + 1 })).not.toBeNull();
    }
  });

  it("keeps the fencing margin between 100 ms and one heartbeat", () => {
    expect(fencingMarginMs({ heartbeatMs: 1000, leaseMs: 5000 })).toBe(500);
    expect(fencingMarginMs({ heartbeatMs: 250, leaseMs: 2000 })).toBe(200);
    expect(fencingMarginMs({ heartbeatMs: 100, leaseMs: 500 })).toBe(100);
  });

  it("classifies heartbeat age against the lease", () => {
    const t = { heartbeatMs: 1000, leaseMs: 5000 };
    expect(nodeHealth(0, t)).toBe("healthy");
    expect(nodeHealth(2250, t)).toBe("healthy");
    expect(nodeHealth(2251, t)).toBe("suspect");
    expect(nodeHealth(5000, t)).toBe("suspect");
    expect(nodeHealth(5001, t)).toBe("down");
    expect(nodeHealth(null, t)).toBe("down");
  });
});
