// One scale worker process: runs many real NodeAgent instances (agent/node-agent.ts, the same class
// cluster-agent runs). Their beats are pipelined over a few connections (below), everything else
// (elections, commands, registration) shares one pg pool, and ONE LISTEN connection for the whole
// process fans notifications out to the agents of the notified cluster (agent.wake()). 5,000
// agents with a LISTEN connection each would need 5,000+ PostgreSQL connections; a real agent has
// its own process, pool (max 3) and LISTEN connection, so per agent this is the same code path with
// fewer sockets (two real cluster-agent processes beat alongside, bench/scale.ts). Driven by the
// parent over IPC.
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import pg from "pg";
import { NodeAgent } from "../agent/node-agent";
import type { Logger } from "../agent/log";
import { HEARTBEAT_STATEMENTS } from "../lib/cluster/heartbeat";
import { pgConfig } from "../lib/db/database-url";
import { createPgPool, pgClientSql, pgPoolSql, type Sql } from "../lib/db/sql";

type AddMsg = { type: "add"; agents: { cluster: string; node: string; priority: number }[]; perSecond: number; withinMs: number; concurrency: number };
type Msg = AddMsg | { type: "reset" } | { type: "report" } | { type: "stop" };

const url = process.argv[2];
const poolMax = Number(process.argv[3] ?? 20);
const send = (m: unknown) => process.send!(m);

// Named, so that PostgreSQL's CPU can be told apart by connection kind (pg_stat_activity.application_name).
const named = (name: string) => {
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
};
const pool = createPgPool(named("fleet-pool"), poolMax);
const base = pgPoolSql(pool);
// Lease renewals never share a queue with standby beats, as a real agent has its own connections:
// behind hundreds of other agents' beats a renewal would be late whenever the machine falls behind,
// and the active would fence itself for a reason a real fleet does not have. This pool carries them
// only when no renewal pipe (below) is live.
const renewalPool = createPgPool(named("fleet-renewals"), Math.max(2, Math.round(poolMax / 4)));
const renewalBase = pgPoolSql(renewalPool);

// Beats pipelined over a few connections (pg's pipeline mode), as the pooler a fleet this size
// needs keeps a few server connections busy: each beat is still its own statement and transaction
// (a Sync after each), but a backend reads the next beat without going back to sleep, and the
// worker reads many answers at once. Each agent's beat is still awaited on its own, in NodeAgent's
// code. Answers come back in order, so a slow beat holds up those behind it on its pipe (the
// query timeout bounds that); renewals get pipes of their own, so a standby beat never waits
// behind a renewal's WAL flush. A pipe that fails is left out until it reconnects; with no live
// pipe (or none configured), beats go over the pools above.
//
// Each pipe's writes are corked until the event loop's turn ends (setImmediate), so the beats of
// one cohort (below) leave together. With BENCH_FLEET_FLUSH_MS they are held that long instead
// (on top of the cohorts unless BENCH_FLEET_COHORT_MS=0): the beats' latency is timed from before
// the hold, and 10 ms of it put the 5,000 step's heartbeat p99 over its target (docs/benchmarks.md,
// 2026-12-03).
const FLUSH_MS = Number(process.env.BENCH_FLEET_FLUSH_MS ?? 0);
// The fleet's agents start their cadence on a grid of COHORT_MS (a divisor of the heartbeat), so
// each point wakes a cohort of them (~83 per worker at 5,000 agents and 50 ms) within a few ms and
// their beats share a few writes per pipe (beatsPerWrite in the report). Spread evenly, every beat
// cost a worker a writev syscall of its own, with the loopback delivery to the backend charged to
// it (half its busy time), and woke a sleeping backend for one statement. 0: spread evenly, as
// independent servers would beat.
const COHORT_MS = Number(process.env.BENCH_FLEET_COHORT_MS ?? 50);
const untilCohort = () => (COHORT_MS > 0 ? new Promise((r) => setTimeout(r, Math.ceil(COHORT_MS - (performance.now() % COHORT_MS)))) : null);
const held = new WeakSet<pg.Client>();
let holds = 0; // corked writes released, each one writev
let pipedBeats = 0;
function holdWrites(client: pg.Client) {
  pipedBeats++;
  if (held.has(client)) return;
  holds++;
  const stream = (client as unknown as { connection: { stream: NodeJS.WritableStream & { cork(): void; uncork(): void } } }).connection.stream;
  held.add(client);
  stream.cork();
  const release = () => {
    held.delete(client);
    stream.uncork();
  };
  if (FLUSH_MS > 0) setTimeout(release, FLUSH_MS);
  else setImmediate(release);
}

