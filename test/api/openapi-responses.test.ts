// Real answers of the production console against the OpenAPI document: every documented operation
// is called, and what comes back (success and refusals alike) must parse with the schema the
// document gives for that status. The schemas are strict, so a field the server sends but the
// document does not name fails here too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_ROUTES, errorStatuses, findOperation, openApiDocument, type HttpMethod } from "../../lib/api/openapi";
import { errorResponseSchema } from "../../lib/api/response-schemas";
import { callApi, type ApiRequest, type ApiResponse } from "../support/api-client";
import { seedCluster, startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import { createToken } from "../cli/api-token";
import { seedEphesoft } from "./service-fixture";

let bed: ConsoleTestbed;
const cookies: Record<string, string> = {};
let adminToken: string;
/** Every documented operation that answered with its success status and a body that fits. */
const covered = new Set<string>();

/** The request as the given caller, and its answer checked against the document. */
async function documented(as: "admin" | "operator" | "token" | null, req: ApiRequest): Promise<ApiResponse> {
  const auth = as === "token" ? { headers: { authorization: `Bearer ${adminToken}`, ...req.headers } } : {};
  const res = await callApi(bed.server.url, as && as !== "token" ? cookies[as] : null, { ...req, ...auth });
  const method = (req.method ?? "GET").toLowerCase() as HttpMethod;
  const found = findOperation(method, req.path);
  expect(found, `${method} ${req.path} is not in the document`).not.toBeNull();
  const { path, operation } = found!;
  const where = `${method.toUpperCase()} ${req.path} -> ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status === (operation.status ?? 200)) {
    if ("_zod" in operation.response) {
      const parsed = operation.response.safeParse(res.body);
      expect(parsed.success ? [] : parsed.error.issues, where).toEqual([]);
    } else {
      expect(res.headers.get("content-type"), where).toMatch(new RegExp(`^${operation.response.mediaType.split(";")[0]}`));
    }
    covered.add(`${method} ${path}`);
  } else {
    expect(errorStatuses(method, operation), `${where}: status not documented`).toContain(res.status);
    expect(errorResponseSchema.safeParse(res.body).error?.issues ?? [], where).toEqual([]);
  }
  return res;
}

beforeAll(async () => {
  bed = await startConsoleTestbed();
  // A node gone for longer than a lease, so its removal can succeed.
  await seedCluster({
    prisma: bed.t.prisma,
    name: "gamma",
    nodes: [
      { name: "g-1", role: "ACTIVE" },
      { name: "g-2", heartbeatAgoMs: 600_000 },
    ],
  });
  await seedEphesoft(bed.t.prisma);
  cookies.admin = await bed.signInAs("admin@example.com");
  cookies.operator = await bed.signInAs("operator@example.com");
  adminToken = (await createToken(bed.server.url, cookies.admin, "ADMIN")).secret;
});
afterAll(async () => {
  await bed?.stop();
});

describe("real answers fit the documented response schemas", () => {
  it("serves the generated document, with both authentication schemes", async () => {
    const res = await documented("token", { path: "/api/v1/openapi.json" });
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(res.body).toMatchObject({ components: { securitySchemes: { apiToken: { scheme: "bearer" }, session: { in: "cookie" } } } });
  });

  it("clusters, nodes and commands: reads and changes", async () => {
    await documented("token", { path: "/api/v1/clusters" });
    await documented("token", { path: "/api/v1/clusters/alpha" });
    await documented("token", { path: "/api/v1/clusters/alpha/timeline" });
    await documented("operator", { method: "PATCH", path: "/api/v1/clusters/alpha", body: { paused: true, reason: "docs" } });
    await documented("operator", { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { priority: 50 } });
    const created = await documented("token", {
      method: "POST",
      path: "/api/v1/clusters/alpha/commands",
      body: { kind: "SWITCHOVER", targetNode: "node-b", reason: "docs" },
    });
    const id = (created.body as { id: string }).id;
    await documented("token", { path: `/api/v1/clusters/alpha/commands/${id}` });
    await documented("token", { method: "POST", path: `/api/v1/clusters/alpha/commands/${id}/cancel` });
    await documented("token", { method: "DELETE", path: "/api/v1/clusters/gamma/nodes/g-2", body: { reason: "decommissioned" } });
    // The command and cluster detail now hold a cancelled command, forced false, hook outcomes null.
    await documented("token", { path: "/api/v1/clusters/alpha" });
  });

  it("a cluster of several services: the matrix, ?service=, and the cluster-wide answers", async () => {
    // Rebalance first, while no command is open: ep (import on s1, ocr on s2) is even, so it finishes at once.
    await documented("operator", { method: "POST", path: "/api/v1/clusters/ep/rebalance", body: { reason: "docs" } });
    await documented("token", { path: "/api/v1/clusters/ep/rebalance" });
    await documented("token", { path: "/api/v1/clusters/ep/services" });
    await documented("token", { path: "/api/v1/clusters/alpha/services" });
    await documented("token", { path: "/api/v1/clusters/ep?service=ocr" });
    await documented("token", { path: "/api/v1/clusters/ep/timeline?service=ocr" });
    await documented("operator", { method: "PATCH", path: "/api/v1/clusters/ep", body: { paused: true } });
    await documented("operator", { method: "PATCH", path: "/api/v1/clusters/ep?service=import", body: { paused: false } });
    await documented("operator", { method: "PATCH", path: "/api/v1/clusters/ep/nodes/s2", body: { maintenance: true } });
    await documented("operator", { method: "PATCH", path: "/api/v1/clusters/ep/nodes/s2?service=ocr", body: { priority: 10 } });
    const created = await documented("token", {
      method: "POST",
      path: "/api/v1/clusters/ep/commands?service=ocr",
      body: { kind: "SWITCHOVER", targetNode: "s1" },
    });
    const id = (created.body as { id: string }).id;
    await documented("token", { path: `/api/v1/clusters/ep/commands/${id}?service=ocr` });
    await documented("token", { path: "/api/v1/clusters/ep/commands?limit=5" });
    await documented("token", { method: "POST", path: `/api/v1/clusters/ep/commands/${id}/cancel?service=ocr` });
    await documented("token", { method: "DELETE", path: "/api/v1/clusters/ep/nodes/s3" });
    await documented("token", { path: "/api/v1/audit?cluster=ep&service=ocr" });
    for (const [path, status] of [
      ["/api/v1/clusters/ep", 422],
      ["/api/v1/clusters/ep?service=billing", 404],
    ] as const)
      expect((await documented("token", { path })).status).toBe(status);
  });

  it("audit, CSV, metrics, me", async () => {
    await documented("token", { path: "/api/v1/audit?cluster=alpha&limit=2" });
    await documented("token", { path: "/api/v1/audit.csv?cluster=alpha" });
    await documented("token", { path: "/api/metrics" });
    await documented("token", { path: "/api/v1/me" });
  });

  it("users and tokens", async () => {
    await documented("admin", { path: "/api/v1/users" });
    const user = await documented("admin", { method: "POST", path: "/api/v1/users", body: { email: "new@example.com", role: "VIEWER" } });
    await documented("admin", { method: "PATCH", path: `/api/v1/users/${(user.body as { user: { id: string } }).user.id}`, body: { role: "OPERATOR" } });
    await documented("admin", { path: "/api/v1/tokens" });
    const token = await documented("admin", { method: "POST", path: "/api/v1/tokens", body: { name: "docs", role: "VIEWER" } });
    await documented("admin", { method: "DELETE", path: `/api/v1/tokens/${(token.body as { id: string }).id}` });
  });

  it("notification channels and their deliveries", async () => {
    const created = await documented("token", {
      method: "POST",
      path: "/api/v1/notifications",
      body: { type: "WEBHOOK", name: "ops hook", url: "http://127.0.0.1:9/hook", events: ["failover.promoted"] },
    });
    expect(created.status, created.text).toBe(201);
    const id = (created.body as { channel: { id: string } }).channel.id;
    await documented("token", { path: "/api/v1/notifications" });
    await documented("token", { path: `/api/v1/notifications/${id}` });
    await documented("token", { method: "PATCH", path: `/api/v1/notifications/${id}`, body: { enabled: false } });
    const test = await documented("token", { method: "POST", path: `/api/v1/notifications/${id}/test` });
    await documented("token", { path: `/api/v1/notifications/${id}/deliveries` });
    // The console's dispatcher may be sending the test message at this instant (409, documented).
    const redeliver = { method: "POST", path: `/api/v1/notifications/${id}/deliveries/${(test.body as { id: string }).id}/redeliver` } as const;
    await expect.poll(async () => (await documented("token", redeliver)).status, { timeout: 10_000 }).toBe(202);
    await documented("token", { method: "DELETE", path: `/api/v1/notifications/${id}` });
  });

  it("refusals are documented, as { error: { code, message } }", async () => {
    const refusals: [Parameters<typeof documented>[0], ApiRequest, number][] = [
      [null, { path: "/api/v1/clusters" }, 401],
      ["token", { path: "/api/v1/clusters/omega" }, 404],
      ["token", { path: "/api/v1/clusters/not a name" }, 422],
      ["token", { method: "POST", path: "/api/v1/clusters/alpha/commands", rawBody: "{", headers: { "content-type": "application/json" } }, 400],
      ["token", { method: "POST", path: "/api/v1/clusters/alpha/commands", body: { kind: "SWITCHOVER", targetNode: "node-a" } }, 409],
      ["token", { path: "/api/v1/audit?limit=0" }, 422],
      ["token", { path: "/api/v1/tokens" }, 403],
      [
        "token",
        {
          method: "PATCH",
          path: "/api/v1/clusters/alpha",
          rawBody: JSON.stringify({ reason: "x".repeat(20_000) }),
          headers: { "content-type": "application/json" },
        },
        413,
      ],
    ];
    for (const [as, req, status] of refusals) expect((await documented(as, req)).status, `${req.method ?? "GET"} ${req.path}`).toBe(status);
  });

  it("every documented operation was called and answered as documented", () => {
    const all = Object.entries(API_ROUTES).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(all.filter((k) => !covered.has(k))).toEqual([]);
  });
});
