// Failing over when the service fails: real agents with HTTP, TCP and command checks against
// real servers the test controls.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { userActor } from "../../lib/cluster/audit";
import { AppError } from "../../lib/errors";
import { requestCommand } from "../../lib/cluster/request-command";
import { setClusterPaused } from "../../lib/cluster/set-cluster-paused";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/** A node's service, as its HTTP check sees it: healthy answers 200, sick 500. */
async function service() {
  const s = { healthy: true, port: 0, close: () => Promise.resolve() };
  const server = http.createServer((_req, res) => {
    res.statusCode = s.healthy ? 200 : 500;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s.port = (server.address() as AddressInfo).port;
  s.close = () => new Promise<void>((r) => server.close(() => r()));
  return s;
}

const FAST_CHECKS = ["--check-interval-ms", "200", "--check-timeout-ms", "150", "--check-rise", "1", "--check-fall", "2"];
const httpCheck = (port: number) => ["--check-http", `engine=http://127.0.0.1:${port}/health`, ...FAST_CHECKS];

describe("health checks", () => {
  let t: TestDatabase;
  let agents: AgentProcess[] = [];
  const closers: (() => Promise<void>)[] = [];
  let n = 0;
  const activeName = async (clusterId: string) => (await activeNodes(t.prisma, clusterId)).map((r) => r.name)[0];
  const checkStatus = async (clusterId: string, name: string) => (await t.prisma.node.findFirst({ where: { clusterId, name } }))?.checkStatus;

  /** Agents a (priority 100, active), b (50), ... each with its own service and an HTTP check on it. */
  const cluster = async (names: string[], extra: (i: number) => string[] = () => [], settings = {}) => {
    const name = `chk${++n}`;
    const { id } = await createCluster(t.prisma, name, settings);
    const services = await Promise.all(names.map(() => service()));
    services.forEach((s) => closers.push(s.close));
    for (const [i, node] of names.entries()) {
      agents.push(spawnAgent({ url: t.url, cluster: name, node, priority: 100 - i * 10, args: [...httpCheck(services[i].port), ...extra(i)] }));
      if (i === 0) await waitFor(async () => (await activeName(id)) === node, { what: `${node} active` });
    }
    await waitFor(async () => (await t.prisma.node.count({ where: { clusterId: id, checkStatus: "PASSING" } })) === names.length, {
      what: "all checks passing",
    });
    return { id, name, services };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await stopAll(agents);
    agents = [];
    await Promise.all(closers.splice(0).map((c) => c()));
  });
  afterAll(() => t.drop());

  it("the active's service fails: it hands over to a standby whose checks pass, audited with the check's output, and is held off", async () => {
    const { id, services } = await cluster(["a", "b"]);
    const sickAt = Date.now();
    services[0].healthy = false;
    await waitFor(async () => (await activeName(id)) === "b", { what: "b takes over", timeoutMs: 10_000, intervalMs: 20 });
    const tookMs = Date.now() - sickAt;
    expect(tookMs).toBeLessThan(2 * 200 + 150 + 1500); // fall x interval + a check's timeout + the handover
    const failing = await t.prisma.auditEvent.findFirstOrThrow({ where: { clusterId: id, action: "check.failing", nodeName: "a" } });
    expect(failing.reason).toBe("engine: HTTP 500");
    const stepped = await t.prisma.auditEvent.findFirstOrThrow({ where: { clusterId: id, action: "agent.stepped_down", nodeName: "a" } });
    expect(stepped).toMatchObject({ fromRole: "ACTIVE", toRole: "STANDBY", reason: "check failing: engine: HTTP 500" });
    expect((await t.prisma.node.findFirstOrThrow({ where: { clusterId: id, name: "a" } })).holdUntil!.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect(await checkStatus(id, "a")).toBe("FAILING");
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(t.prisma, id, agents)).toEqual([]);
  });

  it("no standby passes its checks: the active keeps the role, and says so once in the audit", async () => {
    const { id, services } = await cluster(["a", "b"]);
    services[1].healthy = false;
    await waitFor(async () => (await checkStatus(id, "b")) === "FAILING", { what: "b failing" });
    services[0].healthy = false;
    await waitFor(() => t.prisma.auditEvent.findFirst({ where: { clusterId: id, action: "check.no_standby" } }), { what: "kept-role audit", timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await activeName(id)).toBe("a");
    expect(await t.prisma.auditEvent.count({ where: { clusterId: id, action: "check.no_standby" } })).toBe(1);
    // Once b recovers, a hands over.
    services[1].healthy = true;
    await waitFor(async () => (await activeName(id)) === "b", { what: "b takes over once it passes", timeoutMs: 10_000 });
  });

  it("a standby whose checks fail is never elected, and a switchover to it is refused unless forced", async () => {
    const { id, services } = await cluster(["a", "b", "c"]);
    services[1].healthy = false;
    await waitFor(async () => (await checkStatus(id, "b")) === "FAILING", { what: "b failing" });
    const b = await t.prisma.node.findFirstOrThrow({ where: { clusterId: id, name: "b" } });
    const refused = await requestCommand({
      db: t.prisma,
      clusterId: id,
      kind: "SWITCHOVER",
      targetNodeId: b.id,
      requestedBy: userActor("ops@example.com"),
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as Error).message).toBe("b's checks fail (engine: HTTP 500); an ADMIN may force it");
    agents[0].signal("SIGKILL"); // a dies: c (passing, lower priority) is elected, not b
    await waitFor(async () => (await activeName(id)) === "c", { what: "c elected", timeoutMs: 10_000 });
    const forced = await requestCommand({
      db: t.prisma,
      clusterId: id,
      kind: "SWITCHOVER",
      targetNodeId: b.id,
      requestedBy: userActor("admin@example.com"),
      force: true,
    });
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { commandId: forced.id, action: "command.requested" } });
    expect(audit.details).toMatchObject({ forced: "b's checks fail (engine: HTTP 500)" });
    await waitFor(async () => (await activeName(id)) === "b", { what: "forced switchover", timeoutMs: 10_000 });
    // Forced onto it: b keeps the role although c passes, until its own checks pass again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await activeName(id)).toBe("b");
    services[1].healthy = true;
    await waitFor(async () => (await checkStatus(id, "b")) === "PASSING", { what: "b passes" });
    services[1].healthy = false; // sick again, no longer forced: it hands over to c
    await waitFor(async () => (await activeName(id)) === "c", { what: "c takes over from b", timeoutMs: 10_000 });
  });

  it("an isolated active (gateway unreachable) steps down; an isolated node is never elected", async () => {
    const gateways = await Promise.all(
      [0, 1].map(async () => {
        const server = net.createServer((s) => s.destroy());
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        return server;
      }),
    );
    const port = (i: number) => (gateways[i].address() as AddressInfo).port;
    const { id } = await cluster(["a", "b"], (i) => ["--gateway", `127.0.0.1:${port(i)}`]);
    await new Promise<void>((r) => gateways[0].close(() => r())); // a is cut off from its gateway
    await waitFor(async () => (await activeName(id)) === "b", { what: "b takes over from the isolated a", timeoutMs: 10_000 });
    const a = await t.prisma.node.findFirstOrThrow({ where: { clusterId: id, name: "a" } });
    expect(a.isolated).toBe(true);
    expect((await t.prisma.auditEvent.findFirstOrThrow({ where: { clusterId: id, action: "agent.stepped_down", nodeName: "a" } })).reason).toMatch(
      /^isolated: gateway unreachable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/,
    );
    await t.prisma.node.update({ where: { id: a.id }, data: { holdUntil: null } }); // not held off: still never elected
    agents[1].signal("SIGKILL");
    await new Promise((r) => setTimeout(r, 2000 + 1500)); // b's lease has long lapsed
    expect((await t.prisma.node.findFirstOrThrow({ where: { id: a.id } })).role).toBe("STANDBY");
    expect(await t.prisma.auditEvent.count({ where: { clusterId: id, nodeName: "a", toRole: "ACTIVE", at: { gt: a.checkSince! } } })).toBe(0);
    await new Promise<void>((r) => gateways[1].close(() => r()));
  });

  it("flap damping: past the limit of automatic failovers in the window, the cluster pauses itself and says why", async () => {
    const { id, name, services } = await cluster(["a", "b"], () => [], { failoverLimit: 1, failoverWindowMs: 60_000, checkHoldOffMs: 0 });
    services[0].healthy = false; // failover 1: a -> b
    await waitFor(async () => (await activeName(id)) === "b", { what: "b takes over", timeoutMs: 10_000 });
    services[0].healthy = true;
    await waitFor(async () => (await checkStatus(id, "a")) === "PASSING", { what: "a passes again" });
    services[1].healthy = false; // would be failover 2: b -> a
    await waitFor(() => t.prisma.auditEvent.findFirst({ where: { clusterId: id, action: "failover.limited" } }), { what: "limited", timeoutMs: 10_000 });
    const cluster2 = await t.prisma.cluster.findUniqueOrThrow({ where: { id } });
    expect(cluster2.paused).toBe(true);
    const limited = await t.prisma.auditEvent.findFirstOrThrow({ where: { clusterId: id, action: "failover.limited" } });
    expect(limited.reason).toMatch(/^automatic failover paused: 1 automatic failovers in the last 60 s \(limit 1\)/);
    expect(await activeName(id)).toBeUndefined(); // b stepped down to a; a is not elected while paused
    // An operator resumes: a new count starts, and a is elected at once instead of pausing again.
    await setClusterPaused({ db: t.prisma, clusterName: name, paused: false, actor: userActor("ops@example.com") });
    await waitFor(async () => (await activeName(id)) === "a", { what: "a elected after the resume", timeoutMs: 10_000 });
    expect((await t.prisma.cluster.findUniqueOrThrow({ where: { id } })).paused).toBe(false);
  });

  it("a check command runs without the agent's environment, its output truncated; a hanging one is killed at its timeout", async () => {
    const { id } = await createCluster(t.prisma, "chkcmd");
    agents.push(
      spawnAgent({
        url: t.url,
        cluster: "chkcmd",
        node: "a",
        args: ["--check-cmd", "env=env; head -c 100000 /dev/zero | tr '\\0' x; exit 1", "--check-cmd", "hang=sleep 30", ...FAST_CHECKS],
        env: { SECRET_TOKEN: "hunter2" },
      }),
    );
    await waitFor(async () => (await checkStatus(id, "a")) === "FAILING", { what: "checks failing" });
    const node = await t.prisma.node.findFirstOrThrow({ where: { clusterId: id, name: "a" } });
    const checks = node.checks as { name: string; output: string }[];
    const env = checks.find((c) => c.name === "env")!;
    expect(env.output.length).toBeLessThanOrEqual(300);
    expect(JSON.stringify(checks)).not.toMatch(/hunter2|DATABASE_URL|postgres(ql)?:\/\//);
    expect(checks.find((c) => c.name === "hang")!.output).toBe("timed out after 150 ms");
    await new Promise((r) => setTimeout(r, 500));
    expect((await t.prisma.auditEvent.findMany({ where: { clusterId: id } })).map((r) => r.reason).join(" ")).not.toMatch(/hunter2/);
  });
});
