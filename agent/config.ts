import os from "node:os";
import { parseArgs } from "node:util";
import { PRIORITY_MAX } from "../lib/cluster/priority";
import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { DEFAULT_TIMINGS, timingProblem } from "../lib/cluster/timing";
import { splitHostPort, type CheckSpec, type CheckTuning } from "./checks";
import { parseDatabaseTarget } from "../lib/db/database-url";

export const USAGE = `usage: cluster-agent --cluster NAME --node NAME [options]

  --cluster NAME         cluster to join (created on first use)            env CLUSTER_NAME
  --node NAME            this node's name, unique in the cluster            env NODE_NAME
  --db URL               PostgreSQL URL shared by the cluster              env DATABASE_URL
  --service NAME         the service of the cluster this agent serves (default main)  env SERVICE_NAME
  --mode ONE|ALL         ONE: one node serves at a time; ALL: every healthy node serves (active-active);
                         fixed when the service is created (default: the service's, ONE for a new one)  env SERVICE_MODE
  --min-active N         ALL mode: fewer serving nodes than N is an event (default 1; new services)  env MIN_ACTIVE
  --service-config FILE  host several services: JSON { "services": [ { "service": "ocr", "supervise": "...",
                         "check-http": [...], ... }, ... ] }, each entry keyed by the per-service flags
                         without dashes (service, mode, min-active, priority, on-promote, on-demote,
                         supervise, hook-timeout-ms, heartbeat-ms, lease-ms, demote-timeout-ms, and the
                         check flags); these are then not allowed as flags or variables  env SERVICE_CONFIG
  --priority N           election priority, 0 = never promoted automatically (default: keep, 100 for a new node)  env NODE_PRIORITY
  --host NAME            host name shown in the console (default: os.hostname())  env NODE_HOST
  --health-port P        serve GET /health and GET /active (several services: GET /services/NAME/active)
                         on P (0 = any free port; default: off)  env HEALTH_PORT
  --health-host ADDR     address to bind the health endpoint (default 0.0.0.0)  env HEALTH_HOST
  --on-promote CMD       shell command run after becoming active           env ON_PROMOTE
  --on-demote CMD        shell command run when leaving the active role    env ON_DEMOTE
  --supervise CMD        supervised mode: run CMD while active, stop it (SIGTERM, then SIGKILL after the
                         cluster's demote budget) when not;
                         it dies with the agent, and a watchdog kills it if the agent freezes  env SUPERVISE
  --hook-timeout-ms MS   kill a hook after MS (default 30000)              env HOOK_TIMEOUT_MS
  --heartbeat-ms MS      heartbeat interval for a cluster this agent creates (default 1000)  env HEARTBEAT_MS
  --lease-ms MS          lease for a cluster this agent creates (default 5000)  env LEASE_MS
  --demote-timeout-ms MS demote budget for a cluster this agent creates (default 1000)  env DEMOTE_TIMEOUT_MS
  --connect-timeout-ms MS  give up if the database is unreachable at start for MS (default 0: keep retrying)  env CONNECT_TIMEOUT_MS
  --check-http [name=]URL        health check: 2xx passes (repeatable)             env CHECK_HTTP
  --check-tcp [name=]HOST:PORT   health check: a TCP connection passes (repeatable) env CHECK_TCP
  --check-cmd [name=]CMD         health check: exit 0 passes (repeatable)          env CHECK_CMD
  --gateway HOST:PORT    isolation check: unreachable means this node is cut off (never promoted;
                         an active steps down)                              env GATEWAY
  --check-interval-ms MS, --check-timeout-ms MS, --check-rise N, --check-fall N
                         every check (defaults 2000, 1000, 2, 3)   env CHECK_INTERVAL_MS, ...
  --check-when always|active  run the checks on every node, or only while active (a check of a
                         service that runs only on the active; default always)  env CHECK_WHEN
  --log-level LEVEL      debug | info | warn | error (default info)        env LOG_LEVEL
  --help                 show this text

Hooks and the supervised process get CLUSTER, SERVICE, NODE, ROLE and EPOCH in their environment; each
runs in a process group of its own, killed whole on timeout. Heartbeat, lease and demote budget
are cluster settings: --heartbeat-ms/--lease-ms/--demote-timeout-ms apply when this agent creates
the cluster; after that, change them in the console (agents follow within one heartbeat). The
demote budget is how long a demote hook may run when the lease cannot be renewed: the lease must
exceed 2 x heartbeat + fencing margin + demote budget.

Checks: an active whose checks fail steps down to a standby whose checks pass (it keeps the role
when none does); a standby whose checks fail is never elected. Environment variables of the
repeatable check flags take one check per line. A check command sees only PATH, LANG, CLUSTER,
SERVICE, NODE and ROLE, not the agent's environment.

Services: a server may host several services of one cluster, each with its own lease, epoch,
hooks or supervised command, and checks. A service without an active goes to the best eligible
server: priority first, then the server holding the fewest other services, then by name; a dead
server's services move one by one to the survivors, spread over them.`;

