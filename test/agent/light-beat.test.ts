// Light heartbeats (lib/cluster/heartbeat.ts): most of an agent's beats skip the service's row, the
// open-command check and metrics. They must answer as a full beat would, a light renewal must be as
// durable as a full one (a crash with the WAL writer stopped, as in
// test/cluster/heartbeat-durability.test.ts) and last the lease the agent asked for, and a change
// of the service's settings must wake the agents (their next beat is then a full one).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { electActive } from "../../lib/cluster/elect-active";
import { heartbeat, type HeartbeatResult } from "../../lib/cluster/heartbeat";
import { registerNode } from "../../lib/cluster/register-node";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { freezeWalWriter, startCrashableDatabase, type CrashableDatabase } from "../support/crash-postgres";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

type Row = { lastHeartbeatAt: Date; leaseExpiresAt: Date | null; metrics: unknown };
const read = async (db: Sql, nodeId: string) =>
  (await db.query<Row>(`SELECT "lastHeartbeatAt", "leaseExpiresAt", metrics FROM "Node" WHERE id = $1::uuid`, [nodeId]))[0];

async function twoNodes(db: Sql, clusterName: string) {
  const ids = { a: randomUUID(), b: randomUUID() };
  const a = await registerNode({ db, clusterName, nodeName: "a", host: "a", agentVersion: "test", instanceId: ids.a, priority: 100 });
  const b = await registerNode({ db, clusterName, nodeName: "b", host: "b", agentVersion: "test", instanceId: ids.b, priority: 50 });
  const election = await electActive({ db, clusterId: a.clusterId, nodeId: a.nodeId, instanceId: ids.a });
  if (!election.elected) throw new Error(`a was not elected: ${election.why}`);
  return { a: { ...a, instanceId: ids.a, epoch: election.epoch }, b: { ...b, instanceId: ids.b } };
}

describe("light heartbeats", () => {
  let t: TestDatabase;
  let pool: pg.Pool;
  let db: Sql;

  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 3);
    db = pgPoolSql(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await t?.drop();
  });

  it("answer as a full beat does, given the last full beat's settings; write no metrics; a light renewal lasts the lease asked for", async () => {
    const { a, b } = await twoNodes(db, "light");
    const full = (n: { nodeId: string; instanceId: string }, activeEpoch: bigint | null) =>
      heartbeat({ db, nodeId: n.nodeId, instanceId: n.instanceId, activeEpoch, metrics: { rssMb: 1 } });
    const light = (n: { nodeId: string; instanceId: string }, activeEpoch: bigint | null, settings: HeartbeatResult, leaseMs = settings.leaseMs) =>
      heartbeat({ db, nodeId: n.nodeId, instanceId: n.instanceId, activeEpoch, light: { settings, leaseMs } });

    const fullA = (await full(a, a.epoch))!;
    const fullB = (await full(b, null))!;
    const lightB = (await light(b, null, fullB))!;
    const lightA = (await light(a, a.epoch, fullA))!;
    // The remaining lease moves on between beats; everything else is the same answer.
    const stable = ({ activeLeaseRemainingMs, activeLeaseExpiresAt, ...rest }: HeartbeatResult) => ({
      ...rest,
      remainingKnown: activeLeaseRemainingMs !== null,
      leaseKnown: activeLeaseExpiresAt !== null,
    });
    expect(stable(lightB)).toEqual(stable(fullB));
    expect(lightB.activeNodeId).toBe(a.nodeId);
    expect(lightB.activeLeaseRemainingMs).toBeGreaterThan(4000);
    expect(stable(lightA)).toEqual(stable(fullA));
    expect(lightA).toMatchObject({ role: "ACTIVE", renewed: true, activeNodeId: a.nodeId, activeLeaseRemainingMs: fullA.leaseMs });

    // Metrics ride on full beats only; liveness is stamped by every beat.
    await db.execute(`UPDATE "Node" SET metrics = '{"old": 1}' WHERE id = $1::uuid`, [b.nodeId]);
    const before = await read(db, b.nodeId);
    await new Promise((r) => setTimeout(r, 5));
    await light(b, null, fullB);
    const after = await read(db, b.nodeId);
    expect(after.metrics).toEqual({ old: 1 });
    expect(after.lastHeartbeatAt.getTime()).toBeGreaterThan(before.lastHeartbeatAt.getTime());

    // A light renewal lasts the lease the agent asked for (its deadlines are computed from it).
    const [{ now }] = await db.query<{ now: Date }>(`SELECT now()`);
    const renewed = await light(a, a.epoch, fullA, 3000);
    expect(renewed).toMatchObject({ renewed: true, activeLeaseRemainingMs: 3000 });
    const lease = (await read(db, a.nodeId)).leaseExpiresAt!.getTime() - now.getTime();
    expect(lease).toBeGreaterThanOrEqual(3000);
    expect(lease).toBeLessThan(3500);

    // A wrong epoch renews nothing, light or full; a lapsed lease is not regained by a light beat.
    expect(await light(a, a.epoch + 1n, fullA)).toMatchObject({ renewed: false, activeNodeId: a.nodeId });
    await db.execute(`UPDATE "Node" SET "leaseExpiresAt" = now() - interval '1 second' WHERE id = $1::uuid`, [a.nodeId]);
    expect(await light(a, a.epoch, fullA)).toMatchObject({ renewed: false, activeNodeId: a.nodeId, activeLeaseRemainingMs: null });
    // A row taken over by another agent process: null, as from a full beat.
    expect(await light({ nodeId: b.nodeId, instanceId: randomUUID() }, null, fullB)).toBeNull();
  });

  it("wake the service's agents when its settings change (NOTIFY), not on other updates of its row", async () => {
    const { a } = await twoNodes(db, "light-notify");
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (n) => n.payload && heard.push(n.payload));
    await listener.query("LISTEN cluster_command");
    const settle = () => new Promise((r) => setTimeout(r, 200));
    try {
      await db.execute(`UPDATE "Cluster" SET "updatedAt" = now(), "checkHoldOffMs" = 1000 WHERE id = $1::uuid`, [a.clusterId]);
      await settle();
      expect(heard).toEqual([]);
      for (const change of [
        `paused = true`,
        `"failoverMode" = 'MANUAL'`,
        `"leaseMs" = 6000`,
        `"heartbeatMs" = 900`,
        `"demoteTimeoutMs" = 900`,
        `epoch = epoch + 1`,
      ]) {
        heard.length = 0;
        await db.execute(`UPDATE "Cluster" SET ${change} WHERE id = $1::uuid`, [a.clusterId]);
        await settle();
        expect(heard, change).toEqual([a.clusterId]);
      }
    } finally {
      await listener.end();
    }
  });
});

