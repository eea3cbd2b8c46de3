// `npm run chaos -- --minutes N`: fault injection against real agents and a real PostgreSQL.
// The agents run a workload (hooks, or a supervised process) with real durations of 0-3 s; chaos injects
// random kill -9, SIGSTOP/SIGCONT, graceful restarts, silent network partitions (each agent reaches the
// database through its own proxy, which can stall without a RST), database pauses (SIGSTOP of every
// server process), restarts and crashes, demotes and concurrent switchovers, and crashes (kill -9) and
// hangs (SIGSTOP) of the active's service, which the agents' health check must notice. Then it checks the
// invariants, agent-level (no two agents believe they are active) and service-level (no two service
// instances run at once: a kernel flock, and for hooks the [promote started, demote finished]
// intervals), and prints what happened. Exit code 1 on a violation, 2 on bad flags.
//
// --services N (N > 1): every agent hosts N services (s1..sN) of the one cluster from a --service-config
// file, each with its own workload (lock, events, heartbeat and check keyed by $SERVICE), lease and
// epoch. Faults stay per process (a kill -9 ends every service loop of that agent); a service crash or
// hang, a demote or a switchover picks one service. Every invariant is checked per service, and the
// placement (how many services each agent is active for) is sampled at calm points.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, createWriteStream, existsSync } from "node:fs";
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { activeIntervals, overlappingIntervals, parseLogLines } from "../agent/role-log";
import { userActor } from "../lib/cluster/audit";
import { requestCommand } from "../lib/cluster/request-command";
import { fencingMarginMs, timingProblem } from "../lib/cluster/timing";
import { createPrismaClient } from "../lib/db/client";
import { startEmbeddedPostgres, type RunningPostgres } from "../lib/db/embedded-postgres";
import { applyMigrations } from "../lib/db/migrate";
import { startBlackholeProxy, type BlackholeProxy } from "../test/support/blackhole-proxy";
import { crashPostgres } from "../test/support/crash-postgres";
import { pausePostgres, resumePostgres } from "./chaos/postgres-pause";
import {
  CHECK,
  killedHooks,
  liveServices,
  prepareWorkload,
  procStat,
  readFlockOverlaps,
  readServiceEvents,
  serviceIntervals,
  serviceOverlaps,
  watchServices,
  type WorkloadKind,
} from "./chaos/workload";

const USAGE = `usage: npm run chaos -- --minutes N (0 < N <= 600) [--workload supervise|hooks] [--agents 2..20] [--services 1..8]
  [--heartbeat-ms 250] [--lease-ms 5000] [--demote-timeout-ms 3500] [--hook-max-ms 3000] [--stubborn-pct 10] [--hook-timeout-ms <budget>]
  [--agent dist/cluster-agent.mjs] [--seed S] [--keep]`;
