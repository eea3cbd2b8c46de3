import type { HookOutcome } from "../lib/cluster/hook-outcome";
import type { Logger } from "./log";
import { killGroup, spawnGroup } from "./process-group";

export type HookKind = "promote" | "demote";
export type HookContext = { cluster: string; service: string; node: string; epoch: bigint | null };
export type RunningHook = {
  done: Promise<HookOutcome>;
  /** Kills the hook's whole process group now; `why` becomes the outcome's error. */
  kill: (why: string) => void;
};

/**
 * Runs a hook in a shell with CLUSTER, SERVICE, NODE, ROLE and EPOCH in its environment (as Patroni's
 * callbacks do), as the leader of its own process group: a timeout or kill() ends the hook and
 * everything it started. Resolves when the hook exits, even if a background child it left keeps
 * its output pipes open. Never rejects: fencing never waits on a hook's success.
 */
export function runHook(command: string, kind: HookKind, ctx: HookContext, timeoutMs: number, log: Logger): RunningHook {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const group = spawnGroup(
    command,
    { CLUSTER: ctx.cluster, SERVICE: ctx.service, NODE: ctx.node, ROLE: kind === "promote" ? "ACTIVE" : "STANDBY", EPOCH: ctx.epoch?.toString() ?? "" },
    log,
    { hook: kind },
  );
  let killedFor: string | null = null;
  const kill = (why: string) => {
    if (killedFor !== null) return;
    killedFor = why;
    void killGroup(group);
  };
  const timer = setTimeout(() => kill(`timed out after ${timeoutMs} ms`), timeoutMs);
  const done = group.exited.then(async ({ code, signal }): Promise<HookOutcome> => {
    clearTimeout(timer);
    if (killedFor !== null) await killGroup(group); // the outcome is reported once the whole group is gone
    const ms = elapsed();
    if (killedFor !== null) return { node: ctx.node, ok: false, ms, error: killedFor };
    if (code === 0) return { node: ctx.node, ok: true, ms };
    return { node: ctx.node, ok: false, ms, error: signal ? `killed by ${signal}` : `exit code ${code}` };
  });
  return { done, kill };
}
