// Never two services running: real agents, real hook scripts with real durations, the service
// intervals written by the hooks themselves (promote hook started .. demote hook finished).
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { userActor } from "../../lib/cluster/audit";
import { cancelCommand } from "../../lib/cluster/cancel-command";
import { AppError } from "../../lib/errors";
import { requestCommand } from "../../lib/cluster/request-command";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { startBlackholeProxy } from "../support/blackhole-proxy";
import { activeNodes, createCluster, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { hookArgs, serviceHooks, serviceIntervals, serviceOverlaps } from "../support/service-events";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const terminal = ["SUCCEEDED", "FAILED", "EXPIRED", "CANCELLED"];
const actor = userActor("ops@example.com");

describe("never two services running", () => {
  let t: TestDatabase;
  let dir: string;
  let agents: AgentProcess[] = [];
  const nodeId = async (clusterId: string, name: string) => (await t.prisma.node.findFirstOrThrow({ where: { clusterId, name } })).id;
  const finished = (id: string, timeoutMs = 20_000) =>
    waitFor(
      async () => {
        const c = await t.prisma.command.findUniqueOrThrow({ where: { id } });
        return terminal.includes(c.status) && c;
      },
      { what: "command to finish", timeoutMs, intervalMs: 20 },
    );
  /** Two agents, a (priority 100, becomes active) and b; returns the cluster id once a is active. */
  const pair = async (cluster: string, args: (node: string) => string[], settings = {}) => {
    const { id } = await createCluster(t.prisma, cluster, settings);
    agents.push(spawnAgent({ url: t.url, cluster, node: "a", priority: 100, args: args("a") }));
    await waitFor(async () => (await activeNodes(t.prisma, id)).length === 1, { what: "a active" });
    agents.push(spawnAgent({ url: t.url, cluster, node: "b", priority: 50, args: args("b") }));
    await agents[1].waitForLine((l) => l.msg === "registered");
    return id;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "fc-fencing-"));
  });
  afterEach(async () => {
    await stopAll(agents);
    agents = [];
  });
  afterAll(() => t.drop());

  it("a switchover waits for a 4 s demote hook: the target starts after it, and the audit tells a planned step-down", async () => {
    const events = path.join(dir, "slow-demote");
    const clusterId = await pair("slowdemote", () => hookArgs(serviceHooks(events, { demoteSleepS: 4 })));
    await waitFor(async () => (await serviceIntervals(events)).length === 1, { what: "a's promote hook" });
    const started = Date.now();
    const cmd = await requestCommand({ db: t.prisma, clusterId, kind: "SWITCHOVER", targetNodeId: await nodeId(clusterId, "b"), requestedBy: actor });
    const done = await finished(cmd.id);
    const tookMs = Date.now() - started;
    expect(done.status).toBe("SUCCEEDED");
    expect(tookMs).toBeGreaterThanOrEqual(4000);
    expect(tookMs).toBeLessThan(4000 + 1500);
    await waitFor(async () => (await serviceIntervals(events)).length === 2, { what: "b's promote hook" });
    const [a, b] = await serviceIntervals(events);
    expect([a.node, b.node]).toEqual(["a", "b"]);
    expect(b.start).toBeGreaterThan(a.end!); // a's service was down before b's started
    expect(serviceOverlaps(await serviceIntervals(events))).toEqual([]);
    const audit = await t.prisma.auditEvent.findMany({ where: { clusterId, at: { gte: cmd.createdAt } }, orderBy: { id: "asc" } });
    expect(audit.map((r) => [r.action, r.nodeName])).toEqual([
      ["command.requested", "b"],
      ["command.started", "a"],
      ["command.demoted", "a"],
      ["command.promoted", "b"],
    ]);
    expect(audit.some((r) => /lease expired/.test(r.reason))).toBe(false);
    expect(done.hookOutcomes).toMatchObject({ demote: { node: "a", ok: true } });
    expect((done.hookOutcomes as { demote: { ms: number } }).demote.ms).toBeGreaterThanOrEqual(4000);
    await waitFor(async () => ((await t.prisma.command.findUniqueOrThrow({ where: { id: cmd.id } })).hookOutcomes as { promote?: unknown })?.promote, {
      what: "the promote hook's outcome on the command",
    });
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, clusterId, agents)).toEqual([]);
  });

  it("a cancel while the active runs its demote hook is refused, and the switchover completes", async () => {
    const events = path.join(dir, "cancel");
    const clusterId = await pair("cancelling", () => hookArgs(serviceHooks(events, { demoteSleepS: 2 })));
    const cmd = await requestCommand({ db: t.prisma, clusterId, kind: "SWITCHOVER", targetNodeId: await nodeId(clusterId, "b"), requestedBy: actor });
    await agents[0].waitForLine((l) => l.msg === "became STANDBY" && l.draining === true);
    const refused = await cancelCommand({ db: t.prisma, commandId: cmd.id, requestedBy: actor }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).message).toMatch(/running and can no longer be cancelled/);
    expect((await finished(cmd.id)).status).toBe("SUCCEEDED");
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual(["b"]);
    expect(await t.prisma.auditEvent.count({ where: { commandId: cmd.id, action: "command.cancelled" } })).toBe(0);
  });

  it("a promote hook that leaves a background process: the agent goes on, switches over and stops on SIGTERM", async () => {
    const events = path.join(dir, "background");
    const pids = path.join(dir, "background-pids");
    const clusterId = await pair("background", () => hookArgs(serviceHooks(events, { promoteExtra: `sleep 600 & echo $! >> ${pids}` })));
    await agents[0].waitForLine((l) => l.msg === "promote hook succeeded", 5000);
    const cmd = await requestCommand({ db: t.prisma, clusterId, kind: "SWITCHOVER", targetNodeId: await nodeId(clusterId, "b"), requestedBy: actor });
    expect((await finished(cmd.id, 5000)).status).toBe("SUCCEEDED");
    await agents[1].waitForLine((l) => l.msg === "promote hook succeeded", 5000);
    const stopAt = Date.now();
    agents[1].signal("SIGTERM");
    expect(await agents[1].exited()).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(3000);
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).map((n) => n.name)[0] === "a", { what: "a takes over after b's SIGTERM" });
    expect(serviceOverlaps(await serviceIntervals(events))).toEqual([]);
    for (const pid of (await readFile(pids, "utf8")).split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
  });

  it("a silent partition of the active with a 1.5 s demote hook: its service is down before the other's starts", async () => {
    const events = path.join(dir, "partition");
    const { id: clusterId } = await createCluster(t.prisma, "partitioned", { heartbeatMs: 250, leaseMs: 3000, demoteTimeoutMs: 1700 });
    const db = new URL(t.url);
    const proxy = await startBlackholeProxy({ host: db.hostname, port: Number(db.port) });
    try {
      const viaProxy = Object.assign(new URL(t.url), { port: String(proxy.port) }).toString();
      const hooks = hookArgs(serviceHooks(events, { demoteSleepS: 1.5 }));
      agents.push(spawnAgent({ url: viaProxy, cluster: "partitioned", node: "a", priority: 100, args: hooks }));
      await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1, { what: "a active" });
      agents.push(spawnAgent({ url: t.url, cluster: "partitioned", node: "b", priority: 50, args: hooks }));
      await agents[1].waitForLine((l) => l.msg === "registered");
      proxy.blackhole();
      await waitFor(async () => (await serviceIntervals(events)).some((i) => i.node === "b"), { what: "b's service starts", timeoutMs: 10_000 });
      const intervals = await serviceIntervals(events);
      const a = intervals.find((i) => i.node === "a")!;
      expect(a.end).not.toBeNull(); // the hook finished inside its budget, not killed
      expect(serviceOverlaps(intervals)).toEqual([]);
      expect(overlapsFromLogs(agents)).toEqual([]);
      // Still cut off, a SIGTERM ends it: its silent connections do not hold the shutdown up.
      const termAt = Date.now();
      agents[0].signal("SIGTERM");
      expect(await agents[0].exited()).toBe(0);
      expect(Date.now() - termAt).toBeLessThan(8000);
    } finally {
      await stopAll(agents);
      await proxy.close();
    }
  });

  it("a demote whose active died does not hold automatic failover up until its deadline", async () => {
    const clusterId = await pair("deadactive", () => []);
    agents[0].signal("SIGSTOP"); // a is frozen: it will never step down
    const cmd = await requestCommand({
      db: t.prisma,
      clusterId,
      kind: "DEMOTE",
      targetNodeId: await nodeId(clusterId, "a"),
      requestedBy: actor,
      timeoutMs: 120_000,
    });
    const stoppedAt = Date.now();
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).map((n) => n.name)[0] === "b", { what: "b elected", timeoutMs: 10_000 });
    expect(Date.now() - stoppedAt).toBeLessThan(2000 + 2000); // the lease, plus a few beats
    const done = await t.prisma.command.findUniqueOrThrow({ where: { id: cmd.id } });
    expect(done.status).toBe("FAILED");
    expect(done.error).toMatch(/superseded by automatic failover: a lost its lease before it stepped down/);
    agents[0].signal("SIGCONT");
    await agents[0].waitForLine((l) => l.msg === "self-fence recorded in the audit log" || l.msg === "became STANDBY", 10_000);
    expect(overlapsFromLogs(agents)).toEqual([]);
  });
});
