// Requests that must be refused, each with the status and error body it gets, and proof that
// none of them changed anything in the database. Runs against the real production build.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, databaseState, type ApiRequest } from "../support/api-client";
import { seedCluster, seedUsers, TEST_PASSWORD } from "../support/console-fixture";
import { signIn, startNextServer, type NextServer } from "../support/next-server";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

type Role = "admin" | "operator" | "viewer" | null;
type Case = { name: string; as: Role; request: ApiRequest; expectedStatus: number; expectedBody?: unknown };

const UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000";
const long = (n: number) => "x".repeat(n);
const err = (code: string, message?: RegExp | string) => ({
  error: { code, ...(message ? { message: typeof message === "string" ? message : expect.stringMatching(message) } : {}) },
});
const cmd = (body: unknown): ApiRequest => ({ method: "POST", path: "/api/v1/clusters/alpha/commands", body });

const CASES: Case[] = [
  // Signed out: nothing is reachable.
  { name: "signed out: cluster list", as: null, request: { path: "/api/v1/clusters" }, expectedStatus: 401, expectedBody: err("UNAUTHENTICATED") },
  { name: "signed out: cluster detail", as: null, request: { path: "/api/v1/clusters/alpha" }, expectedStatus: 401, expectedBody: err("UNAUTHENTICATED") },
  {
    name: "signed out: command",
    as: null,
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b" }),
    expectedStatus: 401,
    expectedBody: err("UNAUTHENTICATED"),
  },
  {
    name: "signed out: pause",
    as: null,
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true } },
    expectedStatus: 401,
    expectedBody: err("UNAUTHENTICATED"),
  },
  { name: "signed out: audit", as: null, request: { path: "/api/v1/audit" }, expectedStatus: 401, expectedBody: err("UNAUTHENTICATED") },
  { name: "signed out: audit csv", as: null, request: { path: "/api/v1/audit.csv" }, expectedStatus: 401, expectedBody: err("UNAUTHENTICATED") },
  { name: "signed out: openapi", as: null, request: { path: "/api/v1/openapi.json" }, expectedStatus: 401, expectedBody: err("UNAUTHENTICATED") },
  { name: "signed out: metrics", as: null, request: { path: "/api/metrics" }, expectedStatus: 401, expectedBody: err("UNAUTHENTICATED") },
  {
    name: "metrics with a wrong token",
    as: null,
    request: { path: "/api/metrics", headers: { authorization: "Bearer wrong-token" } },
    expectedStatus: 401,
    expectedBody: err("UNAUTHENTICATED"),
  },
  {
    name: "forged session cookie",
    as: null,
    request: { path: "/api/v1/clusters", headers: { cookie: "next-auth.session-token=eyJhbGciOiJIUzI1NiJ9.e30.forged" } },
    expectedStatus: 401,
    expectedBody: err("UNAUTHENTICATED"),
  },

  // Roles.
  {
    name: "viewer cannot request a command",
    as: "viewer",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b" }),
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN", /OPERATOR/),
  },
  {
    name: "viewer cannot pause",
    as: "viewer",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN"),
  },
  {
    name: "viewer cannot set maintenance",
    as: "viewer",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { maintenance: true } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN"),
  },
  {
    name: "operator cannot change timings",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { heartbeatMs: 500 } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN", /ADMIN/),
  },
  {
    name: "operator cannot change timings even with a pause",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true, failoverMode: "MANUAL" } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN"),
  },

  // Malformed bodies.
  {
    name: "malformed JSON",
    as: "operator",
    request: { method: "POST", path: "/api/v1/clusters/alpha/commands", rawBody: '{"kind": "SWITCHOVER",', headers: { "content-type": "application/json" } },
    expectedStatus: 400,
    expectedBody: err("BAD_REQUEST", "malformed JSON"),
  },
  {
    name: "form-encoded body",
    as: "operator",
    request: {
      method: "POST",
      path: "/api/v1/clusters/alpha/commands",
      rawBody: "kind=SWITCHOVER&targetNode=node-b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    },
    expectedStatus: 400,
    expectedBody: err("BAD_REQUEST"),
  },
  { name: "JSON array instead of object", as: "operator", request: cmd([]), expectedStatus: 422, expectedBody: err("VALIDATION") },
  {
    name: "body too large",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", reason: long(20_000) }),
    expectedStatus: 413,
    expectedBody: err("PAYLOAD_TOO_LARGE", /over 16384 bytes/),
  },

  // Wrong types and values.
  { name: "kind is a number", as: "operator", request: cmd({ kind: 5, targetNode: "node-b" }), expectedStatus: 422, expectedBody: err("VALIDATION", /kind/) },
  {
    name: "unknown kind",
    as: "operator",
    request: cmd({ kind: "REBOOT", targetNode: "node-b" }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /kind/),
  },
  { name: "missing target", as: "operator", request: cmd({ kind: "SWITCHOVER" }), expectedStatus: 422, expectedBody: err("VALIDATION", /targetNode/) },
  {
    name: "target is an object",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: { name: "node-b" } }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /targetNode/),
  },
  {
    name: "oversize reason",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", reason: long(501) }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /reason/),
  },
  {
    name: "oversize target name",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: long(65) }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /targetNode/),
  },
  {
    name: "timeoutMs as a string",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", timeoutMs: "30000" }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /timeoutMs/),
  },
  {
    name: "timeoutMs too small",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", timeoutMs: 10 }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /timeoutMs/),
  },
  {
    name: "unknown field",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", forced: true }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION"),
  },
  {
    name: "force as a string",
    as: "admin",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", force: "yes" }),
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /force/),
  },
  {
    name: "an operator cannot force a command (ADMIN only)",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-b", force: true }),
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN", "forcing a command onto a node whose checks fail (or that is isolated) requires the ADMIN role"),
  },
  {
    name: "an operator cannot change flap damping",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { failoverLimit: 5 } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN", /ADMIN/),
  },
  {
    name: "an operator cannot change flap damping even with a pause",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true, checkHoldOffMs: 1000 } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN", /ADMIN/),
  },
  ...(
    [
      ["checkHoldOffMs", -1],
      ["checkHoldOffMs", 86_400_001],
      ["checkHoldOffMs", 1.5],
      ["failoverLimit", -1],
      ["failoverLimit", 1001],
      ["failoverLimit", "3"],
      ["failoverWindowMs", 999],
      ["failoverWindowMs", 86_400_001],
      ["failoverWindowMs", null],
    ] as const
  ).map(([key, value]): Case => ({
    name: `flap damping out of bounds: ${key} ${JSON.stringify(value)}`,
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { [key]: value } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", new RegExp(key)),
  })),
  {
    name: "priority negative",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { priority: -1 } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /priority/),
  },
  {
    name: "priority not an integer",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { priority: 1.5 } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /priority/),
  },
  {
    name: "priority as a string",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { priority: "high" } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /priority/),
  },
  {
    name: "maintenance as a string",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { maintenance: "yes" } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /maintenance/),
  },
  {
    name: "node patch with nothing to change",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: {} },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /nothing to change/),
  },
  {
    name: "cluster patch with nothing to change",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: {} },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /nothing to change/),
  },
  {
    name: "paused as a string",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: "true" } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /paused/),
  },
  {
    name: "unknown failover mode",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { failoverMode: "YOLO" } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /failoverMode/),
  },
  {
    name: "lease not covering two heartbeats",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { heartbeatMs: 1000, leaseMs: 1500 } },
    expectedStatus: 422,
    expectedBody: err("INVALID", /leaseMs/),
  },

  // The demote budget: an integer 0..600000, and it must fit the lease with the heartbeats and the
  // fencing margin (alpha: heartbeat 60 s, lease 180 s, margin 1 s: at most 58999 ms).
  {
    name: "operator cannot change the demote budget",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: 2000 } },
    expectedStatus: 403,
    expectedBody: err("FORBIDDEN", /ADMIN/),
  },
  {
    name: "demote budget not an integer",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: 1500.5 } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /demoteTimeoutMs/),
  },
  {
    name: "demote budget as a string",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: "1000" } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /demoteTimeoutMs/),
  },
  {
    name: "demote budget negative",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: -1 } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /demoteTimeoutMs/),
  },
  {
    name: "demote budget over 600000",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: 600_001 } },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /demoteTimeoutMs/),
  },
  {
    name: "demote budget the lease has no room for (with a valid mode change in the same body)",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { demoteTimeoutMs: 59_000, failoverMode: "MANUAL" } },
    expectedStatus: 422,
    expectedBody: err("INVALID", "leaseMs (180000) must exceed 2 x heartbeatMs (120000) + the fencing margin (1000) + demoteTimeoutMs (59000) = 180000"),
  },
  {
    name: "a lease that leaves no room for the stored demote budget",
    as: "admin",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha", body: { heartbeatMs: 1000, leaseMs: 3000 } },
    expectedStatus: 422,
    expectedBody: err("INVALID", "leaseMs (3000) must exceed 2 x heartbeatMs (2000) + the fencing margin (300) + demoteTimeoutMs (1000) = 3300"),
  },

  // The cluster list's query string.
  ...(
    [
      ["?status=fine", /^status: /m],
      ["?sort=size", /^sort: /m],
      ["?limit=0", /^limit: /m],
      ["?limit=1001", /^limit: /m],
      ["?offset=-1", /^offset: /m],
      [`?q=${long(65)}`, /^q: /m],
    ] as const
  ).map(([query, message]): Case => ({
    name: `cluster list ${query.slice(0, 20)}`,
    as: "viewer",
    request: { path: `/api/v1/clusters${query}` },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", message),
  })),

  // Unknown ids and names.
  { name: "unknown cluster detail", as: "viewer", request: { path: "/api/v1/clusters/nope" }, expectedStatus: 404, expectedBody: err("NOT_FOUND", /nope/) },
  {
    name: "oversize cluster name",
    as: "viewer",
    request: { path: `/api/v1/clusters/${long(65)}` },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /name/),
  },
  { name: "cluster name with a quote", as: "viewer", request: { path: "/api/v1/clusters/a'b" }, expectedStatus: 422, expectedBody: err("VALIDATION", /name/) },
  {
    name: "command on unknown cluster",
    as: "operator",
    request: { method: "POST", path: "/api/v1/clusters/nope/commands", body: { kind: "SWITCHOVER", targetNode: "node-b" } },
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND"),
  },
  {
    name: "command for unknown node",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-z" }),
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND", /node-z/),
  },
  {
    name: "command id not a uuid",
    as: "viewer",
    request: { path: "/api/v1/clusters/alpha/commands/123" },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /id/),
  },
  {
    name: "unknown command id",
    as: "viewer",
    request: { path: `/api/v1/clusters/alpha/commands/${UNKNOWN_UUID}` },
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND"),
  },
  {
    name: "cancel unknown command",
    as: "operator",
    request: { method: "POST", path: `/api/v1/clusters/alpha/commands/${UNKNOWN_UUID}/cancel` },
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND"),
  },
  {
    name: "maintenance on unknown node",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-z", body: { maintenance: true } },
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND", /node-z/),
  },
  {
    name: "pause unknown cluster",
    as: "operator",
    request: { method: "PATCH", path: "/api/v1/clusters/nope", body: { paused: true } },
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND"),
  },
  {
    name: "timeline of unknown cluster",
    as: "viewer",
    request: { path: "/api/v1/clusters/nope/timeline" },
    expectedStatus: 404,
    expectedBody: err("NOT_FOUND"),
  },

  // Commands the cluster's state rules out (refused before anything is inserted).
  {
    name: "promote while the active holds its lease",
    as: "operator",
    request: cmd({ kind: "PROMOTE", targetNode: "node-b" }),
    expectedStatus: 409,
    expectedBody: err("PRECONDITION_FAILED", /switchover/),
  },
  {
    name: "switch over to the active node",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-a" }),
    expectedStatus: 409,
    expectedBody: err("PRECONDITION_FAILED", /already the active/),
  },
  {
    name: "switch over to a down node",
    as: "operator",
    request: cmd({ kind: "SWITCHOVER", targetNode: "node-c" }),
    expectedStatus: 409,
    expectedBody: err("PRECONDITION_FAILED", /not healthy/),
  },
  {
    name: "demote a standby",
    as: "operator",
    request: cmd({ kind: "DEMOTE", targetNode: "node-b" }),
    expectedStatus: 409,
    expectedBody: err("PRECONDITION_FAILED", /not the active/),
  },

  // Query strings.
  { name: "audit limit 0", as: "viewer", request: { path: "/api/v1/audit?limit=0" }, expectedStatus: 422, expectedBody: err("VALIDATION", /limit/) },
  {
    name: "audit limit not a number",
    as: "viewer",
    request: { path: "/api/v1/audit?limit=lots" },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /limit/),
  },
  {
    name: "audit unknown action",
    as: "viewer",
    request: { path: "/api/v1/audit?action=drop.tables" },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /action/),
  },
  {
    name: "audit cursor not an id",
    as: "viewer",
    request: { path: "/api/v1/audit?before=abc" },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /before/),
  },
  { name: "audit time not ISO", as: "viewer", request: { path: "/api/v1/audit?from=yesterday" }, expectedStatus: 422, expectedBody: err("VALIDATION", /from/) },
  {
    name: "audit oversize actor",
    as: "viewer",
    request: { path: `/api/v1/audit?actor=${long(256)}` },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /actor/),
  },
  {
    name: "csv limit too large",
    as: "viewer",
    request: { path: "/api/v1/audit.csv?limit=10001" },
    expectedStatus: 422,
    expectedBody: err("VALIDATION", /limit/),
  },
  {
    name: "timeline from after to",
    as: "viewer",
    request: { path: "/api/v1/clusters/alpha/timeline?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z" },
    expectedStatus: 422,
    expectedBody: err("INVALID"),
  },
];

describe("the API refuses bad requests and changes nothing", () => {
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
    server = await startNextServer({ databaseUrl: t.url, env: { METRICS_TOKEN: "metrics-token-for-tests" } });
    for (const role of ["admin", "operator", "viewer"] as const) cookies[role] = await signIn(server.url, `${role}@example.com`, TEST_PASSWORD);
  });
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it.each(CASES)("$name -> $expectedStatus", async ({ as, request, expectedStatus, expectedBody }) => {
    const before = await databaseState(t.prisma);
    const res = await callApi(server.url, as ? cookies[as] : null, request);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: expectedStatus, body: expectedBody ?? expect.anything() });
    expect(res.text).not.toMatch(/at .*\.(js|ts):\d+|prisma|stack/i);
    expect(await databaseState(t.prisma)).toBe(before);
  });

  it("signs in only with the right password, and audits the failure", async () => {
    await expect(signIn(server.url, "admin@example.com", "wrong password")).rejects.toThrow(/sign-in as admin@example.com failed/);
    const failed = await t.prisma.auditEvent.findFirst({ where: { action: "user.sign_in_failed" }, orderBy: { id: "desc" } });
    expect(failed?.actor).toBe("user:admin@example.com");
  });
});
