import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Logger } from "./log";

export type GroupExit = { code: number | null; signal: NodeJS.Signals | null };

export type ProcessGroup = {
  /** Also the process group id: the command runs as the leader of a group (and session) of its own. */
  pid: number;
  /** The leader exited ('exit', not 'close': a background child may hold its pipes for hours). */
  exited: Promise<GroupExit>;
  /** Signals every process of the group; false when none is left. */
  signal(sig: NodeJS.Signals): boolean;
  /** True while any process of the group lives (the leader's children included). */
  alive(): boolean;
  /** Its stdin, when spawned with `stdin: true` (else it reads /dev/null). */
  stdin: NodeJS.WritableStream | null;
};

// A hook or supervised process that prints without end must not flood the agent's log.
const MAX_LINES = 500;
const MAX_LINE = 1000;

/**
 * Runs a shell command as the leader of a new process group, so that it and everything it starts
 * can be killed at once; its output goes line by line into the agent's JSON log (labelled, never
 * into audit rows) or to onLine, and spawn failures resolve `exited` instead of throwing.
 * inheritEnv false: the command sees only `env` (a check must not see the agent's secrets).
 */
export function spawnGroup(
  command: string,
  env: Record<string, string>,
  log: Logger,
  label: Record<string, unknown>,
  { inheritEnv = true, onLine, stdin = false }: { inheritEnv?: boolean; onLine?: (line: string) => void; stdin?: boolean } = {},
): ProcessGroup {
  const childEnv = (inheritEnv ? { ...process.env, ...env } : env) as NodeJS.ProcessEnv;
  const child = spawn(command, { shell: true, detached: true, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"], env: childEnv });
  child.stdin?.on("error", () => {});
  let lines = 0;
  for (const stream of ["stdout", "stderr"] as const) {
    const input = child[stream];
    if (!input) continue;
    input.on("error", () => {});
    createInterface({ input, crlfDelay: Infinity }).on("line", (line) => {
      if (++lines > MAX_LINES) {
        if (lines === MAX_LINES + 1) log.warn("output truncated", { ...label, afterLines: MAX_LINES });
        return;
      }
      const cut = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (truncated)` : line;
      if (onLine) onLine(cut);
      else log.info("output", { ...label, stream, line: cut });
    });
  }
  const exited = new Promise<GroupExit>((resolve) => {
    child.on("error", (err) => {
      log.error("could not start", { ...label, error: err.message });
      resolve({ code: 127, signal: null });
    });
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid ?? -1;
  const signal = (sig: NodeJS.Signals | 0) => {
    if (pid <= 0) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false; // ESRCH: the group is empty
    }
  };
  return { pid, exited, signal: (sig) => signal(sig), alive: () => signal(0) && hasLiveMember(pid), stdin: child.stdin };
}

/**
 * A killed process stays a zombie in its group until reaped, and a container's init may never reap
 * orphans: so "alive" means a member that is not a zombie (Linux /proc; elsewhere, any member).
 */
function hasLiveMember(pgid: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return true;
  }
  return pids.some((p) => {
    try {
      // Fields after the command name (which may contain spaces): state ppid pgrp ...
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(pgrp) === pgid && state !== "Z";
    } catch {
      return false;
    }
  });
}

/** SIGKILLs the whole group and waits until no process of it is left (bounded: 5 s, then gives up). */
export async function killGroup(group: ProcessGroup): Promise<void> {
  group.signal("SIGKILL");
  for (let i = 0; i < 500 && group.alive(); i++) {
    group.signal("SIGKILL");
    await new Promise((r) => setTimeout(r, 10));
  }
}
