// A cluster of several services through the API, against the production console: the list and
// the server x service matrix, ?service= routing, the refusals (ambiguous 422, unknown 404,
// malformed 422) that change nothing, node changes applied to every service of a server, the
// audit filter and the metrics' service labels.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterDetailSchema, clusterListSchema, clusterServicesSchema, serverNodesSchema } from "../../lib/api/response-schemas";
import { callApi, databaseState, type ApiRequest } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import { seedEphesoft } from "./service-fixture";

let bed: ConsoleTestbed;
const cookies: Record<string, string> = {};
const as = (who: "viewer" | "operator" | "admin", req: ApiRequest) => callApi(bed.server.url, cookies[who], req);
const nodeRows = (service: string, name: string) =>
  bed.t.prisma.node.findFirstOrThrow({ where: { name, cluster: { name: "ep", service } }, select: { maintenance: true, priority: true } });
const SERVICES = /has several services \(import, ocr, reporting\): say which one \(service\)/;

beforeAll(async () => {
  bed = await startConsoleTestbed();
  await seedEphesoft(bed.t.prisma);
  for (const who of ["viewer", "operator", "admin"]) cookies[who] = await bed.signInAs(`${who}@example.com`);
});
afterAll(async () => bed?.stop());

describe("services in the API", () => {
  it("GET /clusters: one entry per cluster; a one-service cluster as before plus its service; several services summed up", async () => {
    const res = await as("viewer", { path: "/api/v1/clusters" });
    expect(res.status).toBe(200);
    const { clusters } = clusterListSchema.parse(res.body);
    expect(clusters.map((c) => c.name)).toEqual(["alpha", "ep"]);
    const [alpha, ep] = clusters;
    expect(alpha).toMatchObject({
      active: { name: "node-a", health: "healthy" },
      nodeCount: 2,
      standbyCount: 1,
      status: "ok",
      services: [{ name: "main", mode: "ONE", minActive: 1, serving: 1, belowMinimum: false, active: "node-a" }],
    });
    expect(ep).toMatchObject({
      active: null,
      nodeCount: 3, // servers, not node rows
      health: { healthy: 2, suspect: 0, down: 1 },
      standbyCount: 0, // reporting: both serve
      status: "degraded", // every service serves, but s3 is down and reporting serves below its minimum
      services: [
        { name: "import", mode: "ONE", serving: 1, belowMinimum: false, active: "s1" },
        { name: "ocr", mode: "ONE", serving: 1, belowMinimum: false, active: "s2" },
        { name: "reporting", mode: "ALL", minActive: 3, serving: 2, belowMinimum: true, active: null },
      ],
    });
  });

  it("GET /clusters/{name}/services: the server x service matrix, for a VIEWER; 404 for an unknown cluster", async () => {
    const res = await as("viewer", { path: "/api/v1/clusters/ep/services" });
    expect(res.status).toBe(200);
    const matrix = clusterServicesSchema.parse(res.body);
    expect(matrix.cluster).toBe("ep");
    expect(matrix.servers).toEqual(["s1", "s2", "s3"]);
    expect(matrix.services.map((s) => [s.name, s.mode, s.serving, s.belowMinimum, s.members.map((m) => `${m.node}:${m.role}:${m.health}`)])).toEqual([
      ["import", "ONE", 1, false, ["s1:ACTIVE:healthy", "s2:STANDBY:healthy", "s3:STANDBY:down"]],
      ["ocr", "ONE", 1, false, ["s1:STANDBY:healthy", "s2:ACTIVE:healthy", "s3:STANDBY:down"]],
      ["reporting", "ALL", 2, true, ["s1:ACTIVE:healthy", "s2:ACTIVE:healthy"]],
    ]);
    expect(matrix.services[0].members[0]).toEqual({
      node: "s1",
      role: "ACTIVE",
      health: "healthy",
      leaseRemainingMs: expect.any(Number),
      checkStatus: "UNKNOWN",
      maintenance: false,
      priority: 100,
    });
    expect(matrix.services[0]).toMatchObject({ epoch: "1", failoverMode: "AUTOMATIC", paused: false, minActive: 1 });
    const one = clusterServicesSchema.parse((await as("viewer", { path: "/api/v1/clusters/alpha/services" })).body);
    expect(one).toMatchObject({ cluster: "alpha", servers: ["node-a", "node-b"], services: [{ name: "main", serving: 1 }] });
    expect(await as("viewer", { path: "/api/v1/clusters/omega/services" })).toMatchObject({
      status: 404,
      body: { error: { message: "cluster omega not found" } },
    });
  });

  it("GET /clusters/{name}: ?service= picks the service; left out on several, 422 naming them; unknown 404; malformed 422", async () => {
    const ocr = await as("viewer", { path: "/api/v1/clusters/ep?service=ocr" });
    expect(ocr.status).toBe(200);
    const detail = clusterDetailSchema.parse(ocr.body);
    expect(detail.cluster).toMatchObject({ name: "ep", service: "ocr", mode: "ONE", minActive: 1, services: ["import", "ocr", "reporting"] });
    expect(detail.nodes.map((n) => `${n.name}:${n.role}:${n.service}`)).toEqual(["s1:STANDBY:ocr", "s2:ACTIVE:ocr", "s3:STANDBY:ocr"]);
    const alpha = clusterDetailSchema.parse((await as("viewer", { path: "/api/v1/clusters/alpha" })).body);
    expect(alpha.cluster).toMatchObject({ service: "main", mode: "ONE", services: ["main"] });
    expect(await as("viewer", { path: "/api/v1/clusters/ep" })).toMatchObject({
      status: 422,
      body: { error: { code: "INVALID", message: expect.stringMatching(SERVICES) } },
    });
    expect(await as("viewer", { path: "/api/v1/clusters/ep?service=billing" })).toMatchObject({
      status: 404,
      body: { error: { code: "NOT_FOUND", message: "cluster ep has no service billing (it has import, ocr, reporting)" } },
    });
    expect(await as("viewer", { path: "/api/v1/clusters/ep?service=bad%20name" })).toMatchObject({
      status: 422,
      body: { error: { code: "VALIDATION", message: expect.stringMatching(/service/) } },
    });
  });

  it("refusals change nothing: ambiguous, unknown or malformed service on every change", async () => {
    const refusals: [ApiRequest, number, RegExp][] = [
      [{ method: "PATCH", path: "/api/v1/clusters/ep", body: { leaseMs: 200_000 } }, 422, SERVICES],
      [{ method: "PATCH", path: "/api/v1/clusters/ep?service=billing", body: { paused: true } }, 404, /no service billing/],
      [{ method: "PATCH", path: "/api/v1/clusters/ep?service=-bad", body: { paused: true } }, 422, /service/],
      [{ method: "POST", path: "/api/v1/clusters/ep/commands", body: { kind: "SWITCHOVER", targetNode: "s1" } }, 422, SERVICES],
      [{ method: "POST", path: "/api/v1/clusters/ep/commands?service=billing", body: { kind: "SWITCHOVER", targetNode: "s1" } }, 404, /no service billing/],
      [{ method: "POST", path: "/api/v1/clusters/ep/commands", body: { kind: "SWITCHOVER", targetNode: "s1", service: "o/cr" } }, 422, /service/],
      [
        { method: "POST", path: "/api/v1/clusters/ep/commands?service=import", body: { kind: "SWITCHOVER", targetNode: "s1", service: "ocr" } },
        422,
        /service import in the query and ocr in the body differ/,
      ],
      [
        { method: "POST", path: "/api/v1/clusters/ep/commands?service=reporting", body: { kind: "SWITCHOVER", targetNode: "s1" } },
        409,
        /service reporting of cluster ep runs on every healthy node \(mode ALL\)/,
      ],
      [{ method: "PATCH", path: "/api/v1/clusters/ep/nodes/s2?service=billing", body: { maintenance: true } }, 404, /no service billing/],
      [{ method: "PATCH", path: "/api/v1/clusters/ep/nodes/nope", body: { maintenance: true } }, 404, /node nope not found in cluster ep/],
      [{ method: "PATCH", path: "/api/v1/clusters/ep/nodes/s2?service=a%20b", body: { maintenance: true } }, 422, /service/],
      [{ method: "DELETE", path: "/api/v1/clusters/ep/nodes/s3?service=billing" }, 404, /no service billing/],
      // s1 is active in import: removing the server everywhere is refused as a whole.
      [{ method: "DELETE", path: "/api/v1/clusters/ep/nodes/s1" }, 409, /s1 is the active node/],
      [{ path: "/api/v1/clusters/ep/timeline" }, 422, SERVICES],
      [{ path: "/api/v1/clusters/ep/timeline?service=billing" }, 404, /no service billing/],
      [{ path: "/api/v1/audit?service=not%20a%20name" }, 422, /service/],
    ];
    for (const [req, status, message] of refusals) {
      const before = await databaseState(bed.t.prisma);
      const res = await as("admin", req);
      expect({ req: `${req.method ?? "GET"} ${req.path}`, status: res.status }).toEqual({ req: `${req.method ?? "GET"} ${req.path}`, status });
      expect(JSON.stringify(res.body)).toMatch(message);
      expect(await databaseState(bed.t.prisma)).toBe(before);
    }
  });

  it("commands: requested in one service (query or body), read and cancelled with it, 404 from another service", async () => {
    const created = await as("operator", {
      method: "POST",
      path: "/api/v1/clusters/ep/commands?service=ocr",
      body: { kind: "SWITCHOVER", targetNode: "s1", reason: "move ocr" },
    });
    expect(created).toMatchObject({ status: 201, body: { service: "ocr", kind: "SWITCHOVER", targetNode: "s1", status: "PENDING" } });
    const id = (created.body as { id: string }).id;
    const row = await bed.t.prisma.command.findUniqueOrThrow({ where: { id }, include: { cluster: true } });
    expect(row.cluster).toMatchObject({ name: "ep", service: "ocr" });
    expect(await as("viewer", { path: `/api/v1/clusters/ep/commands/${id}` })).toMatchObject({ status: 200, body: { id, service: "ocr" } });
    expect(await as("viewer", { path: `/api/v1/clusters/ep/commands/${id}?service=ocr` })).toMatchObject({ status: 200, body: { id } });
    expect(await as("viewer", { path: `/api/v1/clusters/ep/commands/${id}?service=import` })).toMatchObject({ status: 404 });
    const before = await databaseState(bed.t.prisma);
    expect(await as("operator", { method: "POST", path: `/api/v1/clusters/ep/commands/${id}/cancel?service=import` })).toMatchObject({ status: 404 });
    expect(await databaseState(bed.t.prisma)).toBe(before);
    expect(await as("operator", { method: "POST", path: `/api/v1/clusters/ep/commands/${id}/cancel?service=ocr` })).toMatchObject({
      status: 200,
      body: { service: "ocr", status: "CANCELLED" },
    });
    // The body names the service as well; the same in both places is fine.
    const again = await as("operator", {
      method: "POST",
      path: "/api/v1/clusters/ep/commands?service=import",
      body: { kind: "SWITCHOVER", targetNode: "s2", service: "import" },
    });
    expect(again).toMatchObject({ status: 201, body: { service: "import", targetNode: "s2" } });
    await as("operator", { method: "POST", path: `/api/v1/clusters/ep/commands/${(again.body as { id: string }).id}/cancel` });
    const list = (path: string) => as("viewer", { path }).then((r) => (r.body as { commands: { service: string; id: string }[] }).commands);
    expect((await list("/api/v1/clusters/ep/commands")).map((c) => c.service)).toEqual(["import", "ocr"]);
    expect((await list("/api/v1/clusters/ep/commands?service=ocr")).map((c) => c.id)).toEqual([id]);
    expect(await list("/api/v1/clusters/ep/commands?service=reporting")).toEqual([]);
    expect(await as("viewer", { path: "/api/v1/clusters/ep/commands?service=billing" })).toMatchObject({ status: 404 });
    const audit = await bed.t.prisma.auditEvent.findMany({ where: { clusterName: "ep", action: { startsWith: "command." } }, orderBy: { id: "asc" } });
    expect(audit.map((a) => `${a.action}:${a.service}`)).toEqual([
      "command.requested:ocr",
      "command.cancelled:ocr",
      "command.requested:import",
      "command.cancelled:import",
    ]);
  });

  it("pause without a service pauses every service (audited per service); with one, only that service", async () => {
    const all = await as("operator", { method: "PATCH", path: "/api/v1/clusters/ep", body: { paused: true, reason: "window" } });
    expect(all.status).toBe(200);
    expect(clusterServicesSchema.parse(all.body).services.map((s) => [s.name, s.paused])).toEqual([
      ["import", true],
      ["ocr", true],
      ["reporting", true],
    ]);
    const paused = await bed.t.prisma.auditEvent.findMany({ where: { clusterName: "ep", action: "cluster.paused" }, orderBy: { id: "asc" } });
    expect(paused.map((a) => [a.service, a.reason])).toEqual([
      ["import", "window"],
      ["ocr", "window"],
      ["reporting", "window"],
    ]);
    const one = await as("operator", { method: "PATCH", path: "/api/v1/clusters/ep?service=ocr", body: { paused: false } });
    expect(clusterDetailSchema.parse(one.body).cluster).toMatchObject({ service: "ocr", paused: false });
    const rows = await bed.t.prisma.cluster.findMany({ where: { name: "ep" }, orderBy: { service: "asc" } });
    expect(rows.map((r) => [r.service, r.paused])).toEqual([
      ["import", true],
      ["ocr", false],
      ["reporting", true],
    ]);
    const settings = await as("admin", { method: "PATCH", path: "/api/v1/clusters/ep?service=import", body: { failoverLimit: 5, paused: false } });
    expect(clusterDetailSchema.parse(settings.body).cluster).toMatchObject({ service: "import", failoverLimit: 5, paused: false });
    expect((await bed.t.prisma.cluster.findMany({ where: { name: "ep" }, orderBy: { service: "asc" } })).map((r) => r.failoverLimit)).toEqual([5, 3, 3]);
  });

  it("node maintenance without a service applies to the server in every service, audited per row; with one, to that row only", async () => {
    const res = await as("operator", { method: "PATCH", path: "/api/v1/clusters/ep/nodes/s2", body: { maintenance: true, reason: "patching s2" } });
    expect(res.status).toBe(200);
    const body = serverNodesSchema.parse(res.body);
    expect(body).toMatchObject({ cluster: "ep", node: "s2" });
    expect(body.nodes.map((n) => [n.service, n.name, n.maintenance])).toEqual([
      ["import", "s2", true],
      ["ocr", "s2", true],
      ["reporting", "s2", true],
    ]);
    for (const service of ["import", "ocr", "reporting"]) expect(await nodeRows(service, "s2")).toMatchObject({ maintenance: true });
    const audit = await bed.t.prisma.auditEvent.findMany({ where: { clusterName: "ep", action: "node.maintenance_on" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.service, a.nodeName, a.reason])).toEqual([
      ["import", "s2", "patching s2"],
      ["ocr", "s2", "patching s2"],
      ["reporting", "s2", "patching s2"],
    ]);
    const one = await as("operator", { method: "PATCH", path: "/api/v1/clusters/ep/nodes/s2?service=ocr", body: { priority: 50 } });
    expect(one).toMatchObject({ status: 200, body: { service: "ocr", name: "s2", priority: 50, maintenance: true } });
    expect([await nodeRows("import", "s2"), await nodeRows("ocr", "s2")].map((r) => r.priority)).toEqual([100, 50]);
    // A one-service cluster answers with the node, as before.
    expect(await as("operator", { method: "PATCH", path: "/api/v1/clusters/alpha/nodes/node-b", body: { priority: 70 } })).toMatchObject({
      status: 200,
      body: { name: "node-b", service: "main", priority: 70 },
    });
  });

  it("removing a gone server without a service removes its row from every service it had, or none", async () => {
    const res = await as("operator", { method: "DELETE", path: "/api/v1/clusters/ep/nodes/s3", body: { reason: "decommissioned" } });
    expect(res).toMatchObject({ status: 200, body: { removed: { cluster: "ep", node: "s3", services: ["import", "ocr"] } } });
    expect(await bed.t.prisma.node.count({ where: { name: "s3" } })).toBe(0);
    const audit = await bed.t.prisma.auditEvent.findMany({ where: { clusterName: "ep", action: "node.removed" }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.service)).toEqual(["import", "ocr"]);
  });

  it("timeline: per service", async () => {
    const res = await as("viewer", { path: "/api/v1/clusters/ep/timeline?service=ocr" });
    expect(res).toMatchObject({ status: 200, body: { cluster: "ep", service: "ocr", nodes: ["s1", "s2"] } });
    expect(await as("viewer", { path: "/api/v1/clusters/alpha/timeline" })).toMatchObject({ status: 200, body: { cluster: "alpha", service: "main" } });
  });

  it("audit: filter by service, every row shows its service (JSON and CSV)", async () => {
    const res = await as("viewer", { path: "/api/v1/audit?cluster=ep&service=ocr&limit=500" });
    expect(res.status).toBe(200);
    const events = (res.body as { events: { service: string | null; clusterName: string }[] }).events;
    expect(events.length).toBeGreaterThan(3);
    expect(new Set(events.map((e) => e.service))).toEqual(new Set(["ocr"]));
    const all = (await as("viewer", { path: "/api/v1/audit?limit=500" })).body as { events: { service: string | null }[] };
    expect(all.events.every((e) => "service" in e)).toBe(true);
    const csv = await as("viewer", { path: "/api/v1/audit.csv?cluster=ep&service=import" });
    const [header, ...lines] = csv.text.trimEnd().split("\r\n");
    expect(header.split(",").slice(4, 7)).toEqual(["cluster", "service", "node"]);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.split(",").slice(4, 6)).toEqual(["ep", "import"]);
  });

  it("metrics: a service label on per-service and per-node series, serving and minimum per service", async () => {
    const res = await as("viewer", { path: "/api/metrics" });
    expect(res.status).toBe(200);
    for (const line of [
      'failover_service_serving{cluster="ep",service="reporting",mode="all"} 2',
      'failover_service_min_active{cluster="ep",service="reporting",mode="all"} 3',
      'failover_service_serving{cluster="ep",service="ocr",mode="one"} 1',
      'failover_service_serving{cluster="alpha",service="main",mode="one"} 1',
      'failover_service_min_active{cluster="alpha",service="main",mode="one"} 1',
      'failover_nodes{cluster="ep",service="import",role="active",health="healthy"} 1',
      'failover_node_active{cluster="ep",service="ocr",node="s2"} 1',
      'failover_node_active{cluster="ep",service="import",node="s2"} 0',
      'failover_cluster_paused{cluster="ep",service="reporting"} 1',
      'failover_cluster_epoch{cluster="ep",service="ocr"} 1',
    ])
      expect(res.text).toContain(line);
  });
});