function bad(problem: string): never {
  console.error(`chaos: ${problem} (--help for usage)`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    strict: true,
    options: {
      minutes: { type: "string", default: "2" },
      workload: { type: "string", default: "supervise" },
      agents: { type: "string", default: "4" },
      services: { type: "string", default: "1" },
      "heartbeat-ms": { type: "string", default: "250" },
      "lease-ms": { type: "string", default: "5000" },
      "demote-timeout-ms": { type: "string", default: "3500" },
      "hook-max-ms": { type: "string", default: "3000" },
      "stubborn-pct": { type: "string", default: "10" },
      "hook-timeout-ms": { type: "string" },
      agent: { type: "string", default: "dist/cluster-agent.mjs" },
      seed: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  }));
} catch (err) {
  bad((err as Error).message.replace(/\. To specify.*$/, ""));
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (flag: string, min: number, max: number) => {
  const n = Number(values[flag]);
  if (!Number.isInteger(n) || n < min || n > max) bad(`--${flag} must be an integer from ${min} to ${max} (got "${values[flag]}")`);
  return n;
};
const minutes = Number(values.minutes);
if (!(minutes > 0 && minutes <= 600)) bad(`--minutes must be a number above 0 and at most 600 (got "${values.minutes}")`);
const workload = values.workload as WorkloadKind;
if (workload !== "hooks" && workload !== "supervise") bad(`--workload must be hooks or supervise (got "${values.workload}")`);
const agentCount = int("agents", 2, 20);
const serviceCount = int("services", 1, 8);
// One service: the agents' flags, the cluster's "main" service, every output as before. Several: s1..sN.
const several = serviceCount > 1;
const heartbeatMs = int("heartbeat-ms", 50, 60_000);
const leaseMs = int("lease-ms", 100, 600_000);
const demoteTimeoutMs = int("demote-timeout-ms", 0, 600_000);
const hookMaxMs = int("hook-max-ms", 0, 600_000);
const stubbornPct = int("stubborn-pct", 0, 100);
// The agents' --hook-timeout-ms: by default the demote budget, which also bounds a planned stop (draining).
if (values["hook-timeout-ms"] === undefined) values["hook-timeout-ms"] = String(Math.max(100, demoteTimeoutMs));
const hookTimeoutMs = int("hook-timeout-ms", 100, 600_000);
const timingError = timingProblem({ heartbeatMs, leaseMs, demoteTimeoutMs });
if (timingError) bad(timingError);
// Hooks workload: demote hooks stay inside the budget with 500 ms to stop the service; an agent that
// kills a demote hook over budget may leave that service running, which no agent can prevent.
const demoteMaxMs = Math.min(hookMaxMs, demoteTimeoutMs - 500);
// Supervise workload: a service takes up to this long to stop on SIGTERM; stubborn ones are SIGKILLed at the budget.
const stopMaxMs = Math.min(hookMaxMs, demoteTimeoutMs - 300);
if (demoteMaxMs < 0) bad(`--demote-timeout-ms (${demoteTimeoutMs}) must leave 500 ms to stop the service`);
const bundle = String(values.agent);
if (!existsSync(bundle)) bad(`--agent ${bundle}: no such file (npm run build:agent builds dist/cluster-agent.mjs)`);
if (workload === "supervise" && !spawnSync(process.execPath, [bundle, "--help"], { encoding: "utf8" }).stdout.includes("--supervise")) {
  bad(`${bundle} has no --supervise flag: run with --workload hooks, or rebuild the agent`);
}

// A small seeded PRNG so a failing run can be replayed with --seed (as far as timing allows).
let seed = Number(values.seed ?? Date.now() % 1_000_000);
if (!Number.isInteger(seed) || seed < 0) bad(`--seed must be a non-negative integer (got "${values.seed}")`);
const firstSeed = seed;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = await mkdtemp(path.join(tmpdir(), "chaos-"));
await chmod(dir, 0o755);
// Agents run from a copy of the bundle, so rebuilding dist/ during a long run changes nothing.
const agentBundle = path.join(dir, "cluster-agent.mjs");
await copyFile(bundle, agentBundle);
const serviceNames = several ? Array.from({ length: serviceCount }, (_, i) => `s${i + 1}`) : ["main"];
const setup = await prepareWorkload({
  dir,
  kind: workload,
  seed: firstSeed,
  hookMaxMs,
  demoteMaxMs,
  stopMaxMs,
  stubbornPct,
  ...(several ? { services: serviceNames } : {}),
});
let server: RunningPostgres = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: 0 });
const port = server.port;
const url = server.url;
await applyMigrations({ connectionString: url });
let prisma = createPrismaClient({ connectionString: url, maxConnections: 4 });
// Flap damping off (failoverLimit 0): it would pause automatic failover after a few, and failover under faults is what is measured.
// A node that stepped down for a failing check is held off for one lease (default 60 s: with service
// faults every few seconds, every node would soon be held off and a hung active would keep the role).
// Several services: one Cluster row each (name "chaos", service sK), created alike.
type Service = {
  /** The Cluster row's service ("main" with one service). */
  name: string;
  /** Its Cluster row. */
  id: string;
  /** Faults aimed at this service (service crashes and hangs, commands accepted). */
  faults: Record<string, number>;
  /** The workload's files of this service (undefined: the one service's own names). */
  key: string | undefined;
};
const services: Service[] = [];
for (const name of serviceNames) {
  const row = await prisma.cluster.create({
    data: { name: "chaos", ...(several ? { service: name } : {}), heartbeatMs, leaseMs, demoteTimeoutMs, failoverLimit: 0, checkHoldOffMs: leaseMs },
  });
  services.push({ name, id: row.id, faults: {}, key: several ? name : undefined });
}
// When each service instance is seen gone: the end of one whose agent died before its demote hook.
const serviceWatch = watchServices(
  dir,
  services.map((s) => s.key),
);
// A service picked at random; with one service no draw (the fault sequence of a seed stays as it was).
const pickService = () => (several ? pick(services) : services[0]);

// Every agent reaches the database through its own proxy, which a partition turns silent.
type Agent = {
  node: string;
  priority: number;
  child: ChildProcess | null;
  stopped: boolean;
  /** SIGSTOPs so far (a SIGTERMed agent frozen meanwhile cannot exit in time: that is not its fault). */
  freezes: number;
  partitioned: boolean;
  proxy: BlackholeProxy;
  logFile: string;
};
// Several services: every node has priority 100 in each of them, so that the placement rule (the node
// holding the fewest leases) decides where a service goes, not the priority.
const agents: Agent[] = await Promise.all(
  Array.from({ length: agentCount }, async (_, i) => {
    const node = `node-${String.fromCharCode(97 + i)}`;
    const proxy = await startBlackholeProxy({ host: "127.0.0.1", port });
    return {
      node,
      priority: several ? 100 : 100 - i * 10,
      child: null,
      stopped: false,
      freezes: 0,
      partitioned: false,
      proxy,
      logFile: path.join(dir, `${node}.log`),
    };
  }),
);
// The --service-config file of each agent: every service with the same settings as the flags of one.
const serviceConfig = (a: Agent) => path.join(dir, `${a.node}.services.json`);
if (several) {
  for (const a of agents) {
    const entries = services.map((s) => ({ service: s.name, priority: a.priority, "hook-timeout-ms": hookTimeoutMs, ...setup.entry(a.node) }));
    await writeFile(serviceConfig(a), JSON.stringify({ services: entries }, null, 2));
  }
}
const agentUrl = (a: Agent) => {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(a.proxy.port);
  return u.toString();
};

