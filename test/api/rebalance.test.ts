// POST/GET /api/v1/clusters/{name}/rebalance and `failoverctl rebalance` against the production
// build, with real agents hosting four services on two servers: the console's own timer
// (instrumentation.ts) runs the moves.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebalanceSchema } from "../../lib/api/rebalance-response-schemas";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { callApi, databaseState } from "../support/api-client";
import { FAST } from "../support/cluster-fixture";
import { seedUsers, TEST_PASSWORD } from "../support/console-fixture";
import { signIn, startNextServer, type NextServer } from "../support/next-server";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { createToken } from "../cli/api-token";
import { runCli } from "../cli/run-cli";

const SERVICES = ["export", "import", "ocr", "report"];

let t: TestDatabase;
let server: NextServer;
let dir: string;
let cookie: string;
let cliEnv: Record<string, string>;
const agents: AgentProcess[] = [];

async function startServer(node: string) {
  const file = path.join(dir, `${node}.json`);
  // A demote hook of half a second: each move is in flight long enough to be seen RUNNING.
  const services = SERVICES.map((service) => ({ service, "on-demote": "sleep 0.5", "heartbeat-ms": FAST.heartbeatMs, "lease-ms": FAST.leaseMs }));
  await writeFile(file, JSON.stringify({ services }));
  const agent = spawnAgent({ url: t.url, cluster: "ep", node, args: ["--service-config", file] });
  agents.push(agent);
  return agent;
}

async function counts(): Promise<Record<string, number>> {
  const rows = await t.prisma.node.findMany({ where: { role: "ACTIVE", leaseExpiresAt: { gt: new Date() }, cluster: { name: "ep" } }, select: { name: true } });
  const out: Record<string, number> = { s1: 0, s2: 0 };
  for (const r of rows) out[r.name]++;
  return out;
}
const beating = async (node: string, since: Date) =>
  (await t.prisma.node.count({ where: { cluster: { name: "ep" }, name: node, lastHeartbeatAt: { gt: since } } })) === SERVICES.length;

/** s1 holds all four services, s2 none (it joined after them, or left and came back). */
async function pileOnS1() {
  await waitFor(async () => (await counts()).s1 === SERVICES.length, { what: "s1 active for all", timeoutMs: 20_000 });
  const since = new Date();
  if (!agents.some((a) => a.node === "s2" && a.child.exitCode === null)) await startServer("s2");
  await waitFor(() => beating("s2", since), { what: "s2 up" });
  expect(await counts()).toEqual({ s1: 4, s2: 0 });
}

