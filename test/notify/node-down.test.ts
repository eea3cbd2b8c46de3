import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { electActive } from "../../lib/cluster/elect-active";
import { heartbeat } from "../../lib/cluster/heartbeat";
import { registerNode } from "../../lib/cluster/register-node";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

// The heartbeat statement's node.down / node.recovered, driven directly: many watchers at once,
// the database clock, and the cases where nobody may accuse anybody.

const HB = 250;
const LEASE = 2500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("node health transitions in the heartbeat", () => {
  let t: TestDatabase;
  let db: Sql;
  let pool: ReturnType<typeof createPgPool>;

  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 12);
    db = pgPoolSql(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await t?.drop();
  });

  async function cluster(name: string, size: number) {
    const nodes = [];
    for (let i = 0; i < size; i++) {
      const instanceId = randomUUID();
      const reg = await registerNode({
        db,
        clusterName: name,
        nodeName: `n${i}`,
        host: "h",
        agentVersion: "test",
        instanceId,
        priority: 100 - i,
        timings: { heartbeatMs: HB, leaseMs: LEASE, demoteTimeoutMs: 500 },
      });
      nodes.push({ name: `n${i}`, nodeId: reg.nodeId, clusterId: reg.clusterId, instanceId, epoch: null as bigint | null });
    }
    return nodes;
  }
  type N = Awaited<ReturnType<typeof cluster>>[number];
  const beat = (n: N) => heartbeat({ db, nodeId: n.nodeId, instanceId: n.instanceId, activeEpoch: n.epoch });
  const events = (clusterName: string) =>
    t.prisma.auditEvent.findMany({
      where: { clusterName, action: { in: ["node.down", "node.recovered"] } },
      orderBy: { id: "asc" },
      select: { action: true, nodeName: true, actor: true, at: true, reason: true, epoch: true },
    });

  it("records a silent node down exactly once however many watchers beat at once, and back up once", async () => {
    const nodes = await cluster("many", 10);
    const [active, victim, ...watchers] = nodes;
    const elected = await electActive({ db, clusterId: active.clusterId, nodeId: active.nodeId, instanceId: active.instanceId });
    if (!elected.elected) throw new Error(elected.why);
    active.epoch = elected.epoch;
    await Promise.all(nodes.map(beat));
    // The victim falls silent; everybody else keeps beating on time, all at once each round.
    const silentFrom = Date.now();
    while (Date.now() - silentFrom < LEASE + 4 * HB) {
      await Promise.all([active, ...watchers].map(beat));
      await sleep(HB / 2);
    }
    const down = await events("many");
    expect(down.map((e) => `${e.action} ${e.nodeName}`)).toEqual(["node.down n1"]);
    expect(down[0].actor).toBe("agent:many/n0"); // the active watches; standbys only when no lease is held
    expect(down[0].reason).toMatch(/^no heartbeat for \d+\.\d s \(seen by n0\)$/);
    // The victim comes back: its own beat records the recovery, once, even when it beats twice at once.
    const results = await Promise.all([beat(victim), beat(victim)]);
    expect(results.some((r) => r?.markedDown)).toBe(true);
    await Promise.all(nodes.map(beat));
    expect((await events("many")).map((e) => `${e.action} ${e.nodeName} by ${e.actor}`)).toEqual([
      "node.down n1 by agent:many/n0",
      "node.recovered n1 by agent:many/n1",
    ]);
    const [{ downSince }] = await db.query<{ downSince: Date | null }>(`SELECT "downSince" FROM "Node" WHERE id = $1::uuid`, [victim.nodeId]);
    expect(downSince).toBeNull();
  });

  it("lets the standbys record a dead active (no lease held), once among all of them", async () => {
    const nodes = await cluster("headless", 6);
    const [active, ...standbys] = nodes;
    const elected = await electActive({ db, clusterId: active.clusterId, nodeId: active.nodeId, instanceId: active.instanceId });
    if (!elected.elected) throw new Error(elected.why);
    active.epoch = elected.epoch;
    await Promise.all(nodes.map(beat));
    await db.execute(`UPDATE "Cluster" SET paused = true WHERE id = $1::uuid`, [active.clusterId]); // nobody takes over
    const from = Date.now();
    while (Date.now() - from < LEASE + 4 * HB) {
      await Promise.all(standbys.map(beat));
      await sleep(HB / 2);
    }
    const down = await events("headless");
    expect(down.map((e) => `${e.action} ${e.nodeName}`)).toEqual(["node.down n0"]);
    expect(down[0].epoch).toBe(elected.epoch);
  });

  it("accuses nobody after the watcher itself was silent (a database outage): everyone's beat is old then", async () => {
    const nodes = await cluster("outage", 3);
    const [active] = nodes;
    const elected = await electActive({ db, clusterId: active.clusterId, nodeId: active.nodeId, instanceId: active.instanceId });
    if (!elected.elected) throw new Error(elected.why);
    active.epoch = elected.epoch;
    await Promise.all(nodes.map(beat));
    await sleep(LEASE + 2 * HB); // nobody beats: as if the database had been unreachable
    // Everyone comes back, one after the other; the first beats find every other node old.
    active.epoch = null; // its lease lapsed: it beats as a standby until re-elected
    for (const n of nodes) await beat(n);
    for (const n of nodes) await beat(n);
    expect(await events("outage")).toEqual([]);
  });
});
