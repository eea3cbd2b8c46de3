import { readFileSync } from "node:fs";
import path from "node:path";
import { tree } from "../../bench/lib/proc";
import type { Sql } from "../../lib/db/sql";

/**
 * A database crash: kill -9 of every server process of the data folder, so WAL still in shared
 * memory is lost as in a power cut of the server process (the OS keeps what was written). The
 * postmaster is frozen first, so it cannot react to its children's deaths. Restart afterwards with
 * startEmbeddedPostgres on the same folder and port: PostgreSQL runs crash recovery.
 */
export function crashPostgres(dataDir: string): void {
  const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  process.kill(postmaster, "SIGSTOP");
  // tree() lists the postmaster first: kill its children, then it.
  const [, ...children] = tree(postmaster);
  for (const pid of [...children, postmaster]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // exited on its own meanwhile
    }
  }
}

/**
 * Freezes the WAL writer (SIGSTOP), so that commits which do not wait for the flush stay in memory,
 * but never while it holds its write lock: frozen mid-write, every durable commit would wait for it
 * for good (seen once in CI). A durable commit right after the stop proves the lock free; else the
 * writer is let go and stopped again. Returns what resumes it.
 */
export async function freezeWalWriter(db: Sql): Promise<() => void> {
  const [{ pid }] = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'`);
  const resume = () => {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // killed with the server
    }
  };
  for (let attempt = 1; ; attempt++) {
    process.kill(pid, "SIGSTOP");
    const probe = db.query(`SELECT txid_current()`); // assigns a transaction id: its commit is flushed
    const free = await Promise.race([probe.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1000))]);
    if (free) return resume;
    resume();
    await probe;
    if (attempt === 5) throw new Error("the WAL writer held its write lock at each of 5 stops");
  }
}
