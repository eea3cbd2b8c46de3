// The heartbeat statement alone: C clients send the real heartbeat() back to back over a fleet of
// registered nodes for a few seconds, and PostgreSQL's CPU per beat is read from /proc. Standby
// beats and active renewals are measured separately (they commit differently, see heartbeat.ts);
// rounds alternate so that a change in the machine's load hits both alike.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { FULL_BEAT_EVERY, heartbeat, HEARTBEAT_STATEMENTS, type HeartbeatResult } from "../lib/cluster/heartbeat";
import { registerNode } from "../lib/cluster/register-node";
import { createPgPool, pgPoolSql } from "../lib/db/sql";
import { cpuWindow, tree } from "./lib/proc";
import { summarize, type Summary } from "./lib/stats";

export type HeartbeatCostOptions = {
  url: string;
  pgPid: number;
  nodes: number;
  clients: number;
  seconds: number;
  rounds: number;
  /** Open-loop rates (beats/s) replayed with pgbench, if installed: the database alone, without the fleet's CPU. */
  rates: number[];
  log: (msg: string) => void;
};

// `beats` and `settings`: the agent's cadence (agent/node-agent.ts), a full beat every
// FULL_BEAT_EVERY-th, light ones in between with the last full beat's settings.
type Node = { nodeId: string; instanceId: string; epoch: bigint | null; beats: number; settings: HeartbeatResult | null };
type Variant = "standby" | "active renewal";

/** lightShare: the share of light beats (the agent's cadence: all but every FULL_BEAT_EVERY-th). */
export type HeartbeatCost = { variant: Variant; clients: number; beatsPerSecond: number; postgresCpuMsPerBeat: number; latencyMs: Summary; lightShare: number };
export type HeartbeatRate = { targetPerSecond: number; beatsPerSecond: number; postgresPctOfOneCore: number; latencyMs: Summary };

export async function benchHeartbeatCost({
  url,
  pgPid,
  nodes: count,
  clients,
  seconds,
  rounds,
  rates,
  log,
}: HeartbeatCostOptions): Promise<{ cost: HeartbeatCost[]; rate: HeartbeatRate[] }> {
  const pool = createPgPool(url, clients);
  const db = pgPoolSql(pool);
  try {
    // Clusters of 5, as in the scale step; the first node of each is made ACTIVE with a lease.
    const fleet: Node[] = [];
    for (let i = 0; i < count; i++) {
      const instanceId = randomUUID();
      // Steady state: a 10-minute lease, so the nodes left idle while the other variant beats never
      // look down (node.down, lib/cluster/node-down.ts) and the figures are those of plain beats.
      const reg = await registerNode({
        db,
        clusterName: `hbc-${Math.floor(i / 5)}`,
        nodeName: `n${i % 5}`,
        host: "bench",
        agentVersion: "bench",
        instanceId,
        timings: { leaseMs: 600_000 },
      });
      fleet.push({ nodeId: reg.nodeId, instanceId, epoch: null, beats: 0, settings: null });
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
      let lightBeats = 0;
      const cpu = cpuWindow({ postgres: () => tree(pgPid) });
      const t0 = performance.now();
      const until = t0 + seconds * 1000;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < until) {
            const n = targets[next++ % targets.length];
            const t = performance.now();
            const light = n.settings && n.beats++ % FULL_BEAT_EVERY ? { settings: n.settings, leaseMs: n.settings.leaseMs } : undefined;
            if (light) lightBeats++;
            const hb = await heartbeat({
              db,
              nodeId: n.nodeId,
              instanceId: n.instanceId,
              activeEpoch: n.epoch,
              ...(light ? { light } : { metrics: { load1: 0.5, rssMb: 55, uptimeS: 100 } }),
            });
            latencies.push(performance.now() - t);
            if (!hb || (n.epoch !== null && !hb.renewed)) throw new Error(`heartbeat-cost: ${variant} beat was not applied`);
            if (!light) n.settings = hb;
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
        lightShare: Math.round((lightBeats / latencies.length) * 100) / 100,
      };
      log(
        `  heartbeat cost, ${variant}, ${clients} clients (${Math.round(result.lightShare * 100)} % light beats): ${result.beatsPerSecond}/s, PostgreSQL ${result.postgresCpuMsPerBeat} ms CPU per beat, p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms`,
      );
      return result;
    };
    const cost: HeartbeatCost[] = [];
    for (let r = 0; r < rounds; r++) for (const v of ["standby", "active renewal"] as const) cost.push(await run(v));
    const rate: HeartbeatRate[] = [];
    if (rates.length && !(await hasPgbench())) log("  heartbeat rate: pgbench not installed (apt-get install postgresql-client); skipped");
    else for (const target of rates) rate.push(await replayAtRate({ url, pgPid, db, actives, standbys, target, seconds: 10, log }));
    return { cost, rate };
  } finally {
    await pool.end();
  }
}

const exec = promisify(execFile);
const hasPgbench = () =>
  exec("pgbench", ["--version"]).then(
    () => true,
    () => false,
  );

/**
 * Beats at a fixed rate, standbys and renewals 4:1 as in clusters of 5, each the agent's exact
 * statement (prepared), sent by pgbench: a client light enough that PostgreSQL's own capacity
 * shows. Latency counts from each beat's scheduled time (open loop), so queueing is included.
 */
