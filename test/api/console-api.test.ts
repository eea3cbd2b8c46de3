// The API's accepted requests, in the order an operator makes them, as a table of
// request -> status and body; each row also states what it must have written to the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WARM_CONNECTIONS, type PrismaClient } from "../../lib/db/client";
import { waitFor } from "../support/agent-process";
import { callApi, databaseState, type ApiRequest, type ApiResponse } from "../support/api-client";
import { seedCluster, seedUsers, TEST_PASSWORD } from "../support/console-fixture";
import { signIn, startNextServer, type NextServer } from "../support/next-server";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

type Role = "admin" | "operator" | "viewer";
type Step = {
  name: string;
  as: Role;
  request: ApiRequest | (() => ApiRequest);
  expectedStatus: number;
  expectedBody?: unknown;
  /** What the database must show afterwards; omitted = unchanged. */
  check?: (prisma: PrismaClient, res: ApiResponse) => Promise<void>;
};

let commandId = "";
const lastAudit = (prisma: PrismaClient) => prisma.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" } });

const STEPS: Step[] = [
  {
    name: "list clusters with active node, standby count and health summary",
    as: "viewer",
    request: { path: "/api/v1/clusters" },
    expectedStatus: 200,
    expectedBody: {
      clusters: [
        {
          name: "alpha",
          epoch: "1",
          active: { name: "node-a", health: "healthy" },
          nodeCount: 3,
          standbyCount: 2,
          eligibleStandbyCount: 1,
          health: { healthy: 2, suspect: 0, down: 1 },
          checks: { failing: 0, isolated: 0 },
          status: "degraded",
          openCommand: null,
        },
        { name: "beta", active: { name: "node-x" }, nodeCount: 2, standbyCount: 1, status: "ok" },
      ],
    },
  },
  {
    name: "cluster detail: down node shown as down, ages from the database clock, epochs as strings",
    as: "viewer",
    request: { path: "/api/v1/clusters/alpha" },
    expectedStatus: 200,
    expectedBody: {
      cluster: {
        name: "alpha",
        epoch: "1",
        paused: false,
        failoverMode: "AUTOMATIC",
        heartbeatMs: 60_000,
        leaseMs: 180_000,
        demoteTimeoutMs: 1000,
        checkHoldOffMs: 60_000,
        failoverLimit: 3,
        failoverWindowMs: 600_000,
        pausedReason: null,
      },
      nodes: [
        {
          name: "node-a",
          role: "ACTIVE",
          health: "healthy",
          activeEpoch: "1",
          host: "node-a.local",
          agentVersion: "0.1.0",
          checkStatus: "UNKNOWN",
          isolated: false,
          checkSince: null,
          checks: [],
        },
        { name: "node-b", role: "STANDBY", health: "healthy", leaseRemainingMs: null },
        { name: "node-c", role: "STANDBY", health: "down", heartbeatAgeMs: expect.any(Number) },
      ],
      commands: [],
    },
    check: async (_p, res) => {
      const c = (res.body as { nodes: { name: string; heartbeatAgeMs: number; leaseRemainingMs: number | null }[] }).nodes;
      expect(c[2].heartbeatAgeMs).toBeGreaterThanOrEqual(600_000);
      expect(c[0].leaseRemainingMs).toBeGreaterThan(3_000_000);
    },
  },
  {
    name: "operator requests a switchover",
    as: "operator",
    request: {
      method: "POST",
      path: "/api/v1/clusters/alpha/commands",
      body: { kind: "SWITCHOVER", targetNode: "node-b", reason: "patching node-a", timeoutMs: 60_000 },
    },
    expectedStatus: 201,
    expectedBody: { kind: "SWITCHOVER", status: "PENDING", targetNode: "node-b", requestedBy: "user:operator@example.com", reason: "patching node-a" },
    check: async (prisma, res) => {
      commandId = (res.body as { id: string }).id;
      expect(res.headers.get("location")).toBe(`/api/v1/clusters/alpha/commands/${commandId}`);
      expect(await lastAudit(prisma)).toMatchObject({
        action: "command.requested",
        actor: "user:operator@example.com",
        nodeName: "node-b",
        commandId,
        reason: "patching node-a",
      });
    },
  },
  {
    name: "a second command while one is open is a conflict",
    as: "operator",
    request: { method: "POST", path: "/api/v1/clusters/alpha/commands", body: { kind: "SWITCHOVER", targetNode: "node-b" } },
    expectedStatus: 409,
    expectedBody: { error: { code: "CONFLICT", message: expect.stringMatching(/already in progress/) } },
  },
  {
    name: "the open command shows in the overview",
    as: "viewer",
    request: { path: "/api/v1/clusters" },
    expectedStatus: 200,
    expectedBody: { clusters: [{ openCommand: { kind: "SWITCHOVER", status: "PENDING", targetNode: "node-b" } }, { openCommand: null }] },
  },
  {
    name: "the command's progress",
    as: "viewer",
    request: () => ({ path: `/api/v1/clusters/alpha/commands/${commandId}` }),
    expectedStatus: 200,
    expectedBody: { status: "PENDING", targetNode: "node-b", error: null, deadline: expect.any(String), hookOutcomes: null },
  },
  {
    name: "the command is not reachable through another cluster's path",
    as: "viewer",
    request: () => ({ path: `/api/v1/clusters/beta/commands/${commandId}` }),
    expectedStatus: 404,
    expectedBody: { error: { code: "NOT_FOUND" } },
  },
  {
    name: "operator cancels the pending command",
    as: "operator",
    request: () => ({ method: "POST", path: `/api/v1/clusters/alpha/commands/${commandId}/cancel` }),
    expectedStatus: 200,
    expectedBody: { status: "CANCELLED", error: expect.stringMatching(/cancelled by user:operator@example.com/) },
    check: async (prisma) => expect(await lastAudit(prisma)).toMatchObject({ action: "command.cancelled", actor: "user:operator@example.com", commandId }),
  },
  {
    name: "cancelling twice is a conflict",
    as: "operator",
    request: () => ({ method: "POST", path: `/api/v1/clusters/alpha/commands/${commandId}/cancel` }),
    expectedStatus: 409,
    expectedBody: { error: { code: "CONFLICT", message: expect.stringMatching(/cancelled/) } },
  },
  {
    name: "operator pauses automatic failover",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true, reason: "maintenance window" } },
    expectedStatus: 200,
    expectedBody: { cluster: { paused: true } },
    check: async (prisma) => {
      expect((await prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "alpha", service: "main" } } })).paused).toBe(true);
      expect(await lastAudit(prisma)).toMatchObject({
        action: "cluster.paused",
        actor: "user:operator@example.com",
        clusterName: "alpha",
        reason: "maintenance window",
      });
    },
  },
  {
    name: "pausing again changes nothing and audits nothing",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true } },
    expectedStatus: 200,
    expectedBody: { cluster: { paused: true } },
  },
  {
    name: "operator puts node-b into maintenance",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { maintenance: true } },
    expectedStatus: 200,
    expectedBody: { name: "node-b", maintenance: true },
    check: async (prisma) =>
      expect(await lastAudit(prisma)).toMatchObject({ action: "node.maintenance_on", nodeName: "node-b", actor: "user:operator@example.com" }),
  },
  {
    name: "a node in maintenance cannot be the target of a switchover",
    as: "operator",
    request: { method: "POST", path: "/api/v1/clusters/alpha/commands", body: { kind: "SWITCHOVER", targetNode: "node-b" } },
    expectedStatus: 409,
    expectedBody: { error: { code: "PRECONDITION_FAILED", message: expect.stringMatching(/maintenance/) } },
  },
  {
    name: "operator sets node-c's priority to 0",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-c", body: { priority: 0 } },
    expectedStatus: 200,
    expectedBody: { name: "node-c", priority: 0 },
    check: async (prisma) =>
      expect(await lastAudit(prisma)).toMatchObject({ action: "node.priority_changed", nodeName: "node-c", details: { from: 100, to: 0 } }),
  },
  {
    name: "admin changes timings and mode (checked as a pair)",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { failoverMode: "MANUAL", heartbeatMs: 500, leaseMs: 3000 } },
    expectedStatus: 200,
    expectedBody: { cluster: { failoverMode: "MANUAL", heartbeatMs: 500, leaseMs: 3000 } },
    check: async (prisma) =>
      expect(await lastAudit(prisma)).toMatchObject({
        action: "cluster.settings_changed",
        actor: "user:admin@example.com",
        details: { failoverMode: { from: "AUTOMATIC", to: "MANUAL" }, heartbeatMs: { from: 60000, to: 500 }, leaseMs: { from: 180000, to: 3000 } },
      }),
  },
  {
    name: "audit filtered by actor and action, newest first",
    as: "viewer",
    request: { path: "/api/v1/audit?actor=OPERATOR@example&action=command.requested" },
    expectedStatus: 200,
    expectedBody: { events: [{ action: "command.requested", actor: "user:operator@example.com", id: expect.stringMatching(/^\d+$/) }], nextBefore: null },
  },
  {
    name: "audit keyset paging: a page of 2 with a cursor",
    as: "viewer",
    request: { path: "/api/v1/audit?cluster=alpha&limit=2" },
    expectedStatus: 200,
    expectedBody: { events: [{ action: "cluster.settings_changed" }, { action: "node.priority_changed" }], nextBefore: expect.stringMatching(/^\d+$/) },
  },
  {
    name: "audit in a time range that holds nothing",
    as: "viewer",
    request: { path: "/api/v1/audit?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z" },
    expectedStatus: 200,
    expectedBody: { events: [], nextBefore: null },
  },
  // alpha's timings are now heartbeat 500 ms, lease 3000 ms (fencing margin 300 ms): room for a demote budget of up to 1699 ms.
  {
    name: "admin sets the demote budget: audited with from and to",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: 1500, reason: "engine needs 1.2 s to stop" } },
    expectedStatus: 200,
    expectedBody: { cluster: { heartbeatMs: 500, leaseMs: 3000, demoteTimeoutMs: 1500 } },
    check: async (prisma) => {
      expect((await prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "alpha", service: "main" } } })).demoteTimeoutMs).toBe(1500);
      expect(await lastAudit(prisma)).toMatchObject({
        action: "cluster.settings_changed",
        actor: "user:admin@example.com",
        reason: "engine needs 1.2 s to stop",
        details: { demoteTimeoutMs: { from: 1000, to: 1500 } },
      });
      expect(Object.keys((await lastAudit(prisma)).details as object)).toEqual(["demoteTimeoutMs"]);
    },
  },
  {
    name: "a demote budget the lease has no room for is refused with the numbers, nothing changed",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: 1700 } },
    expectedStatus: 422,
    expectedBody: {
      error: { code: "INVALID", message: "leaseMs (3000) must exceed 2 x heartbeatMs (1000) + the fencing margin (300) + demoteTimeoutMs (1700) = 3000" },
    },
  },
  {
    name: "a lease shortened below heartbeats + margin + the stored budget is refused too, nothing changed",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { leaseMs: 2500, failoverMode: "AUTOMATIC" } },
    expectedStatus: 422,
    expectedBody: {
      error: { code: "INVALID", message: "leaseMs (2500) must exceed 2 x heartbeatMs (1000) + the fencing margin (250) + demoteTimeoutMs (1500) = 2750" },
    },
  },
  {
    name: "admin sets flap damping: audited with from and to",
    as: "admin",
    request: {
      method: "PATCH",
      path: "/api/v1/clusters/alpha",
      body: { checkHoldOffMs: 30_000, failoverLimit: 5, failoverWindowMs: 300_000, reason: "flappy engine" },
    },
    expectedStatus: 200,
    expectedBody: { cluster: { checkHoldOffMs: 30_000, failoverLimit: 5, failoverWindowMs: 300_000 } },
    check: async (prisma) => {
      expect(await prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "alpha", service: "main" } } })).toMatchObject({
        checkHoldOffMs: 30_000,
        failoverLimit: 5,
        failoverWindowMs: 300_000,
      });
      expect(await lastAudit(prisma)).toMatchObject({
        action: "cluster.settings_changed",
        actor: "user:admin@example.com",
        reason: "flappy engine",
        details: { checkHoldOffMs: { from: 60_000, to: 30_000 }, failoverLimit: { from: 3, to: 5 }, failoverWindowMs: { from: 600_000, to: 300_000 } },
      });
    },
  },
  {
    name: "the same flap damping again changes nothing and audits nothing",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { failoverLimit: 5 } },
    expectedStatus: 200,
    expectedBody: { cluster: { failoverLimit: 5 } },
  },
  {
    name: "timeline of the active node from the audit log",
    as: "viewer",
    request: { path: "/api/v1/clusters/alpha/timeline" },
    expectedStatus: 200,
    expectedBody: {
      cluster: "alpha",
      nodes: ["node-a", "node-b", "node-c"],
      intervals: [
        { node: "node-b", epoch: "0", ongoing: false },
        { node: "node-a", epoch: "1", ongoing: true },
      ],
    },
    check: async (_p, res) => {
      const { intervals } = res.body as { intervals: { from: string; to: string }[] };
      expect(new Date(intervals[0].to).getTime() - new Date(intervals[0].from).getTime()).toBeCloseTo(600_000, -3);
      expect(intervals[1].from).toBe(intervals[0].to);
    },
  },
  {
    name: "OpenAPI document lists every route",
    as: "viewer",
    request: { path: "/api/v1/openapi.json" },
    expectedStatus: 200,
    expectedBody: {
      openapi: "3.1.0",
      paths: {
        "/api/v1/clusters": expect.any(Object),
        "/api/v1/clusters/{name}": { get: expect.any(Object), patch: expect.any(Object) },
        "/api/v1/clusters/{name}/commands": {
          post: { requestBody: { content: { "application/json": { schema: { properties: { kind: { enum: ["PROMOTE", "DEMOTE", "SWITCHOVER"] } } } } } } },
        },
        "/api/v1/audit.csv": expect.any(Object),
        "/api/metrics": expect.any(Object),
      },
    },
  },
];

