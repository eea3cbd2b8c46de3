// The heartbeat statement alone: C clients send the real heartbeat() back to back over a fleet of
// registered nodes for a few seconds, and PostgreSQL's CPU per beat is read from /proc. Standby
// beats and active renewals are measured separately (they commit differently, see heartbeat.ts);
// rounds alternate so that a change in the machine's load hits both alike.
import { randomUUID } from "node:crypto";
import { heartbeat } from "../lib/cluster/heartbeat";
import { registerNode } from "../lib/cluster/register-node";
import { createPgPool, pgPoolSql } from "../lib/db/sql";
import { cpuWindow, tree } from "./lib/proc";
import { summarize, type Summary } from "./lib/stats";

export type HeartbeatCostOptions = { url: string; pgPid: number; nodes: number; clients: number; seconds: number; rounds: number; log(msg: string): void };

type Node = { nodeId: string; instanceId: string; epoch: bigint | null };
type Variant = "standby" | "active renewal";

export type HeartbeatCost = { variant: Variant; clients: number; beatsPerSecond: number; postgresCpuMsPerBeat: number; latencyMs: Summary };

export async function benchHeartbeatCost({ url, pgPid, nodes: count, clients, seconds, rounds, log }: HeartbeatCostOptions): Promise<HeartbeatCost[]> {
  const pool = createPgPool(url, clients);
  const db = pgPoolSql(pool);
  try {
    // Clusters of 5, as in the scale step; the first node of each is made ACTIVE with a lease.
    const fleet: Node[] = [];
    for (let i = 0; i < count; i++) {
      const instanceId = randomUUID();
      const reg = await registerNode({ db, clusterName: `hbc-${Math.floor(i / 5)}`, nodeName: `n${i % 5}`, host: "bench", agentVersion: "bench", instanceId });
      fleet.push({ nodeId: reg.nodeId, instanceId, epoch: null });
    }
    for (const [i, n] of fleet.entries()) {
      if (i % 5) continue;
      const [{ epoch }] = await db.query<{ epoch: bigint }>(
        `WITH c AS (UPDATE "Cluster" SET epoch = epoch + 1 WHERE id = (SELECT "clusterId" FROM "Node" WHERE id = $1::uuid) RETURNING epoch)
         UPDATE "Node" SET role = 'ACTIVE', "activeEpoch" = (SELECT epoch FROM c), "leaseExpiresAt" = now() + interval '1 hour' WHERE id = $1::uuid RETURNING "activeEpoch" AS epoch`,
        [n.nodeId],
      );
      n.epoch = epoch;
    }
    const actives = fleet.filter((n) => n.epoch !== null);
    const standbys = fleet.filter((n) => n.epoch === null);

    const run = async (variant: Variant): Promise<HeartbeatCost> => {
      const targets = variant === "standby" ? standbys : actives;
      // A lease left to lapse during the other variant's round is only regained by election: re-arm.
      if (variant !== "standby") await db.execute(`UPDATE "Node" SET "leaseExpiresAt" = now() + interval '1 hour' WHERE role = 'ACTIVE'`);
      const latencies: number[] = [];
      let next = 0;
      const cpu = cpuWindow({ postgres: () => tree(pgPid) });
      const t0 = performance.now();
      const until = t0 + seconds * 1000;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < until) {
            const n = targets[next++ % targets.length];
            const t = performance.now();
            const hb = await heartbeat({ db, nodeId: n.nodeId, instanceId: n.instanceId, activeEpoch: n.epoch, metrics: { load1: 0.5, rssMb: 55, uptimeS: 100 } });
            latencies.push(performance.now() - t);
            if (!hb || (n.epoch !== null && !hb.renewed)) throw new Error(`heartbeat-cost: ${variant} beat was not applied`);
          }
        }),
      );
      const wallS = (performance.now() - t0) / 1000;
      const pgPct = cpu().postgres;
      const result = {
        variant,
        clients,
        beatsPerSecond: Math.round(latencies.length / wallS),
        postgresCpuMsPerBeat: Math.round(((pgPct / 100) * wallS * 1000 * 1000) / latencies.length) / 1000,
        latencyMs: summarize(latencies),
      };
      log(`  heartbeat cost, ${variant}, ${clients} clients: ${result.beatsPerSecond}/s, PostgreSQL ${result.postgresCpuMsPerBeat} ms CPU per beat, p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms`);
      return result;
    };
    const results: HeartbeatCost[] = [];
    for (let r = 0; r < rounds; r++) for (const v of ["standby", "active renewal"] as const) results.push(await run(v));
    return results;
  } finally {
    await pool.end();
  }
}
