import { describe, expect, it } from "vitest";
import { fencingMarginMs, nodeHealth, timingProblem } from "./timing";

describe("timings", () => {
  it.each([
    [{ heartbeatMs: 1000, leaseMs: 5000 }, null],
    [{ heartbeatMs: 250, leaseMs: 2000 }, null],
    [{ heartbeatMs: 1000, leaseMs: 2000 }, /leaseMs \(2000\) must exceed 2 x heartbeatMs plus the fencing margin \(2200\)/],
    [{ heartbeatMs: 1000, leaseMs: 2200 }, /must exceed/],
    [{ heartbeatMs: 10, leaseMs: 2000 }, /heartbeatMs must be an integer from 50/],
    [{ heartbeatMs: 1000.5, leaseMs: 5000 }, /heartbeatMs/],
  ])("%o -> %s", (t, expected) => {
    const problem = timingProblem(t);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
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
