// 1b. Failover when the service fails while its agent lives: three agents each supervise a small
// real HTTP service (--supervise) with an HTTP check on it (--check-when active, default check
// timings: interval 2000, timeout 1000, fall 3). Two faults of the active's service:
// - crash: kill -9 of the service; the agent sees its child exit and hands over at once;
// - hang: SIGSTOP of the service; the HTTP check times out `fall` times in a row first, so the
//   expected time is about fall x interval (fixed-rate probes), then the hung process is SIGKILLed
//   after the demote budget (SIGTERM cannot stop it), then the standby's election.
// Time = the new active's "became ACTIVE" line minus the fault.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { PrismaClient } from "../lib/db/client";
import { becameActive, killAll, spawnBenchAgent, type BenchAgent } from "./lib/agents";
import { mono, ms, sleep, summarize, waitFor } from "./lib/stats";

export type ServiceFailoverOptions = { prisma: PrismaClient; url: string; bundle: string; trials: number; log: (msg: string) => void };

const CHECK = { intervalMs: 2000, fall: 3 };

export async function benchServiceFailover({ prisma, url, bundle, trials, log }: ServiceFailoverOptions) {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-service-"));
  const results: Record<"crash" | "hang", number[]> = { crash: [], hang: [] };
  for (const fault of ["crash", "hang"] as const) {
    const cluster = `svc-${fault}`;
    // Many failovers in a row: no flap damping, and a short hold-off so the nodes take turns.
    const c = await prisma.cluster.create({ data: { name: cluster, failoverLimit: 0, checkHoldOffMs: 1000 } });
    const names = ["a", "b", "c"].map((x) => `${cluster}-${x}`);
    const pidFile = (node: string) => path.join(dir, `${node}.pid`);
    const agents = new Map<string, BenchAgent>(
      names.map((node, i) => {
        const port = 42000 + (fault === "crash" ? 0 : 10) + i;
        const service = `node -e 'require("fs").writeFileSync(${JSON.stringify(pidFile(node))}, String(process.pid)); require("http").createServer((q, r) => r.end("ok")).listen(${port}, "127.0.0.1")'`;
        const args = ["--supervise", service, "--check-http", `http://127.0.0.1:${port}/`, "--check-when", "active"];
        return [node, spawnBenchAgent({ bundle, url, cluster, node, priority: 100 - i * 10, args })];
      }),
    );
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (let i = 0; i < trials; i++) {
        const active = await waitFor(
          async () => {
            const { rows } = await db.query<{ name: string }>(
              `SELECT name FROM "Node" WHERE "clusterId" = $1 AND role = 'ACTIVE' AND checks @> '[{"status": "PASSING"}]'`,
              [c.id],
            );
            return rows[0] ? agents.get(rows[0].name) : null;
          },
          { what: `${cluster}: an active whose service check passes (it has run, not only been started)`, timeoutMs: 60_000 },
        );
        const pid = Number(await readFile(pidFile(active.node), "utf8"));
        await sleep(Math.random() * CHECK.intervalMs); // a random point of the check cycle
        const others = names.filter((n) => n !== active.node).map((n) => agents.get(n)!);
        const marks = new Map(others.map((a) => [a.node, a.lines().length]));
        const t0 = mono();
        process.kill(pid, fault === "crash" ? "SIGKILL" : "SIGSTOP");
        const ack = await Promise.any(others.map((a) => a.waitForLine(becameActive, { fromIndex: marks.get(a.node)!, timeoutMs: 60_000 })));
        results[fault].push(ms(t0, BigInt(ack.mono)));
        if (fault === "hang") process.kill(pid, "SIGKILL"); // its agent SIGKILLs it too, after the budget
        if ((i + 1) % 5 === 0) log(`  service ${fault}: ${i + 1}/${trials} trials, last ${Math.round(results[fault].at(-1)!)} ms`);
      }
    } finally {
      await db.end();
      await killAll([...agents.values()], "SIGTERM");
    }
  }
  return {
    checks: { ...CHECK, timeoutMs: 1000, rise: 2, heartbeatMs: 1000, demoteTimeoutMs: 1000, expectedHangMs: CHECK.fall * CHECK.intervalMs + 1000 + 1000 },
    crash: summarize(results.crash),
    hang: summarize(results.hang),
  };
}
