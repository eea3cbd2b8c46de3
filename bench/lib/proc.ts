// CPU and memory of processes from /proc (Linux): no sampling tool, no guessing.
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";

const TICK = 100; // USER_HZ on Linux

export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** utime + stime, plus cutime + cstime (children already exited, e.g. PostgreSQL backends of closed connections), in ms. */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / TICK;
  } catch {
    return null;
  }
}

function comm(pid: number): { cmd: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { cmd, ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

/** The pid and all its descendants. */
export function tree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const c = comm(Number(d));
    if (c) parents.set(c.ppid, [...(parents.get(c.ppid) ?? []), Number(d)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    out.push(p);
    for (const k of parents.get(p) ?? []) walk(k);
  };
  walk(root);
  return out;
}

/** Whole-machine busy CPU, in ms summed over cores. */
export function machineCpu(): { busyMs: number; totalMs: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0].split(/\s+/).slice(1).map(Number);
  const idle = line[3] + line[4];
  const total = line.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busyMs: ((total - idle) * 1000) / TICK, totalMs: (total * 1000) / TICK };
}

/**
 * CPU used by named groups of process trees over a window, as % of one core, plus the machine's
 * busy share (other engineers' work shows up there, not in the groups).
 */
export function cpuWindow(groups: Record<string, () => number[]>) {
  const read = () => Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, pids().reduce((s, p) => s + (cpuMs(p) ?? 0), 0)]));
  const a = read();
  const ma = machineCpu();
  const t0 = Date.now();
  return () => {
    const b = read();
    const mb = machineCpu();
    const wall = Date.now() - t0;
    const out: Record<string, number> = {};
    for (const k of Object.keys(b)) out[k] = Math.round(((b[k] - a[k]) / wall) * 100);
    const busy = (mb.busyMs - ma.busyMs) / (mb.totalMs - ma.totalMs);
    out.machineBusyPct = Math.round(busy * 100);
    // Everything else on the machine (other engineers' tests and builds), % of one core.
    out.otherProcessesPct = Math.max(0, Math.round(busy * cpus().length * 100 - Object.keys(b).reduce((s, k) => s + out[k], 0)));
    return out;
  };
}
