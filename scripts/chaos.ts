// `npm run chaos -- --minutes N`: fault injection against real agents and a real PostgreSQL.
// Random kill -9, SIGSTOP/SIGCONT, graceful restarts, database restarts and crashes, demotes and concurrent
// switchovers; then checks both invariants and prints what happened. Exit code 1 on a violation.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { chmod, copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { activeIntervals, overlappingIntervals, parseLogLines } from "../agent/role-log";
import { userActor } from "../lib/cluster/audit";
import { requestCommand } from "../lib/cluster/request-command";
import { createPrismaClient } from "../lib/db/client";
import { startEmbeddedPostgres, type RunningPostgres } from "../lib/db/embedded-postgres";
import { applyMigrations } from "../lib/db/migrate";
import { crashPostgres } from "../test/support/crash-postgres";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "2" },
    agents: { type: "string", default: "4" },
    "heartbeat-ms": { type: "string", default: "250" },
    "lease-ms": { type: "string", default: "2000" },
    seed: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const minutes = Number(values.minutes);
const agentCount = Number(values.agents);
const heartbeatMs = Number(values["heartbeat-ms"]);
const leaseMs = Number(values["lease-ms"]);
if (!(minutes > 0 && minutes <= 600) || !(agentCount >= 2 && agentCount <= 20)) {
  console.error("usage: npm run chaos -- --minutes N (0 < N <= 600) [--agents 2..20] [--heartbeat-ms 250] [--lease-ms 2000] [--seed S] [--keep]");
  process.exit(2);
}

// A small seeded PRNG so a failing run can be replayed with --seed.
let seed = Number(values.seed ?? Date.now() % 1_000_000);
const firstSeed = seed;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
const between = (lo: number, hi: number) => Math.round(lo + rand() * (hi - lo));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = await mkdtemp(path.join(tmpdir(), "chaos-"));
await chmod(dir, 0o755);
// Agents run from a copy of the bundle, so rebuilding dist/ during a long run changes nothing.
const agentBundle = path.join(dir, "cluster-agent.mjs");
await copyFile("dist/cluster-agent.mjs", agentBundle);
const pgPort = 0;
let server: RunningPostgres = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: pgPort });
const port = server.port;
const url = server.url;
await applyMigrations({ connectionString: url });
const prisma = createPrismaClient({ connectionString: url, maxConnections: 4 });
const cluster = await prisma.cluster.create({ data: { name: "chaos", heartbeatMs, leaseMs } });

type Agent = { node: string; priority: number; child: ChildProcess | null; stopped: boolean; logFile: string };
const agents: Agent[] = Array.from({ length: agentCount }, (_, i) => ({
  node: `node-${String.fromCharCode(97 + i)}`,
  priority: 100 - i * 10,
  child: null,
  stopped: false,
  logFile: path.join(dir, `node-${String.fromCharCode(97 + i)}.log`),
}));

