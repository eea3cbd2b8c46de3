// `npm run bench`: failover, switchover, scale and footprint against a fresh embedded PostgreSQL,
// real agent processes, the real console (next start) and real Chromium. Prints a table and
// writes bench/results/<timestamp>.json. See docs/benchmarks.md.
//   --only failover,service,switchover,switchover-hook,heartbeat,scale,footprint,render   run a subset
//   (render, not in the default set: a 1,000-node cluster's page in Chromium and its detail API on a quiet machine)
//   (service: the active's supervised service crashes or hangs; switchover-hook: switchovers with
//   a 3 s demote hook on every agent)
//   --steps 100,1000,2000,5000                   scale steps
//   --trials N (failover, default 20)  --switchovers N (default 50)  --window S (scale, default 20)
//   --pg-log FILE   PostgreSQL's log, with every autovacuum and checkpoint, written to FILE (to line
//                   up with the scale step's windowFrom and its slowest calls' atS)
import { appendFileSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../lib/db/client";
import { startEmbeddedPostgres } from "../lib/db/embedded-postgres";
import { applyMigrations } from "../lib/db/migrate";
import { benchFailover } from "./failover";
import { benchFootprint } from "./footprint";
import { benchConsoleAtScale } from "./render";
import { benchHeartbeatCost } from "./heartbeat-cost";
import { snapshotBuild, startConsole, type Console } from "./lib/console";
import type { Summary } from "./lib/stats";
import { benchScale } from "./scale";
import { benchServiceFailover } from "./service-failover";
import { benchSwitchover } from "./switchover";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "failover,service,switchover,switchover-hook,heartbeat,scale,footprint" },
    steps: { type: "string", default: "100,1000,2000,5000" },
    trials: { type: "string", default: "20" },
    switchovers: { type: "string", default: "50" },
    window: { type: "string", default: "20" },
    workers: { type: "string", default: "3" },
    "footprint-seconds": { type: "string", default: "60" },
    keep: { type: "boolean", default: false },
    "pg-defaults": { type: "boolean", default: false },
    statements: { type: "boolean", default: false },
    "pg-log": { type: "string" },
  },
});
const only = new Set(values.only.split(","));
const started = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

