import os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseDatabaseUrl } from "../lib/db/check-connection";

export const USAGE = `usage: cluster-agent --cluster NAME --node NAME [options]

  --cluster NAME         cluster to join (created on first use)            env CLUSTER_NAME
  --node NAME            this node's name, unique in the cluster            env NODE_NAME
  --db URL               PostgreSQL URL shared by the cluster              env DATABASE_URL
  --priority N           election priority, 0 = never promoted automatically (default: keep, 100 for a new node)  env NODE_PRIORITY
  --host NAME            host name shown in the console (default: os.hostname())  env NODE_HOST
  --health-port P        serve GET /health and GET /active on P (0 = any free port; default: off)  env HEALTH_PORT
  --health-host ADDR     address to bind the health endpoint (default 0.0.0.0)  env HEALTH_HOST
  --on-promote CMD       shell command run after becoming active           env ON_PROMOTE
  --on-demote CMD        shell command run when leaving the active role    env ON_DEMOTE
  --hook-timeout-ms MS   kill a hook after MS (default 30000)              env HOOK_TIMEOUT_MS
  --connect-timeout-ms MS  give up if the database is unreachable at start for MS (default 0: keep retrying)  env CONNECT_TIMEOUT_MS
  --log-level LEVEL      debug | info | warn | error (default info)        env LOG_LEVEL
  --help                 show this text

Hooks get CLUSTER, NODE, ROLE and EPOCH in their environment. Heartbeat and lease timings are
cluster settings, changed in the console.`;

const name = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits, dot, dash or underscore");
const intIn = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};

const schema = z.object({
  cluster: name,
  node: name,
  db: z.string().superRefine((url, ctx) => {
    try {
      parseDatabaseUrl(url, "--db");
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^--db /, "") });
    }
  }),
  priority: intIn(0, 1_000_000).optional(),
  host: z.string().trim().min(1).max(255).default(os.hostname()),
  healthPort: intIn(0, 65535).optional(),
  healthHost: z.string().trim().min(1).default("0.0.0.0"),
  onPromote: z.string().min(1).optional(),
  onDemote: z.string().min(1).optional(),
  hookTimeoutMs: intIn(100, 600_000).default(30_000),
  connectTimeoutMs: intIn(0, 86_400_000).default(0),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type AgentConfig = z.infer<typeof schema>;

const FLAGS = {
  cluster: { env: "CLUSTER_NAME", key: "cluster" },
  node: { env: "NODE_NAME", key: "node" },
  db: { env: "DATABASE_URL", key: "db" },
  priority: { env: "NODE_PRIORITY", key: "priority" },
  host: { env: "NODE_HOST", key: "host" },
  "health-port": { env: "HEALTH_PORT", key: "healthPort" },
  "health-host": { env: "HEALTH_HOST", key: "healthHost" },
  "on-promote": { env: "ON_PROMOTE", key: "onPromote" },
  "on-demote": { env: "ON_DEMOTE", key: "onDemote" },
  "hook-timeout-ms": { env: "HOOK_TIMEOUT_MS", key: "hookTimeoutMs" },
  "connect-timeout-ms": { env: "CONNECT_TIMEOUT_MS", key: "connectTimeoutMs" },
  "log-level": { env: "LOG_LEVEL", key: "logLevel" },
} as const;

export class ConfigError extends Error {}

/** Flags win over environment variables; every problem is reported by its flag name. */
export function parseAgentConfig(argv: string[], env: NodeJS.ProcessEnv): AgentConfig | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }]));
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
  const result = schema.safeParse(raw);
  if (!result.success) {
    const byKey = Object.fromEntries(Object.entries(FLAGS).map(([flag, { key, env: v }]) => [key, `--${flag} (${v})`]));
    const describe = (key: string, message: string) => `${byKey[key] ?? key}: ${raw[key] === undefined ? "is required" : message}`;
    throw new ConfigError(result.error.issues.map((i) => describe(String(i.path[0]), i.message)).join("; "));
  }
  return result.data;
}