function startAgent(a: Agent) {
  const out = createWriteStream(a.logFile, { flags: "a" });
  const args = several
    ? ["--cluster", "chaos", "--node", a.node, "--db", agentUrl(a), "--log-level", "debug", "--service-config", serviceConfig(a)]
    : [
        "--cluster",
        "chaos",
        "--node",
        a.node,
        "--db",
        agentUrl(a),
        "--priority",
        String(a.priority),
        "--log-level",
        "debug",
        "--hook-timeout-ms",
        String(hookTimeoutMs),
        ...setup.flags(a.node),
      ];
  const child = spawn(process.execPath, [agentBundle, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(out);
  child.stderr.on("data", (b: Buffer) => out.write(JSON.stringify({ mono: "0", node: a.node, msg: "stderr", stderr: b.toString() }) + "\n"));
  a.child = child;
  a.stopped = false;
  // Supervised like systemd's Restart=always: whatever ends an agent, it comes back.
  child.on("exit", (code, signal) => {
    // An agent that exits without chaos asking (SIGKILL, SIGTERM) crashed: its stderr is in its log.
    if (!signalled.has(child) && !finishing) {
      const what = `agent exited by itself (${signal ?? `exit code ${code}`})`;
      note(what);
      appendFileSync(faultLog, `${new Date().toISOString()} ${BigInt(Date.now()) * 1_000_000n} note: ${what} ${a.node} pid ${child.pid}\n`);
    }
    if (a.child !== child) return;
    a.child = null;
    if (!finishing) void restartAgentLater(a, between(500, 3000));
  });
}
let finishing = false;
/** Agents chaos sent SIGKILL or SIGTERM (an exit of any other is a crash). */
const signalled = new WeakSet<ChildProcess>();

// Counts: faults (injected events) and notes (refused commands and the like, not in the total).
const faults: Record<string, number> = {};
const notes: Record<string, number> = {};
const faultLog = path.join(dir, "faults.log");
/** Counts a fault; one aimed at a service (several services) is also counted there and logged with its name. */
const fault = (k: string, detail = "", service?: Service) => {
  faults[k] = (faults[k] ?? 0) + 1;
  if (service && several) {
    service.faults[k] = (service.faults[k] ?? 0) + 1;
    detail = `service ${service.name}${detail ? ` ${detail}` : ""}`;
  }
  appendFileSync(faultLog, `${new Date().toISOString()} ${BigInt(Date.now()) * 1_000_000n} ${k}${detail ? ` ${detail}` : ""}\n`);
};
const note = (k: string) => (notes[k] = (notes[k] ?? 0) + 1);
let dbUp = true;

async function restartAgentLater(a: Agent, ms: number) {
  await sleep(ms);
  if (!a.child && !finishing) startAgent(a);
}

/** The node the database calls active in a service (null when unknown within 1 s). */
async function activeNodeName(service: Service): Promise<string | null> {
  if (!dbUp) return null;
  const query = prisma.node
    .findFirst({ where: { clusterId: service.id, role: "ACTIVE" }, select: { name: true } })
    .then((n) => n?.name ?? null)
    .catch(() => null);
  return Promise.race([query, sleep(1000).then(() => null)]);
}
/** Half of the agent faults hit the active node (of a service picked at random), where they matter most. */
async function pickTarget(candidates: Agent[]): Promise<Agent> {
  const name = rand() < 0.5 ? await activeNodeName(pickService()) : null;
  return candidates.find((a) => a.node === name) ?? pick(candidates);
}

// In the hooks workload a kill -9 or SIGSTOP of an agent leaves its service running (a hook cannot
// fence a service whose agent is dead or frozen; that is what --supervise is for): not injected there.
const agentKillKinds = ["kill9", "kill9", "sigstop", "sigstop"];
const kinds = [
  ...(workload === "supervise" ? agentKillKinds : []),
  ...["svccrash", "svccrash", "svccrash", "svchang", "svchang", "svchang"],
  ...["sigterm", "partition", "partition", "partition", "dbpause", "dbpause", "dbrestart", "dbcrash"],
  ...["switchover", "switchover", "switchover", "concurrent", "demote"],
];
// Faults that last (a frozen agent, a partition, the database down or paused): at most this many at once,
// so that the cluster also spends time with an active node and commands have something to act on.
const MAX_ONGOING = 3;
let ongoing = 0;

let dbFault = null as Promise<unknown> | null; // (not narrowed to null: the injector sets it)
async function databaseFault(kind: "dbpause" | "dbrestart" | "dbcrash", ms: number) {
  if (kind === "dbpause") {
    fault("database pause (SIGSTOP)", `${ms} ms`);
    const pids = pausePostgres(server.dataDir);
    try {
      await sleep(ms);
    } finally {
      resumePostgres(pids);
      dbUp = true;
    }
    return;
  }
  // A crash (kill -9 of every server process) also loses the standby heartbeats not yet flushed.
  fault(kind === "dbcrash" ? "database crash (kill -9)" : "database restart", `down ${ms} ms`);
  if (kind === "dbcrash") crashPostgres(server.dataDir);
  else await server.stop();
  await sleep(ms);
  server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port });
  dbUp = true;
}

/** The running instance of a service to hit: the one of the node the database calls active, else any (at most one runs). */
async function pickInstance(service: Service): Promise<{ node: string; pid: number; pgid: number; state: string } | null> {
  const running = liveServices(dir, service.key).flatMap((s) => {
    const st = procStat(s.pid);
    return st ? [{ ...s, ...st }] : [];
  });
  if (!running.length) return null;
  const name = await activeNodeName(service);
  return running.find((s) => s.node === name) ?? pick(running);
}
const ownPgid = procStat("self")?.pgid;
const signalService = (target: number, sig: NodeJS.Signals) => {
  try {
    process.kill(target, sig);
    return true;
  } catch {
    return false; // gone meanwhile
  }
};

