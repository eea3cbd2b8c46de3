// The console's own lib/cluster functions against a real database: the writes are audited in the
// same transaction and refuse bad values; the reads judge health on the database clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeTimeline } from "../../lib/cluster/active-timeline";
import { listAuditEvents } from "../../lib/cluster/list-audit-events";
import { queryNodeViews } from "../../lib/cluster/node-views";
import { setClusterPaused } from "../../lib/cluster/set-cluster-paused";
import { setNodeMaintenance } from "../../lib/cluster/set-node-maintenance";
import { setNodePriority } from "../../lib/cluster/set-node-priority";
import { updateClusterSettings } from "../../lib/cluster/update-cluster-settings";
import { databaseState } from "../support/api-client";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const actor = "user:ops@example.com";

describe("console writes and reads in lib/cluster", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const cluster = await t.prisma.cluster.create({ data: { name: "c1", heartbeatMs: 1000, leaseMs: 5000 } });
    // Heartbeat ages set on the database clock: healthy (<= 2 x 1000 + 250), suspect (<= lease), down.
    await t.prisma.$executeRaw`
      INSERT INTO "Node" (id, "clusterId", name, role, "lastHeartbeatAt", "leaseExpiresAt") VALUES
        (gen_random_uuid(), ${cluster.id}::uuid, 'fresh', 'ACTIVE', now() - interval '200 milliseconds', now() + interval '3 seconds'),
        (gen_random_uuid(), ${cluster.id}::uuid, 'late', 'STANDBY', now() - interval '3 seconds', NULL),
        (gen_random_uuid(), ${cluster.id}::uuid, 'silent', 'STANDBY', now() - interval '6 seconds', NULL),
        (gen_random_uuid(), ${cluster.id}::uuid, 'never', 'STANDBY', NULL, NULL)`;
  });
  afterAll(async () => t.drop());

  it("health comes from heartbeat age measured by PostgreSQL", async () => {
    const cluster = await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "c1", service: "main" } } });
    const views = await queryNodeViews(t.prisma, [cluster]);
    expect(Object.fromEntries(views.map((v) => [v.name, v.health]))).toEqual({ fresh: "healthy", late: "suspect", silent: "down", never: "down" });
    const fresh = views.find((v) => v.name === "fresh")!;
    expect(fresh.heartbeatAgeMs).toBeGreaterThanOrEqual(200);
    expect(fresh.leaseRemainingMs).toBeLessThanOrEqual(3000);
    expect(views.find((v) => v.name === "never")!.heartbeatAgeMs).toBeNull();
  });

  it.each([
    { name: "lease too short for the heartbeat", settings: { heartbeatMs: 1000, leaseMs: 2000 }, error: /leaseMs \(2000\) must exceed/ },
    { name: "heartbeat below 50 ms", settings: { heartbeatMs: 10 }, error: /heartbeatMs must be/ },
    { name: "a lease that, with the current heartbeat, is too short", settings: { leaseMs: 1500 }, error: /leaseMs/ },
  ])("refuses settings: $name, and writes nothing", async ({ settings, error }) => {
    const before = await databaseState(t.prisma);
    await expect(updateClusterSettings({ db: t.prisma, clusterName: "c1", settings, actor })).rejects.toMatchObject({
      code: "INVALID",
      message: expect.stringMatching(error),
    });
    expect(await databaseState(t.prisma)).toBe(before);
  });

  it("changes settings with one audit row naming each change; the same values again write nothing", async () => {
    const cluster = await updateClusterSettings({
      db: t.prisma,
      clusterName: "c1",
      settings: { failoverMode: "MANUAL", leaseMs: 6000 },
      actor,
      reason: "slow network",
    });
    expect(cluster).toMatchObject({ failoverMode: "MANUAL", heartbeatMs: 1000, leaseMs: 6000 });
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "cluster.settings_changed" } });
    expect(audit).toMatchObject({
      actor,
      clusterName: "c1",
      reason: "slow network",
      details: { failoverMode: { from: "AUTOMATIC", to: "MANUAL" }, leaseMs: { from: 5000, to: 6000 } },
    });
    const before = await databaseState(t.prisma);
    await updateClusterSettings({ db: t.prisma, clusterName: "c1", settings: { failoverMode: "MANUAL", leaseMs: 6000 }, actor });
    expect(await databaseState(t.prisma)).toBe(before);
  });

  it("pause, maintenance and priority: audited once, idempotent, NOT_FOUND for unknown names", async () => {
    const count = () => t.prisma.auditEvent.count();
    const start = await count();
    await setClusterPaused({ db: t.prisma, clusterName: "c1", paused: true, actor });
    await setClusterPaused({ db: t.prisma, clusterName: "c1", paused: true, actor });
    await setNodeMaintenance({ db: t.prisma, clusterName: "c1", nodeName: "late", maintenance: true, actor });
    await setNodeMaintenance({ db: t.prisma, clusterName: "c1", nodeName: "late", maintenance: true, actor });
    await setNodePriority({ db: t.prisma, clusterName: "c1", nodeName: "late", priority: 5, actor });
    await setNodePriority({ db: t.prisma, clusterName: "c1", nodeName: "late", priority: 5, actor });
    expect((await count()) - start).toBe(3);
    await expect(setClusterPaused({ db: t.prisma, clusterName: "nope", paused: false, actor })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(setNodeMaintenance({ db: t.prisma, clusterName: "c1", nodeName: "nope", maintenance: false, actor })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(setNodePriority({ db: t.prisma, clusterName: "c1", nodeName: "late", priority: 1001, actor })).rejects.toMatchObject({ code: "INVALID" });
    expect((await count()) - start).toBe(3);
  });

  it("audit pages by keyset, newest first, with a case-insensitive actor filter", async () => {
    const seen: string[] = [];
    let before: bigint | undefined;
    for (;;) {
      const page = await listAuditEvents({ db: t.prisma, actor: "OPS@EXAMPLE", limit: 2, before });
      seen.push(...page.events.map((e) => e.action));
      if (!page.nextBefore) break;
      before = page.nextBefore;
    }
    expect(seen).toEqual(["node.priority_changed", "node.maintenance_on", "cluster.paused", "cluster.settings_changed"]);
  });

  it("the timeline: open at the window start, gaps without an active, ongoing at the end", async () => {
    await t.prisma.$executeRaw`
      INSERT INTO "AuditEvent" (at, actor, action, "clusterName", "nodeName", "fromRole", "toRole", epoch) VALUES
        ('2026-01-01T00:00:00Z', 'agent:tl/a', 'failover.promoted', 'tl', 'a', 'STANDBY', 'ACTIVE', 1),
        ('2026-01-01T01:10:00Z', 'agent:tl/a', 'agent.self_fenced', 'tl', 'a', 'ACTIVE', 'STANDBY', 1),
        ('2026-01-01T01:20:00Z', 'agent:tl/b', 'failover.promoted', 'tl', 'b', 'STANDBY', 'ACTIVE', 2),
        ('2026-01-01T01:30:00Z', 'user:x', 'node.maintenance_on', 'tl', 'b', NULL, NULL, NULL)`;
    const timeline = await activeTimeline({
      db: t.prisma,
      clusterName: "tl",
      from: new Date("2026-01-01T01:00:00Z"),
      to: new Date("2026-01-01T02:00:00Z"),
    });
    expect(timeline.nodes).toEqual(["a", "b"]);
    expect(timeline.intervals).toEqual([
      { node: "a", from: new Date("2026-01-01T01:00:00Z"), to: new Date("2026-01-01T01:10:00Z"), ongoing: false, epoch: 1n },
      { node: "b", from: new Date("2026-01-01T01:20:00Z"), to: new Date("2026-01-01T02:00:00Z"), ongoing: false, epoch: 2n },
    ]);
    const unknown = activeTimeline({ db: t.prisma, clusterName: "never-seen" });
    await expect(unknown).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
