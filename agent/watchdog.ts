// The hard fence of supervised mode. The agent cannot stop its supervised process while it is
// frozen (SIGSTOP, a hung event loop) or dead (kill -9), so a second, tiny process holds the
// process group id and the deadline the agent last confirmed: past that deadline without a newer
// one, or when the agent's end of the pipe closes, it SIGKILLs the group. This is what Patroni
// gets from a kernel watchdog device, without the device.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "./log";

/** The agent's side: one watchdog process per agent, started with the first supervised process. */
export class Watchdog {
  private readonly child: ChildProcess;
  private closing = false;

  /** onLost: the watchdog could not start or died; whatever it guarded is unguarded from now on. */
  constructor(log: Logger, onLost: () => void) {
    // A process group of its own: a SIGSTOP, SIGTSTP or kill -9 sent to the agent's group must not
    // freeze or kill the watchdog along with the agent.
    this.child = spawn(process.execPath, ["-e", WATCHDOG_SOURCE], { stdio: ["pipe", "pipe", "inherit"], detached: true });
    this.child.stdin!.on("error", () => {});
    this.child.on("error", (err) => {
      log.error("watchdog could not start", { error: err.message });
      onLost();
    });
    createInterface({ input: this.child.stdout! }).on("line", (line) => log.warn("watchdog", { event: "watchdog", report: line }));
    this.child.on("exit", (code, signal) => {
      if (this.closing) return;
      log.error("watchdog exited", { code, signal });
      onLost();
    });
  }

  /** Kill process group `pgid` at monotonic time `deadline` (ns) unless re-armed first. */
  arm(pgid: number, deadline: bigint) {
    if (pgid <= 0) return;
    this.child.stdin!.write(`arm ${pgid} ${deadline}\n`);
  }

  disarm() {
    this.child.stdin!.write("disarm\n");
  }

  close() {
    this.closing = true;
    this.child.stdin!.end();
  }
}

/**
 * The watchdog process, run with `node -e`: plain JavaScript in a string so that it needs no file
 * of its own (the agent ships as one file) and starts in ~40 ms with nothing to load. Protocol on
 * stdin: "arm PGID DEADLINE_NS" (monotonic, the same clock as the agent's) or "disarm". It ignores
 * SIGINT/SIGTERM/SIGHUP, so a Ctrl-C or SIGTERM sent to the agent's whole process group leaves it
 * to guard the agent's graceful stop; it leaves when the agent's end of the pipe closes.
 */
const WATCHDOG_SOURCE = `
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => {});
let armed = null;
let timer;
const fire = (why) => {
  if (!armed) return;
  try {
    process.kill(-armed.pgid, "SIGKILL");
    process.stdout.write("killed process group " + armed.pgid + ": " + why + "\\n");
  } catch {}
  armed = null;
};
const check = () => {
  if (!armed) return;
  const leftMs = Number((armed.deadline - process.hrtime.bigint()) / 1000000n);
  if (leftMs <= 0) fire("the agent did not confirm its lease deadline in time");
  else timer = setTimeout(check, leftMs);
};
require("node:readline").createInterface({ input: process.stdin })
  .on("line", (line) => {
    const [cmd, pgid, deadline] = line.split(" ");
    clearTimeout(timer);
    armed = cmd === "arm" ? { pgid: Number(pgid), deadline: BigInt(deadline) } : null;
    check();
  })
  .on("close", () => {
    fire("the agent exited");
    process.exit(0);
  });
`;