const api = (method: "GET" | "POST", p: string, body?: unknown, rawBody?: string) => callApi(server.url, cookie, { method, path: p, body, rawBody });

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "rebalance-api-"));
  await seedUsers(t.prisma);
  await startServer("s1");
  server = await startNextServer({ databaseUrl: t.url });
  cookie = await signIn(server.url, "operator@example.com", TEST_PASSWORD);
  cliEnv = { FAILOVER_URL: server.url, FAILOVER_TOKEN: (await createToken(server.url, cookie, "OPERATOR")).secret };
}, 120_000);
afterAll(async () => {
  await stopAll(agents);
  await server?.stop();
  await t?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("rebalance through the API", () => {
  it("bad input changes nothing: unknown cluster 404, unknown fields or a long reason 422, malformed JSON 400; GET before any rebalance 404", async () => {
    await pileOnS1();
    const before = await databaseState(t.prisma);
    const cases: [string, unknown, string | undefined, number, RegExp][] = [
      ["/api/v1/clusters/nope/rebalance", {}, undefined, 404, /cluster nope not found/],
      ["/api/v1/clusters/ep/rebalance", { reason: "x", services: ["ocr"] }, undefined, 422, /services|unrecognized/i],
      ["/api/v1/clusters/ep/rebalance", { reason: "x".repeat(501) }, undefined, 422, /reason/],
      ["/api/v1/clusters/ep/rebalance", undefined, "{not json", 400, /malformed JSON/],
      ["/api/v1/clusters/bad%20name/rebalance", {}, undefined, 422, /name/],
    ];
    for (const [p, body, raw, status, message] of cases) {
      const res = await (raw === undefined
        ? api("POST", p, body)
        : callApi(server.url, cookie, { method: "POST", path: p, rawBody: raw, headers: { "content-type": "application/json" } }));
      expect(res.status, p).toBe(status);
      expect((res.body as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(await databaseState(t.prisma)).toBe(before);
    expect(await t.prisma.rebalance.count()).toBe(0);
    const none = await api("GET", "/api/v1/clusters/ep/rebalance");
    expect([none.status, (none.body as { error: { message: string } }).error.message]).toEqual([404, "cluster ep has never been rebalanced"]);
  });

  it("POST answers 202 with the running rebalance; a second POST meanwhile is 409; the console's timer ends it SUCCEEDED at 2/2", async () => {
    const res = await api("POST", "/api/v1/clusters/ep/rebalance", { reason: "s2 is back" });
    expect(res.status).toBe(202);
    const r = rebalanceSchema.parse(res.body);
    expect(r).toMatchObject({ clusterName: "ep", status: "RUNNING", requestedBy: "user:operator@example.com", reason: "s2 is back" });
    expect(r.moves.length).toBeLessThanOrEqual(1); // the first move was requested at once (unless a console's timer had the row)

    const again = await api("POST", "/api/v1/clusters/ep/rebalance", {});
    expect(again.status).toBe(409);
    expect((again.body as { error: { message: string } }).error.message).toBe(
      `a rebalance of ep is already running (${r.id}, requested by user:operator@example.com)`,
    );

    const done = await waitFor(
      async () => {
        const g = await api("GET", "/api/v1/clusters/ep/rebalance");
        const view = rebalanceSchema.parse(g.body);
        return view.status !== "RUNNING" && view;
      },
      { what: "rebalance ends", timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(done).toMatchObject({ id: r.id, status: "SUCCEEDED", error: null, currentCommandId: null });
    expect(done.moves.map((m) => [m.from, m.to, m.status])).toEqual([
      ["s1", "s2", "SUCCEEDED"],
      ["s1", "s2", "SUCCEEDED"],
    ]);
    expect(await counts()).toEqual({ s1: 2, s2: 2 });
    const commands = await t.prisma.command.findMany({ where: { id: { in: done.moves.map((m) => m.commandId) } }, orderBy: { createdAt: "asc" } });
    expect(commands.map((c) => [c.kind, c.status])).toEqual([
      ["SWITCHOVER", "SUCCEEDED"],
      ["SWITCHOVER", "SUCCEEDED"],
    ]);
    expect(commands[1].createdAt.getTime()).toBeGreaterThanOrEqual(commands[0].finishedAt!.getTime());
    const audit = await t.prisma.auditEvent.findMany({ where: { action: { startsWith: "rebalance." } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ["rebalance.requested", "user:operator@example.com"],
      ["rebalance.finished", "user:operator@example.com"],
    ]);
  });

  it("with nothing to do, POST answers 202 SUCCEEDED at once", async () => {
    const res = await api("POST", "/api/v1/clusters/ep/rebalance");
    expect(res.status).toBe(202);
    expect(rebalanceSchema.parse(res.body)).toMatchObject({ status: "SUCCEEDED", moves: [], error: null });
  });
});

describe("failoverctl rebalance", () => {
  it("--wait follows the moves to the end (exit 0); again: already even; usage and unknown cluster exit 2 and 6", async () => {
    // s2 leaves (its services go to s1) and comes back: 4/0 again.
    const s2 = agents.find((a) => a.node === "s2")!;
    s2.signal("SIGTERM");
    await s2.exited();
    await pileOnS1();

    const run = await runCli(["rebalance", "ep", "--wait", "--reason", "from the CLI"], cliEnv);
    expect(run.stderr).toMatch(/^ep: rebalance requested \(/);
    expect(run.stderr).toMatch(/ep: \w+ s1 -> s2 SUCCEEDED/);
    expect(run.stdout).toMatch(/^ep: rebalance SUCCEEDED in [\d.]+ m?s: 2 moves \(\w+ s1 -> s2, \w+ s1 -> s2\)\n$/);
    expect(run.code).toBe(0);
    expect(await counts()).toEqual({ s1: 2, s2: 2 });
    expect((await t.prisma.rebalance.findFirstOrThrow({ orderBy: { createdAt: "desc" } })).reason).toBe("from the CLI");

    const even = await runCli(["rebalance", "ep"], cliEnv);
    expect([even.code, even.stdout]).toEqual([0, "ep: rebalance SUCCEEDED: already even, nothing to move\n"]);
    const json = await runCli(["rebalance", "ep", "--json"], cliEnv);
    expect(rebalanceSchema.parse(JSON.parse(json.stdout))).toMatchObject({ status: "SUCCEEDED" });

    const unknown = await runCli(["rebalance", "nope"], cliEnv);
    expect([unknown.code, unknown.stderr]).toEqual([6, "failoverctl: cluster nope not found\n"]);
    const usage = await runCli(["rebalance", "ep", "--to", "s2"], cliEnv);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/rebalance: unknown option --to/);
  });
});
