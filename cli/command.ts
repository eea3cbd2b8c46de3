// What every subcommand is: its usage line, positionals, options (node:util parseArgs) and run.
import type { ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { nameSchema, serviceSchema } from "../lib/api/schemas";
import type { ApiClient } from "./api-client";
import { CliError, EXIT, usageError, type ExitCode } from "./exit-codes";

/** No option is `multiple`, so each value is one string or boolean. */
export type Values = Record<string, string | boolean | undefined>;
export type Options = NonNullable<ParseArgsConfig["options"]>;

export type CommandContext = {
  api: ApiClient;
  /** Positionals after the subcommand, as many as it declares (checked before run). */
  args: string[];
  values: Values;
  json: boolean;
  /** A result line (stdout). */
  print(text: string): void;
  /** Progress and notes (stderr), so stdout stays the result, e.g. for --json. */
  note(text: string): void;
};

export type CommandSpec = {
  summary: string;
  /** After "failoverctl NAME ". */
  usage: string;
  positionals: { name: string; optional?: boolean }[];
  /** Takes any number of positionals past those declared (list CLUSTER...). */
  morePositionals?: boolean;
  options: Options;
  /** Changes something: takes --reason. */
  changes?: boolean;
  run(ctx: CommandContext): Promise<ExitCode | void>;
};

export const REASON_OPTION: Options = { reason: { type: "string" } };
/** --service NAME: one service of a cluster of several (left out: the only one, or where it makes sense, every one). */
export const SERVICE_OPTION: Options = { service: { type: "string" } };

/** A positional or option value checked with a request schema: a usage error (exit 2) naming it, before anything is sent. */
export function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw usageError(`${what}: ${where}${issue.message}`);
  }
  return parsed.data;
}

export const clusterArg = (ctx: CommandContext, i = 0) => checked(nameSchema, ctx.args[i], `CLUSTER ${JSON.stringify(ctx.args[i])}`);
export const nodeArg = (ctx: CommandContext, i = 1) => checked(nameSchema, ctx.args[i], `NODE ${JSON.stringify(ctx.args[i])}`);

/** --service, checked with the API's name rule; undefined when not given. */
export const serviceOption = (ctx: CommandContext): string | undefined =>
  ctx.values.service === undefined ? undefined : checked(serviceSchema, ctx.values.service, `--service ${JSON.stringify(ctx.values.service)}`);

/** A path with ?service= when a service is named. */
export const withService = (path: string, service: string | undefined) => (service === undefined ? path : `${path}?service=${encodeURIComponent(service)}`);
/** How output names a cluster's service: "ep (ocr)", or the cluster alone. */
export const serviceLabel = (cluster: string, service: string | undefined) => (service === undefined ? cluster : `${cluster} (${service})`);

export const clusterPath = (cluster: string) => `/api/v1/clusters/${encodeURIComponent(cluster)}`;
export const nodePath = (cluster: string, node: string) => `${clusterPath(cluster)}/nodes/${encodeURIComponent(node)}`;

/**
 * For following a command or a rebalance: asks the console again while it restarts or its database
 * fails over (unreachable, or a proxy's HTML error page instead of the API's answer), saying so once
 * per outage; null while it does not answer. Anything else is thrown: the thing followed goes on
 * by itself either way.
 */
export function patientPoll(ctx: CommandContext): <T>(ask: () => Promise<T>) => Promise<T | null> {
  let noted = false;
  return async (ask) => {
    try {
      const answer = await ask();
      noted = false;
      return answer;
    } catch (err) {
      if (!(err instanceof CliError) || (err.exitCode !== EXIT.UNREACHABLE && err.exitCode !== EXIT.BAD_ANSWER)) throw err;
      if (!noted) ctx.note(`${err.message}; still waiting`);
      noted = true;
      return null;
    }
  };
}
