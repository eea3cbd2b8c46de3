import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestCommand } from "../../lib/cluster/request-command";
import { userActor } from "../../lib/cluster/audit";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, FAST, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const terminal = ["SUCCEEDED", "FAILED", "EXPIRED", "CANCELLED"];

describe("commands executed by real agents", () => {
  let t: TestDatabase;
  let clusterId: string;
  const agents: AgentProcess[] = [];
  const nodeId = async (name: string) => (await t.prisma.node.findFirstOrThrow({ where: { clusterId, name } })).id;
  const finished = (id: string) =>
    waitFor(
      async () => {
        const c = await t.prisma.command.findUniqueOrThrow({ where: { id } });
        return terminal.includes(c.status) && c;
      },
      { what: "command to finish", timeoutMs: 15_000 },
    );

  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createCluster(t.prisma, "cmd")).id;
    for (const [node, priority] of [
      ["c1", 100],
      ["c2", 90],
      ["c3", 0],
    ] as const)
      agents.push(spawnAgent({ url: t.url, cluster: "cmd", node, priority }));
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1 && (await t.prisma.node.count({ where: { clusterId } })) === 3, {
      what: "cluster up",
    });
  });
  afterAll(async () => {
    await stopAll(agents);
    await t.drop();
  });

  it("switchover completes within a second and both transitions are audited", async () => {
    const [old] = await activeNodes(t.prisma, clusterId);
    const target = old.name === "c1" ? "c2" : "c1";
    const started = Date.now();
    const cmd = await requestCommand({
      db: t.prisma,
      clusterId,
      kind: "SWITCHOVER",
      targetNodeId: await nodeId(target),
      requestedBy: userActor("ops@example.com"),
      reason: "patching",
    });
    const done = await finished(cmd.id);
    expect(done.status).toBe("SUCCEEDED");
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual([target]);
    const audit = await t.prisma.auditEvent.findMany({ where: { commandId: cmd.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.nodeName, a.fromRole, a.toRole])).toEqual([
      ["command.requested", target, null, null],
      ["command.started", old.name, null, null],
      ["command.demoted", old.name, "ACTIVE", "STANDBY"],
      ["command.promoted", target, "STANDBY", "ACTIVE"],
    ]);
    expect(audit[0].actor).toBe("user:ops@example.com");
  });

  it("a switchover to a node that dies after the request expires with a reason, and the active stays", async () => {
    const [current] = await activeNodes(t.prisma, clusterId);
    const target = agents.find((a) => a.node !== current.name && a.node !== "c3")!;
    target.signal("SIGSTOP");
    try {
      const cmd = await requestCommand({
        db: t.prisma,
        clusterId,
        kind: "SWITCHOVER",
        targetNodeId: await nodeId(target.node),
        requestedBy: userActor("ops@example.com"),
        timeoutMs: 2500,
      });
      const done = await finished(cmd.id);
      expect(done.status).toBe("EXPIRED");
      expect(done.error).toMatch(new RegExp(`target ${target.node} stopped heartbeating`));
      expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual([current.name]);
      expect(await t.prisma.auditEvent.count({ where: { commandId: cmd.id, action: "command.expired" } })).toBe(1);
    } finally {
      target.signal("SIGCONT");
    }
  });

  it("demote: the active steps down and another node is elected, not the demoted one", async () => {
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs)); // let the resumed node heartbeat again
    const [current] = await activeNodes(t.prisma, clusterId);
    const cmd = await requestCommand({
      db: t.prisma,
      clusterId,
      kind: "DEMOTE",
      targetNodeId: await nodeId(current.name),
      requestedBy: userActor("ops@example.com"),
    });
    expect((await finished(cmd.id)).status).toBe("SUCCEEDED");
    const next = await waitFor(async () => (await activeNodes(t.prisma, clusterId))[0], { what: "re-election" });
    expect(next.name).not.toBe(current.name);
    expect(next.name).not.toBe("c3"); // priority 0 is never chosen automatically
  });

  it("priority 0 and maintenance nodes are never chosen; with none eligible the cluster stays without an active", async () => {
    const [current] = await activeNodes(t.prisma, clusterId);
    const other = current.name === "c1" ? "c2" : "c1";
    await t.prisma.node.update({ where: { id: await nodeId(other) }, data: { maintenance: true } });
    agents.find((a) => a.node === current.name)!.signal("SIGKILL");
    await new Promise((r) => setTimeout(r, FAST.leaseMs + 6 * FAST.heartbeatMs));
    // Only the dead node's lapsed row: nobody was promoted.
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual([current.name]);
    await t.prisma.node.update({ where: { id: await nodeId(other) }, data: { maintenance: false } });
    const next = await waitFor(async () => (await activeNodes(t.prisma, clusterId)).find((n) => n.name !== current.name), {
      what: "election after maintenance ends",
    });
    expect(next.name).toBe(other); // never c3 (priority 0)
  });

  it("held both invariants throughout", async () => {
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, clusterId, agents)).toEqual([]);
    expect(await t.prisma.command.count({ where: { clusterId, status: { in: ["PENDING", "RUNNING"] } } })).toBe(0);
  });
});

describe("a paused cluster does not fail over", () => {
  let t: TestDatabase;
  const agents: AgentProcess[] = [];
  afterAll(async () => {
    await stopAll(agents);
    await t?.drop();
  });

  it("keeps no active after the active dies while paused, and elects once resumed", async () => {
    t = await createTestDatabase();
    const { id: clusterId } = await createCluster(t.prisma, "paused");
    agents.push(
      spawnAgent({ url: t.url, cluster: "paused", node: "p1", priority: 100 }),
      spawnAgent({ url: t.url, cluster: "paused", node: "p2", priority: 90 }),
    );
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1 && (await t.prisma.node.count({ where: { clusterId } })) === 2, {
      what: "cluster up",
    });
    await t.prisma.cluster.update({ where: { id: clusterId }, data: { paused: true } });
    const [old] = await activeNodes(t.prisma, clusterId);
    agents.find((a) => a.node === old.name)!.signal("SIGKILL");
    await new Promise((r) => setTimeout(r, FAST.leaseMs + 6 * FAST.heartbeatMs));
    expect((await t.prisma.node.findMany({ where: { clusterId, role: "ACTIVE" } })).map((n) => n.name)).toEqual([old.name]); // lapsed, nobody took over
    await t.prisma.cluster.update({ where: { id: clusterId }, data: { paused: false } });
    const next = await waitFor(async () => (await activeNodes(t.prisma, clusterId)).find((n) => n.name !== old.name), { what: "election after resume" });
    expect(next).toBeTruthy();
  });
});
