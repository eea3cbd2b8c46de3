import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getClusterOverview, type ClusterListQuery } from "../../lib/cluster/get-cluster-overview";
import { seedCluster } from "../support/console-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

// The cluster list's status, filter, order and pages, all decided by PostgreSQL: every status rule
// on its own cluster, then what the console's paged, problems-first list asks for.
describe("the cluster list", () => {
  let t: TestDatabase;
  const list = (query: ClusterListQuery = {}) => getClusterOverview({ db: t.prisma, query });
  const names = async (query: ClusterListQuery) => (await list(query)).clusters.map((c) => c.name);

  beforeAll(async () => {
    t = await createTestDatabase();
    const healthy = [{ name: "a", role: "ACTIVE" as const }, { name: "b" }];
    await seedCluster({ prisma: t.prisma, name: "ok-1", nodes: healthy });
    await seedCluster({ prisma: t.prisma, name: "ok-2", nodes: healthy });
    await seedCluster({ prisma: t.prisma, name: "down-standby", nodes: [...healthy, { name: "c", heartbeatAgoMs: 600_000 }] });
    const lapsed = await seedCluster({ prisma: t.prisma, name: "lapsed", nodes: healthy });
    await t.prisma.node.updateMany({ where: { clusterId: lapsed.id, role: "ACTIVE" }, data: { leaseExpiresAt: new Date(Date.now() - 1_000) } });
    await t.prisma.cluster.create({ data: { name: "empty" } });
    // A second service no node serves (a mistyped --service) does not count in the status.
    await seedCluster({ prisma: t.prisma, name: "web", nodes: healthy });
    await t.prisma.cluster.create({ data: { name: "web", service: "typo" } });
    // Several services: "mixed-down" has one served service with no active (no-active); in
    // "mixed-low" every service serves but its active-active one is below its minimum (degraded).
    const noActive = await seedCluster({ prisma: t.prisma, name: "mixed-down", nodes: healthy });
    await t.prisma.cluster.update({ where: { id: noActive.id }, data: { service: "one" } });
    await seedCluster({ prisma: t.prisma, name: "mixed-down", nodes: [{ name: "a" }, { name: "b" }] }).then((c) =>
      t.prisma.cluster.update({ where: { id: c.id }, data: { service: "two" } }),
    );
    const low = await seedCluster({ prisma: t.prisma, name: "mixed-low", nodes: healthy });
    await t.prisma.cluster.update({ where: { id: low.id }, data: { service: "one" } });
    const lowAll = await seedCluster({ prisma: t.prisma, name: "mixed-low", nodes: [{ name: "a" }, { name: "b" }] });
    await t.prisma.cluster.update({ where: { id: lowAll.id }, data: { service: "pool", mode: "ALL", minActive: 2 } });
    await t.prisma.node.updateMany({ where: { clusterId: lowAll.id }, data: { exclusive: false } });
    await t.prisma.node.updateMany({ where: { clusterId: lowAll.id, name: "a" }, data: { role: "ACTIVE", leaseExpiresAt: new Date(Date.now() + 3_600_000) } });
    // Active-active services with a minimum of two serving nodes.
    for (const [name, roles] of [
      ["pool", ["ACTIVE", "ACTIVE"]],
      ["pool-low", ["ACTIVE", "STANDBY"]],
      ["pool-none", ["STANDBY", "STANDBY"]],
    ] as const) {
      const c = await seedCluster({ prisma: t.prisma, name, nodes: roles.map((_, i) => ({ name: `p${i}` })) });
      await t.prisma.cluster.update({ where: { id: c.id }, data: { mode: "ALL", minActive: 2 } });
      await t.prisma.node.updateMany({ where: { clusterId: c.id }, data: { exclusive: false } });
      for (const [i, role] of roles.entries())
        if (role === "ACTIVE")
          await t.prisma.node.updateMany({ where: { clusterId: c.id, name: `p${i}` }, data: { role, leaseExpiresAt: new Date(Date.now() + 3_600_000) } });
    }
  });
  afterAll(() => t.drop());

  it("each status rule, every cluster by name when nothing is set, counts of the whole set", async () => {
    const all = await list();
    expect(Object.fromEntries(all.clusters.map((c) => [c.name, c.status]))).toEqual({
      "down-standby": "degraded",
      empty: "no-active",
      lapsed: "no-active",
      "mixed-down": "no-active",
      "mixed-low": "degraded",
      "ok-1": "ok",
      "ok-2": "ok",
      pool: "ok",
      "pool-low": "degraded",
      "pool-none": "no-active",
      web: "ok",
    });
    expect(all.clusters.map((c) => c.name)).toEqual([
      "down-standby",
      "empty",
      "lapsed",
      "mixed-down",
      "mixed-low",
      "ok-1",
      "ok-2",
      "pool",
      "pool-low",
      "pool-none",
      "web",
    ]);
    expect(all.counts).toEqual({ total: 11, matching: 11, byStatus: { ok: 4, degraded: 3, "no-active": 4 } });
    expect(all.page).toEqual({ offset: 0, limit: null, sort: "name" });
    expect(all.clusters.find((c) => c.name === "web")!.services.map((s) => s.name)).toEqual(["main", "typo"]);
  });

  it("problems first, then by name; a name filter (any case) and a status filter; counts stay whole", async () => {
    expect(await names({ sort: "status" })).toEqual([
      "empty",
      "lapsed",
      "mixed-down",
      "pool-none",
      "down-standby",
      "mixed-low",
      "pool-low",
      "ok-1",
      "ok-2",
      "pool",
      "web",
    ]);
    const pools = await list({ q: " POOL ", sort: "status" });
    expect(pools.clusters.map((c) => c.name)).toEqual(["pool-none", "pool-low", "pool"]);
    expect(pools.counts).toEqual({ total: 11, matching: 3, byStatus: { ok: 4, degraded: 3, "no-active": 4 } });
    expect(await names({ status: "degraded" })).toEqual(["down-standby", "mixed-low", "pool-low"]);
    expect(await names({ q: "nothing-like-it" })).toEqual([]);
  });

  it("pages join up to the whole list, a cluster of several services whole on its page", async () => {
    const whole = await names({ sort: "status" });
    const pages = await Promise.all([0, 4, 8].map((offset) => names({ sort: "status", offset, limit: 4 })));
    expect(pages.map((p) => p.length)).toEqual([4, 4, 3]);
    expect(pages.flat()).toEqual(whole);
    const [web] = (await list({ offset: 10, limit: 1 })).clusters;
    expect([web.name, web.services.length]).toEqual(["web", 2]);
    const past = await list({ offset: 100, limit: 10 });
    expect([past.clusters, past.counts.matching]).toEqual([[], 11]);
  });
});

describe("a cluster of several services in the list", () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(() => t.drop());

  it("counts each server once, with its worst health over its services", async () => {
    // Server a serves both services, b only "one", c only "two"; a's beat for "two" stopped.
    const one = await seedCluster({ prisma: t.prisma, name: "multi", nodes: [{ name: "a", role: "ACTIVE" }, { name: "b" }] });
    await t.prisma.cluster.update({ where: { id: one.id }, data: { service: "one" } });
    const two = await seedCluster({ prisma: t.prisma, name: "multi", nodes: [{ name: "a", role: "ACTIVE", heartbeatAgoMs: 600_000 }, { name: "c" }] });
    await t.prisma.cluster.update({ where: { id: two.id }, data: { service: "two" } });
    const [multi] = (await getClusterOverview({ db: t.prisma, query: { sort: "status", limit: 50 } })).clusters;
    expect(multi).toMatchObject({ name: "multi", nodeCount: 3, health: { healthy: 2, suspect: 0, down: 1 }, status: "no-active" });
  });
});
