// Where the console is and which token to use: --url/--token, else FAILOVER_URL/FAILOVER_TOKEN,
// else the config file (--config, FAILOVER_CONFIG, or ~/.config/failoverctl/config.json).
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Connection } from "./api-client";
import { CliError, EXIT, usageError } from "./exit-codes";

const configFileSchema = z.strictObject({ url: z.string().optional(), token: z.string().optional() });

export type ConnectionFlags = { url?: string; token?: string; config?: string };

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "failoverctl", "config.json");
}

function readConfigFile(file: string, explicit: boolean): z.infer<typeof configFileSchema> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    // The default file is optional; one the operator named must exist.
    if (!explicit && (err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw usageError(`config file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw usageError(`config file ${file}: not JSON (expected {"url": "...", "token": "fct_..."})`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usageError(`config file ${file}: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`);
  }
  return parsed.data;
}

export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Connection {
  const explicit = flags.config ?? env.FAILOVER_CONFIG;
  const file = readConfigFile(explicit ?? defaultConfigPath(env), explicit !== undefined);
  const url = flags.url ?? env.FAILOVER_URL ?? file.url;
  const token = flags.token ?? env.FAILOVER_TOKEN ?? file.token;
  if (!url) throw usageError("no console URL: pass --url, set FAILOVER_URL or put url in the config file");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url ${url}: not a URL (expected e.g. https://failover.example.com)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw usageError(`--url ${url}: must be http:// or https://`);
  if (!token)
    throw new CliError(
      EXIT.AUTH,
      "no API token: set FAILOVER_TOKEN, pass --token or put token in the config file (create one on the console's API tokens page)",
    );
  // Checked here so that a malformed one (two lines from a grep, a stray space) is never echoed
  // back in an error, e.g. fetch's "invalid header value".
  if (!/^fct_[A-Za-z0-9_-]+$/.test(token))
    throw new CliError(
      EXIT.AUTH,
      "the API token is malformed (expected fct_ and letters, digits, - or _ only, on one line); check --token, FAILOVER_TOKEN or the config file",
    );
  return { url: parsed.origin, token };
}
