// An agent's regular beats keep a fixed cadence (agent/node-agent.ts, cadenceAnchor): a stall that
// holds every agent's beat at once (here: their rows locked by another transaction, as a slow
// database does) must not leave them beating in step afterwards. Before, each agent beat
// heartbeatMs after its last beat ended, so agents that waited through one stall finished together
// and beat together from then on, and a fleet's load came in bursts (bench/scale.ts). And a
// standby that tried to take over a lapsed lease and was not elected waits a beat before it tries
// again (it used to try again at once, in a loop, for as long as no node could be elected).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeAgent } from "../../agent/node-agent";
import { electActive } from "../../lib/cluster/elect-active";
import { HEARTBEAT_STATEMENTS } from "../../lib/cluster/heartbeat";
import { registerNode } from "../../lib/cluster/register-node";
import { createPgPool, pgPoolSql, type Sql } from "../../lib/db/sql";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const HEARTBEAT_MS = 250;
const BEATS = new Set<string>(Object.values(HEARTBEAT_STATEMENTS));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real NodeAgent whose beats (the time it sends each) are recorded in `beats`. */
function agent(base: Sql, clusterName: string, name: string, beats: number[], priority = 100) {
  const db: Sql = {
    query: (text, values) => {
      if (BEATS.has(text)) beats.push(performance.now());
      return base.query(text, values);
    },
    execute: (text, values) => base.execute(text, values),
    transaction: (fn) => base.transaction(fn),
  };
  const noop = () => {};
  return new NodeAgent({
    db,
    clusterName,
    nodeName: name,
    host: name,
    agentVersion: "test",
    instanceId: randomUUID(),
    priority,
    hooks: { timeoutMs: 5000 },
    log: { debug: noop, info: noop, warn: noop, error: noop },
    onFatal: (m) => {
      throw new Error(m);
    },
  });
}

describe("the heartbeat cadence", () => {
  let t: TestDatabase;
  let pool: pg.Pool;
  let base: Sql;

  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 6);
    base = pgPoolSql(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await t?.drop();
  });

  it("survives a stall: two agents half a beat apart are still half a beat apart after waiting through it together", async () => {
    // MANUAL: no elections, so every tick is a regular standby beat.
    await base.query(
      `INSERT INTO "Cluster" (id, name, "failoverMode", "heartbeatMs", "leaseMs", "updatedAt") VALUES (gen_random_uuid(), 'cadence', 'MANUAL', $1, 2000, now())`,
      [HEARTBEAT_MS],
    );
    const beats = new Map<string, number[]>([
      ["a", []],
      ["b", []],
    ]);
    const a = agent(base, "cadence", "a", beats.get("a")!);
    const b = agent(base, "cadence", "b", beats.get("b")!);
    await a.start();
    await sleep(HEARTBEAT_MS / 2);
    await b.start();
    try {
      await sleep(4 * HEARTBEAT_MS);
      // The stall: both rows locked for 2.4 beats, so each agent's beat waits, and both end at once.
      const locker = await pool.connect();
      let released = 0;
      const stalled = performance.now();
      try {
        await locker.query("BEGIN");
        await locker.query(`SELECT 1 FROM "Node" WHERE name IN ('a', 'b') FOR UPDATE`);
        await sleep(2.4 * HEARTBEAT_MS);
        await locker.query("COMMIT");
        released = performance.now();
      } finally {
        locker.release();
      }
      await sleep(8 * HEARTBEAT_MS);

      // How far b's beats are from a's nearest (median), before the stall and after it (its first beat aside).
      const within = (name: string, from: number, to: number) => beats.get(name)!.filter((at) => at > from && at < to);
      const apart = (from: number, to: number) => {
        const aBeats = within("a", from - HEARTBEAT_MS, to + HEARTBEAT_MS);
        const d = within("b", from, to).map((at) => Math.min(...aBeats.map((x) => Math.abs(x - at))));
        return d.sort((x, y) => x - y)[Math.floor(d.length / 2)];
      };
      const before = apart(stalled - 3 * HEARTBEAT_MS, stalled);
      const after = apart(released + HEARTBEAT_MS / 4, Infinity);
      console.log(`b's beats from a's nearest: ${Math.round(before)} ms before the stall, ${Math.round(after)} ms after`);
      // The start gave them a phase apart (half a beat, give or take the registration); the stall must not take it away.
      expect(before).toBeGreaterThan(HEARTBEAT_MS / 8);
      expect(after).toBeGreaterThan(before / 2); // in step (0-3 ms) with the old schedule
      // And a regular beat comes every heartbeatMs, not heartbeatMs plus the beat's own duration, and never twice at one point.
      const aBeats = within("a", released + HEARTBEAT_MS / 4, Infinity);
      expect(aBeats.length).toBeGreaterThanOrEqual(6);
      const gaps = aBeats.slice(1).map((at, i) => at - aBeats[i]);
      expect(Math.min(...gaps)).toBeGreaterThan(HEARTBEAT_MS / 2);
      const meanGap = gaps.reduce((s, g) => s + g, 0) / gaps.length;
      expect(meanGap).toBeGreaterThan(HEARTBEAT_MS - 10);
      expect(meanGap).toBeLessThan(HEARTBEAT_MS + 10);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("a standby that cannot take over a lapsed lease tries again a beat later, not at once in a loop", async () => {
    // The active's agent is gone (its row stays ACTIVE, its lease lapses); the only standby has
    // priority 0, so no election can succeed. It used to try again at once, beat after beat.
    await base.query(`INSERT INTO "Cluster" (id, name, "heartbeatMs", "leaseMs", "updatedAt") VALUES (gen_random_uuid(), 'stuck', $1, 2000, now())`, [
      HEARTBEAT_MS,
    ]);
    const deadInstance = randomUUID();
    const dead = await registerNode({
      db: base,
      clusterName: "stuck",
      nodeName: "dead",
      host: "dead",
      agentVersion: "test",
      instanceId: deadInstance,
      priority: 100,
    });
    const election = await electActive({ db: base, clusterId: dead.clusterId, nodeId: dead.nodeId, instanceId: deadInstance });
    expect(election.elected).toBe(true);
    const beats: number[] = [];
    const standby = agent(base, "stuck", "zero", beats, 0);
    await standby.start();
    try {
      // The lease lapses after 2 s, and by then has stood still for a lease on the standby's clock too.
      await sleep(3000);
      const from = performance.now();
      await sleep(2000);
      const inWindow = beats.filter((at) => at >= from).length;
      console.log(`standby beats in 2 s after the lease lapsed: ${inWindow} (heartbeat ${HEARTBEAT_MS} ms)`);
      expect(inWindow).toBeGreaterThanOrEqual(4);
      expect(inWindow).toBeLessThanOrEqual(2000 / HEARTBEAT_MS + 3);
      const [row] = await base.query<{ role: string }>(`SELECT role::text AS role FROM "Node" WHERE name = 'dead'`);
      expect(row.role).toBe("ACTIVE"); // no election took it over
    } finally {
      await standby.stop();
    }
  });
});
