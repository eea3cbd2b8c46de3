// The chaos run's workload: what the agents start and stop, and the service-level overlap check.
//
// Two workloads:
// - hooks: the promote hook takes 0-3 s (a real `sleep`), then starts the service as a daemon (its
//   own session); the demote hook takes 0-3 s (a graceful stop, kept inside the demote budget),
//   then stops the service and waits until it is gone.
// - supervise: the agent runs the service itself (`--supervise`); on SIGTERM the service takes 0-3 s
//   to stop, and a few instances ignore SIGTERM so that the agent must SIGKILL them at the budget.
//
// Overlap detection, kernel-backed: every service instance (hooks: from the start of its promote
// hook; supervise: the supervised process) takes `flock -n` on one shared lock file and keeps that
// file descriptor for as long as it lives. The kernel drops a flock only when every process holding
// the descriptor is gone (SIGKILL included), so failing to get it means another instance still runs:
// the instance records the overlap (who, when, the holder) and keeps trying until it gets the lock.
// The first overlap of a run is always recorded; later ones may merge while an overlap lasts.
//
// Health check: the service (and, in the hooks workload, the promote hook that starts it) writes a
// heartbeat (bash's $EPOCHREALTIME, no fork) into hb/NODE every ~100 ms; the agents' check command
// (check.sh, only while active) fails when it is over CHECK_STALE_MS old. So a crashed service
// (kill -9) and a hung one (SIGSTOP: it still holds the service lock) both fail the check, and the
// active hands over; in supervised mode the process exiting also makes the agent step down at once.
//
// Hooks also write wall-clock timestamps (date +%s%N, one clock for every process on this machine),
// from which the service intervals [promote hook started, demote hook finished] are rebuilt.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { overlappingIntervals, type AgentActiveSpan, type LogLine } from "../../agent/role-log";

export type WorkloadKind = "hooks" | "supervise";
export type WorkloadOptions = {
  dir: string;
  kind: WorkloadKind;
  seed: number;
  hookMaxMs: number;
  demoteMaxMs: number;
  stopMaxMs: number;
  stubbornPct: number;
  /**
   * Several services (--services N > 1): their names. Every file of the workload (lock, holder,
   * events, overlaps, heartbeat, pid files) is then keyed by the SERVICE the agent puts in the
   * environment of hooks, supervised processes and checks; absent, the one service's files keep
   * their names (service.lock, service-events.log, hb/NODE, svc/NODE.PID).
   */
  services?: string[];
};

/** What prepareWorkload gives each agent: its flags (one service), or its entry of a --service-config file (several). */
export type WorkloadSetup = { flags: (node: string) => string[]; entry: (node: string) => Record<string, string | string[] | number> };