function startAgent(a: Agent) {
  const out = createWriteStream(a.logFile, { flags: "a" });
  const child = spawn(
    process.execPath,
    [agentBundle, "--cluster", "chaos", "--node", a.node, "--db", url, "--priority", String(a.priority), "--log-level", "debug"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout!.pipe(out);
  child.stderr!.on("data", (b: Buffer) => out.write(JSON.stringify({ mono: "0", stderr: b.toString() }) + "\n"));
  a.child = child;
  a.stopped = false;
  // Supervised like systemd's Restart=always: whatever ends an agent, it comes back.
  child.on("exit", () => {
    if (a.child !== child) return;
    a.child = null;
    if (!finishing) void restartAgentLater(a, between(500, 3000));
  });
}
let finishing = false;

const faults: Record<string, number> = {};
const count = (k: string) => (faults[k] = (faults[k] ?? 0) + 1);
let dbUp = true;

async function restartAgentLater(a: Agent, ms: number) {
  await sleep(ms);
  if (!a.child) startAgent(a);
}

async function injectFault() {
  const live = agents.filter((a) => a.child && !a.stopped);
  const kind = pick(["kill9", "kill9", "sigstop", "sigstop", "sigterm", "dbrestart", "dbcrash", "switchover", "switchover", "concurrent", "demote"]);
  if (kind === "kill9" && live.length) {
    const a = pick(live);
    a.child!.kill("SIGKILL");
    count("kill -9");
    void restartAgentLater(a, between(500, 4000));
  } else if (kind === "sigstop" && live.length) {
    const a = pick(live);
    a.child!.kill("SIGSTOP");
    a.stopped = true;
    count("SIGSTOP/SIGCONT");
    const ms = between(300, 2.5 * leaseMs);
    setTimeout(() => {
      a.child?.kill("SIGCONT");
      a.stopped = false;
    }, ms);
  } else if (kind === "sigterm" && live.length) {
    const a = pick(live);
    a.child!.kill("SIGTERM");
    count("agent restart (SIGTERM)");
    void restartAgentLater(a, between(200, 2000));
  } else if ((kind === "dbrestart" || kind === "dbcrash") && dbUp) {
    dbUp = false;
    // A crash (kill -9 of every server process) also loses the standby heartbeats not yet flushed.
    count(kind === "dbcrash" ? "database crash (kill -9)" : "database restart");
    if (kind === "dbcrash") crashPostgres(server.dataDir);
    else await server.stop();
    await sleep(between(100, 2 * leaseMs));
    server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port });
    dbUp = true;
  } else if ((kind === "switchover" || kind === "concurrent" || kind === "demote") && dbUp) {
    const nodes = await prisma.node.findMany({ where: { clusterId: cluster.id } }).catch(() => []);
    const standbys = nodes.filter((n) => n.role === "STANDBY" && n.priority > 0);
    const active = nodes.find((n) => n.role === "ACTIVE");
    const request = (kindName: "SWITCHOVER" | "DEMOTE", targetNodeId: string) =>
      requestCommand({ prisma, clusterId: cluster.id, kind: kindName, targetNodeId, requestedBy: userActor("chaos@example.com"), timeoutMs: 3 * leaseMs })
        .then(() => count(`${kindName.toLowerCase()} accepted`))
        .catch((err: Error & { code?: string }) => count(`${kindName.toLowerCase()} refused (${err.code ?? "error"})`));
    if (kind === "demote" && active) await request("DEMOTE", active.id);
    else if (kind === "concurrent" && standbys.length >= 2) {
      count("concurrent switchover pair");
      await Promise.all([request("SWITCHOVER", standbys[0].id), request("SWITCHOVER", standbys[1].id)]);
    } else if (standbys.length) await request("SWITCHOVER", pick(standbys).id);
  }
}

console.log(`chaos: ${minutes} min, ${agentCount} agents, heartbeat ${heartbeatMs} ms, lease ${leaseMs} ms, seed ${firstSeed}, logs in ${dir}`);
agents.forEach(startAgent);
await sleep(2 * leaseMs);
const endAt = Date.now() + minutes * 60_000;
let lastReport = Date.now();
while (Date.now() < endAt) {
  let watchdog: NodeJS.Timeout | undefined;
  const stuck = new Promise<void>((resolve) => (watchdog = setTimeout(() => (count("injector stuck > 30 s"), resolve()), 30_000)));
  await Promise.race([injectFault().catch((err: Error) => count(`injector error: ${err.message.split("\n")[0].slice(0, 60)}`)), stuck]);
  clearTimeout(watchdog);
  await sleep(between(500, 3000));
  if (Date.now() - lastReport > 60_000 && Date.now() < endAt) {
    lastReport = Date.now();
    console.log(`  ${Math.round((endAt - Date.now()) / 1000)} s left; faults so far: ${Object.values(faults).reduce((a, b) => a + b, 0)}`);
  }
}

