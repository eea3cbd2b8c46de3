// 4. Agent footprint: RSS and CPU of one idle agent process (the shipped bundle) over a window.
import type { PrismaClient } from "../lib/db/client";
import { becameActive, killAll, spawnBenchAgent } from "./lib/agents";
import { cpuMs, rssMb } from "./lib/proc";
import { sleep, summarize } from "./lib/stats";

export type FootprintOptions = {
  prisma: PrismaClient;
  url: string;
  bundle: string;
  cluster: string;
  heartbeatMs: number;
  leaseMs: number;
  logLevel: string;
  seconds: number;
};

export async function benchFootprint({ prisma, url, bundle, cluster, heartbeatMs, leaseMs, logLevel, seconds }: FootprintOptions) {
  await prisma.cluster.create({ data: { name: cluster, heartbeatMs, leaseMs } });
  const agent = spawnBenchAgent({ bundle, url, cluster, node: `${cluster}-a`, logLevel, healthPort: true });
  try {
    await agent.waitForLine(becameActive); // a lone agent is the active one: it renews its lease every beat
    await sleep(5_000); // past start-up
    const pid = agent.child.pid!;
    const rss: number[] = [];
    const cpu0 = cpuMs(pid)!;
    const t0 = Date.now();
    for (let i = 0; i < seconds; i++) {
      await sleep(1000);
      rss.push(rssMb(pid)!);
    }
    const cpuPct = ((cpuMs(pid)! - cpu0) / (Date.now() - t0)) * 100;
    return {
      config: `active agent, heartbeat ${heartbeatMs} ms, lease ${leaseMs} ms, --log-level ${logLevel}, health endpoint on`,
      seconds,
      rssMb: summarize(rss),
      cpuPctOfOneCore: Math.round(cpuPct * 100) / 100,
      target: "RSS <= 60 MB",
    };
  } finally {
    await killAll([agent], "SIGTERM");
  }
}