async function injectFault() {
  const live = agents.filter((a) => a.child && !a.stopped);
  // A kind that cannot happen now makes this round inject nothing (re-picking would skew the mix).
  const kind = pick(kinds);
  if (["sigstop", "partition", "dbpause", "dbrestart", "dbcrash"].includes(kind) && ongoing >= MAX_ONGOING) return;
  if (kind === "svccrash" || kind === "svchang") {
    // The service crashes or hangs while its agent lives: only a health check (or, supervised, the
    // process exit) tells the agent. A hung service still holds the service lock until it is killed.
    const service = pickService();
    const s = await pickInstance(service);
    if (!s || s.pgid <= 1 || s.pgid === ownPgid) return;
    const group = rand() < 0.5;
    if (kind === "svccrash") {
      if (signalService(group ? -s.pgid : s.pid, "SIGKILL"))
        fault(`service crash (kill -9 of its ${group ? "group" : "main process"})`, `${s.node} pid ${s.pid}`, service);
      return;
    }
    if (s.state === "T") return; // already hung
    if (!signalService(-s.pgid, "SIGSTOP")) return;
    // Half of the hangs end by themselves after 0.3-4 s (before or after the check notices); the others
    // last until the agent SIGKILLs the service when it steps down (SIGTERM cannot reach a stopped one).
    if (rand() < 0.5) {
      const ms = between(300, 4000);
      fault("service hang (SIGSTOP), SIGCONT later", `${s.node} pid ${s.pid} ${ms} ms`, service);
      setTimeout(() => signalService(-s.pgid, "SIGCONT"), ms);
    } else fault("service hang (SIGSTOP), left stopped", `${s.node} pid ${s.pid}`, service);
  } else if (kind === "kill9" && live.length) {
    const a = await pickTarget(live);
    if (!a.child) return;
    signalled.add(a.child);
    a.child.kill("SIGKILL");
    fault("agent kill -9", a.node);
    void restartAgentLater(a, between(500, 4000));
  } else if (kind === "sigstop" && live.length) {
    const a = await pickTarget(live);
    if (!a.child) return;
    const ms = between(300, 2.5 * leaseMs);
    a.child.kill("SIGSTOP");
    a.stopped = true;
    a.freezes++;
    ongoing++;
    fault("agent SIGSTOP/SIGCONT", `${a.node} ${ms} ms`);
    setTimeout(() => {
      a.child?.kill("SIGCONT");
      a.stopped = false;
      ongoing--;
    }, ms);
  } else if (kind === "sigterm" && live.length) {
    const a = await pickTarget(live);
    if (!a.child) return;
    const child = a.child;
    signalled.add(child);
    child.kill("SIGTERM");
    fault("agent restart (SIGTERM)", a.node);
    // A graceful stop takes at most the demote budget plus a release: past 10 s more, it is hung
    // (unless chaos froze it meanwhile). Noted in faults.log with the node and the agent's pid.
    const freezes = a.freezes;
    setTimeout(() => {
      if (a.child !== child || finishing) return;
      const what = `agent still running 10 s after a SIGTERM${a.freezes > freezes ? " (SIGSTOPped by chaos meanwhile)" : ""}`;
      note(what);
      appendFileSync(faultLog, `${new Date().toISOString()} ${BigInt(Date.now()) * 1_000_000n} note: ${what} ${a.node} pid ${child.pid}\n`);
    }, demoteTimeoutMs + 10_000);
  } else if (kind === "partition") {
    const free = agents.filter((a) => !a.partitioned);
    if (!free.length) return;
    const a = await pickTarget(free);
    const ms = between(200, 2 * leaseMs);
    a.proxy.blackhole();
    a.partitioned = true;
    ongoing++;
    fault("partition agent-database (silent)", `${a.node} ${ms} ms`);
    setTimeout(() => {
      a.proxy.restore();
      a.partitioned = false;
      ongoing--;
    }, ms);
  } else if ((kind === "dbpause" || kind === "dbrestart" || kind === "dbcrash") && dbUp) {
    // The database fault runs on while other faults go on being injected; one database fault at a time.
    const ms = between(100, 2 * leaseMs);
    dbUp = false;
    ongoing++;
    dbFault = databaseFault(kind, ms)
      .catch((err: Error) => note(`database fault error: ${err.message.split("\n")[0].slice(0, 60)}`))
      .finally(() => {
        dbFault = null;
        ongoing--;
      });
  } else if ((kind === "switchover" || kind === "concurrent" || kind === "demote") && dbUp) {
    const service = pickService();
    const nodes = await prisma.node.findMany({ where: { clusterId: service.id } }).catch(() => []);
    const standbys = nodes.filter((n) => n.role === "STANDBY" && n.priority > 0);
    const active = nodes.find((n) => n.role === "ACTIVE");
    const request = (kindName: "SWITCHOVER" | "DEMOTE", targetNodeId: string, targetName: string) =>
      requestCommand({ db: prisma, clusterId: service.id, kind: kindName, targetNodeId, requestedBy: userActor("chaos@example.com"), timeoutMs: 3 * leaseMs })
        .then(() => fault(`${kindName.toLowerCase()} command`, targetName, service))
        .catch((err: Error & { code?: string }) => note(`${kindName.toLowerCase()} refused (${err.code ?? "error"})`));
    if (kind === "demote" && active) await request("DEMOTE", active.id, active.name);
    else if (kind === "concurrent" && standbys.length >= 2) {
      note("concurrent switchover pairs");
      await Promise.all([request("SWITCHOVER", standbys[0].id, standbys[0].name), request("SWITCHOVER", standbys[1].id, standbys[1].name)]);
    } else if (standbys.length) {
      const s = pick(standbys);
      await request("SWITCHOVER", s.id, s.name);
    }
  }
}

