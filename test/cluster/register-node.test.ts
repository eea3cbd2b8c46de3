import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { electActive } from "../../lib/cluster/elect-active";
import { AppError } from "../../lib/errors";
import { registerNode } from "../../lib/cluster/register-node";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

// Registration of new nodes runs without the cluster lock; these are the races that makes possible.
describe("registerNode", () => {
  let t: TestDatabase;
  let pool: ReturnType<typeof createPgPool>;
  let db: Sql;
  const register = (cluster: string, node: string, instanceId = randomUUID()) =>
    registerNode({ db, clusterName: cluster, nodeName: node, host: `${node}.test`, agentVersion: "test", instanceId });

  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 12);
    db = pgPoolSql(pool);
  });
  afterAll(async () => {
    await pool.end();
    await t.drop();
  });

  it("60 nodes joining one new cluster at once: one cluster, 60 standbys, one audit row each", async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => register("crowd", `n${i}`)));
    expect(new Set(results.map((r) => r.clusterId)).size).toBe(1);
    expect(new Set(results.map((r) => r.nodeId)).size).toBe(60);
    const nodes = await t.prisma.node.findMany({ where: { cluster: { name: "crowd" } } });
    expect(nodes).toHaveLength(60);
    expect(nodes.every((n) => n.role === "STANDBY")).toBe(true);
    expect(await t.prisma.auditEvent.count({ where: { clusterName: "crowd", action: "node.registered" } })).toBe(60);
  });

  it("the same name registered by 8 processes at once: exactly one wins, the others are told the name is taken", async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => register("dup", "same")));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const err of lost) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("CONFLICT");
      expect((err as Error).message).toMatch(/another agent is running as dup\/same/);
    }
    expect(await t.prisma.node.count({ where: { cluster: { name: "dup" } } })).toBe(1);
    expect(await t.prisma.auditEvent.count({ where: { clusterName: "dup", action: "node.registered" } })).toBe(1);
  });

  it("a restart after the active died takes the row back as STANDBY, audited, while new nodes join alongside", async () => {
    await t.prisma.cluster.create({ data: { name: "restart", heartbeatMs: 250, leaseMs: 1000, demoteTimeoutMs: 300 } });
    const a = await register("restart", "a");
    const election = await electActive({
      db,
      clusterId: a.clusterId,
      nodeId: a.nodeId,
      instanceId: (await t.prisma.node.findUniqueOrThrow({ where: { id: a.nodeId } })).agentInstance!,
    });
    expect(election.elected).toBe(true);
    // The active process dies (no more beats); once its lease and heartbeat lapse a new process takes the name.
    await new Promise((r) => setTimeout(r, 1100));
    const [again] = await Promise.all([register("restart", "a"), register("restart", "b"), register("restart", "c")]);
    expect(again.nodeId).toBe(a.nodeId);
    const row = await t.prisma.node.findUniqueOrThrow({ where: { id: a.nodeId } });
    expect(row).toMatchObject({ role: "STANDBY", leaseExpiresAt: null, activeEpoch: null });
    expect(await t.prisma.node.count({ where: { clusterId: a.clusterId, role: "ACTIVE" } })).toBe(0);
    const audit = await t.prisma.auditEvent.findMany({ where: { clusterName: "restart", nodeName: "a", action: "node.registered" }, orderBy: { id: "asc" } });
    expect(audit.map((e) => [e.fromRole, e.toRole, e.reason])).toEqual([
      [null, null, "new node"],
      ["ACTIVE", "STANDBY", "agent restarted; the previous process's lease had lapsed"],
    ]);
  });
});
