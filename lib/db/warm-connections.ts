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

export type WarmKeeper = {
  /** The pool lost a kept connection (the client's onKeptConnectionLost): warm its replacements. */
  lost(): void;
};

/**
 * warmConnections now, and again whenever the pool loses a kept connection: a database restart
 * or failover ends them all, a statement timeout ends one, and the pool does not reopen its
 * minimum by itself, so the console would be cold again. A round that falls short (the database
 * still away) is retried after 1, 2, 4 ... 30 s until every connection warms; losses during a
 * round add one more round. `onShort` hears the first shortfall of each episode.
 */
export function keepWarm(
  prisma: PrismaClient,
  count: number,
  reads: (tx: Prisma.TransactionClient) => Promise<unknown>,
  onShort: (warmed: number) => void = () => {},
): WarmKeeper {
  let round: Promise<void> | null = null;
  let again = false;
  const start = () => {
    if (round) {
      again = true;
      return;
    }
    round = (async () => {
      let delayMs = 1_000;
      let told = false;
      for (;;) {
        again = false;
        const warmed = await warmConnections(prisma, count, reads);
        if (warmed === count && !again) return;
        if (warmed < count) {
          if (!told) onShort(warmed);
          told = true;
          await new Promise((r) => setTimeout(r, delayMs).unref());
        }
        delayMs = Math.min(30_000, delayMs * 2);
      }
    })().finally(() => {
      round = null;
      if (again) start(); // lost between the round's last check and its end
    });
  };
  start();
  return { lost: start };
}
