import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getClusterDetail } from "../../lib/cluster/get-cluster-detail";
import { getClusterOverview } from "../../lib/cluster/get-cluster-overview";
import { queryNodeList } from "../../lib/cluster/node-views";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { seedCluster } from "../support/console-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

// getClusterDetail reads the service rows, the node list and the commands at the same time, each
// choosing the service on its own; when a change between those reads makes them choose apart, the
// nodes and commands are read again for the service the detail is about.
describe("the cluster detail's concurrent reads", () => {
  let t: TestDatabase;
  let pool: ReturnType<typeof createPgPool>;
  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 4);
    // Cluster "pair": service "a" served by node x, service "b" by none (so "a" is the one chosen).
    const a = await seedCluster({ prisma: t.prisma, name: "pair", nodes: [{ name: "x", role: "ACTIVE" }] });
    await t.prisma.cluster.update({ where: { id: a.id }, data: { service: "a" } });
    const b = await t.prisma.cluster.create({ data: { name: "pair", service: "b", heartbeatMs: 60_000, leaseMs: 180_000 } });
    await t.prisma.command.create({
      data: { clusterId: b.id, kind: "PROMOTE", targetName: "y", requestedBy: "test", reason: "in b", deadline: new Date(Date.now() + 60_000) },
    });
  });
  afterAll(async () => {
    await pool.end();
    await t.drop();
  });

  it("nodes and commands follow the service the detail chose, also when it changed between the reads", async () => {
    const plain = pgPoolSql(pool);
    const before = await getClusterDetail({ db: plain, clusterName: "pair" });
    expect([before.cluster.service, before.nodes.map((n) => n.name), before.commands]).toEqual(["a", ["x"], []]);

    // The service rows are read last, after node x moved from "a" to "b": the nodes and commands
    // read first chose "a", the detail chooses "b", and must show b's node and command.
    const moveFirst: Sql = {
      ...plain,
      async query<T>(text: string, values?: unknown[]) {
        if (text.includes("lastPauseAction")) {
          await new Promise((r) => setTimeout(r, 300));
          await t.prisma.$executeRaw`UPDATE "Node" SET "clusterId" = (SELECT id FROM "Cluster" WHERE name = 'pair' AND service = 'b') WHERE name = 'x'`;
        }
        return plain.query<T>(text, values);
      },
    };
    const after = await getClusterDetail({ db: moveFirst, clusterName: "pair" });
    expect(after.cluster.service).toBe("b");
    expect(after.nodes.map((n) => [n.name, n.service])).toEqual([["x", "b"]]);
    expect(after.commands.map((c) => [c.reason, c.service])).toEqual([["in b", "b"]]);
  });

  it("a migration that adds columns while the console runs: its prepared reads still answer", async () => {
    const reads = () =>
      Promise.all([
        getClusterDetail({ db: t.prisma, clusterName: "pair", service: "b" }),
        getClusterOverview({ db: t.prisma, query: { sort: "status", limit: 50 } }),
        queryNodeList(t.prisma, { clusterName: "pair", service: "b" }, { limit: 5 }),
      ]);
    for (let i = 0; i < 3; i++) await reads(); // prepared on the connections they use
    for (const table of ["Cluster", "Command", "Node"]) await t.prisma.$executeRawUnsafe(`ALTER TABLE "${table}" ADD COLUMN "addedLater" int DEFAULT 1`);
    const [detail, list, nodes] = await reads();
    expect([detail.cluster.service, detail.nodes.map((n) => n.name), detail.commands.map((c) => c.reason)]).toEqual(["b", ["x"], ["in b"]]);
    expect(list.clusters.map((c) => c.name)).toEqual(["pair"]);
    expect(nodes?.nodes.map((n) => n.name)).toEqual(["x"]);
  });
});
