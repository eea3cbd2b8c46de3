import { spawn, type ChildProcess } from "node:child_process";
import { DEMO_CLUSTER } from "../lib/db/seed";

export const DEMO_AGENTS = [
  { node: "node-a", priority: 100, healthPort: 3101 },
  { node: "node-b", priority: 90, healthPort: 3102 },
  { node: "node-c", priority: 80, healthPort: 3103 },
];

/** Runs the real agent CLI three times, as three nodes of the demo cluster on this machine. */
export function startDemoAgents({ databaseUrl }: { databaseUrl: string }): ChildProcess[] {
  return DEMO_AGENTS.map(({ node, priority, healthPort }) => {
    const child = spawn(
      process.execPath,
      ["dist/cluster-agent.mjs", "--cluster", DEMO_CLUSTER, "--node", node, "--priority", String(priority), "--health-port", String(healthPort)],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DATABASE_URL: databaseUrl } },
    );
    return child;
  });
}
