// GET /clusters/{name} searched, filtered, sorted and paged on the server (the cluster page of a
// large cluster asks for the rows on screen), with counts of the whole set; bad parameters are
// refused with 422 and change nothing. Runs against the real production build.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterDetailJson } from "../../lib/api/api-types";
import { clusterDetailSchema } from "../../lib/api/response-schemas";
import { callApi, databaseState } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";

let bed: ConsoleTestbed;
let viewer: string;
const N = 300;
const name = (i: number) => `f${String(i).padStart(3, "0")}`;

/**
 * Cluster "fleet": f000 active, every tenth node down (f009, f019, ...), every tenth suspect (f008,
 * f018, ...), hosts rack-0..2.dc1, priorities 100 - i % 7, a check on each node.
 */
beforeAll(async () => {
  bed = await startConsoleTestbed();
  viewer = await bed.signInAs("viewer@example.com");
  const cluster = await bed.t.prisma.cluster.create({ data: { name: "fleet", heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n } });
  await bed.t.prisma.$executeRaw`
    INSERT INTO "Node" (id, "clusterId", name, host, "agentVersion", role, priority, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch", "startedAt", "checkStatus", checks, metrics)
    SELECT gen_random_uuid(), ${cluster.id}::uuid, 'f' || lpad(i::text, 3, '0'), 'rack-' || (i % 3) || '.dc1', '0.1.0',
      (CASE WHEN i = 0 THEN 'ACTIVE' ELSE 'STANDBY' END)::"NodeRole", 100 - i % 7,
      now() - make_interval(secs => CASE i % 10 WHEN 9 THEN 600 WHEN 8 THEN 150 ELSE i / 10.0 END),
      CASE WHEN i = 0 THEN now() + interval '1 hour' END, CASE WHEN i = 0 THEN 1 END, now(), 'PASSING',
      jsonb_build_array(jsonb_build_object('name', 'http', 'status', 'PASSING', 'since', '2026-12-01T00:00:00Z', 'output', 'HTTP 200')),
      jsonb_build_object('rssMb', 40)
    FROM generate_series(0, ${N - 1}::int) i`;
}, 120_000);

afterAll(async () => {
  await bed?.stop();
});

