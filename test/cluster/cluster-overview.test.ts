import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getClusterDetail } from "../../lib/cluster/get-cluster-detail";
import { getClusterOverview } from "../../lib/cluster/get-cluster-overview";
import { seedCluster } from "../support/console-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

// The list counts health in SQL; the cluster page classifies each node in TypeScript. Same data, same answer.
describe("getClusterOverview", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    // Seeded timings: heartbeat 60 s, lease 180 s, so healthy <= 120.25 s < suspect <= 180 s < down.
    await seedCluster({
      prisma: t.prisma,
      name: "mixed",
      nodes: [
        { name: "a", role: "ACTIVE" },
        { name: "fresh" },
        { name: "late", heartbeatAgoMs: 150_000 },
        { name: "silent", heartbeatAgoMs: 600_000 },
        { name: "never", heartbeatAgoMs: null },
        { name: "zero", priority: 0 },
      ],
    });
    await seedCluster({ prisma: t.prisma, name: "ghost", nodes: [{ name: "g", role: "ACTIVE", heartbeatAgoMs: null }, { name: "h" }] });
    await t.prisma.cluster.create({ data: { name: "empty" } });
  });
  afterAll(() => t.drop());

  it("counts what the node views show, a never-heard node as down, an empty cluster as no-active", async () => {
    const { clusters: overview } = await getClusterOverview({ db: t.prisma });
    expect(overview.map((c) => c.name)).toEqual(["empty", "ghost", "mixed"]);
    for (const c of overview.filter((c) => c.nodeCount > 0)) {
      const { nodes } = await getClusterDetail({ db: t.prisma, clusterName: c.name });
      const count = (h: string) => nodes.filter((n) => n.health === h).length;
      const active = nodes.find((n) => n.role === "ACTIVE")!;
      expect(c).toMatchObject({
        nodeCount: nodes.length,
        standbyCount: nodes.filter((n) => n.role === "STANDBY").length,
        eligibleStandbyCount: nodes.filter((n) => n.role === "STANDBY" && n.health === "healthy" && !n.maintenance && n.priority > 0).length,
        health: { healthy: count("healthy"), suspect: count("suspect"), down: count("down") },
        active: { name: active.name, health: active.health },
      });
    }
    const byName = Object.fromEntries(overview.map((c) => [c.name, c]));
    expect(byName.mixed).toMatchObject({ health: { healthy: 3, suspect: 1, down: 2 }, eligibleStandbyCount: 1, status: "degraded" });
    expect(byName.ghost).toMatchObject({ active: { name: "g", health: "down" }, status: "no-active" });
    expect(byName.empty).toMatchObject({ nodeCount: 0, active: null, health: { healthy: 0, suspect: 0, down: 0 }, status: "no-active", openCommand: null });
  });
});