const total = () => Object.values(faults).reduce((a, b) => a + b, 0);

// Placement (several services): how many services each agent is active for, at calm points: no
// lasting fault left, every agent running, every service with an active, and no change for a lease.
const CALM_EVERY_MS = 60_000;
type Placement = { label: string; perAgent: Record<string, number>; unplaced: string[]; spread: number; settledMs: number; settled: boolean };
const placements: Placement[] = [];
async function activesByService(): Promise<Map<string, string> | null> {
  const query = prisma.node
    .findMany({ where: { clusterId: { in: services.map((s) => s.id) }, role: "ACTIVE" }, select: { name: true, clusterId: true } })
    .then((rows) => new Map(rows.map((r) => [services.find((s) => s.id === r.clusterId)!.name, r.name])))
    .catch(() => null);
  return Promise.race([query, sleep(2000).then(() => null)]);
}
async function calmPoint(label: string) {
  const from = Date.now();
  const giveUpAt = from + 6 * leaseMs + 30_000;
  await dbFault;
  while ((ongoing > 0 || agents.some((a) => !a.child || a.stopped)) && Date.now() < giveUpAt) await sleep(250);
  let last = "";
  let since = Date.now();
  let m: Map<string, string> | null = null;
  while (Date.now() < giveUpAt) {
    await sleep(500);
    m = await activesByService();
    const key = m ? services.map((s) => `${s.name}=${m!.get(s.name) ?? "-"}`).join(" ") : "";
    if (key !== last) [last, since] = [key, Date.now()];
    else if (m && m.size === services.length && Date.now() - since >= leaseMs) break;
  }
  const perAgent = Object.fromEntries(agents.map((a) => [a.node, 0]));
  for (const node of m?.values() ?? []) perAgent[node] = (perAgent[node] ?? 0) + 1;
  const counts = Object.values(perAgent);
  const settled = !!m && m.size === services.length && Date.now() < giveUpAt;
  const p = {
    label,
    perAgent,
    unplaced: services.filter((s) => !m?.get(s.name)).map((s) => s.name),
    spread: Math.max(...counts) - Math.min(...counts),
    settledMs: Date.now() - from,
    settled,
  };
  placements.push(p);
  const shown = Object.entries(p.perAgent)
    .map(([n, c]) => `${n} ${c}`)
    .join(", ");
  console.log(
    `  calm point ${label}: ${settled ? `settled in ${(p.settledMs / 1000).toFixed(1)} s` : "NOT settled"}; active for ${shown}${p.unplaced.length ? `; no active: ${p.unplaced.join(", ")}` : ""}; spread ${p.spread}`,
  );
}
console.log(
  `chaos: ${minutes} min, workload ${workload}, ${agentCount} agents, heartbeat ${heartbeatMs} ms, lease ${leaseMs} ms, ` +
    `demote budget ${demoteTimeoutMs} ms (fencing margin ${fencingMarginMs({ heartbeatMs, leaseMs })} ms), hook timeout ${hookTimeoutMs} ms, seed ${firstSeed}, logs in ${dir}`,
);
if (several)
  console.log(
    `  services: ${serviceCount} per agent (${serviceNames.join(", ")}, --service-config), priority 100 everywhere; a calm point every ${CALM_EVERY_MS / 1000} s of faults samples the placement`,
  );
if (workload === "hooks") {
  console.log(`  hooks: promote 0-${hookMaxMs} ms then a daemon; demote 0-${demoteMaxMs} ms (inside the budget) then stops it`);
  console.log("  hooks: agent kill -9 and SIGSTOP not injected (a hook cannot stop a service whose agent is dead or frozen: --workload supervise)");
} else console.log(`  supervise: the service takes 0-${stopMaxMs} ms to stop on SIGTERM; ${stubbornPct} % ignore SIGTERM (SIGKILL at the budget)`);
console.log(
  `  check (while active): service heartbeat under ${CHECK.staleMs} ms old, every ${CHECK.intervalMs} ms, timeout ${CHECK.timeoutMs} ms, rise ${CHECK.rise}, fall ${CHECK.fall}; hold-off after a failing check ${leaseMs} ms`,
);
agents.forEach(startAgent);
await sleep(2 * leaseMs);
let endAt = Date.now() + minutes * 60_000;
let lastReport = Date.now();
let lastCalm = Date.now();
while (Date.now() < endAt) {
  if (several && Date.now() - lastCalm > CALM_EVERY_MS && endAt - Date.now() > CALM_EVERY_MS / 2) {
    // A calm point: no new faults until the lasting ones ended and the placement held still; the
    // faults' time is extended by as much.
    const calmFrom = Date.now();
    await calmPoint(`${((calmFrom - (endAt - minutes * 60_000)) / 60_000).toFixed(1)} min`);
    endAt += Date.now() - calmFrom;
    lastCalm = Date.now();
  }
  let watchdog: NodeJS.Timeout | undefined;
  const stuck = new Promise<void>((resolve) => (watchdog = setTimeout(() => (note("injector stuck > 30 s"), resolve()), 30_000)));
  await Promise.race([injectFault().catch((err: Error) => note(`injector error: ${err.message.split("\n")[0].slice(0, 60)}`)), stuck]);
  clearTimeout(watchdog);
  await sleep(between(150, 1000));
  if (Date.now() - lastReport > 60_000 && Date.now() < endAt) {
    lastReport = Date.now();
    console.log(
      `  ${Math.round((endAt - Date.now()) / 1000)} s left; faults so far: ${total()}; service overlaps (flock) so far: ${services.reduce((n, s) => n + readFlockOverlaps(dir, s.key).length, 0)}`,
    );
  }
}

