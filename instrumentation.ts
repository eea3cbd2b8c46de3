// Next.js calls register() once in each console server process.

const SWEEP_MS = 1000;

/**
 * Expires overdue commands (and steps rebalances, below). Agents expire commands in their tick, but a command whose agents all died would
 * stay open (holding the cluster's one open-command slot) until something else did. The console
 * does it here, from a small timer in its server process, rather than in GET handlers or on
 * writes: reads stay reads, and a dead cluster's command ends at its deadline whether or not
 * anyone looks or writes. Every console may run it: it is one statement, so an overdue command is
 * expired and audited once.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || !process.env.DATABASE_URL) return;
  const [{ db }, { expireOverdueCommands }, { advanceRebalances }, { retireLapsedServingEverywhere }] = await Promise.all([
    import("./lib/db/client"),
    import("./lib/cluster/expire-commands"),
    import("./lib/cluster/rebalance"),
    import("./lib/cluster/serving"),
  ]);
  repeat("expiring overdue commands", () => expireOverdueCommands({ db: db() }));
  // Active-active services whose nodes all died: no peer is left to retire their leases and say
  // the service is below its minimum; the console does (lib/cluster/serving.ts).
  repeat("retiring lapsed active-active leases", () => retireLapsedServingEverywhere({ db: db() }));
  // Rebalances move one service at a time: each tick waits for the current switchover, or
  // requests the next. Rows are claimed with SKIP LOCKED, so every console may run it.
  repeat("advancing rebalances", () => advanceRebalances({ db: db() }));

  // Notifications: every console sends from the outbox; claims with SKIP LOCKED keep two consoles
  // from sending one delivery twice (lib/notify/dispatcher.ts).
  const { setProcessDispatcher, startDispatcher } = await import("./lib/notify/dispatcher");
  setProcessDispatcher(startDispatcher({ prisma: db(), timeoutMs: positiveMs(process.env.NOTIFY_TIMEOUT_MS) }));

  void warmConsoleConnections().catch((err: unknown) => console.warn("warming the database connections failed:", err instanceof Error ? err.message : err));
}

/** The console's kept connections, opened now and after any is lost, each run through the reads behind its pages, so that no admin's request pays a cold one. */
async function warmConsoleConnections() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return; // as in register(): keeps these imports out of the edge bundle
  const [{ db, onConsoleConnectionLost, WARM_CONNECTIONS }, { keepWarm }, { warmConsoleReads }] = await Promise.all([
    import("./lib/db/client"),
    import("./lib/db/warm-connections"),
    import("./lib/api/warm-console-reads"),
  ]);
  const keeper = keepWarm(db(), WARM_CONNECTIONS, warmConsoleReads, (warmed) =>
    console.warn(`warmed ${warmed} of ${WARM_CONNECTIONS} database connections; retrying until all are (the rest open on demand meanwhile)`),
  );
  onConsoleConnectionLost(() => keeper.lost());
}

/** Runs `task` every SWEEP_MS, never overlapping itself; a failure (the database down or restarting) is said once, then retried. */
function repeat(what: string, task: () => Promise<unknown>) {
  let failing = false;
  const run = async () => {
    try {
      await task();
      failing = false;
    } catch (err) {
      if (!failing) console.warn(`${what} failed, retrying every ${SWEEP_MS} ms:`, err instanceof Error ? err.message : err);
      failing = true;
    }
    setTimeout(() => void run(), SWEEP_MS).unref();
  };
  setTimeout(() => void run(), SWEEP_MS).unref();
}

/** An optional millisecond setting; unset or not a positive integer: the default. */
function positiveMs(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
