// The workload runner with real shell hooks and real processes (no database): process groups,
// kills, the deadline, skipped promote hooks and the supervised process's watchdog.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger, monoNow } from "./log";
import { waitFor as waitForValue } from "../test/support/agent-process";
import { Workload, type WorkloadOptions } from "./workload";

const waitFor = (fn: () => boolean | Promise<boolean>, timeoutMs = 5000) => waitForValue(async () => fn(), { timeoutMs, intervalMs: 10 });

const MS = 1_000_000n;
let dir: string;
let logLines: Record<string, unknown>[];
const log = createLogger({}, "debug", (line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
const workloads: Workload[] = [];

function workload(o: Partial<WorkloadOptions>) {
  const w = new Workload({ cluster: "c", service: "main", node: "n", log, hooks: { timeoutMs: 30_000 }, onExit: () => {}, stopGraceMs: () => 500, ...o });
  workloads.push(w);
  return w;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z");
  } catch {
    return false;
  }
};
const pidFrom = async (file: string) => Number((await readFile(file, "utf8")).trim());

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "fc-workload-"));
  logLines = [];
});
afterEach(() => workloads.splice(0).forEach((w) => w.close()));

describe("hooks", () => {
  it("a promote hook that leaves a background process still resolves when the hook exits, with its output in the log", async () => {
    const w = workload({ hooks: { promote: `echo started; sleep 30 & echo $! > ${dir}/bg; echo oops >&2`, timeoutMs: 30_000 } });
    const t0 = Date.now();
    const outcome = await w.start(1n, () => true);
    expect(outcome).toMatchObject({ ok: true });
    expect(Date.now() - t0).toBeLessThan(2000); // not the 30 s the background child holds the pipes
    await waitFor(() => logLines.some((l) => l.line === "oops" && l.stream === "stderr" && l.hook === "promote"));
    expect(logLines.some((l) => l.line === "started" && l.stream === "stdout")).toBe(true);
    process.kill(await pidFrom(`${dir}/bg`), "SIGKILL");
  });

  it("a promote hook still queued when the node lost the role is skipped, never started late", async () => {
    const w = workload({ hooks: { promote: `touch ${dir}/promoted`, demote: "sleep 0.3", timeoutMs: 30_000 } });
    let active = true;
    const stopping = w.stop(1n); // a previous activation's demote hook is still running...
    const started = w.start(2n, () => active); // ...when the node is elected again
    active = false; // and loses the role before that hook would start
    expect(await stopping).toMatchObject({ ok: true });
    expect(await started).toEqual({ node: "n", ok: false, ms: 0, error: "skipped: no longer active" });
    await expect(readFile(`${dir}/promoted`)).rejects.toThrow(/ENOENT/);
  });

  it("stop() kills a running promote hook, its whole process group, then runs the demote hook", async () => {
    const w = workload({ hooks: { promote: `sleep 30 & echo $! > ${dir}/bg; sleep 30`, demote: `echo demoted > ${dir}/demoted`, timeoutMs: 30_000 } });
    const promote = w.start(1n, () => true);
    await waitFor(async () => (await readFile(`${dir}/bg`, "utf8").catch(() => "")).length > 0);
    const bg = await pidFrom(`${dir}/bg`);
    const t0 = Date.now();
    const demote = await w.stop(1n);
    expect(await promote).toMatchObject({ ok: false, error: "killed: the node stopped being active" });
    expect(demote).toMatchObject({ ok: true });
    expect(alive(bg)).toBe(false);
    expect(await readFile(`${dir}/demoted`, "utf8")).toBe("demoted\n");
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("a demote hook still running at the deadline is killed, process group and all, at the deadline", async () => {
    const w = workload({ hooks: { demote: `sleep 30 & echo $! > ${dir}/bg; sleep 30`, timeoutMs: 30_000 } });
    const deadline = monoNow() + 700n * MS;
    w.setDeadline(deadline);
    const outcome = await w.stop(1n);
    const lateMs = Number((monoNow() - deadline) / MS);
    expect(outcome).toMatchObject({ ok: false, error: "killed at the lease deadline (demote budget exceeded)" });
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(300);
    expect(alive(await pidFrom(`${dir}/bg`))).toBe(false);
  });

  it("a hook over its timeout is killed with its children; a failing hook reports its exit code", async () => {
    const w = workload({ hooks: { promote: `sleep 30 & echo $! > ${dir}/bg; sleep 30`, demote: "echo secret-token >&2; exit 3", timeoutMs: 400 } });
    expect(await w.start(1n, () => true)).toMatchObject({ ok: false, error: "timed out after 400 ms" });
    expect(alive(await pidFrom(`${dir}/bg`))).toBe(false);
    const demote = await w.stop(1n);
    expect(demote).toMatchObject({ ok: false, error: "exit code 3" });
    expect(JSON.stringify(demote)).not.toMatch(/secret-token/); // output stays in the agent's log
    expect(logLines.some((l) => l.line === "secret-token")).toBe(true);
  });
});

describe("supervised process", () => {
  it("runs while active; stop() sends SIGTERM to its group, then SIGKILL after the grace time", async () => {
    // Ignores SIGTERM, with a child that does too: only SIGKILL of the group ends them.
    const script = `trap '' TERM; (trap '' TERM; sleep 30) & echo $! > ${dir}/child; echo $$ > ${dir}/main; while :; do sleep 0.05; done`;
    const w = workload({ supervise: script });
    w.setDeadline(monoNow() + 10_000n * MS);
    expect(await w.start(1n, () => true)).toMatchObject({ ok: true });
    await waitFor(async () => (await readFile(`${dir}/main`, "utf8").catch(() => "")).length > 0);
    const [main, child] = [await pidFrom(`${dir}/main`), await pidFrom(`${dir}/child`)];
    expect(alive(main) && alive(child)).toBe(true);
    const outcome = await w.stop(1n);
    expect(outcome).toMatchObject({ ok: false, error: "still running 500 ms after SIGTERM: killed" });
    expect(outcome!.ms).toBeGreaterThanOrEqual(500);
    expect(alive(main) || alive(child)).toBe(false);
  });

  it("the watchdog kills it when the agent stops confirming its deadline (frozen agent)", async () => {
    // A frozen agent, played by a real agent-like process: it arms the watchdog, then is SIGSTOPped.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "../test/support/workload-host.ts"), dir, "800"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      await waitFor(async () => (await readFile(`${dir}/main`, "utf8").catch(() => "")).length > 0, 15_000);
      const main = await pidFrom(`${dir}/main`);
      child.kill("SIGSTOP");
      const stoppedAt = Date.now();
      await waitFor(() => !alive(main), 5000);
      const ms = Date.now() - stoppedAt;
      expect(ms).toBeLessThan(1500); // the deadline was at most 800 ms after the last confirmation
    } finally {
      child.kill("SIGKILL");
      child.kill("SIGCONT");
    }
  });

  it("kill -9 of the agent: the watchdog kills the process at once", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "../test/support/workload-host.ts"), dir, "60000"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await waitFor(async () => (await readFile(`${dir}/main`, "utf8").catch(() => "")).length > 0, 15_000);
    const main = await pidFrom(`${dir}/main`);
    const t0 = Date.now();
    child.kill("SIGKILL");
    await waitFor(() => !alive(main), 5000);
    expect(Date.now() - t0).toBeLessThan(1000); // not the 60 s deadline
  });

  it("without a lease deadline it may not run at all: the watchdog kills it at once", async () => {
    const w = workload({ supervise: `echo $$ > ${dir}/main; sleep 30` });
    await w.start(1n, () => true);
    await waitFor(async () => (await readFile(`${dir}/main`, "utf8").catch(() => "")).length > 0);
    await waitFor(async () => !alive(await pidFrom(`${dir}/main`)), 2000);
  });

  it("its own exit while active is reported once; a stop afterwards finds nothing left", async () => {
    const exits: string[] = [];
    const w = workload({ supervise: "sleep 0.2; exit 4", onExit: (why) => exits.push(why) });
    w.setDeadline(monoNow() + 10_000n * MS);
    await w.start(1n, () => true);
    await waitFor(() => exits.length > 0);
    expect(exits).toEqual(["supervised process exited (exit code 4)"]);
    expect(await w.stop(1n)).toMatchObject({ ok: true });
  });
});