await dbFault;
// Quiesce: network back, everyone running and resumed, then give open commands time to reach their deadlines.
for (const a of agents) {
  a.proxy.restore();
  a.partitioned = false;
  a.child?.kill("SIGCONT");
  a.stopped = false;
  if (!a.child) startAgent(a);
}
await sleep(3 * leaseMs + 2000);
// The final reads get a fresh client: the run's pool may still hold connections that a database
// pause, restart or crash left stuck (a stuck one made a run end in "timeout exceeded when trying to connect").
void prisma.$disconnect().catch(() => {});
prisma = createPrismaClient({ connectionString: url, maxConnections: 4 });
const serviceIds = services.map((s) => s.id);
const openDeadline = await prisma.command.aggregate({
  where: { clusterId: { in: serviceIds }, status: { in: ["PENDING", "RUNNING"] } },
  _max: { deadline: true },
});
if (openDeadline._max.deadline) await sleep(Math.min(Math.max(0, openDeadline._max.deadline.getTime() - Date.now()), 10 * 60_000) + 3 * heartbeatMs + 500);
if (several) await calmPoint("end");

const until = process.hrtime.bigint();
const untilNs = BigInt(Date.now()) * 1_000_000n;
serviceWatch.stop();
const perAgentLines = await Promise.all(
  agents.map(async (a) => parseLogLines(await readFile(a.logFile, "utf8")).map((l) => ({ ...l, node: l.node ?? a.node }))),
);

type Row = [string, string | number];
/** Every invariant of one service, from its agents' log lines (several services: the lines naming it), its workload's files and its rows. */
async function checkService(service: Service) {
  const lines = perAgentLines.map((ls) => (several ? ls.filter((l) => (l as { service?: unknown }).service === service.name) : ls));
  const allLines = lines.flat();
  // Each agent file holds several process lifetimes; an interval left open by a kill -9 ends at its lease deadline.
  const intervals = lines.flatMap((ls) => activeIntervals(ls, until));
  const overlaps = overlappingIntervals(intervals);
  const notTerminal = await prisma.command.count({ where: { clusterId: service.id, status: { in: ["PENDING", "RUNNING"] } } });
  // Several services: the audit rows that name this service (a row naming another would miss here).
  const audit = await prisma.auditEvent.findMany({
    where: several ? { clusterName: "chaos", service: service.name } : { clusterId: service.id },
    orderBy: { id: "asc" },
  });
  const audited = new Set(audit.filter((r) => r.toRole === "ACTIVE").map((r) => `${r.nodeName}@${r.epoch}`));
  const promotions = allLines.filter((l) => l.event === "role" && l.role === "ACTIVE");
  const unaudited = promotions.filter((l) => !audited.has(`${l.node}@${l.epoch}`));
  // The audit log must also tell a consistent story: replayed in order, never two ACTIVE at once.
  const roleByNode = new Map<string, string>();
  let auditSplitBrain = 0;
  for (const r of audit) {
    if (!r.toRole || !r.nodeName) continue;
    roleByNode.set(r.nodeName, r.toRole);
    if ([...roleByNode.values()].filter((x) => x === "ACTIVE").length > 1) auditSplitBrain++;
  }
  const commands = await prisma.command.groupBy({ by: ["kind", "status"], where: { clusterId: service.id }, _count: true });
  const failovers = audit.filter((r) => r.action === "failover.promoted").length;
  const nAudit = (action: string) => audit.filter((r) => r.action === action).length;
  const steppedDown = audit.filter((r) => r.action === "agent.stepped_down");
  const steppedDownForChecks = steppedDown.filter((r) => /^(check failing|isolated)/.test(r.reason ?? "")).length;
  const epochs = (await prisma.cluster.findUniqueOrThrow({ where: { id: service.id } })).epoch;
  // Unavailability: time with no interval open, from the first promotion to the end.
  const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : 1));
  let covered = 0n;
  let cursor = sorted[0]?.start ?? until;
  for (const iv of sorted) {
    const s = iv.start > cursor ? iv.start : cursor;
    if (iv.end > s) covered += iv.end - s;
    if (iv.end > cursor) cursor = iv.end;
  }
  const span = until - (sorted[0]?.start ?? until);

  // Service level.
  const events = readServiceEvents(dir, service.key);
  const flockOverlaps = readFlockOverlaps(dir, service.key);
  const svcIntervals = workload === "hooks" ? serviceIntervals(events, allLines, untilNs, (pid) => serviceWatch.goneAt(service.key, pid)) : [];
  const svcOverlaps = serviceOverlaps(svcIntervals);
  const hooksKilled = killedHooks(allLines);
  const nEvents = (name: string) => events.filter((e) => e.event === name).length;
  const stillRunning = liveServices(dir, service.key).length;

  const byKind = (kind: string) =>
    commands
      .filter((c) => c.kind === kind)
      .map((c) => `${c.status} ${c._count}`)
      .join(", ") || "none";
  const sum = (prefix: string) => Object.entries(service.faults).reduce((n, [k, v]) => (k.startsWith(prefix) ? n + v : n), 0);
  const rows: Row[] = [
    ...(several
      ? ([
          ["service crashes / hangs injected", `${sum("service crash")} / ${sum("service hang")}`],
          ["switchover / demote commands accepted", `${sum("switchover")} / ${sum("demote")}`],
        ] as Row[])
      : ([["duration (min)", minutes]] as Row[])),
    ["role changes (epochs)", epochs.toString()],
    ["automatic failovers", failovers],
    ["switchover commands by status", byKind("SWITCHOVER")],
    ["demote commands by status", byKind("DEMOTE")],
    ["active intervals (from agent logs)", intervals.length],
    ["active stepped down: failing check / service exit", `${steppedDownForChecks} / ${steppedDown.length - steppedDownForChecks}`],
    ["audit check.failing / check.passing / check.no_standby", `${nAudit("check.failing")} / ${nAudit("check.passing")} / ${nAudit("check.no_standby")}`],
    ["time with an active node", `${((Number(covered) / Number(span || 1n)) * 100).toFixed(1)} %`],
    ["agent-level overlaps (active intervals)", overlaps.length],
    ["service-level overlaps (flock)", flockOverlaps.length],
    ["service-level overlaps (intervals)", workload === "hooks" ? svcOverlaps.length : "n/a (supervise: flock)"],
    ...(workload === "hooks"
      ? ([
          ["promote hooks started / finished", `${nEvents("promote-start")} / ${nEvents("promote-end")}`],
          ["demote hooks started / finished", `${nEvents("demote-start")} / ${nEvents("demote-end")}`],
          ["demote hooks that had to SIGKILL the service", nEvents("demote-kills-service")],
          ["demote hooks that SIGKILLed a hung service", nEvents("demote-kills-hung-service")],
        ] as Row[])
      : ([
          ["services started", nEvents("service-start")],
          ["services stopped on SIGTERM", `${nEvents("service-exit")} (of ${nEvents("service-start") - nEvents("service-ignores-term")} that obey it)`],
          ["services ignoring SIGTERM (stubborn)", nEvents("service-ignores-term")],
          ["services ended by SIGKILL (budget, watchdog, chaos)", nEvents("service-start") - nEvents("service-exit") - stillRunning],
        ] as Row[])),
    [
      "hooks killed (agent logs)",
      Object.entries(hooksKilled)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "0",
    ],
    ["commands not terminal", notTerminal],
    ["role changes without an audit row", unaudited.length],
    ["audit replay with two actives", auditSplitBrain],
  ];
  const ok =
    overlaps.length === 0 && flockOverlaps.length === 0 && svcOverlaps.length === 0 && notTerminal === 0 && unaudited.length === 0 && auditSplitBrain === 0;
  return { service, rows, ok, overlaps, flockOverlaps, svcOverlaps, unaudited };
}

