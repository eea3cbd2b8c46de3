import { readFileSync } from "node:fs";
import path from "node:path";
import { tree } from "../../bench/lib/proc";

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // exited meanwhile
  }
};

/**
 * A database pause: SIGSTOP of every server process of the data folder (the postmaster first, so it
 * forks no new backend meanwhile). Connections stay open and silent, as on a stalled host or a long
 * I/O freeze. Returns the pids for resumePostgres.
 */
export function pausePostgres(dataDir: string): number[] {
  const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  signal(postmaster, "SIGSTOP");
  const pids = tree(postmaster); // the postmaster first, then its children
  for (const pid of pids.slice(1)) signal(pid, "SIGSTOP");
  return pids;
}

/** SIGCONT of the paused processes: children first, the postmaster last. */
export function resumePostgres(pids: number[]): void {
  for (const pid of [...pids.slice(1), pids[0]]) signal(pid, "SIGCONT");
}
