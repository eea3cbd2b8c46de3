// 2. Manual switchover through the real REST API: POST .../commands {kind: SWITCHOVER} -> the
// target agent's "became ACTIVE" line (its monotonic stamp). With demoteHookMs, every agent has a
// demote hook that takes that long (a graceful engine stop): the active keeps its lease while it
// runs, so the switchover should cost the hook's time plus the usual milliseconds, never a lease.
import pg from "pg";
import type { PrismaClient } from "../lib/db/client";
import { becameActive, killAll, spawnBenchAgent, type BenchAgent } from "./lib/agents";
import type { Console } from "./lib/console";
import { mono, ms, sleep, summarize, waitFor } from "./lib/stats";

export type SwitchoverOptions = {
  prisma: PrismaClient;
  url: string;
  bundle: string;
  console: Console;
  cluster: string;
  trials: number;
  demoteHookMs?: number;
  log: (msg: string) => void;
};

export async function benchSwitchover({ prisma, url, bundle, console, cluster, trials, demoteHookMs = 0, log }: SwitchoverOptions) {
  const c = await prisma.cluster.create({ data: { name: cluster } }); // default timings: heartbeat 1000, lease 5000
  const names = ["a", "b", "c"].map((x) => `${cluster}-${x}`);
  const args = demoteHookMs ? ["--on-demote", `sleep ${demoteHookMs / 1000}`] : [];
  const agents = new Map<string, BenchAgent>(names.map((n, i) => [n, spawnBenchAgent({ bundle, url, cluster, node: n, priority: 100 - i * 10, args })]));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const results: { ackMs: number; apiMs: number; oldStepsDownMs: number }[] = [];
  try {
    // Trial 0 warms the console's route modules (loaded on first use by next start); not counted.
    for (let i = 0; i <= trials; i++) {
      const active = await waitFor(
        async () => {
          const { rows } = await db.query<{ name: string; open: boolean }>(
            `SELECT name, EXISTS (SELECT 1 FROM "Command" WHERE "clusterId" = $1 AND status IN ('PENDING','RUNNING')) AS open
             FROM "Node" WHERE "clusterId" = $1 AND role = 'ACTIVE'`,
            [c.id],
          );
          return rows[0] && !rows[0].open ? agents.get(rows[0].name) : null;
        },
        { what: `${cluster}: an active node and no open command` },
      );
      const standbys = names.filter((n) => n !== active.node);
      const target = agents.get(standbys[i % standbys.length])!;
      await sleep(200 + Math.random() * 800); // a random point of the heartbeat cycle
      const markT = target.lines().length;
      const markA = active.lines().length;
      const t0 = mono();
      const res = await console.post(`/api/v1/clusters/${cluster}/commands`, { kind: "SWITCHOVER", targetNode: target.node, reason: "bench" });
      if (res.status !== 201) throw new Error(`switchover request failed: ${res.status} ${JSON.stringify(res.body)}`);
      const [ack, down] = await Promise.all([
        target.waitForLine(becameActive, { fromIndex: markT, timeoutMs: 30_000 }),
        active.waitForLine((l) => l.event === "role" && l.role === "STANDBY", { fromIndex: markA, timeoutMs: 30_000 }),
      ]);
      if (i > 0) results.push({ ackMs: ms(t0, BigInt(ack.mono)), apiMs: res.ms, oldStepsDownMs: ms(t0, BigInt(down.mono)) });
      if (i % 10 === 0 && i > 0) log(`  switchover: ${i + 1}/${trials} trials, last ${Math.round(results.at(-1)!.ackMs)} ms`);
    }
  } finally {
    await db.end();
    await killAll([...agents.values()], "SIGTERM");
  }
  return {
    via: "POST /api/v1/clusters/:name/commands (next start, signed-in session)",
    demoteHookMs,
    agentAck: summarize(results.map((r) => r.ackMs)),
    beyondDemoteHook: summarize(results.map((r) => r.ackMs - demoteHookMs)),
    oldActiveStepsDown: summarize(results.map((r) => r.oldStepsDownMs)),
    apiResponse: summarize(results.map((r) => r.apiMs)),
    trials: results,
  };
}