// Own server: a crash would disturb every other test file.
describe("light heartbeats across a database crash", () => {
  let server: CrashableDatabase;

  beforeAll(async () => {
    server = await startCrashableDatabase("fc-light-crash-");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps a light renewal and the light standby beat before it; loses the light standby beat after it", async () => {
    const pool = createPgPool(server.url, 2);
    const db = pgPoolSql(pool);
    const { a, b } = await twoNodes(db, "light-crash");
    const fullA = (await heartbeat({ db, nodeId: a.nodeId, instanceId: a.instanceId, activeEpoch: a.epoch }))!;
    const fullB = (await heartbeat({ db, nodeId: b.nodeId, instanceId: b.instanceId, activeEpoch: null }))!;
    const lightBeat = (n: typeof b, epoch: bigint | null, settings: HeartbeatResult) =>
      heartbeat({ db, nodeId: n.nodeId, instanceId: n.instanceId, activeEpoch: epoch, light: { settings, leaseMs: settings.leaseMs } });

    const resumeWalWriter = await freezeWalWriter(db);
    try {
      await new Promise((r) => setTimeout(r, 5));
      await lightBeat(b, null, fullB);
      const standbyBefore = await read(db, b.nodeId);
      await new Promise((r) => setTimeout(r, 5));
      expect((await lightBeat(a, a.epoch, fullA))?.renewed).toBe(true);
      const renewed = await read(db, a.nodeId);
      await new Promise((r) => setTimeout(r, 5));
      await lightBeat(b, null, fullB);
      expect((await read(db, b.nodeId)).lastHeartbeatAt.getTime()).toBeGreaterThan(standbyBefore.lastHeartbeatAt.getTime());

      await server.crashAndRestart();
      await pool.end().catch(() => {});

      const afterPool = createPgPool(server.url, 1);
      const after = pgPoolSql(afterPool);
      const [aAfter, bAfter] = [await read(after, a.nodeId), await read(after, b.nodeId)];
      await afterPool.end();
      expect(aAfter.leaseExpiresAt?.getTime()).toBe(renewed.leaseExpiresAt?.getTime());
      expect(bAfter.lastHeartbeatAt.getTime()).toBe(standbyBefore.lastHeartbeatAt.getTime());
    } finally {
      resumeWalWriter();
    }
  });
});
