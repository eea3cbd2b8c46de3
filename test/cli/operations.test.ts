// failoverctl as an operator runs it: the bundled CLI as a process, the real console (production
// build), real agents in a real PostgreSQL. Role changes are followed to their end; the database
// says whether the CLI told the truth.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterDetailSchema } from "../../lib/api/response-schemas";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, createCluster, FAST, overlapsFromLogs } from "../support/cluster-fixture";
import { seedUsers, TEST_PASSWORD } from "../support/console-fixture";
import { signIn, startNextServer, type NextServer } from "../support/next-server";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { createToken } from "./api-token";
import { CLI_BUNDLE, runCli } from "./run-cli";

let t: TestDatabase;
let server: NextServer;
let env: Record<string, string>;
let clusterId: string;
const agents: AgentProcess[] = [];
const agent = (node: string) => agents.find((a) => a.node === node)!;
const activeName = async () => (await activeNodes(t.prisma, clusterId)).map((n) => n.name);
const cli = (...args: string[]) => runCli(args, env);
/** The active once it renews its lease (after a freeze it may still be ACTIVE in the database while it fences itself). */
async function renewingActive(): Promise<string> {
  const renewing = () => t.prisma.$queryRaw<{ name: string }[]>`
    SELECT name FROM "Node" WHERE "clusterId" = ${clusterId}::uuid AND role = 'ACTIVE' AND "leaseExpiresAt" > now() + interval '3.5 seconds'`;
  const [{ name }] = await waitFor(
    async () => {
      const rows = await renewing();
      return rows.length === 1 && rows;
    },
    { what: "an active renewing its lease" },
  );
  return name;
}

beforeAll(async () => {
  t = await createTestDatabase();
  await seedUsers(t.prisma);
  // A lease of 4 s (heartbeat 250 ms): a frozen active still holds it well past a 1 s command deadline.
  clusterId = (await createCluster(t.prisma, "prod", { ...FAST, leaseMs: 4000 })).id;
  for (const [node, priority] of [
    ["n1", 100],
    ["n2", 90],
    ["n3", 80],
  ] as const)
    agents.push(spawnAgent({ url: t.url, cluster: "prod", node, priority }));
  server = await startNextServer({ databaseUrl: t.url });
  const cookie = await signIn(server.url, "operator@example.com", TEST_PASSWORD);
  env = { FAILOVER_URL: server.url, FAILOVER_TOKEN: (await createToken(server.url, cookie, "OPERATOR")).secret };
  await waitFor(async () => (await activeName()).length === 1 && (await t.prisma.node.count({ where: { clusterId } })) === 3, { what: "cluster up" });
}, 90_000);
afterAll(async () => {
  await stopAll(agents);
  await server?.stop();
  await t?.drop();
});

