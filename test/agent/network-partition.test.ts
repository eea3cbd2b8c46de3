import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { startBlackholeProxy, type BlackholeProxy } from "../support/blackhole-proxy";
import { activeNodes, createCluster, FAST, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("a network partition between the active and the database (silent, no RST)", () => {
  let t: TestDatabase;
  let proxy: BlackholeProxy;
  let clusterId: string;
  const agents: AgentProcess[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createCluster(t.prisma, "part")).id;
    const db = new URL(t.url);
    proxy = await startBlackholeProxy({ host: db.hostname, port: Number(db.port) });
    const viaProxy = Object.assign(new URL(t.url), { port: String(proxy.port) }).toString();
    agents.push(spawnAgent({ url: viaProxy, cluster: "part", node: "far", priority: 100 }));
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1, { what: "far active" });
    agents.push(spawnAgent({ url: t.url, cluster: "part", node: "near", priority: 50 }));
    await agents[1].waitForLine((l) => l.msg === "registered");
  });
  afterAll(async () => {
    await stopAll(agents);
    await proxy.close();
    await t.drop();
  });

  it("the cut-off active fences itself, the other takes over, and the cut-off agent recovers as a standby once the network returns", async () => {
    const [far, near] = agents;
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual(["far"]);
    proxy.blackhole();
    await far.waitForLine((l) => l.msg === "became STANDBY", FAST.leaseMs + 1000);
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).find((n) => n.name === "near"), { what: "near takes over" });
    await new Promise((r) => setTimeout(r, 2000));
    proxy.restore();
    // Its connections are dead for good; it must give up on them and heartbeat again on new ones.
    const restoredAt = Date.now();
    await waitFor(
      async () => {
        const [row] = await t.prisma.$queryRaw<
          { fresh: boolean }[]
        >`SELECT "lastHeartbeatAt" > now() - interval '1 second' AS fresh FROM "Node" WHERE name = 'far'`;
        return row.fresh;
      },
      { what: "far heartbeating again", timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(Date.now() - restoredAt).toBeLessThan(20_000);
    await waitFor(() => t.prisma.auditEvent.findFirst({ where: { clusterId, action: "agent.self_fenced", nodeName: "far" } }), { what: "self-fence audit" });
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual(["near"]);
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, clusterId, agents)).toEqual([]);
    expect(near.lines().some((l) => l.msg === "became ACTIVE")).toBe(true);
  });
});
