import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * A database crash: kill -9 of every server process of the data folder, so WAL still in shared
 * memory is lost as in a power cut of the server process (the OS keeps what was written). The
 * postmaster is frozen first, so it cannot react to its children's deaths. Restart afterwards with
 * startEmbeddedPostgres on the same folder and port: PostgreSQL runs crash recovery.
 */
export function crashPostgres(dataDir: string): void {
  const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  process.kill(postmaster, "SIGSTOP");
  for (const pid of [...childrenOf(postmaster), postmaster]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // exited on its own meanwhile
    }
  }
}

function childrenOf(parent: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);
}
