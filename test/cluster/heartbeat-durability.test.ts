import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { electActive } from "../../lib/cluster/elect-active";
import { heartbeat } from "../../lib/cluster/heartbeat";
import { registerNode } from "../../lib/cluster/register-node";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { freezeWalWriter, startCrashableDatabase, type CrashableDatabase } from "../support/crash-postgres";

// Standby beats commit without waiting for the WAL flush; lease renewals wait for it. This test
// crashes PostgreSQL (kill -9 of every server process, so WAL still in shared memory is gone) with
// its WAL writer stopped, so nothing but a transaction's own commit can have flushed its beat.
// Own server: a crash would disturb every other test file.

type Row = { lastHeartbeatAt: Date; leaseExpiresAt: Date | null };

describe("heartbeat durability across a database crash", () => {
  let server: CrashableDatabase;

  beforeAll(async () => {
    server = await startCrashableDatabase("fc-crash-");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("keeps every lease renewal and the standby beats a durable commit read; loses only later standby beats", async () => {
    const pool = createPgPool(server.url, 2);
    const db: Sql = pgPoolSql(pool);
    const ids = { a: randomUUID(), b: randomUUID() };
    const a = await registerNode({ db, clusterName: "crash", nodeName: "a", host: "a", agentVersion: "test", instanceId: ids.a, priority: 100 });
    const b = await registerNode({ db, clusterName: "crash", nodeName: "b", host: "b", agentVersion: "test", instanceId: ids.b, priority: 50 });
    const election = await electActive({ db, clusterId: a.clusterId, nodeId: a.nodeId, instanceId: ids.a });
    if (!election.elected) throw new Error(`a was not elected: ${election.why}`);
    const read = async (nodeId: string) => (await db.query<Row>(`SELECT "lastHeartbeatAt", "leaseExpiresAt" FROM "Node" WHERE id = $1::uuid`, [nodeId]))[0];

    const resumeWalWriter = await freezeWalWriter(db);
    try {
      await new Promise((r) => setTimeout(r, 5)); // the clock moves on between beats
      await heartbeat({ db, nodeId: b.nodeId, instanceId: ids.b, activeEpoch: null });
      const standbyBeatBeforeRenewal = await read(b.nodeId);
      await new Promise((r) => setTimeout(r, 5));
      const renewal = await heartbeat({ db, nodeId: a.nodeId, instanceId: ids.a, activeEpoch: election.epoch });
      expect(renewal?.renewed).toBe(true);
      const renewed = await read(a.nodeId);
      await new Promise((r) => setTimeout(r, 5));
      await heartbeat({ db, nodeId: b.nodeId, instanceId: ids.b, activeEpoch: null });
      const standbyBeatAfterRenewal = await read(b.nodeId);
      expect(standbyBeatAfterRenewal.lastHeartbeatAt.getTime()).toBeGreaterThan(standbyBeatBeforeRenewal.lastHeartbeatAt.getTime());

      await server.crashAndRestart();
      await pool.end().catch(() => {});

      const afterPool = createPgPool(server.url, 1);
      const after = pgPoolSql(afterPool);
      const rowAfter = async (id: string) => (await after.query<Row>(`SELECT "lastHeartbeatAt", "leaseExpiresAt" FROM "Node" WHERE id = $1::uuid`, [id]))[0];
      const [aAfter, bAfter] = [await rowAfter(a.nodeId), await rowAfter(b.nodeId)];
      await afterPool.end();
      // The renewal survived, to the millisecond: the lease the active relies on is the one on disk.
      expect(aAfter.leaseExpiresAt?.getTime()).toBe(renewed.leaseExpiresAt?.getTime());
      // The standby beat before the renewal was flushed with it; the one after was lost.
      expect(bAfter.lastHeartbeatAt.getTime()).toBe(standbyBeatBeforeRenewal.lastHeartbeatAt.getTime());
    } finally {
      resumeWalWriter();
    }
  });
});