// Hand-written checks rather than zod: zod is ~0.7 MB of the 1 MB agent bundle and ~10 MB of
// the agent's RSS (budget 60 MB); the messages are the ones the zod schema gave.
type Check<T> = (value: unknown) => { ok: true; value: T } | { ok: false; message: string };

const NAME_MESSAGE = "must be 1-64 letters, digits, dot, dash or underscore";
const name: Check<string> = (v) => {
  const t = String(v).trim();
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(t) ? { ok: true, value: t } : { ok: false, message: NAME_MESSAGE };
};
const intIn =
  (min: number, max: number): Check<number> =>
  (v) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= min && n <= max ? { ok: true, value: n } : { ok: false, message: `must be an integer from ${min} to ${max}` };
  };
const text =
  ({ trim = false, min = 1, max = Infinity }: { trim?: boolean; min?: number; max?: number }): Check<string> =>
  (v) => {
    const t = trim ? String(v).trim() : String(v);
    if (t.length < min) return { ok: false, message: `Too small: expected string to have >=${min} characters` };
    if (t.length > max) return { ok: false, message: `Too big: expected string to have <=${max} characters` };
    return { ok: true, value: t };
  };
/**
 * A shell command whose program exists and may be run: its first word (after any VAR=value
 * assignments) is looked up the way the shell will, so a typo fails at start, not at the first
 * failover.
 */
const runnable: Check<string> = (v) => {
  const command = String(v);
  const program = command
    .trim()
    .split(/\s+/)
    .find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))
    ?.split(/[;&|()<>]/)[0];
  if (!program) return { ok: false, message: "must name a program to run" };
  const found = program.includes("/") ? isExecutableFile(program) : spawnSync("/bin/sh", ["-c", 'command -v -- "$1"', "sh", program]).status === 0;
  if (!found) return { ok: false, message: `${program}: not found or not executable` };
  return { ok: true, value: command };
};
function isExecutableFile(file: string) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
const databaseUrl: Check<string> = (v) => {
  try {
    parseDatabaseTarget(String(v), "--db");
    return { ok: true, value: String(v) };
  } catch (err) {
    return { ok: false, message: (err as Error).message.replace(/^--db /, "") };
  }
};
const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
const logLevel: Check<(typeof LOG_LEVELS)[number]> = (v) =>
  (LOG_LEVELS as readonly unknown[]).includes(v)
    ? { ok: true, value: v as (typeof LOG_LEVELS)[number] }
    : { ok: false, message: `Invalid option: expected one of ${LOG_LEVELS.map((l) => `"${l}"`).join("|")}` };