async function detail(query: string): Promise<ClusterDetailJson> {
  const res = await callApi(bed.server.url, viewer, { path: `/api/v1/clusters/fleet${query}` });
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  const parsed = clusterDetailSchema.safeParse(res.body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return res.body as ClusterDetailJson;
}
const names = (d: ClusterDetailJson) => d.nodes.map((n) => n.name);

describe("the cluster detail's node list", () => {
  it("nothing set: every node by name, counts of the whole set, the active among the key nodes", async () => {
    const d = await detail("");
    expect(names(d)).toEqual(Array.from({ length: N }, (_, i) => name(i)));
    expect(d.nodeCounts).toEqual({
      total: N,
      matching: N,
      active: 1,
      serving: 1,
      healthy: 240,
      suspect: 30,
      down: 30,
      maintenance: 0,
      failing: 0,
      isolated: 0,
    });
    expect(d.nodePage).toEqual({ offset: 0, limit: null, sort: "name", order: "asc" });
    expect(d.keyNodes.map((n) => n.name)).toEqual(["f000", "f007"]); // the active, then the election's pick (priority 100, then by name)
    expect(d.nodes[5].checks).toEqual([{ name: "http", status: "PASSING", since: "2026-12-01T00:00:00Z", output: "HTTP 200" }]);
  });

  it.each([
    { query: "?q=F01&limit=5", expected: ["f010", "f011", "f012", "f013", "f014"], matching: 10 },
    { query: "?q=%20f29%20", expected: Array.from({ length: 10 }, (_, i) => name(290 + i)), matching: 10 },
    { query: "?q=rack-2.dc1&limit=3", expected: ["f002", "f005", "f008"], matching: 100 },
    { query: "?health=down&sort=name&order=desc&limit=3", expected: ["f299", "f289", "f279"], matching: 30 },
    { query: "?health=suspect&q=f1&limit=2", expected: ["f108", "f118"], matching: 10 },
    { query: "?role=ACTIVE", expected: ["f000"], matching: 1 },
    { query: "?role=STANDBY&limit=2&offset=1", expected: ["f002", "f003"], matching: N - 1 },
    { query: "?sort=role&limit=2", expected: ["f000", "f001"], matching: N },
    { query: "?sort=role&order=desc&limit=1", expected: ["f001"], matching: N },
    { query: "?q=nothing-like-it", expected: [], matching: 0 },
  ])("$query -> $expected ($matching match)", async ({ query, expected, matching }) => {
    const d = await detail(query);
    expect(names(d)).toEqual(expected);
    expect(d.nodeCounts).toMatchObject({ total: N, matching, active: 1, healthy: 240, down: 30 });
  });

  it("sorts by priority, health and heartbeat age either way, ties by name", async () => {
    const byPriority = await detail("?sort=priority&order=desc");
    const key = (n: ClusterDetailJson["nodes"][number]) => [-n.priority, n.name] as const;
    expect(byPriority.nodes.map(key)).toEqual([...byPriority.nodes.map(key)].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])));
    expect(names(byPriority).slice(0, 3)).toEqual(["f000", "f007", "f014"]);
    const priorityAsc = await detail("?sort=priority&order=asc&limit=2");
    expect(priorityAsc.nodes.map((n) => [n.name, n.priority])).toEqual([
      ["f006", 94],
      ["f013", 94],
    ]);

    const worstFirst = await detail("?sort=health&order=desc&limit=60");
    expect(worstFirst.nodes.map((n) => n.health)).toEqual([...Array(30).fill("down"), ...Array(30).fill("suspect")]);
    expect(names(worstFirst).slice(0, 2)).toEqual(["f009", "f019"]);

    const freshest = await detail("?sort=heartbeat&order=asc");
    const ages = freshest.nodes.map((n) => n.heartbeatAgeMs!);
    expect(ages).toEqual([...ages].sort((a, b) => a - b));
    expect(freshest.nodes[0].name).toBe("f000");
    const oldest = await detail("?sort=heartbeat&order=desc&limit=1");
    expect(oldest.nodes[0].health).toBe("down");
  });

  it("pages join up to the whole list; a page without the active still carries it (key nodes) with its checks", async () => {
    const pages = await Promise.all([0, 100, 200].map((offset) => detail(`?sort=priority&order=desc&offset=${offset}&limit=100`)));
    const all = await detail("?sort=priority&order=desc");
    expect(pages.flatMap(names)).toEqual(names(all));
    const tail = await detail("?offset=295&limit=10");
    expect(names(tail)).toEqual(["f295", "f296", "f297", "f298", "f299"]);
    expect(tail.nodePage).toEqual({ offset: 295, limit: 10, sort: "name", order: "asc" });
    expect(tail.keyNodes[0]).toMatchObject({ name: "f000", role: "ACTIVE", checks: [{ name: "http" }] });
    const past = await detail("?offset=1000&limit=10");
    expect(past.nodes).toEqual([]);
    expect(past.nodeCounts.matching).toBe(N);
  });

  it("a node on a page is the node of the whole list, details included (they are read for the page only)", async () => {
    const whole = await detail("");
    const ticking = ({ heartbeatAgeMs: _h, leaseRemainingMs: _l, holdRemainingMs: _o, ...rest }: (typeof whole.nodes)[number]) => rest;
    // The first page's nodes are not key nodes; the second's (by role) holds the active, which is one.
    for (const query of ["?sort=priority&order=desc&offset=10&limit=5", "?sort=role&order=asc&limit=5"]) {
      const page = await detail(query);
      expect(page.nodes).toHaveLength(5);
      for (const n of [...page.nodes, ...page.keyNodes]) expect(ticking(n)).toEqual(ticking(whole.nodes.find((w) => w.id === n.id)!));
    }
  });

  it("key nodes: the active(s), then the standby an election would pick and the best one whose checks pass, whatever the page", async () => {
    const cluster = await bed.t.prisma.cluster.create({ data: { name: "keys", heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n } });
    // [name, priority, what rules it out (or in)]: only k6 (best eligible) and k7 (best passing) qualify.
    const nodes: [string, number, Record<string, unknown>][] = [
      ["k1", 200, { maintenance: true }],
      ["k2", 190, { holdUntil: new Date(Date.now() + 600_000) }],
      ["k3", 180, { isolated: true }],
      ["k4", 170, { checkStatus: "FAILING" }],
      ["k5", 160, { lastHeartbeatAt: new Date(Date.now() - 600_000) }],
      ["k6", 150, { checkStatus: "UNKNOWN" }],
      ["k7", 140, {}],
      ["k8", 140, {}],
      ["k9", 0, {}],
    ];
    await bed.t.prisma.node.create({
      data: {
        clusterId: cluster.id,
        name: "k0",
        role: "ACTIVE",
        lastHeartbeatAt: new Date(),
        leaseExpiresAt: new Date(Date.now() + 3_600_000),
        activeEpoch: 1n,
      },
    });
    for (const [name, priority, extra] of nodes)
      await bed.t.prisma.node.create({ data: { clusterId: cluster.id, name, priority, lastHeartbeatAt: new Date(), checkStatus: "PASSING", ...extra } });
    const keys = async (query: string) => {
      const res = await callApi(bed.server.url, viewer, { path: `/api/v1/clusters/keys${query}` });
      expect(res.status).toBe(200);
      return res.body as ClusterDetailJson;
    };
    for (const query of ["", "?limit=2&offset=8", "?role=STANDBY&sort=priority&limit=1", "?q=nothing-like-it"]) {
      const d = await keys(query);
      expect(
        d.keyNodes.map((n) => n.name),
        query,
      ).toEqual(["k0", "k6", "k7"]);
      expect(d.keyNodes[2].checks, query).toEqual([]);
      expect(d.nodeCounts, query).toMatchObject({ total: 10, active: 1, serving: 1, healthy: 9, down: 1, maintenance: 1, failing: 1, isolated: 1 });
    }
    expect(names(await keys("?limit=2&offset=8"))).toEqual(["k8", "k9"]);
    expect(names(await keys("?role=STANDBY&sort=priority&order=desc&limit=3"))).toEqual(["k1", "k2", "k3"]);

    // A cluster with no node: counts of zero, no nodes, no key nodes.
    await bed.t.prisma.cluster.create({ data: { name: "empty" } });
    const res = await callApi(bed.server.url, viewer, { path: "/api/v1/clusters/empty?limit=5" });
    expect(res.status).toBe(200);
    const empty = res.body as ClusterDetailJson;
    expect([empty.nodes, empty.keyNodes, empty.nodeCounts.total, empty.nodeCounts.matching]).toEqual([[], [], 0, 0]);
  });

  it("a page of 50 ships a fraction of the whole list", async () => {
    const whole = await callApi(bed.server.url, viewer, { path: "/api/v1/clusters/fleet" });
    const page = await callApi(bed.server.url, viewer, { path: "/api/v1/clusters/fleet?limit=50" });
    expect(page.text.length).toBeLessThan(whole.text.length / 4);
  });

  it.each([
    { query: "?sort=size", field: /^sort: /m },
    { query: "?order=up", field: /^order: /m },
    { query: "?limit=0", field: /^limit: /m },
    { query: "?limit=1001", field: /^limit: /m },
    { query: "?limit=ten", field: /^limit: /m },
    { query: "?offset=-1", field: /^offset: /m },
    { query: "?offset=1.5", field: /^offset: /m },
    { query: "?health=ok", field: /^health: /m },
    { query: "?role=LEADER", field: /^role: /m },
    { query: `?q=${"x".repeat(101)}`, field: /^q: / },
  ])("$query: 422 VALIDATION naming the parameter, nothing changed", async ({ query, field }) => {
    const before = await databaseState(bed.t.prisma);
    const res = await callApi(bed.server.url, viewer, { path: `/api/v1/clusters/fleet${query}` });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: { code: "VALIDATION", message: expect.stringMatching(field) } });
    expect(await databaseState(bed.t.prisma)).toBe(before);
  });
});
