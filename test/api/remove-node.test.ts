// Decommissioning a node through the API: only a standby that is gone, never the active, a live
// node or the target of an open command; audited; and a real agent that comes back stops.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { callApi, databaseState } from "../support/api-client";
import { activeNodes, createCluster } from "../support/cluster-fixture";
import { seedCluster, startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";

describe("DELETE /api/v1/clusters/:name/nodes/:node", () => {
  let bed: ConsoleTestbed;
  let operator: string;
  const agents: AgentProcess[] = [];
  const remove = (cluster: string, node: string, body?: unknown) =>
    callApi(bed.server.url, operator, { method: "DELETE", path: `/api/v1/clusters/${cluster}/nodes/${node}`, ...(body !== undefined && { body }) });

  beforeAll(async () => {
    bed = await startConsoleTestbed();
    operator = await bed.signInAs("operator@example.com");
    await seedCluster({
      prisma: bed.t.prisma,
      name: "gamma",
      nodes: [
        { name: "g-active", role: "ACTIVE" },
        { name: "g-live" },
        { name: "g-gone", heartbeatAgoMs: 600_000 },
        { name: "g-never", heartbeatAgoMs: null },
        { name: "g-targeted", heartbeatAgoMs: 600_000 },
      ],
    });
  });
  afterAll(async () => {
    await stopAll(agents);
    await bed?.stop();
  });

  it.each([
    ["the active node", "g-active", 409, /g-active is the active node/],
    ["a standby that still heartbeats", "g-live", 409, /g-live is still heartbeating; stop its agent first/],
    ["an unknown node", "nope", 404, /node nope not found in cluster gamma/],
    ["a node of an unknown cluster", "g-gone", 404, /cluster nowhere not found/, "nowhere"],
  ])("refuses %s (%s -> %i) and changes nothing", async (_what, node, status, message, cluster = "gamma") => {
    const before = await databaseState(bed.t.prisma);
    const res = await remove(cluster, node);
    expect(res.status).toBe(status);
    expect(JSON.stringify(res.body)).toMatch(message);
    expect(await databaseState(bed.t.prisma)).toBe(before);
  });

  it("refuses a bad body (unknown field, reason too long) and changes nothing", async () => {
    const before = await databaseState(bed.t.prisma);
    expect((await remove("gamma", "g-gone", { reason: "x", force: true })).status).toBe(422);
    expect((await remove("gamma", "g-gone", { reason: "x".repeat(501) })).status).toBe(422);
    expect(
      (
        await callApi(bed.server.url, operator, {
          method: "DELETE",
          path: "/api/v1/clusters/gamma/nodes/g-gone",
          rawBody: "{not json",
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await callApi(bed.server.url, operator, {
          method: "DELETE",
          path: "/api/v1/clusters/gamma/nodes/g-gone",
          rawBody: "reason=x",
          headers: { "content-type": "text/plain" },
        })
      ).status,
    ).toBe(400);
    expect(await databaseState(bed.t.prisma)).toBe(before);
  });

  it("refuses the target of an open command until it is cancelled", async () => {
    const cluster = await bed.t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "gamma", service: "main" } } });
    const target = await bed.t.prisma.node.findFirstOrThrow({ where: { clusterId: cluster.id, name: "g-targeted" } });
    const command = await bed.t.prisma.command.create({
      data: {
        clusterId: cluster.id,
        kind: "PROMOTE",
        targetNodeId: target.id,
        targetName: target.name,
        requestedBy: "user:operator@example.com",
        deadline: new Date(Date.now() + 60_000),
      },
    });
    const res = await remove("gamma", "g-targeted");
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.body)).toContain(`command ${command.id} targets g-targeted; cancel it first`);
    expect(await bed.t.prisma.node.count({ where: { id: target.id } })).toBe(1);
  });

  it("removes a standby silent for longer than a lease (or never heard from), audited with the reason; its past commands stay", async () => {
    const cluster = await bed.t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "gamma", service: "main" } } });
    const gone = await bed.t.prisma.node.findFirstOrThrow({ where: { clusterId: cluster.id, name: "g-gone" } });
    const past = await bed.t.prisma.command.create({
      data: {
        clusterId: cluster.id,
        kind: "PROMOTE",
        targetNodeId: gone.id,
        targetName: gone.name,
        status: "EXPIRED",
        requestedBy: "user:operator@example.com",
        deadline: new Date(),
      },
    });
    expect(await remove("gamma", "g-gone", { reason: "server decommissioned" })).toMatchObject({
      status: 200,
      body: { removed: { cluster: "gamma", node: "g-gone" } },
    });
    expect(await callApi(bed.server.url, operator, { path: `/api/v1/clusters/gamma/commands/${past.id}` })).toMatchObject({
      status: 200,
      body: { id: past.id, targetNode: "g-gone", status: "EXPIRED" },
    });
    // No body, but the Content-Type many HTTP libraries send by default: the reason is optional.
    expect(
      await callApi(bed.server.url, operator, {
        method: "DELETE",
        path: "/api/v1/clusters/gamma/nodes/g-never",
        headers: { "content-type": "application/json" },
      }),
    ).toMatchObject({ status: 200 });
    expect((await bed.t.prisma.node.findMany({ where: { cluster: { name: "gamma" } }, orderBy: { name: "asc" } })).map((n) => n.name)).toEqual([
      "g-active",
      "g-live",
      "g-targeted",
    ]);
    const audit = await bed.t.prisma.auditEvent.findMany({ where: { action: "node.removed" }, orderBy: { id: "asc" } });
    expect(audit.map((e) => [e.actor, e.clusterName, e.nodeName, e.reason])).toEqual([
      ["user:operator@example.com", "gamma", "g-gone", "server decommissioned"],
      ["user:operator@example.com", "gamma", "g-never", ""],
    ]);
    expect((await remove("gamma", "g-gone")).status).toBe(404);
  });

  it("a frozen agent removed while silent stops when it wakes; the cluster keeps its one active", async () => {
    const url = bed.t.url;
    const { id: clusterId } = await createCluster(bed.t.prisma, "live", { heartbeatMs: 250, leaseMs: 2000 });
    agents.push(spawnAgent({ url, cluster: "live", node: "a", priority: 100 }), spawnAgent({ url, cluster: "live", node: "b", priority: 50 }));
    // Whichever started first may hold the role (no preemption): freeze the other one.
    const [active] = await waitFor(
      async () => {
        const actives = await activeNodes(bed.t.prisma, clusterId);
        return actives.length === 1 && (await bed.t.prisma.node.count({ where: { clusterId } })) === 2 && actives;
      },
      { what: "one active, one standby", timeoutMs: 30_000 },
    );
    const survivor = agents.find((x) => x.node === active.name)!;
    const frozen = agents.find((x) => x.node !== active.name && ["a", "b"].includes(x.node))!;
    frozen.signal("SIGSTOP");
    await waitFor(async () => (await remove("live", frozen.node, { reason: "host retired" })).status === 200, {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: `${frozen.node} removable once silent for a lease`,
    });
    frozen.signal("SIGCONT");
    expect(await frozen.exited()).toBe(1);
    expect(
      frozen.lines().some((l) => new RegExp(`live/${frozen.node} was removed from the cluster or taken over by another agent; stopping`).test(String(l.msg))),
    ).toBe(true);
    expect(await bed.t.prisma.node.count({ where: { clusterId, name: frozen.node } })).toBe(0);
    expect((await activeNodes(bed.t.prisma, clusterId)).map((n) => n.name)).toEqual([active.name]);
    expect(survivor.child.exitCode).toBeNull();
    // Its own waits add up to more than the default 60 s on a machine busy with other test files
    // (30 s for the cluster, 15 s until the frozen node is removable, then its exit).
  }, 120_000);
});
