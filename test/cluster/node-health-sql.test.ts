import pg from "pg";
import { inject } from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  healthBoundsSql,
  healthyAgeLimitMs,
  healthyHeartbeatSql,
  heartbeatAgeMsSql,
  nodeHealth,
  nodeHealthAtSql,
  nodeHealthSql,
} from "../../lib/cluster/timing";

const TIMINGS = [
  [1000, 5000],
  [250, 2000],
  [50, 400],
  [60_000, 600_000],
] as const;

/** Heartbeat ages at and around every bound (0, the healthy limit, the lease), never heard from, and long gone. */
function ageCases(): [number | null, number, number][] {
  const cases: [number | null, number, number][] = [];
  for (const [heartbeatMs, leaseMs] of TIMINGS) {
    const bounds = [0, healthyAgeLimitMs(heartbeatMs), leaseMs];
    for (const b of bounds) for (const d of [-1, 0, 1]) if (b + d >= 0) cases.push([b + d, heartbeatMs, leaseMs]);
    cases.push([null, heartbeatMs, leaseMs], [leaseMs * 10, heartbeatMs, leaseMs]);
  }
  return cases;
}

// The "healthy heartbeat" bound has one definition in lib/cluster/timing.ts and SQL twins generated
// from it: the console's cluster list counts health in SQL, the node list classifies it in
// TypeScript, elections and command checks judge it in SQL on heartbeat timestamps. They must agree.
describe("health in SQL and TypeScript", () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: inject("pgServerUrl") });
    await client.connect();
  });
  afterAll(() => client.end());

  const run = (select: string, cases: [number | null, number, number][]) =>
    client.query<{ v: string | boolean }>(
      `SELECT ${select} AS v FROM unnest($1::int[], $2::int[], $3::int[]) WITH ORDINALITY AS t(age, hb, lease, i) ORDER BY i`,
      [cases.map((c) => c[0]), cases.map((c) => c[1]), cases.map((c) => c[2])],
    );

  it("nodeHealthSql classifies every age as nodeHealth does, at and around each bound", async () => {
    const cases = ageCases();
    const { rows } = await run(nodeHealthSql("age", "hb", "lease"), cases);
    expect(rows.map((r) => r.v)).toEqual(cases.map(([age, heartbeatMs, leaseMs]) => nodeHealth(age, { heartbeatMs, leaseMs })));
  });

  it("healthyHeartbeatSql, on heartbeat timestamps, calls healthy exactly what nodeHealth does", async () => {
    const cases = ageCases();
    const lastHeartbeatAt = "now() - make_interval(secs => age / 1000.0)"; // NULL age: never heard from
    const { rows } = await run(`COALESCE(${healthyHeartbeatSql(lastHeartbeatAt, "hb")}, false)`, cases);
    expect(rows.map((r) => r.v)).toEqual(cases.map(([age, heartbeatMs, leaseMs]) => nodeHealth(age, { heartbeatMs, leaseMs }) === "healthy"));
  });

  it("nodeHealthAtSql over healthBoundsSql agrees with nodeHealthSql over the rounded age, to the microsecond", async () => {
    // Exact ages in microseconds: each bound, a millisecond and a microsecond either side, and at
    // and around the half millisecond where the rounded age steps over it; a heartbeat stamped in
    // the future too.
    const cases: [number | null, number, number][] = [];
    for (const [heartbeatMs, leaseMs] of TIMINGS) {
      for (const b of [0, healthyAgeLimitMs(heartbeatMs), leaseMs])
        for (const dUs of [-1000, -1, 0, 1, 499, 500, 501, 1000]) if (b * 1000 + dUs >= 0) cases.push([b * 1000 + dUs, heartbeatMs, leaseMs]);
      cases.push([null, heartbeatMs, leaseMs], [-5000, heartbeatMs, leaseMs], [leaseMs * 10_000, heartbeatMs, leaseMs]);
    }
    const at = "'2026-12-02 12:00:00+00'::timestamptz";
    const last = "CASE WHEN age IS NOT NULL THEN " + at + " - age * interval '1 microsecond' END";
    const { healthyAfter, downFrom } = healthBoundsSql(at, "hb", "lease");
    const { rows } = await client.query<{ bounds: string; age: string }>(
      `SELECT ${nodeHealthAtSql(last, healthyAfter, downFrom)} AS bounds, ${nodeHealthSql(heartbeatAgeMsSql(last, at), "hb", "lease")} AS age
       FROM unnest($1::bigint[], $2::int[], $3::int[]) WITH ORDINALITY AS t(age, hb, lease, i) ORDER BY i`,
      [cases.map((c) => c[0]), cases.map((c) => c[1]), cases.map((c) => c[2])],
    );
    expect(rows.map((r) => r.bounds)).toEqual(rows.map((r) => r.age));
    // And both as nodeHealth says of the age rounded to whole milliseconds.
    expect(rows.map((r) => r.bounds)).toEqual(
      cases.map(([us, heartbeatMs, leaseMs]) => nodeHealth(us === null ? null : Math.max(0, Math.round(us / 1000)), { heartbeatMs, leaseMs })),
    );
  });
});
