import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, FAST, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

async function health(agent: AgentProcess, path = "/health") {
  const res = await fetch(`http://127.0.0.1:${await agent.healthPort()}${path}`);
  return { status: res.status, body: (await res.json()) as { role: string; epoch: string | null; lastHeartbeatRoundTripMs?: number | null } };
}

describe("automatic failover with real agent processes", () => {
  let t: TestDatabase;
  let clusterId: string;
  const agents: AgentProcess[] = [];
  let killed = "";
  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createCluster(t.prisma, "fo")).id;
  });
  afterAll(async () => {
    await stopAll(agents);
    await t.drop();
  });

  it("three agents start: exactly one becomes active, in the database and on the health endpoints", async () => {
    for (const [node, priority] of [
      ["n1", 100],
      ["n2", 90],
      ["n3", 80],
    ] as const)
      agents.push(spawnAgent({ url: t.url, cluster: "fo", node, priority }));
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1, { what: "one active" });
    await new Promise((r) => setTimeout(r, 2 * FAST.heartbeatMs));
    const [active] = await activeNodes(t.prisma, clusterId);
    const views = await Promise.all(agents.map((a) => health(a, "/active")));
    expect(views.map((v) => v.status)).toEqual(agents.map((a) => (a.node === active.name ? 200 : 503)));
    expect(views.find((v) => v.status === 200)!.body.epoch).toBe(String(active.activeEpoch));
    // Each agent's last beat, sent to answered: a local database answers in well under a heartbeat.
    for (const a of agents) {
      const { lastHeartbeatRoundTripMs: rtt } = (await health(a)).body;
      expect(rtt).toBeGreaterThan(0);
      expect(rtt).toBeLessThan(FAST.heartbeatMs);
    }
    expect(await t.prisma.node.count({ where: { clusterId } })).toBe(3);
  });

  it("kill -9 the active: a standby is active within leaseMs + 2 x heartbeatMs", async () => {
    const [old] = await activeNodes(t.prisma, clusterId);
    const victim = agents.find((a) => a.node === old.name)!;
    // The survivor with the highest priority must win (n1 > n2 > n3).
    const expected = ["n1", "n2", "n3"].find((n) => n !== old.name)!;
    const killedAt = Date.now();
    victim.signal("SIGKILL");
    const next = await waitFor(async () => (await activeNodes(t.prisma, clusterId)).find((n) => n.name !== old.name), {
      what: "new active",
      timeoutMs: 10_000,
    });
    const took = Date.now() - killedAt;
    expect(next.name).toBe(expected);
    expect(took).toBeLessThanOrEqual(FAST.leaseMs + 2 * FAST.heartbeatMs);
    const successor = agents.find((a) => a.node === expected)!;
    await successor.waitForLine((l) => l.event === "role" && l.role === "ACTIVE");
    expect((await health(successor, "/active")).status).toBe(200);
    const audit = await t.prisma.auditEvent.findMany({
      where: { clusterId, action: { in: ["failover.demoted", "failover.promoted"] } },
      orderBy: { id: "asc" },
    });
    expect(audit.slice(-2).map((a) => [a.action, a.nodeName, a.toRole])).toEqual([
      ["failover.demoted", old.name, "STANDBY"],
      ["failover.promoted", expected, "ACTIVE"],
    ]);
    killed = old.name;
  });

  it("the restarted node re-registers as a standby and does not take the role back", async () => {
    const [current] = await activeNodes(t.prisma, clusterId);
    agents.push(spawnAgent({ url: t.url, cluster: "fo", node: killed, priority: 100 }));
    await agents[3].waitForLine((l) => l.msg === "registered");
    await new Promise((r) => setTimeout(r, 4 * FAST.heartbeatMs));
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual([current.name]);
  });

  it("never had two actives, and every promotion has its audit row", async () => {
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, clusterId, agents)).toEqual([]);
  });
});