async function replayAtRate({
  url,
  pgPid,
  db,
  actives,
  standbys,
  target,
  seconds,
  log,
}: {
  url: string;
  pgPid: number;
  db: ReturnType<typeof pgPoolSql>;
  actives: Node[];
  standbys: Node[];
  target: number;
  seconds: number;
  log: (msg: string) => void;
}): Promise<HeartbeatRate> {
  const dir = await mkdtemp(path.join(tmpdir(), "hb-rate-"));
  try {
    await db.execute(`CREATE TABLE IF NOT EXISTS bench_fleet (kind text, i int, id uuid, inst uuid, epoch bigint, PRIMARY KEY (kind, i))`);
    await db.execute(`TRUNCATE bench_fleet`);
    for (const [kind, list] of [
      ["standby", standbys],
      ["active", actives],
    ] as const) {
      await db.execute(
        `INSERT INTO bench_fleet SELECT $1, o - 1, x.id, x.inst, x.epoch FROM unnest($2::uuid[], $3::uuid[], $4::bigint[]) WITH ORDINALITY AS x(id, inst, epoch, o)`,
        [kind, list.map((n) => n.nodeId), list.map((n) => n.instanceId), list.map((n) => n.epoch)],
      );
    }
    // Leases long enough that a renewal never finds its lease lapsed between two random picks.
    await db.execute(`UPDATE "Cluster" SET "leaseMs" = 600000 WHERE name LIKE 'hbc-%'`);
    // Valid for the run but short of the 10 minutes a renewal gives, which the check below tells apart.
    await db.execute(`UPDATE "Node" SET "leaseExpiresAt" = now() + interval '2 minutes' WHERE role = 'ACTIVE'`);
    // The agent's metrics, built without a colon: pgbench would read ":0" in a JSON literal as a variable.
    const metrics = `jsonb_build_object('load1', 0.5, 'rssMb', 55, 'uptimeS', 100)`;
    const script = (kind: "standby" | "active", n: number, light: boolean) =>
      [
        `\\set i random(0, ${n - 1})`,
        `SELECT id, inst${kind === "active" ? ", epoch" : ""} FROM bench_fleet WHERE kind = '${kind}' AND i = :i \\gset`,
        HEARTBEAT_STATEMENTS[light ? (kind === "active" ? "lightActive" : "lightStandby") : kind]
          .replace(/--[^\n]*/g, "")
          .replace(/\s+/g, " ")
          // The metrics parameter is the last one ($3 of the standby's, $4 of the active's).
          .replace(/\$\d::jsonb/, metrics)
          .replaceAll("$1", ":id")
          .replaceAll("$2", ":inst")
          .replaceAll("$3", ":epoch")
          .replace("$4::int", "600000") + ";",
      ].join("\n");
    for (const light of [false, true]) {
      await writeFile(path.join(dir, `standby${light ? "-light" : ""}.sql`), script("standby", standbys.length, light));
      await writeFile(path.join(dir, `active${light ? "-light" : ""}.sql`), script("active", actives.length, light));
    }
    const [{ startedAt }] = await db.query<{ startedAt: Date }>(`SELECT now() AS "startedAt"`);
    const cpu = cpuWindow({ postgres: () => tree(pgPid) });
    const t0 = performance.now();
    await exec("pgbench", [
      "-n",
      "-M",
      "prepared",
      "-c",
      "16",
      "-j",
      "2",
      "-R",
      String(target),
      "-T",
      String(seconds),
      "-l",
      "--log-prefix",
      path.join(dir, "tx"),
      // 4 standby beats to 1 renewal, each kind full once in FULL_BEAT_EVERY beats (the agent's cadence).
      "-f",
      `${path.join(dir, "standby.sql")}@4`,
      "-f",
      `${path.join(dir, "standby-light.sql")}@${4 * (FULL_BEAT_EVERY - 1)}`,
      "-f",
      `${path.join(dir, "active.sql")}@1`,
      "-f",
      `${path.join(dir, "active-light.sql")}@${FULL_BEAT_EVERY - 1}`,
      url,
    ]);
    const wallS = (performance.now() - t0) / 1000;
    const postgresPct = cpu().postgres;
    // Log lines: client tx time_us script epoch epoch_us schedule_lag_us.
    const latencies: number[] = [];
    for (const f of (await readdir(dir)).filter((f) => f.startsWith("tx"))) {
      for (const line of (await readFile(path.join(dir, f), "utf8")).split("\n")) {
        const x = line.split(" ");
        if (x.length >= 7) latencies.push((Number(x[2]) + Number(x[6])) / 1000);
      }
    }
    // The replayed statements must have done the agents' work: beats stamped, leases renewed.
    const [done] = await db.query<{ beaten: number; renewed: number }>(
      `SELECT count(*)::int AS beaten, count(*) FILTER (WHERE "leaseExpiresAt" > now() + interval '5 minutes')::int AS renewed FROM "Node" WHERE "lastHeartbeatAt" >= $1`,
      [startedAt],
    );
    if (!done.beaten || !done.renewed) throw new Error(`heartbeat rate: the replayed beats changed nothing (${JSON.stringify(done)})`);
    const result = {
      targetPerSecond: target,
      beatsPerSecond: Math.round(latencies.length / seconds),
      postgresPctOfOneCore: Math.round((postgresPct * wallS) / seconds),
      latencyMs: summarize(latencies),
    };
    log(
      `  heartbeat rate ${target}/s (pgbench, 4 standby : 1 renewal): ${result.beatsPerSecond}/s, p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms, PostgreSQL ${result.postgresPctOfOneCore} % of a core`,
    );
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