describe("the API, step by step as an operator uses it", () => {
  let t: TestDatabase;
  let server: NextServer;
  const cookies: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedUsers(t.prisma);
    await seedCluster({
      prisma: t.prisma,
      name: "alpha",
      nodes: [{ name: "node-a", role: "ACTIVE" }, { name: "node-b" }, { name: "node-c", heartbeatAgoMs: 600_000 }],
    });
    await seedCluster({ prisma: t.prisma, name: "beta", nodes: [{ name: "node-x", role: "ACTIVE" }, { name: "node-y" }] });
    // The timeline is built from audit rows with roles, as the agents write them.
    await t.prisma.$executeRaw`
      INSERT INTO "AuditEvent" (at, actor, action, "clusterName", "nodeName", "fromRole", "toRole", epoch) VALUES
        (now() - interval '20 minutes', 'agent:alpha/node-b', 'failover.promoted', 'alpha', 'node-b', 'STANDBY', 'ACTIVE', 0),
        (now() - interval '10 minutes', 'agent:alpha/node-b', 'command.demoted', 'alpha', 'node-b', 'ACTIVE', 'STANDBY', 0),
        (now() - interval '10 minutes', 'agent:alpha/node-a', 'command.promoted', 'alpha', 'node-a', 'STANDBY', 'ACTIVE', 1)`;
    server = await startNextServer({ databaseUrl: t.url, env: { METRICS_TOKEN: "metrics-token-for-tests" } });
    for (const role of ["admin", "operator", "viewer"] as const) cookies[role] = await signIn(server.url, `${role}@example.com`, TEST_PASSWORD);
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  // Sequential on purpose: each step starts from the state the previous one left.
  for (const step of STEPS) {
    it(`${step.name} -> ${step.expectedStatus}`, async () => {
      const before = await databaseState(t.prisma);
      const request = typeof step.request === "function" ? step.request() : step.request;
      const res = await callApi(server.url, cookies[step.as], request);
      expect({ status: res.status, body: res.body }).toMatchObject({ status: step.expectedStatus, body: step.expectedBody ?? expect.anything() });
      if (step.check) {
        await step.check(t.prisma, res);
      } else {
        expect(await databaseState(t.prisma)).toBe(before);
      }
    });
  }

  it("every answer says where its time went (Server-Timing: authentication, handler)", async () => {
    for (const path of ["/api/v1/clusters", "/api/v1/clusters/alpha", "/api/v1/audit.csv?cluster=alpha"]) {
      const res = await callApi(server.url, cookies.viewer, { path });
      expect(res.headers.get("server-timing"), path).toMatch(/^auth;dur=\d+(\.\d)?, handler;dur=\d+(\.\d)?$/);
    }
  });

  it("the console keeps its warmed connections open, named in pg_stat_activity, and opens them again when the database ends them", async () => {
    const named = async () =>
      (
        await t.prisma.$queryRaw<{ pid: number }[]>`
          SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'failover-console'`
      ).map((r) => r.pid);
    // Opened at start, more than these steps ever need at once.
    const first = await waitFor(
      async () => {
        const pids = await named();
        return pids.length >= WARM_CONNECTIONS ? pids : null;
      },
      {
        what: `${WARM_CONNECTIONS} console connections`,
      },
    );
    // As a database restart or failover does to every connection.
    await t.prisma
      .$queryRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'failover-console'`;
    await waitFor(async () => (await named()).filter((pid) => !first.includes(pid)).length >= WARM_CONNECTIONS, {
      what: `${WARM_CONNECTIONS} new console connections`,
    });
    expect((await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters" })).status).toBe(200);
  });

  it("CSV export: same filters, a header, one row per event, formulas neutralised", async () => {
    const json = (await callApi(server.url, cookies.viewer, { path: "/api/v1/audit?cluster=alpha" })).body as { events: { id: string }[] };
    const res = await callApi(server.url, cookies.viewer, { path: "/api/v1/audit.csv?cluster=alpha" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="audit-.*\.csv"/);
    const lines = res.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("id,at,actor,action,cluster,service,node,fromRole,toRole,epoch,commandId,reason,details");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(json.events.map((e) => e.id));
  });

  it("metrics: refused signed out, served with the token or a session, in Prometheus text", async () => {
    await t.prisma.$executeRaw`UPDATE "Node" SET "lastHeartbeatAt" = now() - interval '10 seconds' WHERE name IN ('node-a', 'node-b')`;
    expect((await callApi(server.url, null, { path: "/api/metrics" })).status).toBe(401);
    const res = await callApi(server.url, null, { path: "/api/metrics", headers: { authorization: "Bearer metrics-token-for-tests" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    // alpha's lease is 3 s since the admin's change, and its heartbeats are 10 s old: all down.
    expect(res.text).toContain('failover_nodes{cluster="alpha",service="main",role="active",health="down"} 1');
    expect(res.text).toContain('failover_nodes{cluster="alpha",service="main",role="standby",health="down"} 2');
    expect(res.text).toContain('failover_nodes{cluster="beta",service="main",role="active",health="healthy"} 1');
    expect(res.text).toContain('failover_commands{cluster="alpha",service="main",status="cancelled"} 1');
    expect(res.text).toContain('failover_automatic_failovers_total{cluster="alpha",service="main"} 1');
    expect(res.text).toContain('failover_commanded_promotions_total{cluster="alpha",service="main"} 1');
    expect(res.text).toContain('failover_automatic_failovers_total{cluster="beta",service="main"} 0');
    expect(res.text).toContain('failover_cluster_paused{cluster="alpha",service="main"} 1');
    expect((await callApi(server.url, cookies.viewer, { path: "/api/metrics" })).status).toBe(200);
  });

  it("a command no agent acts on expires at its deadline, with the reason: the console's own sweep, not a read, ends it", async () => {
    const created = await callApi(server.url, cookies.operator, {
      method: "POST",
      path: "/api/v1/clusters/beta/commands",
      body: { kind: "SWITCHOVER", targetNode: "node-y", timeoutMs: 1000 },
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    // Nobody reads the cluster meanwhile: the console's sweep (every second) expires it by itself.
    await waitFor(async () => (await t.prisma.command.findUniqueOrThrow({ where: { id } })).status === "EXPIRED", {
      timeoutMs: 5_000,
      what: "the command to expire",
    });
    const res = await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters/beta" });
    expect(res.body).toMatchObject({
      commands: [{ id, status: "EXPIRED", error: "the active node did not step down before the deadline" }],
    });
    expect(await t.prisma.auditEvent.findFirst({ where: { action: "command.expired", clusterName: "beta" } })).toMatchObject({ actor: "system" });
  });

  it("a command's hook outcomes, as the agents record them, are in its read and in the cluster detail", async () => {
    const beta = await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "beta", service: "main" } } });
    const target = await t.prisma.node.findFirstOrThrow({ where: { clusterId: beta.id, name: "node-y" } });
    const hookOutcomes = {
      demote: { node: "node-x", ok: true, ms: 3012 },
      promote: { node: "node-y", ok: false, ms: 41, error: "exit code 3" },
    };
    const command = await t.prisma.command.create({
      data: {
        clusterId: beta.id,
        kind: "SWITCHOVER",
        status: "SUCCEEDED",
        targetNodeId: target.id,
        targetName: "node-y",
        requestedBy: "user:operator@example.com",
        createdAt: new Date(Date.now() - 5000),
        startedAt: new Date(Date.now() - 4000),
        finishedAt: new Date(Date.now() - 900),
        deadline: new Date(Date.now() + 60_000),
        // A field no one should have written (hook output) and an overlong error: neither reaches readers in full.
        hookOutcomes: { ...hookOutcomes, demote: { ...hookOutcomes.demote, output: "PGPASSWORD=hunter2" }, extra: { secret: true } },
      },
    });
    try {
      const one = await callApi(server.url, cookies.viewer, { path: `/api/v1/clusters/beta/commands/${command.id}` });
      expect(one).toMatchObject({ status: 200, body: { id: command.id, status: "SUCCEEDED", hookOutcomes } });
      const detail = await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters/beta" });
      expect(detail.body).toMatchObject({ commands: expect.arrayContaining([expect.objectContaining({ id: command.id, hookOutcomes })]) });
      // Only { node, ok, ms, error } of each hook is shown: nothing else in the row leaks to VIEWERs.
      expect((one.body as { hookOutcomes: unknown }).hookOutcomes).toEqual(hookOutcomes);
      expect(one.text).not.toContain("hunter2");
    } finally {
      await t.prisma.command.delete({ where: { id: command.id } });
    }
  });

  it("check state: nodes carry it, the list counts failing and isolated nodes, metrics gauge it; a failing target needs an ADMIN's force", async () => {
    const output = `HTTP 503 ${"x".repeat(400)}`;
    const since = "2026-12-02T05:00:00.000Z";
    // As an agent's recordCheckState leaves it, plus a field no one should have written and an overlong output.
    const checks = [
      { name: "http", status: "FAILING", since, output, env: "DATABASE_URL=postgresql://agent:hunter2@db" },
      { name: "gateway", status: "PASSING", since, output: "connected" },
    ];
    await t.prisma.$executeRaw`UPDATE "Node" SET "checkStatus" = 'FAILING', "checkSince" = now(), checks = ${JSON.stringify(checks)}::jsonb
      WHERE name = 'node-y'`;
    await t.prisma.$executeRaw`UPDATE "Node" SET isolated = true, "checkStatus" = 'PASSING', "checkSince" = now() WHERE name = 'node-x'`;
    try {
      const list = await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters" });
      expect(list.body).toMatchObject({
        clusters: [{ name: "alpha" }, { name: "beta", status: "degraded", checks: { failing: 1, isolated: 1 }, eligibleStandbyCount: 0 }],
      });

      const detail = await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters/beta" });
      const nodes = (detail.body as { nodes: { name: string }[] }).nodes;
      expect(nodes).toMatchObject([
        { name: "node-x", checkStatus: "PASSING", isolated: true, checkSince: expect.any(String), checks: [] },
        {
          name: "node-y",
          checkStatus: "FAILING",
          isolated: false,
          checkSince: expect.any(String),
          checks: [
            { name: "http", status: "FAILING", since, output: `${output.slice(0, 299)}…` },
            { name: "gateway", status: "PASSING", since, output: "connected" },
          ],
        },
      ]);
      expect(Object.keys((nodes[1] as unknown as { checks: object[] }).checks[0]).sort()).toEqual(["name", "output", "since", "status"]);
      expect(detail.text).not.toContain("hunter2");

      const metrics = await callApi(server.url, cookies.viewer, { path: "/api/metrics" });
      expect(metrics.text).toContain('failover_node_check_status{cluster="beta",service="main",node="node-y",status="failing"} 1');
      expect(metrics.text).toContain('failover_node_check_status{cluster="beta",service="main",node="node-y",status="passing"} 0');
      expect(metrics.text).toContain('failover_node_isolated{cluster="beta",service="main",node="node-x"} 1');
      expect(metrics.text).toContain('failover_node_isolated{cluster="beta",service="main",node="node-y"} 0');

      const switchover = (force?: boolean) => ({
        method: "POST" as const,
        path: "/api/v1/clusters/beta/commands",
        body: { kind: "SWITCHOVER", targetNode: "node-y", ...(force === undefined ? {} : { force }) },
      });
      const before = await databaseState(t.prisma);
      expect(await callApi(server.url, cookies.operator, switchover())).toMatchObject({
        status: 409,
        body: { error: { code: "PRECONDITION_FAILED", message: expect.stringMatching(/^node-y's checks fail \(http: HTTP 503 x+\); an ADMIN may force it$/) } },
      });
      expect(await callApi(server.url, cookies.operator, switchover(true))).toMatchObject({
        status: 403,
        body: { error: { code: "FORBIDDEN", message: "forcing a command onto a node whose checks fail (or that is isolated) requires the ADMIN role" } },
      });
      expect(await callApi(server.url, cookies.admin, switchover(false))).toMatchObject({ status: 409, body: { error: { code: "PRECONDITION_FAILED" } } });
      expect(await databaseState(t.prisma)).toBe(before);

      const forced = await callApi(server.url, cookies.admin, switchover(true));
      expect(forced).toMatchObject({ status: 201, body: { kind: "SWITCHOVER", status: "PENDING", targetNode: "node-y" } });
      const id = (forced.body as { id: string }).id;
      expect(await lastAudit(t.prisma)).toMatchObject({
        action: "command.requested",
        actor: "user:admin@example.com",
        commandId: id,
        details: { forced: expect.stringMatching(/^node-y's checks fail/) },
      });
      expect((await callApi(server.url, cookies.admin, { method: "POST", path: `/api/v1/clusters/beta/commands/${id}/cancel` })).status).toBe(200);
    } finally {
      await t.prisma
        .$executeRaw`UPDATE "Node" SET "checkStatus" = 'UNKNOWN', isolated = false, "checkSince" = NULL, checks = NULL WHERE name IN ('node-x', 'node-y')`;
    }
  });

  it("a cluster that flap damping paused says why", async () => {
    await t.prisma.$executeRaw`UPDATE "Cluster" SET paused = true WHERE name = 'beta'`;
    await t.prisma.$executeRaw`
      INSERT INTO "AuditEvent" (actor, action, "clusterId", "clusterName", reason)
      SELECT 'agent:beta/node-y', 'failover.limited', id, name, 'automatic failover paused: 3 automatic failovers in the last 600 s (limit 3)' FROM "Cluster" WHERE name = 'beta'`;
    try {
      expect(await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters/beta" })).toMatchObject({
        body: { cluster: { paused: true, pausedReason: "automatic failover paused: 3 automatic failovers in the last 600 s (limit 3)" } },
      });
      // Resumed by an operator, then paused by hand: no longer flap damping's doing.
      await callApi(server.url, cookies.operator, { method: "PATCH", path: "/api/v1/clusters/beta", body: { paused: false } });
      const paused = await callApi(server.url, cookies.operator, { method: "PATCH", path: "/api/v1/clusters/beta", body: { paused: true } });
      expect(paused).toMatchObject({ status: 200, body: { cluster: { paused: true, pausedReason: null } } });
    } finally {
      await t.prisma.$executeRaw`UPDATE "Cluster" SET paused = false WHERE name = 'beta'`;
    }
  });

  it("a changed role or a disabled account applies to existing sessions at once", async () => {
    await t.prisma.user.update({ where: { email: "operator@example.com" }, data: { role: "VIEWER" } });
    const demoted = await callApi(server.url, cookies.operator, { method: "PATCH", path: "/api/v1/clusters/beta", body: { paused: true } });
    expect(demoted).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    await t.prisma.user.update({ where: { email: "viewer@example.com" }, data: { disabled: true } });
    const disabled = await callApi(server.url, cookies.viewer, { path: "/api/v1/clusters" });
    expect(disabled).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED" } } });
    expect((await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "beta", service: "main" } } })).paused).toBe(false);
  });

  it("a database that cannot be reached is a 503 with a plain message, never internals", async () => {
    // Same secret, so the session cookie is valid here; the database URL points at a closed port.
    const down = await startNextServer({ databaseUrl: "postgresql://postgres:postgres@127.0.0.1:1/nothing" });
    try {
      const res = await callApi(down.url, cookies.admin, { path: "/api/v1/clusters" });
      expect(res).toMatchObject({ status: 503, body: { error: { code: "DATABASE_UNAVAILABLE", message: "the database is unreachable; retrying" } } });
    } finally {
      await down.stop();
    }
  });
});
