import net from "node:net";
import { CHECK_OUTPUT_MAX as OUTPUT_MAX, type CheckResult, type CheckStatus, type NodeCheckState } from "../lib/cluster/check-state";
import type { Logger } from "./log";
import { killGroup, spawnGroup } from "./process-group";

export type CheckKind = "http" | "tcp" | "cmd";
export type CheckSpec = {
  name: string;
  kind: CheckKind;
  /** URL, HOST:PORT or shell command. */
  target: string;
  /** The isolation check (--gateway): failing means this node is cut off, not that its service is sick. */
  isolation?: boolean;
};
export type CheckTuning = { intervalMs: number; timeoutMs: number; rise: number; fall: number; when: "always" | "active" };

/** One probe: passes or fails, with a short output. Never throws. */
async function probe(
  spec: CheckSpec,
  timeoutMs: number,
  log: Logger,
  ctx: { cluster: string; service: string; node: string; role: string },
): Promise<CheckResult> {
  try {
    if (spec.kind === "http") {
      const res = await fetch(spec.target, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
      await res.body?.cancel();
      return { ok: res.status >= 200 && res.status < 300, output: `HTTP ${res.status}` };
    }
    if (spec.kind === "tcp") return await tcpProbe(spec.target, timeoutMs);
    return await cmdProbe(spec.target, timeoutMs, log, ctx);
  } catch (err) {
    const e = err as Error;
    return { ok: false, output: e.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : e.message };
  }
}

function tcpProbe(target: string, timeoutMs: number): Promise<CheckResult> {
  const { host, port } = splitHostPort(target)!;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: CheckResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, output: `timed out after ${timeoutMs} ms` }));
    socket.on("connect", () => done({ ok: true, output: "connected" }));
    socket.on("error", (err) => done({ ok: false, output: err.message }));
  });
}

async function cmdProbe(
  command: string,
  timeoutMs: number,
  log: Logger,
  ctx: { cluster: string; service: string; node: string; role: string },
): Promise<CheckResult> {
  let output = "";
  // Only what a check needs: never the agent's own environment (its database URL carries a password).
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: process.env.LANG ?? "C",
    CLUSTER: ctx.cluster,
    SERVICE: ctx.service,
    NODE: ctx.node,
    ROLE: ctx.role,
  };
  const group = spawnGroup(command, env, log, { check: command }, { inheritEnv: false, onLine: (line) => (output = `${output}${line}\n`.slice(-OUTPUT_MAX)) });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killGroup(group);
  }, timeoutMs);
  const { code, signal } = await group.exited;
  clearTimeout(timer);
  if (timedOut) return { ok: false, output: `timed out after ${timeoutMs} ms` };
  const last = output.trim();
  return { ok: code === 0, output: last || (code === 0 ? "exit code 0" : signal ? `killed by ${signal}` : `exit code ${code}`) };
}

export function splitHostPort(value: string): { host: string; port: number } | null {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) return null;
  return { host: m[1].replace(/^\[|\]$/g, ""), port };
}

type Running = NodeCheckState & { spec: CheckSpec; passes: number; fails: number; timer?: NodeJS.Timeout };

/**
 * Runs the node's checks on their interval, each with rise/fall damping as keepalived and HAProxy
 * do: PASSING after `rise` passes in a row, FAILING after `fall` failures in a row, UNKNOWN until
 * then. onChange fires on every status change; the agent records it (one write per change, none
 * per beat). Checks scoped to "active" run only while the node is active.
 */
export class CheckRunner {
  private readonly checks: Running[];
  private active = false;
  private stopped = false;

  constructor(
    specs: CheckSpec[],
    private readonly tuning: CheckTuning,
    private readonly ctx: { cluster: string; service: string; node: string; log: Logger; onChange: () => void },
  ) {
    this.checks = specs.map((spec) => ({ spec, name: spec.name, status: "UNKNOWN", since: new Date().toISOString(), output: "", passes: 0, fails: 0 }));
  }

  start() {
    for (const c of this.checks) if (this.applies(c)) this.schedule(c, 0);
  }

  stop() {
    this.stopped = true;
    for (const c of this.checks) clearTimeout(c.timer);
  }

  /** The node became active or stopped being so: active-only checks start afresh or stop. */
  setActive(active: boolean) {
    if (active === this.active) return;
    this.active = active;
    if (this.tuning.when !== "active") return;
    for (const c of this.checks.filter((x) => !x.spec.isolation)) {
      clearTimeout(c.timer);
      this.reset(c);
      if (active) this.schedule(c, 0);
    }
    this.ctx.onChange();
  }

  /** The aggregate the database keeps: FAILING if any check fails, PASSING if all pass (or none apply). */
  state(): { status: CheckStatus; isolated: boolean; checks: NodeCheckState[] } {
    const applying = this.checks.filter((c) => this.applies(c));
    const status: CheckStatus = applying.some((c) => c.status === "FAILING")
      ? "FAILING"
      : applying.every((c) => c.status === "PASSING")
        ? "PASSING"
        : "UNKNOWN";
    const isolated = this.checks.some((c) => c.spec.isolation && c.status === "FAILING");
    return { status, isolated, checks: this.checks.map(({ name, status: s, since, output }) => ({ name, status: s, since, output })) };
  }

  private applies(c: Running) {
    return c.spec.isolation || this.tuning.when === "always" || this.active;
  }

  private reset(c: Running) {
    Object.assign(c, { status: "UNKNOWN", since: new Date().toISOString(), passes: 0, fails: 0 });
  }

  private schedule(c: Running, delayMs: number) {
    if (this.stopped) return;
    c.timer = setTimeout(() => void this.run(c), delayMs);
  }

  private async run(c: Running) {
    const startedActive = this.active;
    const startedAt = performance.now();
    const result = await probe(c.spec, this.tuning.timeoutMs, this.ctx.log, {
      cluster: this.ctx.cluster,
      service: this.ctx.service,
      node: this.ctx.node,
      role: this.active ? "ACTIVE" : "STANDBY",
    });
    if (this.stopped || !this.applies(c) || (this.tuning.when === "active" && !c.spec.isolation && startedActive !== this.active)) return;
    c.output = result.output.slice(0, OUTPUT_MAX);
    if (result.ok) [c.passes, c.fails] = [c.passes + 1, 0];
    else [c.passes, c.fails] = [0, c.fails + 1];
    const next: CheckStatus | null = c.passes >= this.tuning.rise ? "PASSING" : c.fails >= this.tuning.fall ? "FAILING" : null;
    if (next && next !== c.status) {
      c.status = next;
      c.since = new Date().toISOString();
      this.ctx.log[next === "FAILING" ? "warn" : "info"](`check ${next.toLowerCase()}`, { event: "check", check: c.name, status: next, output: c.output });
      this.ctx.onChange();
    }
    // A fixed rate, as keepalived and HAProxy do: a probe that hangs until its timeout does not
    // stretch the interval, so a hung service is FAILING after fall x interval.
    this.schedule(c, Math.max(0, this.tuning.intervalMs - (performance.now() - startedAt)));
  }
}