/** The agents' check of the service heartbeat: interval, timeout, rise, fall, and the age at which it fails. */
export const CHECK = { intervalMs: 500, timeoutMs: 400, rise: 2, fall: 3, staleMs: 1000 };

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The files of one service, relative to the run folder (`svc` is the folder of its instances' pid files). */
export function serviceFiles(service?: string) {
  if (!service) return { events: "service-events.log", overlaps: "service-overlaps.log", svc: "svc" };
  return { events: `service-events.${service}.log`, overlaps: `service-overlaps.${service}.log`, svc: `svc/${service}` };
}

/** Writes the scripts into dir and returns what the agents run. */
export async function prepareWorkload(o: WorkloadOptions): Promise<WorkloadSetup> {
  const several = !!o.services;
  await mkdir(path.join(o.dir, "svc"), { recursive: true });
  for (const s of o.services ?? []) await mkdir(path.join(o.dir, serviceFiles(s).svc), { recursive: true });
  const files = several
    ? `# Several services: every file is the service's own (SERVICE comes from the agent).
if [ -z "$SERVICE" ]; then echo "chaos: SERVICE is not set" >&2; exit 97; fi
LOCK="$DIR/service.$SERVICE.lock"
EVENTS="$DIR/service-events.$SERVICE.log"
OVERLAPS="$DIR/service-overlaps.$SERVICE.log"
HOLDER="$DIR/service.$SERVICE.holder"
HB="$DIR/hb/$SERVICE.$NODE"
SVC="$DIR/svc/$SERVICE"
SEED_KEY="$SERVICE $NODE"`
    : `LOCK="$DIR/service.lock"
EVENTS="$DIR/service-events.log"
OVERLAPS="$DIR/service-overlaps.log"
HOLDER="$DIR/service.holder"
HB="$DIR/hb/$NODE"
SVC="$DIR/svc"
SEED_KEY="$NODE"`;
  const lib = `# Sourced by the chaos workload's scripts; NODE and EPOCH come from the agent (or the caller).
DIR=${q(o.dir)}
SEED=${o.seed % 32768}
${files}
CHAOS_HELD=\${CHAOS_HELD:-0}
CHAOS_OVERLAPPED=\${CHAOS_OVERLAPPED:-0}
now() { date +%s%N; }
# The heartbeat the agents' check reads (microseconds, a builtin write: no fork), when HEARTBEAT=1.
heartbeat() { if [ "$HEARTBEAT" = 1 ]; then echo "\${EPOCHREALTIME/./}" >"$HB"; fi; }
event() { echo "$(now) $NODE \${EPOCH:--} $$ $*" >>"$EVENTS"; }
# Durations follow the run's seed, the node (and service), the epoch and the script.
seed_random() { RANDOM=$(( (SEED + \${EPOCH:-0} * 7919 + $(cksum <<<"$SEED_KEY $1" | cut -d' ' -f1)) % 32768 )); }
random_ms() { echo $(( (RANDOM * 32768 + RANDOM) % ($1 + 1) )); }
# One try at the service lock (fd 9). Failing means another service instance still runs: record it once.
try_lock() {
  if flock -n 9; then
    CHAOS_HELD=1
    echo "$NODE \${EPOCH:--} pid $$ since $(now)" >"$HOLDER"
    if [ "$CHAOS_OVERLAPPED" = 1 ]; then event overlap-end; fi
    return 0
  fi
  if [ "$CHAOS_OVERLAPPED" = 0 ]; then
    CHAOS_OVERLAPPED=1
    echo "$(now) $NODE \${EPOCH:--} $$ $1 holder: $(cat "$HOLDER" 2>/dev/null)" >>"$OVERLAPS"
    event overlap-start "$1"
  fi
  return 1
}
# Waits MS milliseconds in steps of at most 100 ms (a background sleep without the lock descriptor,
# so a trapped signal is handled at once), retrying the lock meanwhile when it is not held yet.
pause_ms() {
  local left=$1 step
  while [ "$left" -gt 0 ]; do
    heartbeat
    step=$(( left < 100 ? left : 100 ))
    sleep "0.$(printf %03d "$step")" 9>&- &
    wait $!
    left=$(( left - step ))
    if [ "$LOCKING" = 1 ] && [ "$CHAOS_HELD" = 0 ]; then try_lock retry; fi
  done
}
# A live process (not a zombie) that is one of this run's services.
is_service() {
  local state
  [ -r "/proc/$1/stat" ] && read -r _ _ state _ <"/proc/$1/stat" && [ "$state" != Z ] && grep -qa "$DIR/service.sh" "/proc/$1/cmdline" 2>/dev/null
}
`;
  const service = `#!/bin/bash
# The service: runs until stopped, holding the service lock (fd 9) for as long as it lives.
# usage: service.sh hooks|supervise [NODE]
MODE=$1
NODE=\${2:-$NODE}
source ${q(path.join(o.dir, "lib.sh"))}
LOCKING=1
HEARTBEAT=1
heartbeat
if [ "$CHAOS_INHERIT_LOCK" != 1 ]; then
  exec 9>>"$LOCK"
  try_lock service-start
fi
echo "$MODE" >"$SVC/$NODE.$$"
event service-start "$MODE"
seed_random service
STOP_MS=0
if [ "$MODE" = supervise ]; then
  STOP_MS=$(random_ms ${o.stopMaxMs})
  if [ "$(random_ms 99)" -lt ${o.stubbornPct} ]; then STUBBORN=1; fi
fi
on_term() {
  event service-term "$STOP_MS"
  pause_ms "$STOP_MS"
  event service-exit
  rm -f "$SVC/$NODE.$$"
  exit 0
}
if [ "$STUBBORN" = 1 ]; then
  event service-ignores-term
  trap '' TERM
else
  trap on_term TERM
fi
while :; do pause_ms 1000; done
`;
  const promote = `#!/bin/bash
# Promote hook: a start-up of 0-${o.hookMaxMs} ms, then the service as a daemon (its own session) that
# inherits the lock descriptor, so the lock is held without a gap from the hook's start.
source ${q(path.join(o.dir, "lib.sh"))}
LOCKING=1
# The service is starting up: its heartbeat begins with the hook, so the check passes meanwhile.
HEARTBEAT=1
heartbeat
exec 9>>"$LOCK"
event promote-start
try_lock promote-hook
seed_random promote
pause_ms "$(random_ms ${o.hookMaxMs})"
CHAOS_HELD=$CHAOS_HELD CHAOS_OVERLAPPED=$CHAOS_OVERLAPPED CHAOS_INHERIT_LOCK=1 setsid bash "$DIR/service.sh" hooks </dev/null >>"$DIR/service-output.log" 2>&1 &
# Return once the service is up (its pid file written), so that the demote hook finds it.
deadline=$(( $(now) + 2000000000 ))
until [ -e "$SVC/$NODE.$!" ] || [ "$(now)" -gt "$deadline" ]; do sleep 0.01; done
event promote-end
`;
  const demote = `#!/bin/bash
# Demote hook: a graceful stop of 0-${o.demoteMaxMs} ms, then this node's service is stopped (SIGTERM to
# its process group, SIGKILL after 1 s; a hung one, stopped by SIGSTOP, SIGKILL at once: it cannot
# drain) and the hook returns once it is gone.
source ${q(path.join(o.dir, "lib.sh"))}
event demote-start
seed_random demote
pause_ms "$(random_ms ${o.demoteMaxMs})"
shopt -s nullglob
pids=()
for f in "$SVC/$NODE".*; do
  pid=\${f##*.}
  if ! is_service "$pid"; then rm -f "$f"; continue; fi
  pids+=("$pid")
  read -r _ _ state _ <"/proc/$pid/stat"
  if [ "$state" = T ]; then
    event demote-kills-hung-service
    kill -KILL -- "-$pid" 2>/dev/null
  else
    kill -TERM -- "-$pid" 2>/dev/null
  fi
done
# Waits up to 1 s until none of them is left.
gone() {
  local deadline=$(( $(now) + 1000000000 )) pid left
  while :; do
    left=0
    for pid in "\${pids[@]}"; do is_service "$pid" && left=1; done
    [ "$left" = 0 ] && return 0
    [ "$(now)" -gt "$deadline" ] && return 1
    sleep 0.01
  done
}
if ! gone; then
  event demote-kills-service
  for pid in "\${pids[@]}"; do is_service "$pid" && kill -KILL -- "-$pid" 2>/dev/null; done
  gone
fi
for pid in "\${pids[@]}"; do rm -f "$SVC/$NODE.$pid"; done
event demote-end
`;
  const check = `#!/bin/bash
# Health check (--check-cmd, only while active): passes while this node's service heartbeat is under
# ${CHECK.staleMs} ms old. NODE (and SERVICE) come from the agent (a check sees only PATH, LANG, CLUSTER, SERVICE, NODE, ROLE).
HB=${q(path.join(o.dir, "hb"))}/${several ? "$SERVICE.$NODE" : "$NODE"}
# A read that races the writer's truncation sees nothing: one retry.
read -r t <"$HB" 2>/dev/null || { sleep 0.02; read -r t <"$HB" 2>/dev/null; } || { echo "no heartbeat"; exit 1; }
age=$(( \${EPOCHREALTIME/./} - t ))
if [ "$age" -gt ${CHECK.staleMs * 1000} ]; then echo "service heartbeat $(( age / 1000 )) ms old"; exit 1; fi
`;
  await mkdir(path.join(o.dir, "hb"), { recursive: true });
  const checkFlags = [
    "--check-cmd",
    `heartbeat=bash ${q(path.join(o.dir, "check.sh"))}`,
    "--check-when",
    "active",
    "--check-interval-ms",
    String(CHECK.intervalMs),
    "--check-timeout-ms",
    String(CHECK.timeoutMs),
    "--check-rise",
    String(CHECK.rise),
    "--check-fall",
    String(CHECK.fall),
  ];
  for (const [name, text] of [
    ["check.sh", check],
    ["lib.sh", lib],
    ["service.sh", service],
    ["promote.sh", promote],
    ["demote.sh", demote],
  ]) {
    await writeFile(path.join(o.dir, name), text);
    await chmod(path.join(o.dir, name), 0o755);
  }
  for (const s of o.services ?? [undefined]) {
    await writeFile(path.join(o.dir, serviceFiles(s).events), "");
    await writeFile(path.join(o.dir, serviceFiles(s).overlaps), "");
  }
  const workloadFlags = (node: string) =>
    o.kind === "supervise"
      ? ["--supervise", `bash ${q(path.join(o.dir, "service.sh"))} supervise ${node}`]
      : ["--on-promote", `bash ${q(path.join(o.dir, "promote.sh"))}`, "--on-demote", `bash ${q(path.join(o.dir, "demote.sh"))}`];
  return {
    flags: (node) => [...workloadFlags(node), ...checkFlags],
    // The same settings as the flags, keyed by the flag names ("check-cmd" a list).
    entry: (node) => {
      const entry: Record<string, string | string[] | number> = {};
      const flags = [...workloadFlags(node), ...checkFlags];
      for (let i = 0; i < flags.length; i += 2) {
        const key = flags[i].slice(2);
        entry[key] = key === "check-cmd" ? [flags[i + 1]] : flags[i + 1];
      }
      return entry;
    },
  };
}

export type ServiceEvent = { ns: bigint; node: string; epoch: string; pid: number; event: string; args: string[] };

export function readServiceEvents(dir: string, service?: string): ServiceEvent[] {
  return readFileSync(path.join(dir, serviceFiles(service).events), "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      const [ns, node, epoch, pid, event, ...args] = line.split(" ");
      return /^\d+$/.test(ns) && event ? [{ ns: BigInt(ns), node, epoch, pid: Number(pid), event, args }] : [];
    });
}

