import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { parseLogLines, type LogLine } from "../../agent/role-log";

const ROOT = path.resolve(import.meta.dirname, "../..");
/** The shipped single-file agent (npm run build:agent, run by pretest): tests exercise what operators deploy. */
export const AGENT_BUNDLE = path.join(ROOT, "dist/cluster-agent.mjs");

export type AgentProcess = {
  node: string;
  child: ChildProcess;
  lines(): LogLine[];
  stderr(): string;
  healthPort(): Promise<number>;
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited(): Promise<number | null>;
  signal(sig: NodeJS.Signals): void;
};

export type SpawnAgentOptions = { url: string; cluster: string; node: string; priority?: number; args?: string[]; env?: Record<string, string> };

/** A real agent process (the CLI, as operators run it), logging at debug level for the interval checks: the one launcher of the vitest and Playwright tests. */
export function spawnAgent({ url, cluster, node, priority, args = [], env = {} }: SpawnAgentOptions): AgentProcess {
  const argv = [
    AGENT_BUNDLE,
    "--cluster",
    cluster,
    "--node",
    node,
    "--db",
    url,
    "--health-port",
    "0",
    "--health-host",
    "127.0.0.1",
    "--log-level",
    "debug",
    ...args,
  ];
  if (priority !== undefined) argv.push("--priority", String(priority));
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: (() => void)[] = [];
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exitedP = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const lines = () => parseLogLines(out);
  const waitForLine = (pred: (l: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`${node}: timed out waiting for a log line; last lines: ${out.trimEnd().split("\n").slice(-6).join(" | ")}; stderr: ${err.slice(-500)}`),
          ),
        timeoutMs,
      );
      const check = () => {
        const hit = lines().find(pred);
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return {
    node,
    child,
    lines,
    stderr: () => err,
    healthPort: async () => Number((await waitForLine((l) => l.msg === "health endpoint listening")).port),
    waitForLine,
    exited: () => exitedP,
    signal: (sig) => child.kill(sig),
  };
}

export async function stopAll(agents: AgentProcess[]) {
  for (const a of agents) {
    if (a.child.exitCode === null) {
      a.child.kill("SIGCONT");
      a.child.kill("SIGKILL");
    }
  }
  await Promise.all(agents.map((a) => a.exited()));
}

/** Polls until fn returns a value (not undefined/null/false): the one waitFor of the vitest and Playwright tests. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 25, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last value: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
