// `switchover`, `promote`, `demote`: request the command, then follow it until it ends (unless
// --no-wait). Exit 0 only when it SUCCEEDED; FAILED, EXPIRED or CANCELLED exit 1 with the reason.
import type { CommandJson } from "../../lib/api/api-types";
import { clusterDetailSchema, commandSchema, TERMINAL_COMMAND_STATUSES } from "../../lib/api/response-schemas";
import { requestCommandSchema, type RequestCommandBody } from "../../lib/api/schemas";
import {
  checked,
  clusterArg,
  clusterPath,
  nodeArg,
  patientPoll,
  REASON_OPTION,
  SERVICE_OPTION,
  serviceLabel,
  serviceOption,
  withService,
  type CommandContext,
  type CommandSpec,
} from "../command";
import { CliError, EXIT, usageError } from "../exit-codes";
import { duration } from "../format";

const POLL_MS = 250;
/** How long past its deadline the CLI keeps waiting for the console to end a command itself. */
const GRACE_MS = 30_000;

const ROLE_OPTIONS = {
  ...REASON_OPTION,
  ...SERVICE_OPTION,
  force: { type: "boolean" },
  timeout: { type: "string" },
  "no-wait": { type: "boolean" },
} as const;
const ROLE_USAGE = "[--service NAME] [--reason TEXT] [--timeout SECONDS] [--force] [--no-wait] [--json]";

function timeoutMs(ctx: CommandContext): number | undefined {
  const raw = ctx.values.timeout;
  if (typeof raw !== "string") return undefined;
  const seconds = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(seconds)) throw usageError(`--timeout ${raw}: seconds, e.g. --timeout 60`);
  return Math.round(seconds * 1000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const what = (c: Pick<CommandJson, "kind" | "targetNode">) => `${c.kind.toLowerCase()} ${c.kind === "DEMOTE" ? "of" : "to"} ${c.targetNode}`;

async function requestAndFollow(ctx: CommandContext, cluster: string, request: Omit<RequestCommandBody, "reason" | "timeoutMs" | "force" | "service">) {
  const service = serviceOption(ctx);
  const body = checked(
    requestCommandSchema,
    { ...request, service, reason: ctx.values.reason, timeoutMs: timeoutMs(ctx), force: ctx.values.force || undefined },
    "request",
  );
  const where = serviceLabel(cluster, service);
  const started = Date.now();
  const command = await ctx.api.call("POST", `${clusterPath(cluster)}/commands`, commandSchema, body);
  // Ctrl-C stops the waiting, not the command: say so, and how to look it up. Installed before
  // anything is printed, so a Ctrl-C prompted by the first line is caught too.
  const interrupted = () => {
    ctx.note(`stopped waiting; ${what(command)} goes on (command ${command.id}): failoverctl show ${cluster}${service ? ` --service ${service}` : ""}`);
    process.exit(130);
  };
  if (!ctx.values["no-wait"]) process.once("SIGINT", interrupted);
  ctx.note(`${where}: ${what(command)} requested (command ${command.id})`);
  if (ctx.values["no-wait"]) {
    ctx.print(ctx.json ? JSON.stringify(command, null, 2) : `${command.status} ${command.id}`);
    return EXIT.OK;
  }
  try {
    return await follow(ctx, cluster, service, command, started);
  } finally {
    process.off("SIGINT", interrupted);
  }
}

async function follow(ctx: CommandContext, cluster: string, service: string | undefined, requested: CommandJson, started: number) {
  const where = serviceLabel(cluster, service);
  let command = requested;
  let shown = command.status;
  const poll = patientPoll(ctx);
  while (!TERMINAL_COMMAND_STATUSES.includes(command.status)) {
    // The deadline on this machine's clock: the command's time budget (both ends on the console's
    // clock; it grows when a step-down starts) counted from when it was requested here.
    const budgetMs = new Date(command.deadline).getTime() - new Date(command.createdAt).getTime();
    if (Date.now() - started > budgetMs + GRACE_MS)
      throw new CliError(EXIT.FAILED, `${what(command)} is still ${command.status} ${GRACE_MS / 1000} s past its deadline (command ${command.id})`);
    await sleep(POLL_MS);
    const next = await poll(() => ctx.api.call("GET", `${clusterPath(cluster)}/commands/${command.id}`, commandSchema));
    if (!next) continue;
    command = next;
    if (command.status !== shown && !TERMINAL_COMMAND_STATUSES.includes(command.status)) {
      shown = command.status;
      ctx.note(`${where}: ${what(command)} ${command.status} after ${duration(Date.now() - started)}`);
    }
  }
  if (ctx.json) ctx.print(JSON.stringify(command, null, 2));
  if (command.status !== "SUCCEEDED") {
    throw new CliError(EXIT.FAILED, `${where}: ${what(command)} ${command.status}: ${command.error ?? "no reason given"}`);
  }
  // The command succeeded: a failure to read the cluster afterwards only shortens the message.
  const detail = await ctx.api.call("GET", withService(clusterPath(cluster), service), clusterDetailSchema).catch(() => null);
  const active = detail?.nodes.find((n) => n.role === "ACTIVE");
  const now = !detail
    ? "(the cluster could not be read afterwards)"
    : active
      ? `${active.name} is active (epoch ${active.activeEpoch ?? detail.cluster.epoch})`
      : "no node is active yet";
  const line = `${where}: ${what(command)} SUCCEEDED in ${duration(Date.now() - started)}; ${now}`;
  if (ctx.json) ctx.note(line);
  else ctx.print(line);
  return EXIT.OK;
}

export const switchover: CommandSpec = {
  summary: "hand the active role to NODE: the active stops its service and steps down, then NODE takes over",
  usage: `switchover CLUSTER --to NODE ${ROLE_USAGE}`,
  positionals: [{ name: "CLUSTER" }],
  options: { ...ROLE_OPTIONS, to: { type: "string" } },
  changes: true,
  async run(ctx) {
    const cluster = clusterArg(ctx);
    if (typeof ctx.values.to !== "string") throw usageError("switchover needs --to NODE");
    return requestAndFollow(ctx, cluster, { kind: "SWITCHOVER", targetNode: ctx.values.to });
  },
};

export const promote: CommandSpec = {
  summary: "make NODE active when no node is (with an active node, use switchover)",
  usage: `promote CLUSTER NODE ${ROLE_USAGE}`,
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }],
  options: ROLE_OPTIONS,
  changes: true,
  run: (ctx) => requestAndFollow(ctx, clusterArg(ctx), { kind: "PROMOTE", targetNode: nodeArg(ctx) }),
};

export const demote: CommandSpec = {
  summary: "make the active node (or NODE, which must be it) step down; automatic failover then elects another",
  usage: `demote CLUSTER [NODE] ${ROLE_USAGE}`,
  positionals: [{ name: "CLUSTER" }, { name: "NODE", optional: true }],
  options: ROLE_OPTIONS,
  changes: true,
  async run(ctx) {
    const cluster = clusterArg(ctx);
    let node = ctx.args[1] === undefined ? undefined : nodeArg(ctx);
    if (node === undefined) {
      const service = serviceOption(ctx);
      const detail = await ctx.api.call("GET", withService(clusterPath(cluster), service), clusterDetailSchema);
      node = detail.nodes.find((n) => n.role === "ACTIVE")?.name;
      if (!node) throw new CliError(EXIT.FAILED, `${serviceLabel(cluster, service)}: no node is active, nothing to demote`);
    }
    return requestAndFollow(ctx, cluster, { kind: "DEMOTE", targetNode: node });
  },
};
