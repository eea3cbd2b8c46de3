import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
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

/** One service of a multi-service cluster: its mode and, for ALL (active-active), its minimum. */
export type ServiceSpec = { service: string; mode?: "ONE" | "ALL"; minActive?: number };

/**
 * A cluster of several services over a set of servers: creates each service's row with the fast
 * timings, then runs one real agent per server hosting every service from a --service-config file
 * (as an Ephesoft server would). `kill(server)` kills that server's agent, so all its services at once.
 */
export async function startServiceCluster({
  prisma,
  databaseUrl,
  name,
  servers,
  services,
}: {
  prisma: PrismaClient;
  databaseUrl: string;
  name: string;
  servers: string[];
  services: ServiceSpec[];
}): Promise<RunningCluster> {
  for (const { service, mode = "ONE", minActive = 1 } of services) {
    await prisma.cluster.create({ data: { name, service, mode, minActive, heartbeatMs: 250, leaseMs: 2000 } });
  }
  const dir = await mkdtemp(path.join(tmpdir(), `fc-e2e-${name}-`));
  const agents = new Map<string, AgentProcess>();
  for (const server of servers) {
    const file = path.join(dir, `${server}.json`);
    await writeFile(file, JSON.stringify({ services: services.map(({ service }) => ({ service, priority: 100 })) }));
    const agent = spawnAgent({ url: databaseUrl, cluster: name, node: server, args: ["--host", `${server}.e2e.local`, "--service-config", file] });
    agent.child.stderr?.on("data", (b: Buffer) => process.stderr.write(`[${server}] ${b.toString()}`));
    agents.set(server, agent);
  }
  const running = (a: AgentProcess) => a.child.exitCode === null && a.child.signalCode === null;
  return {
    name,
    agents,
    async kill(server, signal = "SIGKILL") {
      const agent = agents.get(server)!;
      agent.signal(signal);
      await agent.exited();
    },
    async stop() {
      for (const a of agents.values()) if (running(a)) a.signal("SIGTERM");
      await Promise.all([...agents.values()].map((a) => a.exited()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