describe("failoverctl against the real console and agents", () => {
  it("list: one row per node, like patronictl list; --json is the documented cluster detail", async () => {
    const [active] = await activeName();
    const res = await cli("list");
    expect(res).toMatchObject({ code: 0, stderr: "" });
    const [header, ...rows] = res.stdout.trimEnd().split("\n");
    expect(header.split(/\s{2,}/)).toEqual(["CLUSTER", "NODE", "ROLE", "HEALTH", "CHECKS", "HEARTBEAT", "LEASE LEFT", "EPOCH", "PRIORITY", "MAINTENANCE"]);
    expect(rows.map((r) => r.split(/\s{2,}/).slice(0, 4))).toEqual(["n1", "n2", "n3"].map((n) => ["prod", n, n === active ? "ACTIVE" : "STANDBY", "healthy"]));
    expect(rows.find((r) => r.includes("ACTIVE"))).toMatch(/ACTIVE\s+healthy\s+PASSING\s+[\d.]+ m?s\s+[\d.]+ s\s+\d+\s+\d+\s+no$/);

    const json = await cli("list", "--json");
    expect(json.code, json.stderr).toBe(0);
    const { clusters } = JSON.parse(json.stdout) as { clusters: unknown[] };
    expect(clusters.map((c) => clusterDetailSchema.parse(c).cluster.name)).toEqual(["prod"]);
  });

  it("switchover --to NODE: progress on stderr, exit 0, the new active on stdout and in the database; the reason audited", async () => {
    const [old] = await activeName();
    const target = old === "n1" ? "n2" : "n1";
    const res = await cli("switchover", "prod", "--to", target, "--reason", "patching the kernel");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(new RegExp(`^prod: switchover to ${target} requested \\(command [0-9a-f-]{36}\\)\\n`));
    expect(res.stdout).toMatch(new RegExp(`^prod: switchover to ${target} SUCCEEDED in [\\d.]+ (ms|s); ${target} is active \\(epoch \\d+\\)\\n$`));
    expect(await activeName()).toEqual([target]);
    expect(await t.prisma.auditEvent.findFirst({ where: { clusterId, action: "command.requested" }, orderBy: { id: "desc" } })).toMatchObject({
      actor: "user:operator@example.com",
      nodeName: target,
      reason: "patching the kernel",
    });
  });

  it("show and history: the cluster, and which node was active when", async () => {
    const [active] = await activeName();
    const show = await cli("show", "prod");
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^cluster prod {2}epoch \d+ {2}mode AUTOMATIC {2}paused no\n/);
    expect(show.stdout).toMatch(/SWITCHOVER\s+\S+\s+SUCCEEDED\s+user:operator@example.com\s+patching the kernel/);

    const history = await cli("history", "prod");
    expect(history.code).toBe(0);
    const rows = history.stdout.trimEnd().split("\n").slice(2);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.at(-1)).toMatch(new RegExp(`now\\s+.+\\s+${active}\\s+\\d+$`));
  });

  it("maintenance, priority, pause and resume: applied, each with its reason in the audit", async () => {
    const standby = (await t.prisma.node.findFirstOrThrow({ where: { clusterId, role: "STANDBY" }, orderBy: { name: "asc" } })).name;
    expect(await cli("maintenance", "prod", standby, "on", "--reason", "disk swap")).toMatchObject({
      code: 0,
      stdout: `prod/${standby}: maintenance on, priority ${standby === "n2" ? 90 : standby === "n1" ? 100 : 80}\n`,
    });
    expect(await cli("priority", "prod", standby, "7")).toMatchObject({ code: 0, stdout: `prod/${standby}: maintenance on, priority 7\n` });
    expect(await cli("maintenance", "prod", standby, "off")).toMatchObject({ code: 0 });
    expect(await t.prisma.node.findFirstOrThrow({ where: { clusterId, name: standby } })).toMatchObject({ maintenance: false, priority: 7 });

    expect(await cli("pause", "prod", "--reason", "change window")).toMatchObject({ code: 0, stdout: "prod: automatic failover paused\n" });
    expect((await t.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).paused).toBe(true);
    expect((await cli("list")).stdout).toContain("prod: automatic failover paused");
    expect(await cli("resume", "prod")).toMatchObject({ code: 0, stdout: "prod: automatic failover resumed\n" });
    const audit = await cli("audit", "--cluster", "prod", "--actor", "operator@", "--json");
    const { events } = JSON.parse(audit.stdout) as { events: { action: string; reason: string }[] };
    expect(events.slice(0, 5).map((e) => [e.action, e.reason])).toEqual([
      ["cluster.resumed", ""],
      ["cluster.paused", "change window"],
      ["node.maintenance_off", ""],
      ["node.priority_changed", ""],
      ["node.maintenance_on", "disk swap"],
    ]);
  });

  it("audit --follow prints events as they happen", async () => {
    const follower = spawn(process.execPath, [CLI_BUNDLE, "audit", "--cluster", "prod", "--follow", "--limit", "1"], { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    follower.stdout.on("data", (b: Buffer) => (out += b.toString()));
    follower.stderr.on("data", (b: Buffer) => (err += b.toString()));
    try {
      await waitFor(async () => out.includes("cluster.resumed"), { what: "the latest event" });
      expect(await cli("pause", "prod", "--reason", "followed")).toMatchObject({ code: 0 });
      await waitFor(async () => /cluster\.paused\s+prod\s+\d+\s+followed\n/.test(out), { what: `the new event in the follower's output (${out} ${err})` });
    } finally {
      follower.kill("SIGTERM");
      expect(await cli("resume", "prod")).toMatchObject({ code: 0 });
    }
  });

  it("a switchover that expires exits 1 with the reason; the role stays where it was", async () => {
    const old = await renewingActive();
    const target = old === "n1" ? "n2" : "n1";
    // The active frozen: it never starts stepping down, and still holds its lease at the 1 s deadline.
    agent(old).signal("SIGSTOP");
    try {
      const res = await cli("switchover", "prod", "--to", target, "--timeout", "1");
      expect(res.code, res.stderr).toBe(1);
      expect(res.stdout).toBe("");
      expect(res.stderr.trimEnd().split("\n").at(-1)).toBe(
        `failoverctl: prod: switchover to ${target} EXPIRED: the active node did not step down before the deadline`,
      );
    } finally {
      agent(old).signal("SIGCONT");
    }
    const command = await t.prisma.command.findFirstOrThrow({ where: { clusterId }, orderBy: { createdAt: "desc" } });
    expect(command).toMatchObject({ status: "EXPIRED", targetName: target });
  });

  it("Ctrl-C while following a switchover stops the waiting, not the command (exit 130, says how to look it up)", async () => {
    // Frozen now, an active that just renewed its 4 s lease holds the role for the whole test.
    const old = await renewingActive();
    const target = old === "n1" ? "n2" : "n1";
    agent(old).signal("SIGSTOP");
    try {
      const follower = spawn(process.execPath, [CLI_BUNDLE, "switchover", "prod", "--to", target], { env: { ...process.env, ...env } });
      let err = "";
      follower.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number | null>((resolve) => follower.on("close", resolve));
      await waitFor(async () => err.includes("requested"), { what: "the request" });
      follower.kill("SIGINT");
      expect(await exited).toBe(130);
      const id = /command ([0-9a-f-]{36})/.exec(err)![1];
      expect(err.trimEnd().split("\n").at(-1)).toBe(`stopped waiting; switchover to ${target} goes on (command ${id}): failoverctl show prod`);
      expect(await t.prisma.command.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "PENDING" });
    } finally {
      // Cancelled whatever happened above, so the tests after this one start with no open command.
      for (const { id } of await t.prisma.command.findMany({ where: { clusterId, status: "PENDING" } }))
        await fetch(`${server.url}/api/v1/clusters/prod/commands/${id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${env.FAILOVER_TOKEN}` } });
      agent(old).signal("SIGCONT");
    }
  });

  it("demote --no-wait returns at once with the command; it then succeeds and another node takes over; no overlap", async () => {
    await renewingActive();
    const res = await cli("demote", "prod", "--no-wait", "--json");
    expect(res.code, res.stderr).toBe(0);
    const command = JSON.parse(res.stdout) as { id: string; kind: string; status: string; targetNode: string };
    expect(command).toMatchObject({ kind: "DEMOTE", status: "PENDING" });
    // demote without NODE aims at the active of the moment.
    const old = command.targetNode;
    await waitFor(async () => (await t.prisma.command.findUniqueOrThrow({ where: { id: command.id } })).status === "SUCCEEDED", { what: "the demote" });
    await waitFor(
      async () => {
        const now = await activeName();
        return now.length === 1 && now[0] !== old;
      },
      { what: "another node elected" },
    );
    expect(overlapsFromLogs(agents)).toEqual([]);
  });

  it("with failover paused, demote leaves no active (exit 0, said so); promote NODE then makes it active", async () => {
    const [old] = await activeName();
    expect(await cli("pause", "prod")).toMatchObject({ code: 0 });
    try {
      const demoted = await cli("demote", "prod");
      expect(demoted.code, demoted.stderr).toBe(0);
      expect(demoted.stdout).toMatch(new RegExp(`^prod: demote of ${old} SUCCEEDED in .+; no node is active yet\\n$`));
      expect(await activeName()).toEqual([]);
      const res = await cli("promote", "prod", "n1", "--reason", "back to the first site");
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/^prod: promote to n1 SUCCEEDED in .+; n1 is active \(epoch \d+\)\n$/);
      expect(await activeName()).toEqual(["n1"]);
    } finally {
      await cli("resume", "prod");
    }
  });

  it("remove NODE: refused with the reason while its agent runs (exit 1), done once it has been silent for a lease", async () => {
    expect(await activeName()).not.toEqual(["n3"]);
    const refused = await cli("remove", "prod", "n3");
    expect(refused).toMatchObject({ code: 1, stdout: "", stderr: expect.stringMatching(/^failoverctl: n3 is still heartbeating; stop its agent first/) });
    agent("n3").signal("SIGKILL");
    await agent("n3").exited();
    // Silent for longer than the 4 s lease, on the database clock.
    await waitFor(
      async () =>
        (await t.prisma.$queryRaw<{ silent: boolean }[]>`SELECT "lastHeartbeatAt" < now() - interval '4.2 seconds' AS silent FROM "Node" WHERE name = 'n3'`)[0]
          .silent,
      { what: "n3 silent for a lease", timeoutMs: 10_000 },
    );
    expect(await cli("remove", "prod", "n3", "--reason", "decommissioned")).toMatchObject({ code: 0, stdout: "prod/n3: removed\n" });
    expect(await t.prisma.node.count({ where: { clusterId, name: "n3" } })).toBe(0);
    const { nodes } = clusterDetailSchema.parse(JSON.parse((await cli("show", "prod", "--json")).stdout));
    expect(nodes.map((n) => n.name)).toEqual(["n1", "n2"]);
  });
});
