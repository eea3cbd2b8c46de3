import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { PrismaClient } from "../../lib/db/client";

const ROOT = path.resolve(import.meta.dirname, "../..");

export type AgentSpec = { node: string; priority: number };
export type RunningCluster = {
  name: string;
  agents: Map<string, ChildProcess>;
  kill(node: string, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Creates the cluster row with fast timings (heartbeat 250 ms, lease 2 s) so failovers take
 * seconds, then runs one real agent process per node, exactly as an operator would.
 */
export async function startCluster({
  prisma,
  databaseUrl,
  name,
  nodes,
}: {
  prisma: PrismaClient;
  databaseUrl: string;
  name: string;
  nodes: AgentSpec[];
}): Promise<RunningCluster> {
  await prisma.cluster.create({ data: { name, heartbeatMs: 250, leaseMs: 2000 } });
  const agents = new Map<string, ChildProcess>();
  for (const { node, priority } of nodes) {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "agent/cli.ts",
        "--cluster",
        name,
        "--node",
        node,
        "--db",
        databaseUrl,
        "--priority",
        String(priority),
        "--health-port",
        "0",
        "--health-host",
        "127.0.0.1",
        "--host",
        `${node}.e2e.local`,
      ],
      { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LOG_LEVEL: "warn" } },
    );
    child.stderr.on("data", (b: Buffer) => process.stderr.write(`[${node}] ${b.toString()}`));
    agents.set(node, child);
  }
  const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));
  return {
    name,
    agents,
    async kill(node, signal = "SIGKILL") {
      const child = agents.get(node)!;
      child.kill(signal);
      await exited(child);
    },
    async stop() {
      for (const c of agents.values()) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
      await Promise.all([...agents.values()].map(exited));
    },
  };
}

/** Polls the database until fn returns a value (not undefined/null/false). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, { timeoutMs = 15_000, what = "condition" } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last value: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