/** The lines the service instances wrote when they found the lock taken. */
export function readFlockOverlaps(dir: string, service?: string): string[] {
  return readFileSync(path.join(dir, serviceFiles(service).overlaps), "utf8")
    .split("\n")
    .filter(Boolean);
}

export type ServiceInterval = AgentActiveSpan & { endedBy: string };
type AgentLine = LogLine & { t?: string; error?: string };

const wallNs = (t: string | undefined) => (t ? BigInt(Date.parse(t)) * 1_000_000n : null);

/**
 * Hooks workload: per node and epoch, [promote hook started, demote hook finished] in wall-clock ns.
 * A demote hook that never wrote its end (killed) ends at the agent's first log line about that
 * hook after it started; a promote hook killed before any demote hook ran, likewise, or later when
 * the service it started outlived it. With no demote hook at all (the agent died: kill -9, crash), the
 * service ends when `goneAt` saw its instance gone; anything else still open ends at `untilNs`.
 */
export function serviceIntervals(
  events: ServiceEvent[],
  agentLines: AgentLine[],
  untilNs: bigint,
  goneAt: (pid: number) => bigint | undefined = () => undefined,
): ServiceInterval[] {
  const byKey = new Map<string, ServiceEvent[]>();
  for (const e of events) {
    if (e.epoch === "-") continue;
    const k = `${e.node}@${e.epoch}`;
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  const firstAgentLine = (node: string, after: bigint, hook: "promote" | "demote") =>
    agentLines
      .filter((l) => l.node === node && new RegExp(`${hook} hook`, "i").test(l.msg) && !/succeeded|start(ed|ing)|output/i.test(l.msg))
      .map((l) => wallNs(l.t))
      .find((ns): ns is bigint => ns !== null && ns >= after);
  const intervals: ServiceInterval[] = [];
  for (const evs of byKey.values()) {
    const at = (name: string) => evs.find((e) => e.event === name);
    const start = at("promote-start");
    if (!start) continue;
    const iv = { node: start.node, epoch: start.epoch, start: start.ns };
    const demoteEnd = at("demote-end");
    const demoteStart = at("demote-start");
    // The instances this epoch's promote hook started, and when the last of them was seen gone
    // (undefined while one still runs or was never seen; null when there is none).
    const started = evs.filter((e) => e.event === "service-start").map((e) => goneAt(e.pid));
    const lastGone = started.length === 0 ? null : started.some((t) => t === undefined) ? undefined : started.reduce((a, b) => (a! > b! ? a : b));
    if (demoteEnd) intervals.push({ ...iv, end: demoteEnd.ns, endedBy: "demote hook finished" });
    else if (demoteStart) {
      const killed = firstAgentLine(start.node, demoteStart.ns, "demote");
      intervals.push(
        killed ? { ...iv, end: killed, endedBy: "demote hook killed (agent log)" } : { ...iv, end: untilNs, endedBy: "open (demote hook running)" },
      );
    } else if (!at("promote-end")) {
      const killed = firstAgentLine(start.node, start.ns, "promote");
      if (killed && lastGone === null) intervals.push({ ...iv, end: killed, endedBy: "promote hook killed (agent log)" });
      else if (killed && lastGone) intervals.push({ ...iv, end: lastGone > killed ? lastGone : killed, endedBy: "promote hook killed, its service seen gone" });
      else intervals.push({ ...iv, end: untilNs, endedBy: killed ? "open (promote hook killed, its service running)" : "open (promote hook running)" });
    } else if (lastGone) intervals.push({ ...iv, end: lastGone, endedBy: "no demote hook, service seen gone" });
    else intervals.push({ ...iv, end: untilNs, endedBy: "open (service running)" });
  }
  return intervals;
}

export const serviceOverlaps = (intervals: ServiceInterval[]) => overlappingIntervals(intervals) as [ServiceInterval, ServiceInterval][];

/** Hooks the agents logged as killed or timed out, by kind ("promote"/"demote"). */
export function killedHooks(agentLines: AgentLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of agentLines) {
    const m = /(promote|demote) hook/i.exec(l.msg);
    if (!m || !/timed out|killed|budget|timeout/i.test(`${l.msg} ${l.error ?? ""}`)) continue;
    out[m[1].toLowerCase()] = (out[m[1].toLowerCase()] ?? 0) + 1;
  }
  return out;
}