const dir = await mkdtemp(path.join(tmpdir(), "bench-"));
await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its data folder
const bundle = path.join(dir, "cluster-agent.mjs");
await copyFile("dist/cluster-agent.mjs", bundle);
// Server settings for thousands of 1 Hz heartbeats (each a durable commit): commit_delay lets
// concurrent commits share one WAL flush (group commit); durability is unchanged. --pg-defaults
// runs with the project's stock settings instead. Connections stay at the default 300: the scale
// workers share pools (see scale-worker.ts).
const pgSettings: Record<string, string> = values["pg-defaults"] ? {} : { shared_buffers: "256MB", commit_delay: "1000", commit_siblings: "2" };
// --statements: pg_stat_statements on, and the top statements by server time in the results.
if (values.statements) pgSettings.shared_preload_libraries = "pg_stat_statements";
const pgLog = values["pg-log"];
if (pgLog) Object.assign(pgSettings, { log_autovacuum_min_duration: "0", log_checkpoints: "on", log_line_prefix: "%m [%p] " });
const server = await startEmbeddedPostgres({
  dataDir: path.join(dir, "pg"),
  settings: pgSettings,
  onLog: pgLog ? (line) => appendFileSync(pgLog, line + "\n") : undefined,
});
const pgPid = Number((await readFile(path.join(server.dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
await applyMigrations({ connectionString: server.url });
const prisma = createPrismaClient({ connectionString: server.url, maxConnections: 4 });
// BENCH_SQL, for experiments: run once after the migrations, e.g. a table's storage parameters.
if (process.env.BENCH_SQL) await prisma.$executeRawUnsafe(process.env.BENCH_SQL);
if (values.statements) await prisma.$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
log(`embedded PostgreSQL on port ${server.port}, data in ${server.dataDir}`);

const results: Record<string, unknown> = {
  startedAt: new Date(started).toISOString(),
  machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
  pgSettings,
  commit: (await import("node:child_process")).execSync("git rev-parse --short HEAD").toString().trim(),
};
let consoleServer: Console | null = null;
const file = `bench/results/${new Date(started).toISOString().replace(/[:.]/g, "-")}.json`;
/** Written after every section, so an interrupted run keeps what it measured. */
async function save() {
  await mkdir("bench/results", { recursive: true });
  await writeFile(
    file,
    JSON.stringify(results, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2),
  );
}
try {
  if (only.has("failover") || only.has("footprint")) {
    const trials = Number(values.trials);
    // The footprint agents idle in clusters of their own while the default-timing trials run
    // (those mostly wait out leases); CPU time and RSS are per process, unaffected by the others.
    const footprint = only.has("footprint")
      ? Promise.all([
          benchFootprint({
            prisma,
            url: server.url,
            bundle,
            cluster: "footprint",
            heartbeatMs: 1000,
            leaseMs: 5000,
            logLevel: "info",
            seconds: Number(values["footprint-seconds"]),
          }),
          benchFootprint({
            prisma,
            url: server.url,
            bundle,
            cluster: "footprint-debug",
            heartbeatMs: 250,
            leaseMs: 2000,
            logLevel: "debug",
            seconds: Number(values["footprint-seconds"]),
          }),
        ])
      : null;
    if (only.has("failover")) {
      log(`failover: ${trials} trials at heartbeat 1000 / lease 5000`);
      results.failoverDefault = await benchFailover({ prisma, url: server.url, bundle, cluster: "fo-default", heartbeatMs: 1000, leaseMs: 5000, trials, log });
      await save();
    }
    if (footprint) results.footprint = await footprint;
    await save();
    if (only.has("failover")) {
      log(`failover: ${trials} trials at heartbeat 250 / lease 2000`);
      results.failoverFast = await benchFailover({ prisma, url: server.url, bundle, cluster: "fo-fast", heartbeatMs: 250, leaseMs: 2000, trials, log });
      await save();
    }
  }
  if (only.has("heartbeat")) {
    log("heartbeat statement cost: 5,000 nodes, 8 clients, alternating standby beats and active renewals; then fixed rates with pgbench");
    const { cost, rate } = await benchHeartbeatCost({ url: server.url, pgPid, nodes: 5000, clients: 8, seconds: 5, rounds: 3, rates: [2000, 5000], log });
    results.heartbeatCost = cost;
    results.heartbeatRate = rate;
    await save();
  }
  if (only.has("service")) {
    const trials = Math.min(Number(values.trials), 10);
    log(`service failure: ${trials} crashes (kill -9) and ${trials} hangs (SIGSTOP) of the active's supervised service`);
    results.serviceFailover = await benchServiceFailover({ prisma, url: server.url, bundle, trials, log });
    await save();
  }
  if (only.has("switchover") || only.has("switchover-hook") || only.has("scale") || only.has("render")) {
    if (!process.env.TEST_DIST_DIR) ensureConsoleBuild(); // TEST_DIST_DIR: a pinned build (e.g. an older one, for a before/after)
    consoleServer = await startConsole(await snapshotBuild(dir), server.url, prisma);
    log(`console: ${consoleServer.url}`);
  }
  if (only.has("switchover")) {
    log(`switchover: ${values.switchovers} trials through the REST API`);
    results.switchover = await benchSwitchover({
      prisma,
      url: server.url,
      bundle,
      console: consoleServer!,
      cluster: "sw",
      trials: Number(values.switchovers),
      log,
    });
    await save();
  }
  if (only.has("switchover-hook")) {
    const trials = Math.min(Number(values.switchovers), 20);
    log(`switchover with a 3 s demote hook: ${trials} trials through the REST API`);
    results.switchoverWithDemoteHook = await benchSwitchover({
      prisma,
      url: server.url,
      bundle,
      console: consoleServer!,
      cluster: "swh",
      trials,
      demoteHookMs: 3000,
      log,
    });
    await save();
  }
  if (only.has("render")) {
    log("render: a 1,000-node cluster's detail API and page, the machine otherwise as it is");
    results.render = await benchConsoleAtScale({ url: server.url, console: consoleServer!, log });
    await save();
  }
  if (only.has("scale")) {
    const steps = values.steps.split(",").map(Number);
    log(`scale: steps ${steps.join(", ")}`);
    results.scale = [];
    await benchScale({
      url: server.url,
      console: consoleServer!,
      steps,
      workers: Number(values.workers),
      windowS: Number(values.window),
      switchoversPerStep: 8,
      log,
      pgPid,
      agentBundle: bundle,
      onStep: (s) => ((results.scale as unknown[]).push(s), save()),
    });
  }
  if (values.statements) {
    results.topStatements = await prisma.$queryRawUnsafe(
      `SELECT calls::int, round(total_exec_time)::int AS "totalExecMs", round(total_plan_time)::int AS "totalPlanMs", round(mean_exec_time::numeric, 3)::float8 AS "meanExecMs",
         left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query
       FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 12`,
    );
    console.table(results.topStatements);
  }
} finally {
  await consoleServer?.stop();
  await prisma.$disconnect();
  await server.stop();
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
results.durationS = Math.round((Date.now() - started) / 1000);
await save();
console.log("\n" + table(results));
console.log(`\nJSON: ${file} (${String(results.durationS)} s)`);

/** The console's production build of the current sources, as `npm test` makes it (waits out another run's build). */
function ensureConsoleBuild() {
  const r = spawnSync(process.execPath, ["test/support/ensure-build.mjs"], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`console build failed: ${(r.stderr + r.stdout).trim().split("\n").slice(-5).join(" / ")}`);
}

function table(r: Record<string, any>): string {
  const rows: string[][] = [["measurement", "n", "p50", "p95", "p99", "max", "target", "met"]];
  const f = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : "-");
  const add = (name: string, s: Summary | undefined, target = "", met: boolean | null = null) =>
    s && rows.push([name, String(s.n), f(s.p50), f(s.p95), f(s.p99), f(s.max), target, met === null ? "" : met ? "yes" : "NO"]);
  /** A line of explanation under the measurement before it. */
  const note = (text: string) => rows.push([text, "", "", "", "", "", "", ""]);
  for (const [key, label] of [
    ["failoverDefault", "failover kill -9"],
    ["failoverFast", "failover kill -9"],
  ] as const) {
    const x = r[key];
    if (!x) continue;
    const budget = x.leaseMs + x.heartbeatMs;
    add(`${label} (hb ${x.heartbeatMs}, lease ${x.leaseMs}) ms, agent ack`, x.agentAck, `p50 <= ${budget}`, x.agentAck.p50 <= budget);
    add(`${label} (hb ${x.heartbeatMs}, lease ${x.leaseMs}) ms, in database`, x.database);
  }
  if (r.switchover) {
    const s = r.switchover;
    add("switchover via API -> agent ack, ms", s.agentAck, "p50 <= 300, p99 <= 1000", s.agentAck.p50 <= 300 && s.agentAck.p99 <= 1000);
    add("  old active stepped down, ms", s.oldActiveStepsDown);
    add("  POST /commands response, ms", s.apiResponse);
  }
  if (r.serviceFailover) {
    const s = r.serviceFailover;
    add("service crash (kill -9) -> new active, ms", s.crash, "p50 <= lease", s.crash.p50 <= 5000);
    add(
      "service hang (SIGSTOP) -> new active, ms",
      s.hang,
      `p50 <= fall x interval + budget + hb = ${s.checks.expectedHangMs}`,
      s.hang.p50 <= s.checks.expectedHangMs,
    );
  }
  if (r.switchoverWithDemoteHook) {
    const s = r.switchoverWithDemoteHook;
    add("switchover, 3 s demote hook -> agent ack, ms", s.agentAck);
    add("  beyond the hook's 3000 ms, ms", s.beyondDemoteHook, "p99 <= 300", s.beyondDemoteHook.p99 <= 300);
  }
  for (const variant of ["standby", "active renewal"]) {
    const runs = (r.heartbeatCost ?? []).filter((x: any) => x.variant === variant);
    if (!runs.length) continue;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    add(`heartbeat statement alone, ${variant} (${runs[0].clients} clients), ms`, runs.at(-1).latencyMs);
    note(
      `  ${median(runs.map((x: any) => x.beatsPerSecond))} beats/s, PostgreSQL ${median(runs.map((x: any) => x.postgresCpuMsPerBeat))} ms CPU per beat (median of ${runs.length} rounds)`,
    );
  }
  for (const x of r.heartbeatRate ?? []) {
    const big = x.targetPerSecond >= 5000;
    add(
      `heartbeat statements at ${x.targetPerSecond}/s, database alone (pgbench, 4 standby : 1 renewal), ms`,
      x.latencyMs,
      big ? "p99 <= 50" : "",
      big ? x.latencyMs.p99 <= 50 : null,
    );
    note(`  ${x.beatsPerSecond} beats/s; PostgreSQL ${x.postgresPctOfOneCore} % of one core`);
  }
  for (const st of r.scale ?? []) {
    const big = st.agents >= 5000;
    add(
      `scale ${st.agents} agents${st.agentsRunning < st.agents ? ` (${st.agentsRunning} registered)` : ""}: heartbeat ms (${st.heartbeatsPerSecond}/s of ${st.agentsRunning})`,
      st.heartbeatMs,
      big ? "p99 <= 50" : "",
      big ? st.heartbeatMs.p99 <= 50 : null,
    );
    if (st.realAgentHeartbeatMs) add(`  heartbeat of 2 real cluster-agent processes alongside, ms`, st.realAgentHeartbeatMs);
    add(`  heartbeat interval per agent, ms`, st.heartbeatIntervalMs);
    add(`  switchover under load, ms`, st.switchoverUnderLoadMs);
    add(
      `  GET /api/v1/clusters?limit=50 (${st.clusters} clusters, as the list polls), ms`,
      st.api.clusterList,
      big ? "p99 <= 100" : "",
      big ? st.api.clusterList.p99 <= 100 : null,
    );
    add(`  GET /api/v1/clusters/:name (5 nodes), ms`, st.api.nodeListSmall, big ? "p99 <= 100" : "", big ? st.api.nodeListSmall.p99 <= 100 : null);
    if (st.api.nodeList1000)
      add(
        `  GET /api/v1/clusters/:name?limit=50 (1,000 nodes, as the page polls), ms`,
        st.api.nodeList1000,
        big ? "p99 <= 100" : "",
        big ? st.api.nodeList1000.p99 <= 100 : null,
      );
    if (st.api.serverTime) add(`    of which inside the console (Server-Timing), list of clusters, ms`, st.api.serverTime.clusterList);
    if (st.render) add(`  cluster page, 1,000 nodes, Chromium load -> table ready, ms`, st.render.loadToAllRowsMs);
    note(
      `  unplanned role changes in the window (lapsed leases): ${st.unplannedRoleChanges}; worker event-loop delay p99 ms: ${st.workerEventLoopDelayP99Ms.join(", ")}; beats per write: ${st.workerBeatsPerWrite?.join(", ") ?? "-"}`,
    );
    if (st.workerPoolWaiting)
      note(
        `  heartbeats waiting for a pooled connection per worker (mean/max): ${st.workerPoolWaiting.join(", ")}; PostgreSQL backends: ${Object.entries(
          st.pgBackendStates,
        )
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(", ")}`,
      );
    note(
      `  CPU % of one core: ${Object.entries(st.cpuPctOfOneCore)
        .map(([k, v]) => `${k.replace(/Pct$/, "")} ${String(v)}`)
        .join(", ")}`,
    );
  }
  if (r.render) {
    const x = r.render;
    add(`GET /api/v1/clusters/:name (${x.nodes} nodes, whole list), ms`, x.api.wholeList.ms);
    add(`GET /api/v1/clusters/:name (${x.nodes} nodes, the page's query), ms`, x.api.pageQuery.ms, "p99 <= 100", x.api.pageQuery.ms.p99 <= 100);
    add(`cluster page, ${x.nodes} nodes, Chromium load -> table ready, ms`, x.render.loadToAllRowsMs, "p50 < 1000", x.render.loadToAllRowsMs.p50 < 1000);
    note(
      `  long tasks per 10 s of steady polling: ${x.render.steadyState.map((s: any) => s.longTaskMs).join(", ")} ms; load average ${x.render.loadAverage.map((l: number) => l.toFixed(2)).join(", ")}`,
    );
  }
  for (const fp of r.footprint ?? []) {
    add(`agent RSS MB (${fp.config})`, fp.rssMb, "<= 60", fp.rssMb.max <= 60);
    note(`  agent CPU over ${fp.seconds} s: ${fp.cpuPctOfOneCore}% of one core`);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map(
      (row, j) =>
        row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ") +
        (j === 0 ? "\n" + widths.map((w) => "-".repeat(w)).join("  ") : ""),
    )
    .join("\n");
}
