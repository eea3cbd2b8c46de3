import type { PrismaClient } from "../../lib/db/client";
import { spawnAgent, type AgentProcess } from "../../test/support/agent-process";

export { waitFor } from "../../test/support/agent-process";

/** `args`: more agent flags for this node (checks, a supervised service). */
export type AgentSpec = { node: string; priority: number; args?: string[] };
export type RunningCluster = {
  name: string;
  agents: Map<string, AgentProcess>;
  kill(node: string, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Creates the cluster row with fast timings (heartbeat 250 ms, lease 2 s) so failovers take
 * seconds, then runs one real agent per node: the shipped bundle, as the other tests do.
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
  const agents = new Map<string, AgentProcess>();
  for (const { node, priority, args = [] } of nodes) {
    const agent = spawnAgent({ url: databaseUrl, cluster: name, node, priority, args: ["--host", `${node}.e2e.local`, ...args] });
    agent.child.stderr?.on("data", (b: Buffer) => process.stderr.write(`[${node}] ${b.toString()}`));
    agents.set(node, agent);
  }
  const running = (a: AgentProcess) => a.child.exitCode === null && a.child.signalCode === null;
  return {
    name,
    agents,
    async kill(node, signal = "SIGKILL") {
      const agent = agents.get(node)!;
      agent.signal(signal);
      await agent.exited();
    },
    async stop() {
      for (const a of agents.values()) if (running(a)) a.signal("SIGTERM");
      await Promise.all([...agents.values()].map((a) => a.exited()));
    },
  };
}
