import type { Prisma, PrismaClient } from "./client";

/**
 * Opens `count` connections of the client's pool at once and runs `reads` on each. A new
 * PostgreSQL connection's first statements are slow (an empty catalog cache, nothing prepared):
 * the cluster list of 1,000 clusters took 39-51 ms on a fresh connection against 10-14 ms on a
 * warm one, quiet, and under the 5,000-agent bench the console's slowest answers were the first
 * ones on connections opened during the window (docs/benchmarks.md). All start at once, each
 * in a transaction, so that each holds a connection of its own while it reads; the pool's
 * minConnections keeps them open. A read that fails is that connection's loss: the rest warm.
 */
export async function warmConnections(prisma: PrismaClient, count: number, reads: (tx: Prisma.TransactionClient) => Promise<unknown>): Promise<number> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, () => prisma.$transaction(async (tx) => reads(tx), { maxWait: 10_000, timeout: 30_000 })),
  );
  return results.filter((r) => r.status === "fulfilled").length;
}
