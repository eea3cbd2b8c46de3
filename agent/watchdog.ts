// The hard fence of supervised mode. The agent cannot stop its supervised process while it is
// frozen (SIGSTOP, a hung event loop) or dead (kill -9), so a second, tiny process holds the
// process group id and the deadline the agent last confirmed: past that deadline without a newer
// one, or when the agent's end of the pipe closes, it SIGKILLs the group. This is what Patroni
// gets from a kernel watchdog device, without the device.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "./log";

/** Set in the watchdog's environment: the agent bundle runs as the watchdog instead of an agent. */
export const WATCHDOG_ENV = "CLUSTER_AGENT_WATCHDOG";

/** The agent's side: one watchdog process per agent, started with the first supervised process. */
export class Watchdog {
  private readonly child: ChildProcess;

  constructor(log: Logger) {
    // The same file (bundle, or tsx entry) re-run in watchdog mode: no second file to deploy.
    this.child = spawn(process.execPath, [...process.execArgv, process.argv[1]!], {
      env: { ...process.env, [WATCHDOG_ENV]: "1" },
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.child.stdin!.on("error", () => {});
    createInterface({ input: this.child.stdout! }).on("line", (line) => log.warn("watchdog", { event: "watchdog", report: line }));
    this.child.on("exit", (code, signal) => log.error("watchdog exited", { code, signal }));
  }

  /** Kill process group `pgid` at monotonic time `deadline` (ns) unless re-armed first. */
  arm(pgid: number, deadline: bigint) {
    this.child.stdin!.write(`arm ${pgid} ${deadline}\n`);
  }

  disarm() {
    this.child.stdin!.write("disarm\n");
  }

  close() {
    this.child.stdin!.end();
  }
}

/** The watchdog process itself (cli.ts runs this when WATCHDOG_ENV is set). */
export function runWatchdog() {
  // It outlives a Ctrl-C or SIGTERM sent to the agent's whole process group: the agent's own
  // shutdown stops the process gracefully, and this process leaves when the agent's pipe closes.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => {});
  let armed: { pgid: number; deadline: bigint } | null = null;
  let timer: NodeJS.Timeout | undefined;
  const fire = (why: string) => {
    if (!armed) return;
    try {
      process.kill(-armed.pgid, "SIGKILL");
      process.stdout.write(`killed process group ${armed.pgid}: ${why}\n`);
    } catch {
      // already gone
    }
    armed = null;
  };
  const check = () => {
    if (!armed) return;
    const leftMs = Number((armed.deadline - process.hrtime.bigint()) / 1_000_000n);
    if (leftMs <= 0) fire("the agent did not confirm its lease deadline in time");
    else timer = setTimeout(check, leftMs);
  };
  createInterface({ input: process.stdin })
    .on("line", (line) => {
      const [cmd, pgid, deadline] = line.split(" ");
      clearTimeout(timer);
      if (cmd === "arm") {
        armed = { pgid: Number(pgid), deadline: BigInt(deadline!) };
        check();
      } else armed = null;
    })
    .on("close", () => {
      fire("the agent exited");
      process.exit(0);
    });
}
