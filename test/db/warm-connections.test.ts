// The console opens its kept connections at start and runs its reads on each (instrumentation.ts):
// a cold connection's first statements cost 3-4x a warm one's, and were the console's slowest
// answers under load (docs/benchmarks.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";
import { warmConnections } from "../../lib/db/warm-connections";
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

  const open = async () =>
    (
      await t.prisma.$queryRawUnsafe<{ pid: number }[]>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'warm-test' ORDER BY pid",
      )
    ).map((r) => r.pid);

  it("runs the reads once on each of `count` connections of their own, left open for the requests that follow", async () => {
    const pids: number[] = [];
    const warmed = await warmConnections(prisma, 4, async (tx) => pids.push(await backendPid(tx)));
    expect(warmed).toBe(4);
    expect(new Set(pids).size).toBe(4);
    expect(await open()).toEqual([...pids].sort((a, b) => a - b));
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
});
