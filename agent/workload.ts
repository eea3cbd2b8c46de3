import type { HookOutcome } from "../lib/cluster/hook-outcome";
import { runHook, type HookContext } from "./hooks";
import { monoNow, type Logger } from "./log";
import type { GroupExit } from "./process-group";
import { SupervisedProcess } from "./supervised-process";
import { Watchdog } from "./watchdog";

const DEADLINE_KILL = "killed at the lease deadline (demote budget exceeded)";

export type WorkloadOptions = {
  cluster: string;
  service: string;
  node: string;
  log: Logger;
  hooks: { promote?: string; demote?: string; timeoutMs: number };
  /** Supervised mode: the command the agent runs while active (instead of, or beside, hooks). */
  supervise?: string;
  /** The supervised process exited by itself while the node was active. */
  onExit(why: string): void;
  /** How long the supervised process gets between SIGTERM and SIGKILL: the cluster's demote budget. */
  stopGraceMs: () => number;
};

/**
 * What the node runs while it is active: its promote/demote hooks, or its supervised process. The
 * workload of one activation runs from start() until stop() has finished; steps run one at a time,
 * in order. Everything still running at the deadline (the last lease deadline the agent confirmed)
 * is killed, process group and all, so a node's workload is down before its lease ends in the
 * database; in supervised mode a watchdog process enforces that deadline even when the agent is
 * frozen or killed.
 */
export class Workload {
  private chain: Promise<unknown> = Promise.resolve();
  /** The step in progress, killable by a fence (a promote step) or the deadline (any step). */
  private current: { step: "start" | "stop"; kill: (why: string) => void } | null = null;
  private process: SupervisedProcess | null = null;
  private watchdog: Watchdog | null = null;
  private deadline: bigint | null = null;
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: WorkloadOptions) {}

  /**
   * Starts the workload of activation `epoch` once earlier steps are done, unless the node is no
   * longer active at that epoch by then (`stillActive`): a promote hook never starts late.
   */
  start(epoch: bigint, stillActive: () => boolean): Promise<HookOutcome | null> {
    return this.enqueue(async () => {
      const { supervise, hooks, node } = this.o;
      if (!supervise && !hooks.promote) return null;
      if (!stillActive()) return { node, ok: false, ms: 0, error: "skipped: no longer active" };
      this.o.log.info("workload starting", { event: "workload", state: "starting", epoch });
      let outcome: HookOutcome | null = null;
      if (supervise) {
        this.ensureWatchdog();
        const proc = new SupervisedProcess(supervise, this.ctx(epoch), this.o.log, (exit) => this.exitedByItself(proc, exit));
        this.process = proc;
        this.armWatchdog();
        proc.go();
        outcome = { node, ok: proc.pid > 0, ms: 0, ...(proc.pid <= 0 && { error: "could not start" }) };
      }
      if (hooks.promote) outcome = await this.run("start", runHook(hooks.promote, "promote", this.ctx(epoch), hooks.timeoutMs, this.o.log));
      return outcome;
    });
  }

  /**
   * Stops the workload of activation `epoch`: kills a promote hook still running, then runs the
   * demote hook or stops the supervised process. Resolves when that has finished or was killed.
   */
  stop(epoch: bigint): Promise<HookOutcome | null> {
    if (this.current?.step === "start") this.current.kill("killed: the node stopped being active");
    return this.enqueue(async () => {
      const { hooks, node } = this.o;
      let outcome: HookOutcome | null = null;
      const proc = this.process;
      if (proc) {
        this.current = { step: "stop", kill: () => void proc.kill() };
        outcome = await proc.stop(node, this.o.stopGraceMs());
        this.current = null;
        this.process = null;
        this.watchdog?.disarm();
      }
      if (hooks.demote) outcome = await this.run("stop", runHook(hooks.demote, "demote", this.ctx(epoch), hooks.timeoutMs, this.o.log));
      this.o.log.info("workload stopped", { event: "workload", state: "stopped", epoch, ok: outcome?.ok ?? true });
      return outcome;
    });
  }

  /**
   * The monotonic time (ns) by which everything must be down; moved forward by each confirmed
   * lease renewal. Null: no deadline (the node holds no lease).
   */
  setDeadline(deadline: bigint | null) {
    this.deadline = deadline;
    clearTimeout(this.deadlineTimer);
    this.armWatchdog();
    if (deadline === null) return;
    this.deadlineTimer = setTimeout(
      () => {
        if (this.deadline !== deadline) return;
        this.current?.kill(DEADLINE_KILL);
        void this.process?.kill();
      },
      Math.max(0, Number((deadline - monoNow()) / 1_000_000n)),
    );
  }

  /** Resolves once every queued step has finished. */
  idle(): Promise<void> {
    return this.chain.then(() => {});
  }

  close() {
    clearTimeout(this.deadlineTimer);
    this.watchdog?.close();
  }

  private armWatchdog() {
    if (!this.process || !this.watchdog) return;
    // No deadline means no lease (the agent always sets one first): the process must not run.
    this.watchdog.arm(this.process.pid, this.deadline ?? monoNow());
  }

  /**
   * Started before the supervised process, never after: an agent killed between spawning the
   * process and spawning its watchdog would leave the process unguarded.
   */
  private ensureWatchdog() {
    this.watchdog ??= new Watchdog(this.o.log, () => {
      // Unguarded, the process could outlive a frozen agent: stop it now, and the agent steps down.
      this.watchdog = null;
      if (!this.process) return;
      void this.process.kill();
      this.o.onExit("the watchdog died; supervised process stopped");
    });
  }

  private exitedByItself(proc: SupervisedProcess, exit: GroupExit) {
    if (this.process !== proc) return;
    const why = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    this.o.log.error("supervised process exited", { event: "workload", why });
    this.o.onExit(`supervised process exited (${why})`);
  }

  private async run(step: "start" | "stop", hook: { done: Promise<HookOutcome>; kill: (why: string) => void }): Promise<HookOutcome> {
    this.current = { step, kill: hook.kill };
    // The deadline is sticky: a step that starts after it (queued behind one it cut short) is cut too.
    if (this.deadline !== null && monoNow() >= this.deadline) hook.kill(DEADLINE_KILL);
    try {
      return await hook.done;
    } finally {
      this.current = null;
    }
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.chain.then(step);
    this.chain = next.catch(() => {});
    return next;
  }

  private ctx(epoch: bigint): HookContext {
    return { cluster: this.o.cluster, service: this.o.service, node: this.o.node, epoch };
  }
}