// Quiesce: everyone running and resumed, then give open commands time to reach their deadlines.
for (const a of agents) {
  a.child?.kill("SIGCONT");
  a.stopped = false;
  if (!a.child) startAgent(a);
}
await sleep(3 * leaseMs + 2000);
const openDeadline = await prisma.command.aggregate({ where: { clusterId: cluster.id, status: { in: ["PENDING", "RUNNING"] } }, _max: { deadline: true } });
if (openDeadline._max.deadline) await sleep(Math.max(0, openDeadline._max.deadline.getTime() - Date.now()) + 3 * heartbeatMs + 500);

const until = process.hrtime.bigint();
const perAgentLines = await Promise.all(
  agents.map(async (a) => parseLogLines(await readFile(a.logFile, "utf8")).map((l) => ({ ...l, node: l.node ?? a.node }))),
);
// Each agent file holds several process lifetimes; an interval left open by a kill -9 ends at its lease deadline.
const intervals = perAgentLines.flatMap((lines) => activeIntervals(lines, until));
const overlaps = overlappingIntervals(intervals);
const notTerminal = await prisma.command.count({ where: { clusterId: cluster.id, status: { in: ["PENDING", "RUNNING"] } } });
const audit = await prisma.auditEvent.findMany({ where: { clusterId: cluster.id }, orderBy: { id: "asc" } });
const audited = new Set(audit.filter((r) => r.toRole === "ACTIVE").map((r) => `${r.nodeName}@${r.epoch}`));
const promotions = perAgentLines.flat().filter((l) => l.event === "role" && l.role === "ACTIVE");
const unaudited = promotions.filter((l) => !audited.has(`${l.node}@${l.epoch}`));
// The audit log must also tell a consistent story: replayed in order, never two ACTIVE at once.
const roleByNode = new Map<string, string>();
let auditSplitBrain = 0;
for (const r of audit) {
  if (!r.toRole || !r.nodeName) continue;
  roleByNode.set(r.nodeName, r.toRole);
  if ([...roleByNode.values()].filter((x) => x === "ACTIVE").length > 1) auditSplitBrain++;
}
const commands = await prisma.command.groupBy({ by: ["status"], where: { clusterId: cluster.id }, _count: true });
const failovers = audit.filter((r) => r.action === "failover.promoted").length;
const epochs = (await prisma.cluster.findUniqueOrThrow({ where: { id: cluster.id } })).epoch;
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

console.log("\nfaults injected:");
for (const [k, v] of Object.entries(faults).sort()) console.log(`  ${k.padEnd(40)} ${v}`);
console.log("\nresults:");
const rows: [string, string | number][] = [
  ["duration (min)", minutes],
  ["role changes (epochs)", epochs.toString()],
  ["automatic failovers", failovers],
  ["commands by status", commands.map((c) => `${c.status} ${c._count}`).join(", ") || "none"],
  ["active intervals (from agent logs)", intervals.length],
  ["time with an active node", `${((Number(covered) / Number(span || 1n)) * 100).toFixed(1)} %`],
  ["overlapping active intervals", overlaps.length],
  ["commands not terminal", notTerminal],
  ["role changes without an audit row", unaudited.length],
  ["audit replay with two actives", auditSplitBrain],
];
for (const [k, v] of rows) console.log(`  ${k.padEnd(40)} ${v}`);
for (const [a, b] of overlaps.slice(0, 5))
  console.log(`  OVERLAP ${a.node}@${a.epoch} [${a.start}, ${a.end}] with ${b.node}@${b.epoch} [${b.start}, ${b.end}]`);
for (const p of unaudited.slice(0, 5)) console.log(`  UNAUDITED ${p.node}@${p.epoch}`);

finishing = true;
for (const a of agents) a.child?.kill("SIGKILL");
await prisma.$disconnect();
await server.stop();
if (!values.keep) await rm(dir, { recursive: true, force: true });
const ok = overlaps.length === 0 && notTerminal === 0 && unaudited.length === 0 && auditSplitBrain === 0;
console.log(ok ? "\ninvariants held" : "\nINVARIANT VIOLATED");
process.exit(ok ? 0 : 1);
