// A takeover that fails half-way must leave nothing behind: no retired active without a
// successor, no bumped epoch, no audit row. Driven in-process against the real database.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { electActive } from "../../lib/cluster/elect-active";
import { promoteForCommand } from "../../lib/cluster/promote-for-command";
import { requestCommand } from "../../lib/cluster/request-command";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("role changes are all or nothing", () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(async () => t.drop());

  /** A cluster whose active has lapsed, and a healthy standby "b" attached to agent instance `instance`. */
  async function lapsedCluster(name: string, instance: string) {
    const cluster = await t.prisma.cluster.create({ data: { name, heartbeatMs: 1000, leaseMs: 5000, epoch: 7n } });
    await t.prisma.$executeRaw`
      INSERT INTO "Node" (id, "clusterId", name, role, priority, "activeEpoch", "leaseExpiresAt", "lastHeartbeatAt", "agentInstance") VALUES
        (gen_random_uuid(), ${cluster.id}::uuid, 'a', 'ACTIVE', 100, 7, now() - interval '1 second', now() - interval '6 seconds', gen_random_uuid()),
        (gen_random_uuid(), ${cluster.id}::uuid, 'b', 'STANDBY', 90, NULL, NULL, now(), ${instance}::uuid)`;
    const b = await t.prisma.node.findFirstOrThrow({ where: { clusterId: cluster.id, name: "b" } });
    return { cluster, b };
  }
  const snapshot = async (clusterId: string) => ({
    epoch: (await t.prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).epoch,
    roles: (await t.prisma.node.findMany({ where: { clusterId }, orderBy: { name: "asc" } })).map((n) => `${n.name}:${n.role}`),
    audit: await t.prisma.auditEvent.count({ where: { clusterId, action: { not: "command.requested" } } }),
  });

  it("election: a candidate whose row changed meanwhile rolls the retirement back", async () => {
    const { cluster, b } = await lapsedCluster("elect", randomUUID());
    const before = await snapshot(cluster.id);
    const result = await electActive({ db: t.prisma, clusterId: cluster.id, nodeId: b.id, instanceId: randomUUID() /* not b's agent */ });
    expect(result).toEqual({ elected: false, why: "this node's row changed meanwhile" });
    expect(await snapshot(cluster.id)).toEqual(before);
  });

  it("command promotion: same, and the command stays open", async () => {
    const instance = randomUUID();
    const { cluster, b } = await lapsedCluster("promote", instance);
    const cmd = await requestCommand({ db: t.prisma, clusterId: cluster.id, kind: "SWITCHOVER", targetNodeId: b.id, requestedBy: "user:ops@example.com" });
    const before = await snapshot(cluster.id);
    const result = await promoteForCommand({ db: t.prisma, commandId: cmd.id, clusterId: cluster.id, nodeId: b.id, instanceId: randomUUID() });
    expect(result).toEqual({ promoted: false, why: "this node's row changed meanwhile" });
    expect(await snapshot(cluster.id)).toEqual(before);
    expect((await t.prisma.command.findUniqueOrThrow({ where: { id: cmd.id } })).status).toBe("PENDING");

    // With the right agent instance the same call goes through, with both audit rows.
    const ok = await promoteForCommand({ db: t.prisma, commandId: cmd.id, clusterId: cluster.id, nodeId: b.id, instanceId: instance });
    expect(ok).toEqual({ promoted: true, epoch: 8n, timings: { heartbeatMs: 1000, leaseMs: 5000, demoteTimeoutMs: 1000 }, forced: false });
    expect((await snapshot(cluster.id)).roles).toEqual(["a:STANDBY", "b:ACTIVE"]);
    const audit = await t.prisma.auditEvent.findMany({ where: { commandId: cmd.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.nodeName, a.epoch])).toEqual([
      ["command.requested", "b", null],
      ["failover.demoted", "a", 8n],
      ["command.promoted", "b", 8n],
    ]);
  });
});
