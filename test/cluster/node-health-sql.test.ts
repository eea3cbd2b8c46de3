import pg from "pg";
import { inject } from "vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHealth, nodeHealthSql } from "../../lib/cluster/timing";

// The console's cluster list counts health in SQL, the node list classifies it in TypeScript: they must agree.
describe("nodeHealthSql", () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: inject("pgServerUrl") });
    await client.connect();
  });
  afterAll(() => client.end());

  it("classifies every age as nodeHealth does, at and around each bound", async () => {
    const cases: [number | null, number, number][] = [];
    for (const [heartbeatMs, leaseMs] of [
      [1000, 5000],
      [250, 2000],
      [50, 400],
      [60_000, 600_000],
    ]) {
      const bounds = [0, 2 * heartbeatMs + 250, leaseMs];
      for (const b of bounds) for (const d of [-1, 0, 1]) if (b + d >= 0) cases.push([b + d, heartbeatMs, leaseMs]);
      cases.push([null, heartbeatMs, leaseMs], [leaseMs * 10, heartbeatMs, leaseMs]);
    }
    const { rows } = await client.query<{ health: string }>(
      `SELECT ${nodeHealthSql("age", "hb", "lease")} AS health FROM unnest($1::int[], $2::int[], $3::int[]) WITH ORDINALITY AS t(age, hb, lease, i) ORDER BY i`,
      [cases.map((c) => c[0]), cases.map((c) => c[1]), cases.map((c) => c[2])],
    );
    expect(rows.map((r) => r.health)).toEqual(cases.map(([age, heartbeatMs, leaseMs]) => nodeHealth(age, { heartbeatMs, leaseMs })));
  });
});