function pipeGroup(name: string, count: number, fallback: Sql) {
  const live = new Map<number, { sql: Sql; inFlight: number; client: pg.Client }>();
  let closed = false;
  const open = async (i: number): Promise<void> => {
    const client = new pg.Client(pgConfig(named(name), { keepAlive: true, pipeline: true, query_timeout: 10_000, connectionTimeoutMillis: 5_000 }));
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      if (live.get(i)?.client === client) live.delete(i);
      client.end().catch(() => {});
      if (!closed) setTimeout(() => void open(i), 1_000);
    };
    client.on("error", lose);
    client.on("end", lose);
    try {
      await client.connect();
      live.set(i, { sql: pgClientSql(client), inFlight: 0, client });
    } catch {
      lose();
    }
  };
  return {
    open: () => Promise.all(Array.from({ length: count }, (_, i) => open(i))),
    async query<T>(text: string, values: unknown[] | undefined) {
      let pipe: { sql: Sql; inFlight: number; client: pg.Client } | undefined;
      for (const p of live.values()) if (!pipe || p.inFlight < pipe.inFlight) pipe = p;
      if (!pipe) return fallback.query<T>(text, values);
      pipe.inFlight++;
      holdWrites(pipe.client);
      try {
        return await pipe.sql.query<T>(text, values);
      } finally {
        pipe.inFlight--;
      }
    },
    close: () => {
      closed = true;
      return Promise.all([...live.values()].map((p) => p.client.end().catch(() => {})));
    },
  };
}
const standbyPipes = pipeGroup("fleet-pipe", Number(process.argv[4] ?? 0), base);
const renewalPipes = pipeGroup("fleet-renewal-pipe", Number(process.argv[5] ?? 0), renewalBase);
let hbLatency: number[] = [];
let hbGap: number[] = [];
let hbErrors = 0;
const lastBeat = new Map<string, number>();
const BEATS = new Set<string>(Object.values(HEARTBEAT_STATEMENTS));
const RENEWALS = new Set<string>([HEARTBEAT_STATEMENTS.active, HEARTBEAT_STATEMENTS.lightActive]);
// The real heartbeat statement, timed where the agent awaits it (includes waiting in a pipe or for a pooled connection).
const timed: Sql = {
  async query<T>(text: string, values?: unknown[]) {
    if (!BEATS.has(text)) return base.query<T>(text, values); // the heartbeat statement, standby or active
    const t0 = performance.now();
    try {
      const rows = await (RENEWALS.has(text) ? renewalPipes : standbyPipes).query<T>(text, values);
      const t1 = performance.now();
      hbLatency.push(t1 - t0);
      const id = String(values![0]);
      const prev = lastBeat.get(id);
      if (prev !== undefined) hbGap.push(t0 - prev);
      lastBeat.set(id, t0);
      return rows;
    } catch (err) {
      hbErrors++;
      throw err;
    }
  },
  execute: (text, values) => base.execute(text, values),
  transaction: (fn) => base.transaction(fn),
};

const byCluster = new Map<string, NodeAgent[]>();
const agents: NodeAgent[] = [];
let warnings = 0;
let startRetries = 0;
let fatals = 0;
const warnSamples: string[] = [];
let stopping = false;

function logger(node: string): Logger {
  const noop = () => {};
  const role = (msg: string, f: Record<string, unknown> = {}) => {
    if (f.event === "role") send({ type: "role", node, role: f.role, mono: process.hrtime.bigint().toString() });
  };
  const warn = (msg: string, f: Record<string, unknown> = {}) => {
    warnings++;
    if (warnSamples.length < 5) warnSamples.push(`${node}: ${msg} ${JSON.stringify(f, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`);
    role(msg, f);
  };
  return { debug: noop, info: role, warn, error: warn };
}

// One LISTEN connection per process; a notification wakes every agent of that cluster here.
let listener: pg.Client | null = null;
async function listen() {
  const c = new pg.Client({ connectionString: url, keepAlive: true });
  c.on("error", () => {});
  c.on("notification", (n) => {
    for (const a of byCluster.get(n.payload ?? "") ?? []) a.wake();
  });
  await c.connect();
  await c.query("LISTEN cluster_command");
  listener = c;
}

