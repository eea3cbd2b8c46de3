import { randomUUID } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { electActive } from "../../lib/cluster/elect-active";
import { heartbeat } from "../../lib/cluster/heartbeat";
import { registerNode } from "../../lib/cluster/register-node";
import { startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { crashPostgres, freezeWalWriter } from "../support/crash-postgres";

// Standby beats commit without waiting for the WAL flush; lease renewals wait for it. This test
// crashes PostgreSQL (kill -9 of every server process, so WAL still in shared memory is gone) with
// its WAL writer stopped, so nothing but a transaction's own commit can have flushed its beat.
// Own server: a crash would disturb every other test file.

type Row = { lastHeartbeatAt: Date; leaseExpiresAt: Date | null };

describe("heartbeat durability across a database crash", () => {
  let dir: string;
  let server: RunningPostgres;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fc-crash-"));
    await chmod(dir, 0o755);
    // No autovacuum: its commits could flush WAL behind the test's back.
    server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), settings: { autovacuum: "off" } });
    await applyMigrations({ connectionString: server.url });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
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

      crashPostgres(server.dataDir);
      await pool.end().catch(() => {});
      server = await startEmbeddedPostgres({ dataDir: server.dataDir, port: server.port, settings: { autovacuum: "off" } });

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
