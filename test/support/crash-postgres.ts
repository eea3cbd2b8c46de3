import { readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { tree } from "../../bench/lib/proc";
import { startEmbeddedPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";
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

export type CrashableDatabase = { readonly url: string; crashAndRestart(): Promise<void>; stop(): Promise<void> };

/**
 * A migrated PostgreSQL of the test file's own (a crash would disturb every other file), without
 * autovacuum (its commits could flush WAL behind the test's back). crashAndRestart() is
 * crashPostgres, then a start on the same folder and port, which runs crash recovery.
 */
export async function startCrashableDatabase(prefix: string): Promise<CrashableDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its folder
  const settings = { autovacuum: "off" };
  let server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), settings });
  await applyMigrations({ connectionString: server.url });
  return {
    get url() {
      return server.url;
    },
    async crashAndRestart() {
      crashPostgres(server.dataDir);
      server = await startEmbeddedPostgres({ dataDir: server.dataDir, port: server.port, settings });
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
