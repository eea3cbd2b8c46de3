// 3. Scale: 100 -> 1,000 -> 2,000 -> 5,000 live agents heartbeating at 1 Hz (real NodeAgent code,
// several per worker process, see scale-worker.ts). At each step: heartbeat latency, whether every
// agent still beats every second, switchovers under load (commands still delivered), console API
// latency, CPU by process group and what PostgreSQL backends wait on; at 2,000 and 5,000 the
// 1,000-node cluster page in Chromium.
import { fork, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import pg from "pg";
import type { ApiCall, ApiLoop, ApiRun, RunMsg, WarmMsg } from "./api-client";
import type { Console } from "./lib/console";
import { killAll, spawnBenchAgent, type BenchAgent } from "./lib/agents";
import { cpuWindow, tree } from "./lib/proc";
import { loopDelayMs, mono, ms, sleep, summarize, waitFor, type Summary } from "./lib/stats";
import { benchRender } from "./render";

type Worker = { child: ChildProcess; next(type: string, timeoutMs?: number): Promise<any> };

function startWorker(
  url: string,
  poolMax: number,
  pipes: [number, number],
  onRole: (m: { node: string; role: string; mono: string }) => void,
): Promise<Worker> {
  const child = fork(path.join(import.meta.dirname, "scale-worker.ts"), [url, String(poolMax), ...pipes.map(String)], {
    execArgv: ["--import", "tsx", ...(process.env.BENCH_WORKER_NODE_ARGS?.split(" ").filter(Boolean) ?? [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  // The fleet stands in for 5,000 servers of their own: here it yields the CPU to the database and
  // the console, which in a deployment it would not share. Its beats are still timed inside it, so
  // a fleet short of CPU shows as late beats.
  setPriority(child.pid!, FLEET_NICENESS);
  const waiting = new Map<string, ((m: unknown) => void)[]>();
  child.on("message", (m: any) => {
    if (m.type === "role") return onRole(m);
    if (m.type === "error") console.error(`scale worker: ${m.message}`);
    const w = waiting.get(m.type)?.shift();
    w?.(m);
  });
  // Every reply has a time limit: a bench that hangs measures nothing.
  const next = (type: string, timeoutMs = 300_000) =>
    new Promise<any>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`scale worker: no "${type}" reply within ${timeoutMs} ms`)), timeoutMs);
      waiting.set(type, [...(waiting.get(type) ?? []), (m) => (clearTimeout(timer), resolve(m))]);
    });
  const worker = { child, next };
  return next("ready").then(() => worker);
}

export type ScaleOptions = {
  url: string;
  console: Console;
  steps: number[];
  workers: number;
  windowS: number;
  switchoversPerStep: number;
  log: (msg: string) => void;
  pgPid: number;
  /** The cluster-agent bundle: two real agent processes beat alongside the fleet. */
  agentBundle: string;
  onStep: (step: unknown) => Promise<void> | void;
};

const SMALL = 5; // nodes per ordinary cluster
const FLEET_NICENESS = Number(process.env.BENCH_FLEET_NICENESS ?? 10);
// Each worker's pool (a quarter as many more for renewals): elections, commands and registration,
// and the beats when no pipe is live. Beats over pools cost PostgreSQL 0.13 ms at 20-30 connections
// and 0.20 at 64-120, against 0.10 pipelined (docs/benchmarks.md), hence FLEET_PIPES below.
const FLEET_POOL = 16;
// Connections per worker its standby beats and its renewals are pipelined over (scale-worker.ts); 0: over the pools.
const FLEET_PIPES: [number, number] = [Number(process.env.BENCH_FLEET_PIPES ?? 2), Number(process.env.BENCH_FLEET_RENEWAL_PIPES ?? 2)];
const BIG = "big-1000";
const API_LOOPS: ApiLoop[] = [
  // As the console's list polls it: one page of 50, problems first, with the counts of all.
  { path: "/api/v1/clusters?sort=status&limit=50", perSecond: 3 },
  { path: "/api/v1/clusters/s0001", perSecond: 3 },
  // As the cluster page polls it: the rows around the screen, with the counts (the whole list is the render bench's).
  { path: `/api/v1/clusters/${BIG}?sort=name&order=asc&limit=50&offset=0`, perSecond: 2 },
];

/** bench/api-client.ts in its own process, at the driver's priority. */
async function startApiClient() {
  const child = fork(path.join(import.meta.dirname, "api-client.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  // Its one reply to the last message (or its "ready"), within a time limit: a bench that hangs measures nothing.
  const reply = <T>(what: string, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`api client: no ${what} within ${timeoutMs} ms`)), timeoutMs);
      child.once("message", (m: any) => {
        clearTimeout(timer);
        if (m.type === "error") reject(new Error(`api client: ${m.message}`));
        else resolve(m);
      });
    });
  await reply("ready", 30_000);
  const ask = <T>(msg: RunMsg | WarmMsg, timeoutMs: number) => {
    const answer = reply<T>(`reply to "${msg.type}"`, timeoutMs);
    child.send(msg);
    return answer;
  };
  return {
    pid: child.pid!,
    warm: (msg: Omit<WarmMsg, "type">) => ask({ type: "warm", ...msg }, 60_000),
    run: (msg: Omit<RunMsg, "type">) => ask<ApiRun>({ type: "run", ...msg }, msg.until - Date.now() + 60_000),
    stop: () => child.kill(),
  };
}

