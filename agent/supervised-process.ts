import type { HookOutcome } from "../lib/cluster/hook-outcome";
import type { HookContext } from "./hooks";
import type { Logger } from "./log";
import { killGroup, spawnGroup, type GroupExit, type ProcessGroup } from "./process-group";

/**
 * The command of `--supervise`, run as the agent's child while the node is active, in a process
 * group of its own. It is spawned held: a shell waits for one line on its stdin before it runs the
 * command, and go() sends that line once the watchdog knows the group, so no instant exists where
 * the command runs unguarded (an agent killed before go() closes the pipe, and the shell exits).
 * stop() sends SIGTERM to the group and SIGKILL after the grace time; kill() is the fence (SIGKILL
 * at once). Its own exit while not being stopped is reported through onExit.
 */
export class SupervisedProcess {
  private readonly group: ProcessGroup;
  private stopping = false;
  private fenced = false;

  constructor(command: string, ctx: HookContext, log: Logger, onExit: (exit: GroupExit) => void) {
    const held = `read -r _go || exit 97\n${command}`;
    const env = { CLUSTER: ctx.cluster, SERVICE: ctx.service, NODE: ctx.node, ROLE: "ACTIVE", EPOCH: ctx.epoch?.toString() ?? "" };
    this.group = spawnGroup(held, env, log, { supervised: true }, { stdin: true });
    void this.group.exited.then((exit) => {
      if (!this.stopping) onExit(exit);
    });
  }

  get pid() {
    return this.group.pid;
  }

  /** Lets the held command run (call once the watchdog is armed with this group). */
  go() {
    this.group.stdin?.end("go\n");
  }

  /** SIGTERM to the group; SIGKILL to what is left after graceMs. Resolves once no process of the group is left. */
  async stop(node: string, graceMs: number): Promise<HookOutcome> {
    this.stopping = true;
    const t0 = performance.now();
    this.group.signal("SIGTERM");
    while (this.group.alive() && performance.now() - t0 < graceMs) await new Promise((r) => setTimeout(r, 20));
    const killed = this.group.alive();
    if (killed) await killGroup(this.group);
    const ms = Math.round(performance.now() - t0);
    if (this.fenced) return { node, ok: false, ms, error: "killed at the lease deadline (demote budget exceeded)" };
    return killed ? { node, ok: false, ms, error: `still running ${graceMs} ms after SIGTERM: killed` } : { node, ok: true, ms };
  }

  /** The fence: SIGKILL the whole group now. */
  kill(): Promise<void> {
    this.stopping = true;
    this.fenced = true;
    return killGroup(this.group);
  }
}
