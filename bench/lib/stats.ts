// Percentiles by nearest rank over raw samples (milliseconds).
import type { IntervalHistogram } from "node:perf_hooks";

export type Summary = { n: number; p50: number; p95: number; p99: number; max: number; mean: number };

export function summarize(samples: number[]): Summary {
  const xs = [...samples].sort((a, b) => a - b);
  const n = xs.length;
  const at = (q: number) => (n ? xs[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] : NaN);
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    n,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(n ? xs[n - 1] : NaN),
    mean: round(n ? xs.reduce((s, x) => s + x, 0) / n : NaN),
  };
}

export const ms = (fromNs: bigint, toNs: bigint) => Number(toNs - fromNs) / 1e6;
export const mono = () => process.hrtime.bigint();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 30_000, intervalMs = 10, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** An event-loop delay histogram (perf_hooks) as p99 and max in ms, to a tenth. */
export function loopDelayMs(h: IntervalHistogram): { p99: number; max: number } {
  return { p99: Math.round(h.percentile(99) / 1e5) / 10, max: Math.round(h.max / 1e5) / 10 };
}
