// Next.js calls register() once in each console server process.

const SWEEP_MS = 1000;

/**
 * Expires overdue commands. Agents do it in their tick, but a command whose agents all died would
 * stay open (holding the cluster's one open-command slot) until something else did. The console
 * does it here, from a small timer in its server process, rather than in GET handlers or on
 * writes: reads stay reads, and a dead cluster's command ends at its deadline whether or not
 * anyone looks or writes. Every console may run it: it is one statement, so an overdue command is
 * expired and audited once.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || !process.env.DATABASE_URL) return;
  const [{ db }, { expireOverdueCommands }] = await Promise.all([import("./lib/db/client"), import("./lib/cluster/expire-commands")]);
  let failing = false;
  const sweep = async () => {
    try {
      await expireOverdueCommands({ db: db() });
      failing = false;
    } catch (err) {
      // The database is down or restarting: say so once, keep trying.
      if (!failing) console.warn(`expiring overdue commands failed, retrying every ${SWEEP_MS} ms:`, err instanceof Error ? err.message : err);
      failing = true;
    }
    setTimeout(() => void sweep(), SWEEP_MS).unref();
  };
  setTimeout(() => void sweep(), SWEEP_MS).unref();

  // Notifications: every console sends from the outbox; claims with SKIP LOCKED keep two consoles
  // from sending one delivery twice (lib/notify/dispatcher.ts).
  const { setProcessDispatcher, startDispatcher } = await import("./lib/notify/dispatcher");
  setProcessDispatcher(startDispatcher({ prisma: db(), timeoutMs: positiveMs(process.env.NOTIFY_TIMEOUT_MS) }));
}

/** An optional millisecond setting; unset or not a positive integer: the default. */
function positiveMs(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
