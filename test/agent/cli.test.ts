import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENT_BUNDLE, spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, FAST } from "../support/cluster-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

function runCli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [AGENT_BUNDLE, ...args], {
    env: { PATH: process.env.PATH!, ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout };
}

/** A --service-config file with this content, for the bad-input table. */
function serviceFile(content: unknown) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "service-config-")), "services.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("agent CLI: bad input gets a clear error and changes nothing", () => {
  const good = ["--cluster", "c", "--node", "n", "--db", "postgresql://u:p@127.0.0.1:1/db"];
  const dup = serviceFile({ services: [{ service: "ocr" }, { service: "import" }, { service: "ocr" }] });
  const cases: { name: string; args: string[]; env?: Record<string, string>; error: RegExp }[] = [
    { name: "unknown flag", args: [...good, "--prio", "5"], error: /Unknown option '--prio'/ },
    { name: "missing --cluster", args: ["--node", "n", "--db", "postgresql://h/db"], error: /--cluster \(CLUSTER_NAME\): is required/ },
    {
      name: "bad node name",
      args: ["--cluster", "c", "--node", "bad name!", "--db", "postgresql://h/db"],
      error: /--node \(NODE_NAME\): must be 1-64 letters/,
    },
    { name: "priority not a number", args: [...good, "--priority", "high"], error: /--priority \(NODE_PRIORITY\): must be an integer from 0 to 1000$/m },
    {
      name: "priority above the console's range",
      args: [...good, "--priority", "1001"],
      error: /--priority \(NODE_PRIORITY\): must be an integer from 0 to 1000$/m,
    },
    { name: "negative priority", args: [...good, "--priority", "-1"], error: /--priority/ },
    { name: "health port out of range", args: [...good, "--health-port", "70000"], error: /--health-port \(HEALTH_PORT\)/ },
    { name: "malformed --db", args: ["--cluster", "c", "--node", "n", "--db", "not a url"], error: /--db \(DATABASE_URL\): .*not a valid URL/ },
    { name: "wrong scheme", args: ["--cluster", "c", "--node", "n", "--db", "mysql://h/db"], error: /must start with postgresql:\/\// },
    {
      name: "lease too short for the heartbeat",
      args: [...good, "--heartbeat-ms", "1000", "--lease-ms", "2000"],
      error: /--lease-ms \(LEASE_MS\): leaseMs \(2000\) must exceed 2 x heartbeatMs \(2000\) \+ the fencing margin \(200\) \+ demoteTimeoutMs \(1000\) = 3200/,
    },
    {
      name: "demote budget that does not fit the lease",
      args: [...good, "--heartbeat-ms", "250", "--lease-ms", "2000", "--demote-timeout-ms", "1500"],
      error: /--lease-ms \(LEASE_MS\): leaseMs \(2000\) must exceed 2 x heartbeatMs \(500\) \+ the fencing margin \(200\) \+ demoteTimeoutMs \(1500\) = 2200/,
    },
    {
      name: "demote budget alone, too large for the default lease",
      args: [...good, "--demote-timeout-ms", "4000"],
      error: /--demote-timeout-ms \(DEMOTE_TIMEOUT_MS\): leaseMs \(5000\) must exceed .* demoteTimeoutMs \(4000\) = 6500/,
    },
    {
      name: "negative demote budget",
      args: [...good, "--demote-timeout-ms=-1"],
      error: /--demote-timeout-ms \(DEMOTE_TIMEOUT_MS\): must be an integer from 0/,
    },
    {
      name: "hook program that does not exist",
      args: [...good, "--on-promote", "/opt/nope/start.sh --now"],
      error: /--on-promote \(ON_PROMOTE\): \/opt\/nope\/start.sh: not found or not executable/,
    },
    {
      name: "hook program not on PATH",
      args: [...good, "--on-demote", "ENGINE=x no-such-engine-ctl stop"],
      error: /--on-demote \(ON_DEMOTE\): no-such-engine-ctl: not found/,
    },
    {
      name: "supervised program not executable",
      args: [...good, "--supervise", "/etc/passwd"],
      error: /--supervise \(SUPERVISE\): \/etc\/passwd: not found or not executable/,
    },
    { name: "empty supervised command", args: [...good, "--supervise", "  "], error: /--supervise \(SUPERVISE\): must name a program/ },
    { name: "malformed check URL", args: [...good, "--check-http", "engine=not a url"], error: /--check-http \(CHECK_HTTP\): not a url: not a valid URL/ },
    {
      name: "check URL that is not http",
      args: [...good, "--check-http", "ftp://h/x"],
      error: /--check-http \(CHECK_HTTP\): ftp:\/\/h\/x: must be an http:\/\/ or https:\/\/ URL/,
    },
    { name: "malformed HOST:PORT", args: [...good, "--check-tcp", "db.internal"], error: /--check-tcp \(CHECK_TCP\): db.internal: must be HOST:PORT/ },
    {
      name: "gateway port out of range",
      args: [...good, "--gateway", "10.0.0.1:70000"],
      error: /--gateway \(GATEWAY\): 10.0.0.1:70000: must be HOST:PORT with a port from 1 to 65535/,
    },
    { name: "check command not found", args: [...good, "--check-cmd", "disk=no-such-probe --x"], error: /--check-cmd \(CHECK_CMD\): no-such-probe: not found/ },
    { name: "bad fall count", args: [...good, "--check-fall", "0"], error: /--check-fall \(CHECK_FALL\): must be an integer from 1 to 100/ },
    { name: "bad check scope", args: [...good, "--check-when", "sometimes"], error: /--check-when \(CHECK_WHEN\): must be one of always, active/ },
    {
      name: "timeout longer than the interval",
      args: [...good, "--check-interval-ms", "500", "--check-timeout-ms", "800"],
      error: /--check-timeout-ms \(CHECK_TIMEOUT_MS\): 800 must not exceed --check-interval-ms \(500\)/,
    },
    { name: "two checks with one name", args: [...good, "--check-tcp", "a=h:1", "--check-tcp", "a=h:2"], error: /two checks are named "a"/ },
    {
      name: "heartbeat too slow for the default lease",
      args: [...good, "--heartbeat-ms", "3000"],
      error: /--heartbeat-ms \(HEARTBEAT_MS\): leaseMs \(5000\) must exceed/,
    },
    { name: "mode other than ONE or ALL", args: [...good, "--mode", "BOTH"], error: /--mode \(SERVICE_MODE\): must be one of ONE, ALL/ },
    { name: "bad service name", args: [...good, "--service", "o c r"], error: /--service \(SERVICE_NAME\): must be 1-64 letters/ },
    { name: "minimum of 0 serving nodes", args: [...good, "--min-active", "0"], error: /--min-active \(MIN_ACTIVE\): must be an integer from 1 to 1000/ },
    { name: "duplicate service in one config", args: [...good, "--service-config", dup], error: /service ocr is listed twice/ },
    {
      name: "unknown setting and bad mode in a service config",
      args: [...good, "--service-config", serviceFile({ services: [{ service: "ocr", mode: "TWO", "on-promot": "x" }] })],
      error: /service ocr: unknown setting on-promot; .*service ocr: mode: must be one of ONE, ALL/,
    },
    {
      name: "service config that is not JSON",
      args: [...good, "--service-config", serviceFile("services: [ocr]")],
      error: /--service-config \(SERVICE_CONFIG\): .*services.json: .*JSON/,
    },
    {
      name: "service config without services",
      args: [...good, "--service-config", serviceFile({ services: [] })],
      error: /expected \{ "services": \[ \{ "service": "NAME", \.\.\. \}, \.\.\. \] \} with at least one service/,
    },
    {
      name: "a per-service flag beside a service config",
      args: [...good, "--service-config", dup, "--supervise", "sleep 1"],
      error: /--supervise \(SUPERVISE\): a per-service setting; with --service-config, set it for each service in the file/,
    },
    {
      name: "bad env var",
      args: [],
      env: { CLUSTER_NAME: "c", NODE_NAME: "n", DATABASE_URL: "postgresql://h/db", LOG_LEVEL: "loud" },
      error: /--log-level \(LOG_LEVEL\)/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 2 with one clear line`, () => {
      const r = runCli(c.args, c.env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(c.error);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it("an unreachable database: retried at start, then one line naming it once --connect-timeout-ms is up", () => {
    const started = Date.now();
    const r = runCli([...good, "--connect-timeout-ms", "1000"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cluster-agent: cannot use the database at 127\.0\.0\.1:1\/db: ECONNREFUSED/);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.stdout).toMatch(/"msg":"database unreachable; retrying"/);
  });

  it("--help prints the usage", () => {
    const r = runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--on-promote CMD/);
  });
});

describe("agent lifecycle", () => {
  let t: TestDatabase;
  let clusterId: string;
  let hookDir: string;
  const agents: AgentProcess[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    clusterId = (await createCluster(t.prisma, "life")).id;
    hookDir = await mkdtemp(path.join(tmpdir(), "fc-hooks-"));
  });
  afterAll(async () => {
    await stopAll(agents);
    await t.drop();
  });

  it("restarted at once after kill -9, an agent waits for its dead predecessor's claim instead of giving up", async () => {
    const first = spawnAgent({ url: t.url, cluster: "life", node: "phoenix", priority: 0 });
    await first.waitForLine((l) => l.msg === "registered");
    first.signal("SIGKILL");
    await first.exited();
    const second = spawnAgent({ url: t.url, cluster: "life", node: "phoenix", priority: 0 });
    agents.push(second);
    await second.waitForLine((l) => l.msg === "node name still claimed; waiting once for the claim to lapse");
    await second.waitForLine((l) => l.msg === "registered", FAST.leaseMs + 5000);
    expect(second.child.exitCode).toBeNull();
  });

  it("creates its cluster with --heartbeat-ms/--lease-ms/--demote-timeout-ms, and refuses to join a cluster whose stored timings are unsafe", async () => {
    const creator = spawnAgent({
      url: t.url,
      cluster: "timed",
      node: "t1",
      args: ["--heartbeat-ms", "300", "--lease-ms", "2400", "--demote-timeout-ms", "1200"],
    });
    agents.push(creator);
    await creator.waitForLine((l) => l.msg === "registered");
    const timed = { heartbeatMs: true, leaseMs: true, demoteTimeoutMs: true };
    expect(await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "timed", service: "main" } }, select: timed })).toEqual({
      heartbeatMs: 300,
      leaseMs: 2400,
      demoteTimeoutMs: 1200,
    });
    // The database itself refuses unsafe timings, whoever writes them...
    await expect(t.prisma.cluster.create({ data: { name: "unsafe", heartbeatMs: 1000, leaseMs: 1500 } })).rejects.toThrow(/Cluster_timings_safe/);
    await expect(t.prisma.cluster.update({ where: { name_service: { name: "timed", service: "main" } }, data: { demoteTimeoutMs: 1600 } })).rejects.toThrow(
      /Cluster_timings_safe/,
    );
    // ...and an agent refuses them from a database without that constraint.
    await t.prisma.$executeRawUnsafe(`ALTER TABLE "Cluster" DROP CONSTRAINT "Cluster_timings_safe"`);
    await t.prisma.cluster.create({ data: { name: "unsafe", heartbeatMs: 1000, leaseMs: 1500 } }); // written past the console
    const refused = spawnAgent({ url: t.url, cluster: "unsafe", node: "u1" });
    expect(await refused.exited()).toBe(1);
    expect(refused.stderr()).toMatch(/cluster unsafe has unsafe timings: leaseMs \(1500\) must exceed 2 x heartbeatMs/);
    expect(await t.prisma.node.count({ where: { cluster: { name: "unsafe" } } })).toBe(0);
  });

  it("runs hooks with CLUSTER, NODE, ROLE, EPOCH; refuses a duplicate node name; hands over on SIGTERM", async () => {
    const hook = (file: string) => `echo "$CLUSTER $NODE $ROLE $EPOCH" >> ${path.join(hookDir, file)}`;
    const l1 = spawnAgent({
      url: t.url,
      cluster: "life",
      node: "l1",
      priority: 100,
      args: ["--on-promote", hook("l1-promote"), "--on-demote", hook("l1-demote")],
    });
    agents.push(l1);
    await waitFor(async () => (await activeNodes(t.prisma, clusterId)).length === 1, { what: "l1 active" });
    const l2 = spawnAgent({ url: t.url, cluster: "life", node: "l2", priority: 90, args: ["--on-promote", "exit 3"] });
    agents.push(l2);
    await l2.waitForLine((l) => l.msg === "registered");

    const dup = spawnAgent({ url: t.url, cluster: "life", node: "l1" });
    expect(await dup.exited()).toBe(1);
    expect(dup.stderr()).toMatch(/another agent is running as life\/l1 .* stop it or choose another --node name/);

    await waitFor(async () => (await readFile(path.join(hookDir, "l1-promote"), "utf8").catch(() => "")).includes("life l1 ACTIVE"), { what: "promote hook" });
    const [active] = await activeNodes(t.prisma, clusterId);
    expect(await readFile(path.join(hookDir, "l1-promote"), "utf8")).toBe(`life l1 ACTIVE ${active.activeEpoch}\n`);

    const stoppedAt = Date.now();
    l1.signal("SIGTERM");
    expect(await l1.exited()).toBe(0);
    const next = await waitFor(async () => (await activeNodes(t.prisma, clusterId)).find((n) => n.name === "l2"), { what: "handover" });
    expect(Date.now() - stoppedAt).toBeLessThan(FAST.leaseMs); // released, not waited out
    expect(await readFile(path.join(hookDir, "l1-demote"), "utf8")).toBe(`life l1 STANDBY ${active.activeEpoch}\n`);
    const released = await t.prisma.auditEvent.findFirstOrThrow({ where: { clusterId, action: "agent.released" } });
    expect([released.nodeName, released.fromRole, released.toRole]).toEqual(["l1", "ACTIVE", "STANDBY"]);

    // l2's promote hook fails: logged and audited, and l2 stays active (a hook never blocks the role).
    const failed = await waitFor(() => t.prisma.auditEvent.findFirst({ where: { clusterId, action: "hook.failed" } }), { what: "hook failure audit" });
    expect(failed.reason).toMatch(/promote hook: exit code 3/);
    expect(next.name).toBe("l2");
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs));
    expect((await activeNodes(t.prisma, clusterId)).map((n) => n.name)).toEqual(["l2"]);
  });
});
