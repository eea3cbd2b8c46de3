// Real NodeAgent instances against a real PostgreSQL, one of them on a clock the test moves: the
// active's own clock, not the database, decides when it stops acting. A renewal the database
// accepts but that the agent's clock says came too late still fences it (agent/lease.ts).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeAgent } from "../../agent/node-agent";
import { createLogger, monoNow } from "../../agent/log";
import { createPgPool, pgPoolSql } from "../../lib/db/sql";
import { waitFor } from "../support/agent-process";
import { activeNodes, createCluster, FAST } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("the agent's lease clock", () => {
  let t: TestDatabase;
  const pool = { current: null as ReturnType<typeof createPgPool> | null };
  const agents: NodeAgent[] = [];
  const logs: Record<string, Record<string, unknown>[]> = { a: [], b: [] };
  let skewNs = 0n;

  beforeAll(async () => {
    t = await createTestDatabase();
    pool.current = createPgPool(t.url, 6);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await pool.current?.end();
    await t.drop();
  });

  const agent = (node: "a" | "b", priority: number, clock?: () => bigint) => {
    const a = new NodeAgent({
      db: pgPoolSql(pool.current!),
      clusterName: "clock",
      nodeName: node,
      host: `${node}.test`,
      agentVersion: "test",
      instanceId: randomUUID(),
      priority,
      hooks: { timeoutMs: 5_000 },
      log: createLogger({ node }, "debug", (line) => logs[node].push(JSON.parse(line) as Record<string, unknown>)),
      onFatal: (m) => {
        throw new Error(m);
      },
      clock,
    });
    agents.push(a);
    return a;
  };

  it("fences an active whose clock jumps past its act deadline although the database still renews it; a standby takes over without overlap", async () => {
    const { id: clusterId } = await createCluster(t.prisma, "clock", { demoteTimeoutMs: 200 });
    const a = agent("a", 100, () => monoNow() + skewNs);
    await a.start();
    await waitFor(async () => a.isActive(), { what: "a active" });
    const b = agent("b", 200); // preferred, but an active keeps its role while it renews
    await b.start();
    // Renewals keep a active while its clock runs true.
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs));
    expect(a.isActive()).toBe(true);

    let both = 0;
    const sampler = setInterval(() => {
      if (a.isActive() && b.isActive()) both++;
    }, 2);
    skewNs = BigInt(FAST.leaseMs) * 1_000_000n; // a's clock jumps a whole lease ahead
    expect(a.isActive()).toBe(false); // at once: acting is judged on its clock, not at the next beat
    await waitFor(async () => b.isActive(), { what: "b takes over", timeoutMs: 10_000 });
    clearInterval(sampler);

    expect(both).toBe(0);
    const fence = logs.a.find((l) => l.msg === "became STANDBY");
    expect(String(fence?.reason)).toMatch(/could not renew the lease in time|lease deadline passed before the renewal was confirmed/);
    const audit = await t.prisma.auditEvent.findMany({ where: { clusterId }, orderBy: { id: "asc" }, select: { action: true, nodeName: true } });
    expect(audit).toContainEqual({ action: "agent.self_fenced", nodeName: "a" });
    expect(audit.at(-1)).toEqual({ action: "failover.promoted", nodeName: "b" });
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual(["b"]);
  });
});