/**
 * The total of one row over the services: numbers add up, "a / b" cells add up place by place,
 * percentages average, "NAME n, NAME m" lists add up by name; anything else is left blank.
 */
function totalCell(cells: (string | number)[]): string | number {
  if (cells.every((c) => typeof c === "number")) return cells.reduce((a, b) => a + b, 0);
  const text = cells.map(String);
  if (text.every((c) => /^\d+$/.test(c))) return text.reduce((a, b) => a + Number(b), 0);
  if (text.every((c) => /^\d+( \/ \d+)+$/.test(c))) {
    const parts = text.map((c) => c.split(" / ").map(Number));
    return parts[0].map((_, i) => parts.reduce((n, p) => n + (p[i] ?? 0), 0)).join(" / ");
  }
  const ofMatch = text.map((c) => /^(\d+) \(of (\d+) (.*)\)$/.exec(c));
  if (ofMatch.every((m) => m && m[3] === ofMatch[0]![3]))
    return `${ofMatch.reduce((n, m) => n + Number(m![1]), 0)} (of ${ofMatch.reduce((n, m) => n + Number(m![2]), 0)} ${ofMatch[0]![3]})`;
  if (text.every((c) => /^[\d.]+ %$/.test(c))) return `${(text.reduce((a, b) => a + parseFloat(b), 0) / text.length).toFixed(1)} % (mean)`;
  if (text.every((c) => c === "none" || c === "0" || /^([a-z][\w-]* \d+)(, [a-z][\w-]* \d+)*$/i.test(c))) {
    const counts = new Map<string, number>();
    for (const c of text)
      for (const part of c === "none" || c === "0" ? [] : c.split(", ")) {
        const at = part.lastIndexOf(" ");
        counts.set(part.slice(0, at), (counts.get(part.slice(0, at)) ?? 0) + Number(part.slice(at + 1)));
      }
    return (
      [...counts]
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || text[0]
    );
  }
  return "";
}

const results: Awaited<ReturnType<typeof checkService>>[] = [];
for (const s of services) results.push(await checkService(s));
// Several services: every audit row of a service's Cluster row must name that service.
const auditMisnamed = several
  ? (await prisma.auditEvent.findMany({ where: { clusterId: { in: services.map((s) => s.id) } }, select: { clusterId: true, service: true } })).filter(
      (r) => r.service !== services.find((s) => s.id === r.clusterId)?.name,
    ).length
  : 0;

