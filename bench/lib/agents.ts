// Real agent processes: the shipped bundle (dist/cluster-agent.mjs), copied once per run so that a
// rebuild of dist/ by someone else during the run changes nothing.
import { spawn, type ChildProcess } from "node:child_process";
import { parseLogLines, type LogLine } from "../../agent/role-log";

export type BenchAgent = {
  node: string;
  child: ChildProcess;
  lines(): LogLine[];
  /** Resolves with the first line (after `fromIndex`) matching pred. */
  waitForLine(pred: (l: LogLine) => boolean, opts?: { timeoutMs?: number; fromIndex?: number }): Promise<LogLine>;
  exited: Promise<number | null>;
};

export type SpawnOptions = {
  bundle: string;
  url: string;
  cluster: string;
  node: string;
  priority?: number;
  logLevel?: string;
  healthPort?: boolean;
  args?: string[];
};

export function spawnBenchAgent({ bundle, url, cluster, node, priority, logLevel = "info", healthPort = false, args = [] }: SpawnOptions): BenchAgent {
  const argv = [bundle, "--cluster", cluster, "--node", node, "--db", url, "--log-level", logLevel, ...args];
  if (priority !== undefined) argv.push("--priority", String(priority));
  if (healthPort) argv.push("--health-port", "0", "--health-host", "127.0.0.1");
  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let parsed: LogLine[] = [];
  let partial = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout.on("data", (b: Buffer) => {
    const text = partial + b.toString();
    const cut = text.lastIndexOf("\n");
    partial = text.slice(cut + 1);
    if (cut >= 0) parsed = parsed.concat(parseLogLines(text.slice(0, cut)));
    for (const w of [...waiters]) w();
  });
  child.stderr.on("data", (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitForLine = (pred: (l: LogLine) => boolean, { timeoutMs = 30_000, fromIndex = 0 } = {}) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        for (let i = fromIndex; i < parsed.length; i++) {
          if (pred(parsed[i])) {
            clearTimeout(timer);
            waiters.delete(check);
            return resolve(parsed[i]);
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${node}: no matching log line within ${timeoutMs} ms; stderr: ${err.slice(-300)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { node, child, lines: () => parsed, waitForLine, exited };
}

export async function killAll(agents: BenchAgent[], signal: NodeJS.Signals = "SIGKILL") {
  for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill(signal);
  await Promise.all(agents.map((a) => a.exited));
}

export const becameActive = (l: LogLine) => l.event === "role" && l.role === "ACTIVE";