/** One service this agent hosts: its own row, lease, hooks or supervised command, and checks. */
export type ServiceConfig = {
  service: string;
  mode?: "ONE" | "ALL";
  minActive?: number;
  priority?: number;
  onPromote?: string;
  onDemote?: string;
  supervise?: string;
  hookTimeoutMs: number;
  heartbeatMs?: number;
  leaseMs?: number;
  demoteTimeoutMs?: number;
  checks: CheckSpec[];
  checkTuning: CheckTuning;
};

export type AgentConfig = {
  cluster: string;
  node: string;
  db: string;
  host: string;
  healthPort?: number;
  healthHost: string;
  connectTimeoutMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  serviceConfig?: string;
  /** One (from the flags) or several (from --service-config), in the order given. */
  services: ServiceConfig[];
};

type Fields<T> = { [K in keyof T]-?: { check: Check<NonNullable<T[K]>>; required?: true; default?: () => T[K] } };
type ProcessConfig = Omit<AgentConfig, "services">;
type ServiceFlagValues = Omit<ServiceConfig, "checks" | "checkTuning">;

// In this order problems are reported; a default applies when the value is absent (undefined: optional).
const PROCESS_FIELDS: Fields<ProcessConfig> = {
  cluster: { check: name, required: true },
  node: { check: name, required: true },
  db: { check: databaseUrl, required: true },
  host: { check: text({ trim: true, max: 255 }), default: () => os.hostname() },
  healthPort: { check: intIn(0, 65535) },
  healthHost: { check: text({ trim: true }), default: () => "0.0.0.0" },
  connectTimeoutMs: { check: intIn(0, 86_400_000), default: () => 0 },
  logLevel: { check: logLevel, default: () => "info" },
  serviceConfig: { check: text({}) },
};
const SERVICE_FIELDS: Fields<ServiceFlagValues> = {
  service: { check: name, default: () => "main" },
  mode: { check: oneOf(["ONE", "ALL"] as const) },
  minActive: { check: intIn(1, 1000) },
  priority: { check: intIn(0, PRIORITY_MAX) },
  onPromote: { check: runnable },
  onDemote: { check: runnable },
  supervise: { check: runnable },
  hookTimeoutMs: { check: intIn(100, 600_000), default: () => 30_000 },
  heartbeatMs: { check: intIn(50, 60_000) },
  leaseMs: { check: intIn(100, 600_000) },
  demoteTimeoutMs: { check: intIn(0, 600_000) },
};

const FLAGS = {
  cluster: { env: "CLUSTER_NAME", key: "cluster" },
  node: { env: "NODE_NAME", key: "node" },
  db: { env: "DATABASE_URL", key: "db" },
  host: { env: "NODE_HOST", key: "host" },
  "health-port": { env: "HEALTH_PORT", key: "healthPort" },
  "health-host": { env: "HEALTH_HOST", key: "healthHost" },
  "connect-timeout-ms": { env: "CONNECT_TIMEOUT_MS", key: "connectTimeoutMs" },
  "log-level": { env: "LOG_LEVEL", key: "logLevel" },
  "service-config": { env: "SERVICE_CONFIG", key: "serviceConfig" },
} as const;

/** Settings of one service: flags for the one service of a simple agent, keys of each entry of a --service-config file. */
const SERVICE_FLAGS = {
  service: { env: "SERVICE_NAME", key: "service" },
  mode: { env: "SERVICE_MODE", key: "mode" },
  "min-active": { env: "MIN_ACTIVE", key: "minActive" },
  priority: { env: "NODE_PRIORITY", key: "priority" },
  "on-promote": { env: "ON_PROMOTE", key: "onPromote" },
  "on-demote": { env: "ON_DEMOTE", key: "onDemote" },
  supervise: { env: "SUPERVISE", key: "supervise" },
  "hook-timeout-ms": { env: "HOOK_TIMEOUT_MS", key: "hookTimeoutMs" },
  "heartbeat-ms": { env: "HEARTBEAT_MS", key: "heartbeatMs" },
  "lease-ms": { env: "LEASE_MS", key: "leaseMs" },
  "demote-timeout-ms": { env: "DEMOTE_TIMEOUT_MS", key: "demoteTimeoutMs" },
} as const;