/**
 * The 1,000-node cluster exists for the page-render measurement. It is created paused (no automatic
 * elections) and given its active by a PROMOTE through the API: with automatic failover on, a lapse
 * of its lease under load sends ~1,000 standbys into electActive at once, all queueing on the
 * cluster row lock (see docs/benchmarks.md), which is measured separately, not here.
 */
async function promoteBig(console: Console, db: pg.Client, log: (m: string) => void) {
  await waitFor(
    async () => {
      const { rows } = await db.query(`SELECT 1 FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE c.name = $1 AND n.role = 'ACTIVE'`, [BIG]);
      if (rows.length) return true;
      const r = await console.post(`/api/v1/clusters/${BIG}/commands`, { kind: "PROMOTE", targetNode: "n0000", reason: "bench: the big cluster's active" });
      if (r.status !== 201 && r.status !== 409) log(`  promote ${BIG}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      return false;
    },
    { timeoutMs: 60_000, intervalMs: 2000, what: `an active node in ${BIG}` },
  );
}

/**
 * Two real cluster-agent processes (their own pool and LISTEN connection, no pipelining) in a
 * cluster of their own, beating alongside the fleet: what a deployed agent's heartbeat takes at
 * each step, from its /health (lastHeartbeatRoundTripMs of each new beat).
 */
async function startRealAgents(bundle: string, url: string) {
  const agents: BenchAgent[] = ["real-a", "real-b"].map((node) => spawnBenchAgent({ bundle, url, cluster: "real-agents", node, healthPort: true }));
  for (const a of agents) setPriority(a.child.pid!, FLEET_NICENESS);
  const ports = await Promise.all(agents.map(async (a) => Number((await a.waitForLine((l) => l.msg === "health endpoint listening")).port)));
  /** The round trips of the beats made until `until` (a beat made before the first poll is not counted). */
  const sample = async (until: number) => {
    const out: number[] = [];
    const lastAgo: (number | null)[] = ports.map(() => null);
    let errors = 0;
    while (Date.now() < until) {
      await Promise.all(
        ports.map(async (port, i) => {
          try {
            const h = (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(Math.max(50, until - Date.now())) }).then((r) =>
              r.json(),
            )) as { lastHeartbeatOkMsAgo: number | null; lastHeartbeatRoundTripMs: number | null };
            const ago = h.lastHeartbeatOkMsAgo;
            if (ago !== null && lastAgo[i] !== null && ago < lastAgo[i] && h.lastHeartbeatRoundTripMs !== null) out.push(h.lastHeartbeatRoundTripMs);
            lastAgo[i] = ago ?? Infinity;
          } catch {
            errors++; // an agent that died or did not answer in the window: its beats are missing, counted below
          }
        }),
      );
      await sleep(100);
    }
    return { beats: out, errors };
  };
  return { sample, stop: () => killAll(agents, "SIGTERM") };
}

// Experiments (docs/benchmarks.md, "What the slow calls are not", 2026-12-03):
// BENCH_SETTLE_MS, the settle between a step's join and its window; BENCH_WINDOW_SQL, a statement
// run every BENCH_WINDOW_SQL_MS (default 2000) through each window, e.g. `ANALYZE "Node"`.
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000);
async function repeatThroughWindow(db: pg.Client, until: number) {
  const sql = process.env.BENCH_WINDOW_SQL;
  while (sql && Date.now() < until - 1000) {
    await sleep(Number(process.env.BENCH_WINDOW_SQL_MS ?? 2000));
    await db.query(sql);
  }
}

export async function benchScale({ url, console, steps, workers: workerCount, windowS, switchoversPerStep, log, pgPid, agentBundle, onStep }: ScaleOptions) {
  const roleEvents: { node: string; role: string; mono: bigint }[] = [];
  const workers = await Promise.all(
    Array.from({ length: workerCount }, () => startWorker(url, FLEET_POOL, FLEET_PIPES, (m) => roleEvents.push({ ...m, mono: BigInt(m.mono) }))),
  );
  let realAgents: Awaited<ReturnType<typeof startRealAgents>> | null = null;
  const apiClient = await startApiClient();
  const db = new pg.Client({ connectionString: url });
  let total = 0;
  let smallClusters = 0;
  let bigAdded = false;
  let rr = 0;
  const results: unknown[] = [];
  try {
    realAgents = await startRealAgents(agentBundle, url);
    await db.connect();
    for (const target of steps) {
      // Grow the fleet: the 1,000-node cluster arrives with the 2,000 step, the rest in clusters of 5.
      const specs: { cluster: string; node: string; priority: number }[] = [];
      const bigAdd: number = target >= 2000 && !bigAdded ? 1000 : 0;
      bigAdded ||= bigAdd > 0;
      for (let i = 0; i < bigAdd; i++) specs.push({ cluster: BIG, node: `n${String(i).padStart(4, "0")}`, priority: 100 + (i % 7) });
      while (total + specs.length < target) {
        const name = `s${String(++smallClusters).padStart(4, "0")}`;
        for (let j = 0; j < SMALL && total + specs.length < target; j++) specs.push({ cluster: name, node: `${name}-${j}`, priority: 100 - j });
      }
      if (bigAdd)
        await db.query(
          `INSERT INTO "Cluster" (id, name, paused, "updatedAt") VALUES (gen_random_uuid(), $1, true, now()) ON CONFLICT (name, service) DO NOTHING`,
          [BIG],
        );
      const t0 = Date.now();
      const perWorker: (typeof specs)[] = workers.map(() => []);
      for (const s of specs) perWorker[rr++ % workers.length].push(s);
      const added = await Promise.all(
        workers.map(
          (w, i) => (
            w.child.send({ type: "add", agents: perWorker[i], perSecond: 400 / workers.length, withinMs: 90_000, concurrency: Math.ceil(12 / workers.length) }),
            w.next("added")
          ),
        ),
      );
      total = added.reduce((s, a) => s + a.total, 0);
      const skipped = added.reduce((s, a) => s + a.skipped, 0);
      if (skipped) log(`  scale: ${skipped} agents not started: registration did not keep up within 90 s`);
      log(`  scale: ${total} agents running (${specs.length} started in ${((Date.now() - t0) / 1000).toFixed(1)} s); settling`);
      if (bigAdd) await promoteBig(console, db, log);
      await sleep(SETTLE_MS);

      const hasBig = target >= 2000;
      const apiLoops = hasBig ? API_LOOPS : API_LOOPS.slice(0, 2);
      await apiClient.warm({ url: console.url, cookie: console.cookie, paths: apiLoops.map((l) => l.path) });

      // Measurement window.
      await Promise.all(workers.map((w) => (w.child.send({ type: "reset" }), w.next("reset"))));
      const cpu = cpuWindow({
        postgresPct: () => tree(pgPid),
        agentWorkersPct: () => workers.flatMap((w) => tree(w.child.pid!)),
        consolePct: () => tree(console.pid),
        benchDriverPct: () => [process.pid],
        apiClientPct: () => [apiClient.pid],
      });
      const windowFrom = Date.now();
      const until = windowFrom + windowS * 1000;
      const windowStart = mono();
      // The bench's own event loop: a stall here delays the switchovers it times (the API calls are timed apart).
      const driverDelay = monitorEventLoopDelay({ resolution: 10 });
      driverDelay.enable();
      const waits = new Map<string, number>();
      let samples = 0;
      const knownBackends = new Set<number>();
      const newBackends: { app: string; atS: number }[] = [];
      const sampleWaits = async () => {
        while (Date.now() < until) {
          const { rows } = await db.query<{ w: string; n: number }>(
            // An open transaction also names its last statement: long ones hold back HOT pruning.
            `SELECT state || coalesce(' ' || wait_event_type || ':' || wait_event, '')
                 || CASE WHEN state LIKE 'idle in transaction%' THEN ' after ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 48) ELSE '' END AS w,
               count(*)::int AS n FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' GROUP BY 1`,
          );
          samples++;
          for (const r of rows) waits.set(r.w, (waits.get(r.w) ?? 0) + r.n);
          const { rows: backends } = await db.query<{ pid: number; app: string; atS: number }>(
            `SELECT pid, application_name AS app, round(extract(epoch FROM backend_start - $1::timestamptz)::numeric, 1)::float8 AS "atS"
             FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`,
            [new Date(windowFrom)],
          );
          for (const b of backends.filter((b) => !knownBackends.has(b.pid))) {
            knownBackends.add(b.pid);
            if (b.atS >= 0) newBackends.push({ app: b.app, atS: b.atS });
          }
          await sleep(250);
        }
      };
      const switchovers: number[] = [];
      const switchoverFailures: string[] = [];
      const switchLoop = async () => {
        const gap = (windowS * 1000) / (switchoversPerStep + 1);
        for (let i = 0; i < switchoversPerStep && Date.now() < until - 3000; i++) {
          await sleep(gap * (0.5 + Math.random() * 0.5));
          const cluster = `s${String(1 + Math.floor(Math.random() * smallClusters)).padStart(4, "0")}`;
          const { rows } = await db.query<{ name: string; role: string }>(
            `SELECT n.name, n.role::text AS role FROM "Node" n JOIN "Cluster" c ON c.id = n."clusterId" WHERE c.name = $1 ORDER BY n.name`,
            [cluster],
          );
          const standby = rows.filter((r) => r.role === "STANDBY");
          if (!rows.some((r) => r.role === "ACTIVE") || !standby.length) continue;
          const targetNode = standby[Math.floor(Math.random() * standby.length)].name;
          const t = mono();
          const res = await console.post(`/api/v1/clusters/${cluster}/commands`, { kind: "SWITCHOVER", targetNode, reason: "bench under load" });
          if (res.status !== 201) {
            switchoverFailures.push(`${cluster}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
            continue;
          }
          try {
            const ev = await waitFor(() => roleEvents.find((e) => e.node === targetNode && e.role === "ACTIVE" && e.mono > t), {
              timeoutMs: 30_000,
              what: `${targetNode} active`,
            });
            switchovers.push(ms(t, ev.mono));
          } catch (err) {
            switchoverFailures.push(`${cluster}: ${(err as Error).message}`);
          }
        }
      };
      let realAgentBeats = { beats: [] as number[], errors: 0 };
      let apiRun: ApiRun = { calls: [], eventLoopDelayMs: { p99: 0, max: 0 } };
      await Promise.all([
        realAgents.sample(until).then((s) => (realAgentBeats = s)),
        sampleWaits(),
        apiClient.run({ url: console.url, cookie: console.cookie, windowFrom, until, loops: apiLoops }).then((r) => (apiRun = r)),
        switchLoop(),
        repeatThroughWindow(db, until),
      ]);
      const byRoute = (loop: ApiLoop, pick: (c: ApiCall) => number | null) =>
        apiRun.calls.filter((c) => c.path === loop.path && c.status === 200).flatMap((c) => pick(c) ?? []);
      const [listLoop, smallLoop, bigLoop] = API_LOOPS;
      const cpuPct = cpu();
      driverDelay.disable();
      const reports = await Promise.all(workers.map((w) => (w.child.send({ type: "report" }), w.next("report"))));
      const hb = reports.flatMap((r) => r.hbLatency as number[]);
      const gaps = reports.flatMap((r) => r.hbGap as number[]);
      const beatsPerSecond = hb.length / windowS;
      const { rows: conns } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'`);
      const { rows: nodeTable } = await db.query(
        `SELECT n_live_tup::int AS live, n_dead_tup::int AS dead, n_tup_upd::int AS updates, n_tup_hot_upd::int AS "hotUpdates", pg_relation_size('"Node"')::int / 8192 AS pages,
           -- Seconds into the window of the last automatic vacuum and analyze (negative: before it).
           round(extract(epoch FROM last_autovacuum - $1::timestamptz)::numeric, 1)::float8 AS "autovacuumAtS",
           round(extract(epoch FROM last_autoanalyze - $1::timestamptz)::numeric, 1)::float8 AS "autoanalyzeAtS"
         FROM pg_stat_user_tables WHERE relname = 'Node'`,
        [new Date(windowFrom)],
      );
      // Role changes nobody asked for (a lease that lapsed under load, then an election).
      const activations = roleEvents.filter((e) => e.role === "ACTIVE" && e.mono > windowStart).length;
      const step = {
        agents: target,
        windowFrom: new Date(windowFrom).toISOString(),
        agentsRunning: total,
        clusters: smallClusters + (hasBig ? 1 : 0),
        heartbeatMs: summarize(hb),
        heartbeatsPerSecond: Math.round(beatsPerSecond),
        /** The two real cluster-agent processes' beats (startRealAgents). */
        realAgentHeartbeatMs: summarize(realAgentBeats.beats),
        realAgentHealthErrors: realAgentBeats.errors,
        expectedPerSecond: total,
        /** Time between one agent's consecutive heartbeats: ~1000 ms when it keeps up. */
        heartbeatIntervalMs: summarize(gaps),
        heartbeatErrors: reports.reduce((s, r) => s + r.hbErrors, 0),
        agentStartRetries: reports.reduce((s, r) => s + r.startRetries, 0),
        startSeconds: Math.round((Date.now() - t0) / 1000),
        agentWarnings: reports.reduce((s, r) => s + r.warnings, 0),
        warningSamples: reports.flatMap((r) => r.warnSamples).slice(0, 3),
        switchoverUnderLoadMs: summarize(switchovers),
        switchoverFailures,
        unplannedRoleChanges: activations - switchovers.length,
        api: {
          clusterList: summarize(byRoute(listLoop, (c) => c.ms)),
          nodeListSmall: summarize(byRoute(smallLoop, (c) => c.ms)),
          ...(hasBig && { nodeList1000: summarize(byRoute(bigLoop, (c) => c.ms)) }),
          errors: apiRun.calls.filter((c) => c.status !== 200).length,
          clientEventLoopDelayMs: apiRun.eventLoopDelayMs,
          driverEventLoopDelayMs: loopDelayMs(driverDelay),
          slowest: apiRun.calls.sort((a, b) => b.ms - a.ms).slice(0, 6),
          /** The same requests' Server-Timing (authentication + handler inside the console). */
          serverTime: {
            authentication: summarize(apiRun.calls.flatMap((c) => (c.status === 200 && c.authMs !== null ? c.authMs : []))),
            clusterList: summarize(byRoute(listLoop, (c) => c.serverMs)),
            nodeListSmall: summarize(byRoute(smallLoop, (c) => c.serverMs)),
            ...(hasBig && { nodeList1000: summarize(byRoute(bigLoop, (c) => c.serverMs)) }),
          },
        },
        /** Connections opened during the window (a new one's first statements are slow: an empty catalog cache). */
        newBackends,
        cpuPctOfOneCore: cpuPct,
        workerEventLoopDelayP99Ms: reports.map((r) => Math.round(r.eventLoopDelayP99Ms * 10) / 10),
        workerRssMb: reports.map((r) => r.rssMb),
        workerCpuPct: reports.map((r) => r.cpuPct),
        // Beats per corked write on the pipes (bench/scale-worker.ts): how well the cohorts batch.
        workerBeatsPerWrite: reports.map((r) => r.beatsPerWrite),
        /** Heartbeats waiting for a pooled connection in each worker (FLEET_POOL connections each): mean / max. */
        workerPoolWaiting: reports.map((r) => `${r.poolWaitingMean}/${r.poolWaitingMax}`),
        pgConnections: conns[0].n,
        /** Dead row versions pile up when open transactions hold back pruning; every beat then reads past them. */
        nodeTable: nodeTable[0],
        pgBackendStates: Object.fromEntries(
          [...waits]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 12)
            .map(([k, v]) => [k, Math.round((v / samples) * 10) / 10]),
        ),
      } as Record<string, unknown>;
      if (hasBig) {
        log(`  scale: rendering the ${BIG} page in Chromium`);
        step.render = await benchRender({ console, cluster: BIG, nodes: 1000 });
      }
      const hbS = step.heartbeatMs as Summary;
      log(
        `  scale ${target} (${total} running): heartbeat p50 ${hbS.p50} p99 ${hbS.p99} ms, ${String(step.heartbeatsPerSecond)}/s; API list p99 ${(step.api as any).clusterList.p99} ms; CPU ${JSON.stringify(cpuPct)}`,
      );
      results.push(step);
      await onStep(step);
    }
  } finally {
    await realAgents?.stop();
    apiClient.stop();
    await db.end().catch(() => {});
    await Promise.all(workers.filter((w) => w.child.connected).map((w) => (w.child.send({ type: "stop" }), new Promise((r) => w.child.once("exit", r)))));
  }
  return results;
}
