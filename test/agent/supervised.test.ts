// Supervised mode (--supervise): the agent owns the service process, so even an agent killed with
// kill -9 or frozen with SIGSTOP never leaves its service running beside another node's. Overlaps
// are detected by the kernel (an exclusive flock the service holds while it lives).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { userActor } from "../../lib/cluster/audit";
import { requestCommand } from "../../lib/cluster/request-command";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, FAST, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { lockedService, running } from "../support/locked-service";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("supervised mode", () => {
  let t: TestDatabase;
  let agents: AgentProcess[] = [];
  let service: Awaited<ReturnType<typeof lockedService>>;
  let clusterId: string;
  let n = 0;
  const activeName = async () => (await activeNodes(t.prisma, clusterId)).map((r) => r.name)[0];
  const serviceOf = async (node: string) => {
    const starts = await waitFor(
      async () => {
        const mine = (await service.starts()).filter((s) => s.node === node);
        return mine.length > 0 && mine;
      },
      { what: `${node}'s service` },
    );
    return starts[starts.length - 1].pid;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await stopAll(agents);
    agents = [];
  });
  afterAll(() => t.drop());

  /** Two agents supervising the locked service; a (priority 100) active. */
  const start = async () => {
    const cluster = `sup${++n}`;
    service = await lockedService(await mkdtemp(path.join(tmpdir(), "fc-supervised-")));
    clusterId = (await createCluster(t.prisma, cluster)).id;
    for (const [node, priority] of [
      ["a", 100],
      ["b", 50],
    ] as const) {
      agents.push(spawnAgent({ url: t.url, cluster, node, priority, args: ["--supervise", service.command] }));
      await agents[agents.length - 1].waitForLine((l) => l.msg === "registered");
    }
    await waitFor(async () => (await activeName()) === "a", { what: "a active" });
    return { a: agents[0], b: agents[1] };
  };

  it("a switchover stops a's process before b's starts", async () => {
    await start();
    const aPid = await serviceOf("a");
    const cmd = await requestCommand({
      db: t.prisma,
      clusterId,
      kind: "SWITCHOVER",
      targetNodeId: (await t.prisma.node.findFirstOrThrow({ where: { clusterId, name: "b" } })).id,
      requestedBy: userActor("ops@example.com"),
    });
    await waitFor(async () => (await t.prisma.command.findUniqueOrThrow({ where: { id: cmd.id } })).status === "SUCCEEDED", { what: "switchover" });
    await serviceOf("b");
    expect(await running(aPid)).toBe(false);
    expect(await service.overlaps()).toEqual([]);
    expect((await t.prisma.command.findUniqueOrThrow({ where: { id: cmd.id } })).hookOutcomes).toMatchObject({ demote: { node: "a", ok: true } });
  });

  it("kill -9 of the active agent: its process dies at once, b takes over after the lease, never both", async () => {
    const { a } = await start();
    const aPid = await serviceOf("a");
    const killedAt = Date.now();
    a.signal("SIGKILL");
    await waitFor(async () => !(await running(aPid)), { what: "a's process gone", timeoutMs: 3000, intervalMs: 10 });
    expect(Date.now() - killedAt).toBeLessThan(1000); // the watchdog saw the agent die; no lease wait
    await waitFor(async () => (await activeName()) === "b", { what: "b elected", timeoutMs: 10_000 });
    await serviceOf("b");
    expect(await service.overlaps()).toEqual([]);
  });

  it("SIGSTOP of the active agent: the watchdog kills its process before the lease ends; woken, it is a standby", async () => {
    const { a } = await start();
    const aPid = await serviceOf("a");
    const stoppedAt = Date.now();
    a.signal("SIGSTOP");
    await waitFor(async () => !(await running(aPid)), { what: "a's process killed by the watchdog", timeoutMs: 5000, intervalMs: 10 });
    expect(Date.now() - stoppedAt).toBeLessThan(FAST.leaseMs);
    await waitFor(async () => (await activeName()) === "b", { what: "b elected", timeoutMs: 10_000 });
    await serviceOf("b");
    a.signal("SIGCONT");
    await a.waitForLine((l) => l.msg === "self-fence recorded in the audit log", 10_000);
    expect(await service.overlaps()).toEqual([]);
    expect((await service.starts()).filter((s) => s.node === "a")).toHaveLength(1); // not restarted on waking
    expect(overlapsFromLogs(agents)).toEqual([]);
  });

  it("the process exiting by itself: the agent steps down at once, audited, and b takes over without waiting for the lease", async () => {
    const { a } = await start();
    const aPid = await serviceOf("a");
    const killedAt = Date.now();
    process.kill(aPid, "SIGKILL");
    await waitFor(async () => (await activeName()) === "b", { what: "b takes over", timeoutMs: 10_000, intervalMs: 20 });
    expect(Date.now() - killedAt).toBeLessThan(FAST.leaseMs);
    await a.waitForLine((l) => l.msg === "released the lease");
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { clusterId, action: "agent.stepped_down" } });
    expect(audit).toMatchObject({
      nodeName: "a",
      fromRole: "ACTIVE",
      toRole: "STANDBY",
      reason: expect.stringMatching(/^supervised process exited \((killed by SIGKILL|exit code 137)\)$/),
    });
    expect(await service.overlaps()).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, clusterId, agents)).toEqual([]);
  });
});
