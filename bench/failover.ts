// 1. Automatic failover: kill -9 the active agent process, time until a new active is in the
// database and until its agent says "became ACTIVE" (the log line's monotonic stamp).
import pg from "pg";
import type { PrismaClient } from "../lib/db/client";
import { becameActive, killAll, spawnBenchAgent, type BenchAgent } from "./lib/agents";
import { mono, ms, sleep, summarize, waitFor } from "./lib/stats";

export type FailoverOptions = {
  prisma: PrismaClient;
  url: string;
  bundle: string;
  cluster: string;
  heartbeatMs: number;
  leaseMs: number;
  trials: number;
  log: (msg: string) => void;
};

export async function benchFailover({ prisma, url, bundle, cluster, heartbeatMs, leaseMs, trials, log }: FailoverOptions) {
  // failoverLimit 0: flap damping would pause the cluster after its third failover in 10 minutes.
  const c = await prisma.cluster.create({ data: { name: cluster, heartbeatMs, leaseMs, failoverLimit: 0 } });
  const names = ["a", "b", "c"].map((x) => `${cluster}-${x}`);
  const priority = (n: string) => 100 - names.indexOf(n) * 10;
  const start = (node: string) => spawnBenchAgent({ bundle, url, cluster, node, priority: priority(node) });
  const agents = new Map<string, BenchAgent>(names.map((n) => [n, start(n)]));
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const activeInDb = async () =>
    (await db.query<{ name: string }>(`SELECT name FROM "Node" WHERE "clusterId" = $1 AND role = 'ACTIVE'`, [c.id])).rows[0]?.name ?? null;
  const agentRole = (a: BenchAgent) => [...a.lines()].reverse().find((l) => l.event === "role")?.role;
  const results: { ackMs: number; dbMs: number; from: string; to: string }[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      // Everyone up and heartbeating, exactly one active, agreed by the database and its agent.
      const active = await waitFor(
        async () => {
          const name = await activeInDb();
          const a = name && agents.get(name);
          if (!a || agentRole(a) !== "ACTIVE") return null;
          const { rows } = await db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "Node" WHERE "clusterId" = $1 AND "lastHeartbeatAt" > now() - make_interval(secs => $2::float8 / 1000)`,
            [c.id, heartbeatMs],
          );
          return rows[0].n === names.length ? a : null;
        },
        { what: `${cluster}: three live agents and one active`, timeoutMs: 60_000 },
      );
      await sleep(Math.random() * heartbeatMs); // kill at a random point of the heartbeat cycle
      const marks = new Map(names.map((n) => [n, agents.get(n)!.lines().length]));
      const others = names.filter((n) => n !== active.node).map((n) => agents.get(n)!);
      const t0 = mono();
      active.child.kill("SIGKILL");
      const ackP = Promise.any(
        others.map((a) =>
          a.waitForLine(becameActive, { fromIndex: marks.get(a.node)!, timeoutMs: 4 * leaseMs + 10_000 }).then((l) => ({ node: a.node, at: BigInt(l.mono) })),
        ),
      );
      let dbAt = 0n;
      const newName = await waitFor(
        async () => {
          const n = await activeInDb();
          if (n && n !== active.node) {
            dbAt = mono();
            return n;
          }
          return null;
        },
        { intervalMs: 5, timeoutMs: 4 * leaseMs + 10_000, what: "a new active in the database" },
      );
      const ack = await ackP;
      results.push({ ackMs: ms(t0, ack.at), dbMs: ms(t0, dbAt), from: active.node, to: newName });
      await active.exited;
      // The killed node comes back as a standby (its row's heartbeat is older than the lease by now).
      for (let attempt = 0; ; attempt++) {
        const a = start(active.node);
        agents.set(active.node, a);
        const ok = await Promise.race([a.waitForLine((l) => l.msg === "registered").then(() => true), a.exited.then(() => false)]);
        if (ok) break;
        if (attempt > 10) throw new Error(`${active.node} could not re-register`);
        await sleep(250);
      }
      if ((i + 1) % 5 === 0) log(`  failover ${cluster}: ${i + 1}/${trials} trials, last ${Math.round(results.at(-1)!.ackMs)} ms`);
    }
  } finally {
    await db.end();
    await killAll([...agents.values()], "SIGTERM");
  }
  return {
    heartbeatMs,
    leaseMs,
    target: `p50 <= ${leaseMs + heartbeatMs} ms (leaseMs + heartbeatMs)`,
    agentAck: summarize(results.map((r) => r.ackMs)),
    database: summarize(results.map((r) => r.dbMs)),
    trials: results,
  };
}