console.log("\nfaults injected:");
for (const [k, v] of Object.entries(faults).sort()) console.log(`  ${k.padEnd(44)} ${v}`);
console.log(`  ${"total".padEnd(44)} ${total()}`);
if (Object.keys(notes).length) {
  console.log("not counted as faults:");
  for (const [k, v] of Object.entries(notes).sort()) console.log(`  ${k.padEnd(44)} ${v}`);
}
if (!several) {
  console.log("\nresults:");
  for (const [k, v] of results[0].rows) console.log(`  ${k.padEnd(44)} ${v}`);
} else {
  console.log(`\nresults per service (${minutes} min of faults):`);
  const columns = [...services.map((s) => s.name), "total"];
  const table = results[0].rows.map(([label], i) => {
    const cells = results.map((r) => r.rows[i][1]);
    return [label, ...cells, totalCell(cells)].map(String);
  });
  const widths = columns.map((c, i) => Math.max(c.length, ...table.map((row) => row[i + 1].length)));
  const labelWidth = Math.max(44, ...table.map((row) => row[0].length));
  console.log(`  ${"".padEnd(labelWidth)} ${columns.map((c, i) => c.padEnd(widths[i])).join("  ")}`);
  for (const row of table)
    console.log(
      `  ${row[0].padEnd(44)} ${row
        .slice(1)
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")}`.trimEnd(),
    );
  console.log(`  ${"audit rows naming another service".padEnd(labelWidth)} ${auditMisnamed}`);
}
for (const r of results) {
  const svc = several ? `${r.service.name}: ` : "";
  for (const [a, b] of r.overlaps.slice(0, 5))
    console.log(`  OVERLAP (agents) ${svc}${a.node}@${a.epoch} [${a.start}, ${a.end}] with ${b.node}@${b.epoch} [${b.start}, ${b.end}]`);
  for (const line of r.flockOverlaps.slice(0, 5)) console.log(`  OVERLAP (flock) ${svc}${line}`);
  for (const [a, b] of r.svcOverlaps.slice(0, 5)) {
    const ms = Number((a.end < b.end ? a.end : b.end) - b.start) / 1e6;
    console.log(
      `  OVERLAP (service) ${svc}${a.node}@${a.epoch} [${a.start}, ${a.end}: ${a.endedBy}] with ${b.node}@${b.epoch} [${b.start}, ...]: ${ms.toFixed(0)} ms`,
    );
  }
  for (const p of r.unaudited.slice(0, 5)) console.log(`  UNAUDITED ${svc}${p.node}@${p.epoch}`);
}
const unsuccessful = await prisma.command.groupBy({
  by: ["kind", "status", "error"],
  where: { clusterId: { in: services.map((s) => s.id) }, status: { in: ["FAILED", "EXPIRED", "CANCELLED"] } },
  _count: true,
});
if (unsuccessful.length) console.log(`commands that did not succeed, by reason${several ? " (all services)" : ""}:`);
for (const c of unsuccessful.sort((a, b) => b._count - a._count).slice(0, 8))
  console.log(`  ${String(c._count).padStart(4)} ${c.kind} ${c.status}: ${(c.error ?? "").slice(0, 110)}`);
if (several) {
  const end = placements.at(-1)!;
  const during = placements.filter((p) => p !== end);
  const worst = (ps: Placement[]) => (ps.length ? Math.max(...ps.map((p) => p.spread)) : "n/a");
  console.log("placement (services each agent is active for; spread = most - fewest):");
  console.log(
    `  at the end                                   ${Object.entries(end.perAgent)
      .map(([n, c]) => `${n} ${c}`)
      .join(", ")}${end.unplaced.length ? `; no active: ${end.unplaced.join(", ")}` : ""} (spread ${end.spread}${end.settled ? "" : ", not settled"})`,
  );
  console.log(
    `  calm points during the run                   ${during.length} (${during.filter((p) => !p.settled).length} not settled in time), spreads ${during.map((p) => p.spread).join(" ") || "-"}`,
  );
  console.log(`  worst spread after faults settled            ${worst(placements.filter((p) => p.settled))}`);
}

// Stop: agents get SIGTERM (an active one stops its service) and a bounded wait, then SIGKILL.
finishing = true;
for (const a of agents) a.child?.kill("SIGTERM");
const stopBy = Date.now() + demoteTimeoutMs + 15_000;
while (agents.some((a) => a.child) && Date.now() < stopBy) await sleep(100);
const unstopped = agents.filter((a) => a.child).map((a) => a.node);
for (const a of agents) a.child?.kill("SIGKILL");
if (unstopped.length) console.log(`  agents still running ${demoteTimeoutMs + 15_000} ms after the final SIGTERM (SIGKILLed): ${unstopped.join(", ")}`);
await sleep(1000);
const leftovers = services.flatMap((s) => liveServices(dir, s.key).map((l) => ({ ...l, node: several ? `${s.name} ${l.node}` : l.node })));
if (leftovers.length)
  console.log(`  services still running after their agents stopped: ${leftovers.map((s) => `${s.node} pid ${s.pid}`).join(", ")} (killed now)`);
for (const s of leftovers) {
  const pgid = procStat(s.pid)?.pgid ?? 0;
  if (pgid > 1 && pgid !== ownPgid) signalService(-pgid, "SIGKILL"); // its own group (setsid or the agent's spawn)
}
await Promise.all(agents.map((a) => a.proxy.close()));
await prisma.$disconnect();
await server.stop();
if (!values.keep) await rm(dir, { recursive: true, force: true });
const ok = results.every((r) => r.ok) && auditMisnamed === 0;
console.log(ok ? "\ninvariants held" : "\nINVARIANT VIOLATED");
process.exit(ok ? 0 : 1);