const DEFAULT_TUNING: CheckTuning = { intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3, when: "always" };

const CHECK_FLAGS = {
  "check-http": { env: "CHECK_HTTP", kind: "http" },
  "check-tcp": { env: "CHECK_TCP", kind: "tcp" },
  "check-cmd": { env: "CHECK_CMD", kind: "cmd" },
} as const;
const TUNING_FLAGS = {
  "check-interval-ms": { env: "CHECK_INTERVAL_MS", key: "intervalMs", check: intIn(100, 3_600_000) },
  "check-timeout-ms": { env: "CHECK_TIMEOUT_MS", key: "timeoutMs", check: intIn(50, 600_000) },
  "check-rise": { env: "CHECK_RISE", key: "rise", check: intIn(1, 100) },
  "check-fall": { env: "CHECK_FALL", key: "fall", check: intIn(1, 100) },
  "check-when": { env: "CHECK_WHEN", key: "when", check: oneOf(["always", "active"] as const) },
  gateway: { env: "GATEWAY", key: "gateway", check: hostPort },
} as const;

/** One check flag's value: an optional lower-case `name=` (so that `LANG=C cmd` stays a command), then its target. */
function parseCheck(kind: CheckSpec["kind"], value: string): { ok: true; value: CheckSpec } | { ok: false; message: string } {
  const named = /^([a-z][a-z0-9_.-]{0,31})=(.+)$/s.exec(value);
  const target = (named ? named[2] : value).trim();
  const checked = kind === "http" ? httpUrl(target) : kind === "tcp" ? hostPort(target) : runnable(target);
  if (!checked.ok) return checked;
  const name = named?.[1] ?? defaultCheckName(kind, target);
  return { ok: true, value: { name, kind, target } };
}

function defaultCheckName(kind: CheckSpec["kind"], target: string) {
  if (kind === "http") {
    const u = new URL(target);
    return `http ${u.host}${u.pathname}`.slice(0, 64);
  }
  return kind === "tcp"
    ? `tcp ${target}`
    : `cmd ${
        target
          .trim()
          .split(/\s+/)
          .find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ?? target
      }`.slice(0, 64);
}

function httpUrl(v: unknown): { ok: true; value: string } | { ok: false; message: string } {
  try {
    const u = new URL(String(v));
    if (u.protocol === "http:" || u.protocol === "https:") return { ok: true, value: u.toString() };
    return { ok: false, message: `${String(v)}: must be an http:// or https:// URL` };
  } catch {
    return { ok: false, message: `${String(v)}: not a valid URL` };
  }
}

function hostPort(v: unknown): { ok: true; value: string } | { ok: false; message: string } {
  return splitHostPort(String(v)) ? { ok: true, value: String(v) } : { ok: false, message: `${String(v)}: must be HOST:PORT with a port from 1 to 65535` };
}

function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v) => ((values as readonly unknown[]).includes(v) ? { ok: true, value: v as T } : { ok: false, message: `must be one of ${values.join(", ")}` });
}

