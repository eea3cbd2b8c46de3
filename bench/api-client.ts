// The scale step's API client, in a process of its own as an admin's browser or script would be:
// the bench driver's bookkeeping (sampling PostgreSQL, the fleet's IPC, the real agents' health)
// stalled its event loop by up to 85 ms at 5,000 agents, and a call timed there took the stall as
// the console's. Driven by bench/scale.ts over IPC: "warm" before a window, "run" for it.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { consoleRequest } from "./lib/console";
import { loopDelayMs, sleep } from "./lib/stats";

export type ApiLoop = { path: string; perSecond: number };
export type RunMsg = { type: "run"; url: string; cookie: string; windowFrom: number; until: number; loops: ApiLoop[] };
export type WarmMsg = { type: "warm"; url: string; cookie: string; paths: string[] };
export type ApiCall = { path: string; atS: number; ms: number; status: number; serverMs: number | null; authMs: number | null };
export type ApiRun = { calls: ApiCall[]; eventLoopDelayMs: { p99: number; max: number } };

async function run({ url, cookie, windowFrom, until, loops }: RunMsg) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const calls: ApiCall[] = [];
  await Promise.all(
    loops.map(async ({ path, perSecond }) => {
      // A random phase: loops of the same rate started together would always call at the same instant.
      await sleep(Math.random() * (1000 / perSecond));
      while (Date.now() < until) {
        const started = Date.now();
        const { status, ms, serverMs, authMs } = await consoleRequest(url, cookie, "GET", path);
        calls.push({ path, atS: Math.round((started - windowFrom) / 100) / 10, ms, status, serverMs, authMs });
        await sleep(Math.max(0, 1000 / perSecond - (Date.now() - started)));
      }
    }),
  );
  delay.disable();
  const done: ApiRun = { calls, eventLoopDelayMs: loopDelayMs(delay) };
  process.send!({ type: "done", ...done });
}

// Before the window, one untimed call per route: the first call of a route after the console starts
// loads its code, and calls made at the window's start would be timed against these.
async function warm({ url, cookie, paths }: WarmMsg) {
  for (const p of paths) await consoleRequest(url, cookie, "GET", p);
  process.send!({ type: "warmed" });
}

process.on("message", (m: RunMsg | WarmMsg) => {
  (m.type === "run" ? run(m) : warm(m)).catch((err: Error) => {
    process.send!({ type: "error", message: err.stack ?? err.message });
  });
});
process.send!({ type: "ready" });
