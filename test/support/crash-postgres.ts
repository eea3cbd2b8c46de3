import { readFileSync } from "node:fs";
import path from "node:path";
import { tree } from "../../bench/lib/proc";

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