async function add({ agents: specs, perSecond, withinMs, concurrency }: AddMsg) {
  const t0 = performance.now();
  let skipped = 0;
  let i = 0;
  const joining = new Set<Promise<void>>(); // registered, waiting for their grid point
  const startOne = async (s: AddMsg["agents"][number]) => {
    const agent = new NodeAgent({
      db: timed,
      clusterName: s.cluster,
      nodeName: s.node,
      host: `${s.node}.bench`,
      agentVersion: "bench",
      instanceId: randomUUID(),
      priority: s.priority,
      hooks: { timeoutMs: 30_000 },
      log: logger(s.node),
      onFatal: () => fatals++,
    });
    // As cluster-agent does (retryWhileUnreachable): a start that fails on a busy database is retried.
    for (let attempt = 1; ; attempt++) {
      try {
        await agent.register();
        break;
      } catch (err) {
        startRetries++;
        if (attempt >= 20 || stopping) throw err;
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
      }
    }
    // Waits for its grid point outside the registration slot, so the grid does not slow joining.
    const p = (async () => {
      await untilCohort();
      if (stopping) return;
      agent.run(); // as start() does after register(), on the cohort's grid point
      agents.push(agent);
      const list = byCluster.get(agent.clusterId!) ?? [];
      list.push(agent);
      byCluster.set(agent.clusterId!, list);
    })().finally(() => joining.delete(p));
    joining.add(p);
  };
  const running = new Set<Promise<void>>();
  for (const s of specs) {
    // A fleet that cannot even register in time is the finding: stop adding, measure what runs.
    if (performance.now() - t0 > withinMs) {
      skipped++;
      continue;
    }
    // Paced: agents boot over time, as a fleet does, rather than all in one millisecond.
    const due = t0 + (i++ / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = startOne(s).finally(() => running.delete(p));
    running.add(p);
    // Few at once: a registration holds a pooled connection while it waits for its cluster's row
    // lock, and the running agents' heartbeats share this pool.
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  await Promise.all(joining);
  send({ type: "added", total: agents.length, skipped, ms: Math.round(performance.now() - t0) });
}

// Heartbeats queued for one of the pool's connections, sampled every 100 ms: connection shortage.
let poolWaitSamples: number[] = [];
setInterval(() => poolWaitSamples.push(pool.waitingCount), 100).unref();

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const cpu0 = { v: process.cpuUsage(), t: performance.now() };

// Errors are sent to the parent inside; `void` because process.on ignores a returned promise.
process.on("message", (m: Msg) => void onMessage(m));

async function onMessage(m: Msg) {
  try {
    if (m.type === "add") await add(m);
    else if (m.type === "reset") {
      hbLatency = [];
      hbGap = [];
      hbErrors = 0;
      warnings = 0;
      poolWaitSamples = [];
      holds = 0;
      pipedBeats = 0;
      eld.reset();
      cpu0.v = process.cpuUsage();
      cpu0.t = performance.now();
      send({ type: "reset" });
    } else if (m.type === "report") {
      const u = process.cpuUsage(cpu0.v);
      send({
        type: "report",
        agents: agents.length,
        hbLatency,
        hbGap,
        hbErrors,
        warnings,
        fatals,
        startRetries,
        warnSamples,
        eventLoopDelayP99Ms: eld.percentile(99) / 1e6,
        beatsPerWrite: holds ? Math.round((pipedBeats / holds) * 10) / 10 : null,
        cpuPct: Math.round(((u.user + u.system) / 1000 / (performance.now() - cpu0.t)) * 100),
        rssMb: Math.round(process.memoryUsage.rss() / 1048576),
        poolWaitingMean: Math.round(poolWaitSamples.reduce((a, b) => a + b, 0) / Math.max(1, poolWaitSamples.length)),
        poolWaitingMax: Math.max(0, ...poolWaitSamples),
      });
    } else if (m.type === "stop") {
      stopping = true;
      await listener?.end().catch(() => {});
      await Promise.all(agents.map((a) => a.stop().catch(() => {})));
      await pool.end().catch(() => {});
      await renewalPool.end().catch(() => {});
      await Promise.all([standbyPipes.close(), renewalPipes.close()]);
      process.exit(0);
    }
  } catch (err) {
    send({ type: "error", message: (err as Error).stack ?? String(err) });
  }
}

await listen();
await Promise.all([standbyPipes.open(), renewalPipes.open()]);
send({ type: "ready" });
