import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, FAST, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("a paused active (SIGSTOP longer than the lease) comes back as a standby", () => {
  let t: TestDatabase;
  let clusterId: string;
  const agents: AgentProcess[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createCluster(t.prisma, "stop")).id;
    agents.push(spawnAgent({ url: t.url, cluster: "stop", node: "s1", priority: 100 }), spawnAgent({ url: t.url, cluster: "stop", node: "s2", priority: 50 }));
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1, { what: "one active" });
  });
  afterAll(async () => {
    await stopAll(agents);
    await t.drop();
  });

  it("fences itself on SIGCONT, audits it, and never overlaps with the new active", async () => {
    const [old] = await activeNodes(t.prisma, clusterId);
    const frozen = agents.find((a) => a.node === old.name)!;
    const other = agents.find((a) => a !== frozen)!;
    frozen.signal("SIGSTOP");
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).find((n) => n.name === other.node), { what: "takeover", timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, FAST.leaseMs)); // stopped for well over a lease in all
    frozen.signal("SIGCONT");
    await frozen.waitForLine((l) => l.msg === "became STANDBY");
    await waitFor(() => t.prisma.auditEvent.findFirst({ where: { clusterId, action: "agent.self_fenced", nodeName: frozen.node } }), {
      what: "self-fence audit row",
    });
    const res = await fetch(`http://127.0.0.1:${await frozen.healthPort()}/active`);
    expect(res.status).toBe(503);
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs));
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual([other.node]);
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, clusterId, agents)).toEqual([]);
  });
});