/** The check flags (repeatable; an environment variable holds one check per line) and their tuning. */
function parseChecks(values: Record<string, string | boolean | string[] | undefined>, env: NodeJS.ProcessEnv, problems: string[]) {
  const checks: CheckSpec[] = [];
  for (const [flag, { env: variable, kind }] of Object.entries(CHECK_FLAGS)) {
    const given = (values[flag] as string[] | undefined) ?? (env[variable] ? env[variable].split("\n").filter((l) => l.trim()) : []);
    for (const value of given) {
      const r = parseCheck(kind, value);
      if (r.ok) checks.push(r.value);
      else problems.push(`--${flag} (${variable}): ${r.message}`);
    }
  }
  const tuning: Record<string, unknown> = { ...DEFAULT_TUNING };
  for (const [flag, { env: variable, key, check }] of Object.entries(TUNING_FLAGS)) {
    const value = (values[flag] as string | undefined) ?? (env[variable] || undefined);
    if (value === undefined) continue;
    const r = (check as Check<unknown>)(value);
    if (!r.ok) problems.push(`--${flag} (${variable}): ${r.message}`);
    else if (key === "gateway") checks.push({ name: "gateway", kind: "tcp", target: r.value as string, isolation: true });
    else tuning[key] = r.value;
  }
  const t = tuning as CheckTuning;
  if (t.timeoutMs > t.intervalMs) problems.push(`--check-timeout-ms (CHECK_TIMEOUT_MS): ${t.timeoutMs} must not exceed --check-interval-ms (${t.intervalMs})`);
  const names = checks.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`two checks are named "${dup}": name them with name=...`);
  return { checks, tuning: t };
}

export class ConfigError extends Error {}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Checks `fields` against raw values (flag key -> value); problems as "<label>: message". */
function checkFields<T>(fields: Fields<T>, raw: Record<string, unknown>, label: (key: string) => string, problems: string[]): T {
  const config: Record<string, unknown> = {};
  for (const [key, field] of Object.entries<{ check: Check<unknown>; required?: true; default?: () => unknown }>(fields)) {
    if (raw[key] === undefined) {
      if (field.required) problems.push(`${label(key)}: is required`);
      else if (field.default) config[key] = field.default();
      continue;
    }
    const r = field.check(raw[key]);
    if (r.ok) config[key] = r.value;
    else problems.push(`${label(key)}: ${r.message}`);
  }
  return config as T;
}

/** One service's settings from flag values (and, for the flags' one service, the environment). */
function parseService(values: Values, env: NodeJS.ProcessEnv, problems: string[], prefix = ""): ServiceConfig {
  const raw: Record<string, unknown> = {};
  for (const [flag, { env: variable, key }] of Object.entries(SERVICE_FLAGS)) {
    const value = values[flag] ?? (env[variable] === "" ? undefined : env[variable]);
    if (value !== undefined) raw[key] = value;
  }
  const byKey = Object.fromEntries(Object.entries(SERVICE_FLAGS).map(([flag, { key, env: v }]) => [key, prefix ? `${prefix}${flag}` : `--${flag} (${v})`]));
  const before = problems.length;
  const config = checkFields(SERVICE_FIELDS, raw, (k) => byKey[k] ?? k, problems);
  // The lease must leave room for two missed heartbeats, the fencing margin and the demote budget.
  const timingKeys = ["heartbeatMs", "leaseMs", "demoteTimeoutMs"] as const;
  const given = timingKeys.filter((k) => config[k] !== undefined);
  if (problems.length === before && given.length) {
    const [heartbeatMs, leaseMs, demoteTimeoutMs] = timingKeys.map((k) => config[k] ?? DEFAULT_TIMINGS[k]);
    const problem = timingProblem({ heartbeatMs, leaseMs, demoteTimeoutMs });
    if (problem) problems.push(`${byKey[given.includes("leaseMs") ? "leaseMs" : given[0]]}: ${problem}`);
  }
  const checkProblems: string[] = [];
  const { checks, tuning } = parseChecks(values, env, checkProblems);
  problems.push(...checkProblems.map((p) => (prefix ? `${prefix}${p.replace(/^--/, "").replace(/ \([A-Z_]+\)/, "")}` : p)));
  return { ...config, checks, checkTuning: tuning };
}

/**
 * A --service-config file: JSON `{ "services": [ { "service": "ocr", "supervise": "...", ... } ] }`,
 * each entry keyed by the per-service flag names (service, mode, min-active, priority, on-promote,
 * on-demote, supervise, hook-timeout-ms, heartbeat-ms, lease-ms, demote-timeout-ms, check-http,
 * check-tcp, check-cmd (string or list), check-interval-ms, check-timeout-ms, check-rise,
 * check-fall, check-when, gateway).
 */
