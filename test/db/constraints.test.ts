import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("database-enforced rules", () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t.drop());

  it("refuse a second ACTIVE node in one cluster, but allow one per cluster", async () => {
    const [c1, c2] = await Promise.all(["c1", "c2"].map((name) => t.prisma.cluster.create({ data: { name } })));
    await t.prisma.node.create({ data: { clusterId: c1.id, name: "a", role: "ACTIVE" } });
    await t.prisma.node.create({ data: { clusterId: c2.id, name: "a", role: "ACTIVE" } });
    const b = await t.prisma.node.create({ data: { clusterId: c1.id, name: "b" } });
    await expect(t.prisma.node.update({ where: { id: b.id }, data: { role: "ACTIVE" } })).rejects.toThrow(/Unique constraint/);
    await expect(t.prisma.node.create({ data: { clusterId: c1.id, name: "c", role: "ACTIVE" } })).rejects.toThrow(/Unique constraint/);
    expect(await t.prisma.node.count({ where: { clusterId: c1.id, role: "ACTIVE" } })).toBe(1);
  });

  it("keep AuditEvent append-only: UPDATE, DELETE and TRUNCATE are rejected", async () => {
    const row = await t.prisma.auditEvent.create({ data: { actor: "system", action: "test", reason: "original" } });
    await expect(t.prisma.auditEvent.update({ where: { id: row.id }, data: { reason: "forged" } })).rejects.toThrow(/append-only/);
    await expect(t.prisma.auditEvent.delete({ where: { id: row.id } })).rejects.toThrow(/append-only/);
    await expect(t.prisma.$executeRawUnsafe(`UPDATE "AuditEvent" SET reason = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.prisma.$executeRawUnsafe(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only/);
    await expect(t.prisma.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only/);
    expect((await t.prisma.auditEvent.findUniqueOrThrow({ where: { id: row.id } })).reason).toBe("original");
  });

  it("notify agents on the cluster_command channel when a command is inserted", async () => {
    const pg = await import("pg");
    const listener = new pg.default.Client({ connectionString: t.url });
    await listener.connect();
    await listener.query("LISTEN cluster_command");
    const cluster = await t.prisma.cluster.create({ data: { name: "notify" } });
    const node = await t.prisma.node.create({ data: { clusterId: cluster.id, name: "n" } });
    const got = new Promise<string>((resolve) => listener.on("notification", (n) => resolve(n.payload!)));
    await t.prisma.command.create({
      data: {
        clusterId: cluster.id,
        kind: "PROMOTE",
        targetNodeId: node.id,
        targetName: node.name,
        requestedBy: "user:test",
        deadline: new Date(Date.now() + 60_000),
      },
    });
    expect(await got).toBe(cluster.id);
    await listener.end();
  });
});
