import { spawn } from "node:child_process";

export type HookKind = "promote" | "demote";
export type HookContext = { cluster: string; node: string; epoch: bigint | null };
export type HookOutcome = { ok: true; ms: number } | { ok: false; ms: number; error: string };

/**
 * Runs a hook in a shell with CLUSTER, NODE, ROLE and EPOCH in its environment (as Patroni's
 * callbacks do), killing it after timeoutMs. Never throws: a failing hook is reported, and the
 * caller goes on (fencing never waits on a hook's success).
 */
export function runHook(command: string, kind: HookKind, ctx: HookContext, timeoutMs: number): Promise<HookOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ["ignore", "inherit", "pipe"],
      env: {
        ...process.env,
        CLUSTER: ctx.cluster,
        NODE: ctx.node,
        ROLE: kind === "promote" ? "ACTIVE" : "STANDBY",
        EPOCH: ctx.epoch?.toString() ?? "",
      },
    });
    let stderr = "";
    child.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-500)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, ms: elapsed(), error: err.message });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ ok: true, ms: elapsed() });
      const why = signal === "SIGKILL" ? `timed out after ${timeoutMs} ms` : signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve({ ok: false, ms: elapsed(), error: `${why}${stderr.trim() ? `: ${stderr.trim().split("\n").pop()}` : ""}` });
    });
  });
}
