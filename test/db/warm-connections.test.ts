// The console opens its kept connections at start and runs its reads on each (instrumentation.ts):
// a cold connection's first statements cost 3-4x a warm one's, and were the console's slowest
// answers under load (docs/benchmarks.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warmConsoleReads } from "../../lib/api/warm-console-reads";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";
import { keepWarm, warmConnections } from "../../lib/db/warm-connections";
import { seedEphesoft } from "../api/service-fixture";
import { waitFor } from "../support/agent-process";
import { seedCluster } from "../support/console-fixture";
import { startBlackholeProxy } from "../support/blackhole-proxy";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const backendPid = async (tx: { $queryRawUnsafe<T>(q: string): Promise<T> }) =>
  (await tx.$queryRawUnsafe<[{ pid: number }]>("SELECT pg_backend_pid() AS pid"))[0].pid;

describe("warmConnections", () => {
  let t: TestDatabase;
  let prisma: PrismaClient;
  beforeAll(async () => {
    t = await createTestDatabase();
    prisma = createPrismaClient({ connectionString: t.url, maxConnections: 8, minConnections: 4, applicationName: "warm-test" });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await t.drop();
  });

  /** The backends of this database whose connections carry that application_name. */
  const openAs = async (app: string) =>
    (
      await t.prisma.$queryRawUnsafe<{ pid: number }[]>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 ORDER BY pid",
        app,
      )
    ).map((r) => r.pid);
  /** Those of them idle: no transaction open. */
  const idleAs = async (app: string) =>
    (
      await t.prisma.$queryRawUnsafe<{ pid: number }[]>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state = 'idle'",
        app,
      )
    ).map((r) => r.pid);

  /**
   * keepWarm, its reads noting each connection's backend; returns once the first round is over
   * (its transactions ended), so that only a loss can warm again, with the connections it warmed.
   */
  const keptWarm = async (client: PrismaClient, count: number, app: string) => {
    const warmedOn: number[] = [];
    const keeper = keepWarm(client, count, async (tx) => warmedOn.push(await backendPid(tx)));
    const first = await waitFor(
      async () => {
        const idle = await idleAs(app);
        return idle.length === count && warmedOn.length === count ? idle : null;
      },
      { what: `${count} warm connections` },
    );
    return { keeper, warmedOn, first };
  };

  it("runs the reads once on each of `count` connections of their own, left open for the requests that follow", async () => {
    const pids: number[] = [];
    const warmed = await warmConnections(prisma, 4, async (tx) => pids.push(await backendPid(tx)));
    expect(warmed).toBe(4);
    expect(new Set(pids).size).toBe(4);
    expect(await openAs("warm-test")).toEqual([...pids].sort((a, b) => a - b));
    // The next requests get those connections, not new ones.
    const later = await Promise.all(Array.from({ length: 4 }, () => prisma.$transaction(async (tx) => backendPid(tx))));
    for (const pid of later) expect(pids).toContain(pid);
  });

  it("a read that fails costs its own connection only", async () => {
    let calls = 0;
    const warmed = await warmConnections(prisma, 3, async (tx) => {
      if (calls++ === 0) throw new Error("boom");
      await backendPid(tx);
    });
    expect(warmed).toBe(2);
  });

  it("the console's reads warm on an empty database, on clusters of one service and of several", async () => {
    expect(await warmConnections(prisma, 2, warmConsoleReads)).toBe(2);
    await seedCluster({ prisma: t.prisma, name: "alpha", nodes: [{ name: "a1", role: "ACTIVE" }, { name: "a2" }] });
    expect(await warmConnections(prisma, 2, warmConsoleReads)).toBe(2);
    // "ep" has three services with nodes: its detail must name one (first by status: its reporting serves below its minimum).
    await seedEphesoft(t.prisma);
    expect(await warmConnections(prisma, 2, warmConsoleReads)).toBe(2);
  });

  it("a kept connection that a network dropped silently fails its request within the query timeout, and is replaced by a warmed one", async () => {
    const db = new URL(t.url);
    const proxy = await startBlackholeProxy({ host: db.hostname, port: Number(db.port) });
    db.host = `127.0.0.1:${proxy.port}`;
    let keeper: { lost(): void } | undefined;
    const behind = createPrismaClient({
      connectionString: db.toString(),
      maxConnections: 4,
      minConnections: 2,
      queryTimeoutMs: 1_000,
      applicationName: "warm-behind",
      onKeptConnectionLost: () => keeper?.lost(),
    });
    try {
      const { keeper: warmKeeper, warmedOn, first } = await keptWarm(behind, 2, "warm-behind");
      keeper = warmKeeper;
      proxy.blackhole(); // no FIN, no RST: the kept connections are dead and do not know it
      const started = Date.now();
      await expect(behind.$queryRawUnsafe("SELECT 1")).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);
      proxy.restore();
      // No request needed: the lost connection's replacements are opened and warmed (the other
      // dead one fails a warm-up read in its turn and is replaced too).
      await waitFor(async () => warmedOn.filter((pid) => !first.includes(pid)).length >= 2, { what: "2 new warm connections", timeoutMs: 20_000 });
      expect(await behind.$queryRawUnsafe("SELECT 1")).toBeTruthy();
    } finally {
      await behind.$disconnect();
      await proxy.close();
    }
  });

  it("connections lost (the database ended them, as a restart does) are opened and warmed again", async () => {
    let keeper: { lost(): void } | undefined;
    const kept = createPrismaClient({
      connectionString: t.url,
      maxConnections: 6,
      minConnections: 3,
      applicationName: "warm-again",
      onKeptConnectionLost: () => keeper?.lost(),
    });
    const named = () => openAs("warm-again");
    try {
      const { keeper: warmKeeper, warmedOn, first } = await keptWarm(kept, 3, "warm-again");
      keeper = warmKeeper;
      await t.prisma.$queryRawUnsafe("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'warm-again'");
      // Warmed, not merely opened: a round that met dead connections still in the pool falls short and runs again.
      await waitFor(
        async () => {
          const pids = await named();
          return pids.length === 3 && pids.every((p) => !first.includes(p) && warmedOn.includes(p));
        },
        { what: "3 new warm connections" },
      );
    } finally {
      await kept.$disconnect();
    }
  });
});