/** A process's state letter (R, S, T, Z...) and process group, from /proc (null when it is gone). */
export function procStat(pid: number | "self"): { state: string; pgid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** Service instances still alive (pid files of this run, or of one of its services, whose process runs this run's service.sh). */
export function liveServices(dir: string, service?: string): { node: string; pid: number }[] {
  const svc = path.join(dir, serviceFiles(service).svc);
  if (!existsSync(svc)) return [];
  return readdirSync(svc).flatMap((f) => {
    const pid = Number(f.slice(f.lastIndexOf(".") + 1));
    return isLiveService(dir, pid) ? [{ node: f.slice(0, f.lastIndexOf(".")), pid }] : [];
  });
}

/** A live process (not a zombie) running this run's service.sh. */
function isLiveService(dir: string, pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path.join(dir, "service.sh"));
  } catch {
    return false;
  }
}

/**
 * Watches every service instance of the run (each service-start event's pid, and the pid files)
 * and notes when it is seen gone, within `everyMs`: the end of an instance that no demote hook
 * stopped (its agent died; the instance was killed later, by chaos or by a later demote hook of
 * its node). Seen late rather than early, so an overlap can be over-reported, never hidden.
 */
export function watchServices(dir: string, services: (string | undefined)[], everyMs = 100) {
  const gone = new Map<string, bigint>(); // "service pid" -> ns
  const tracked = new Map<string, number>();
  const offsets = new Map<string | undefined, number>();
  const newLines = (service: string | undefined): string[] => {
    const fd = openSync(path.join(dir, serviceFiles(service).events), "r");
    try {
      const from = offsets.get(service) ?? 0;
      const size = fstatSync(fd).size;
      if (size <= from) return [];
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      const end = buf.lastIndexOf(10) + 1; // whole lines only
      offsets.set(service, from + end);
      return buf.subarray(0, end).toString("utf8").split("\n");
    } finally {
      closeSync(fd);
    }
  };
  const tick = () => {
    for (const service of services) {
      for (const line of newLines(service)) {
        const f = line.split(" ");
        if (f[4] === "service-start") tracked.set(`${service} ${f[3]}`, Number(f[3]));
      }
      for (const s of liveServices(dir, service)) tracked.set(`${service} ${s.pid}`, s.pid);
    }
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const [key, pid] of tracked) {
      if (isLiveService(dir, pid)) continue;
      gone.set(key, now);
      tracked.delete(key);
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    /** When the instance `pid` of `service` was seen gone (undefined: still running, or never seen). */
    goneAt: (service: string | undefined, pid: number) => gone.get(`${service} ${pid}`),
    stop() {
      clearInterval(timer);
      tick();
    },
  };
}