function parseServiceFile(file: string, problems: string[]): ServiceConfig[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    problems.push(`--service-config (SERVICE_CONFIG): ${file}: ${(err as Error).message.split("\n")[0]}`);
    return [];
  }
  const entries = (doc as { services?: unknown })?.services;
  if (!Array.isArray(entries) || entries.length === 0 || entries.some((e) => typeof e !== "object" || e === null || Array.isArray(e))) {
    problems.push(`--service-config (SERVICE_CONFIG): ${file}: expected { "services": [ { "service": "NAME", ... }, ... ] } with at least one service`);
    return [];
  }
  const known = new Set([...Object.keys(SERVICE_FLAGS), ...Object.keys(CHECK_FLAGS), ...Object.keys(TUNING_FLAGS)]);
  const services = (entries as Record<string, unknown>[]).map((entry, i) => {
    const prefix = `--service-config ${file}: service ${typeof entry.service === "string" ? entry.service : `#${i + 1}`}: `;
    const unknown = Object.keys(entry).filter((k) => !known.has(k));
    if (unknown.length) problems.push(`${prefix}unknown setting${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`);
    if (entry.service === undefined) problems.push(`${prefix}service: is required`);
    const values: Values = {};
    for (const [k, v] of Object.entries(entry)) {
      if (k in CHECK_FLAGS) values[k] = (Array.isArray(v) ? v : [v]).map(String);
      else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") values[k] = String(v);
      else problems.push(`${prefix}${k}: must be a string or a number`);
    }
    return parseService(values, {} as NodeJS.ProcessEnv, problems, prefix);
  });
  const names = services.map((s) => s.service);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`--service-config (SERVICE_CONFIG): ${file}: service ${dup} is listed twice`);
  return services;
}

/** Flags win over environment variables; every problem is reported by its flag name. */
export function parseAgentConfig(argv: string[], env: NodeJS.ProcessEnv): AgentConfig | "help" {
  let values: Values;
  try {
    const options = {
      ...Object.fromEntries([...Object.keys(FLAGS), ...Object.keys(SERVICE_FLAGS), ...Object.keys(TUNING_FLAGS)].map((f) => [f, { type: "string" as const }])),
      ...Object.fromEntries(Object.keys(CHECK_FLAGS).map((f) => [f, { type: "string" as const, multiple: true }])),
    };
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message.replace(/\. To specify.*$/, ""));
  }
  if (values.help) return "help";
  const raw: Record<string, unknown> = {};
  for (const [flag, { env: variable, key }] of Object.entries(FLAGS)) {
    const value = values[flag] ?? (env[variable] === "" ? undefined : env[variable]);
    if (value !== undefined) raw[key] = value;
  }
  const problems: string[] = [];
  const byKey = Object.fromEntries(Object.entries(FLAGS).map(([flag, { key, env: v }]) => [key, `--${flag} (${v})`]));
  const config = checkFields(PROCESS_FIELDS, raw, (k) => byKey[k] ?? k, problems);
  let services: ServiceConfig[] = [];
  if (config.serviceConfig !== undefined) {
    // One place for each service's settings: the file. A flag or variable beside it would be ambiguous.
    const perService = [...Object.entries(SERVICE_FLAGS), ...Object.entries(CHECK_FLAGS), ...Object.entries(TUNING_FLAGS)]
      .filter(([flag, { env: variable }]) => values[flag] !== undefined || !!env[variable])
      .map(([flag, { env: variable }]) => `--${flag} (${variable})`);
    if (perService.length) problems.push(`${perService.join(", ")}: a per-service setting; with --service-config, set it for each service in the file`);
    else services = parseServiceFile(config.serviceConfig, problems);
  } else {
    services = [parseService(values, env, problems)];
  }
  if (problems.length) throw new ConfigError(problems.join("; "));
  return { ...config, services };
}
