// `rebalance`: ask the console to move the cluster's services back to an even spread; with
// --wait, follow it move by move until it ends. Exit 0 when it SUCCEEDED, 1 when it FAILED.
import type { RebalanceJson as Rebalance } from "../../lib/api/api-types";
import { rebalanceSchema } from "../../lib/api/rebalance-response-schemas";
import { rebalanceRequestSchema } from "../../lib/api/schemas";
import { checked, clusterArg, clusterPath, patientPoll, REASON_OPTION, type CommandContext, type CommandSpec } from "../command";
import { CliError, EXIT } from "../exit-codes";
import { duration } from "../format";

const POLL_MS = 500;
/** Every move is a switchover with a deadline; this long without any change means nothing drives it any more. */
const STALL_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const moveLine = (cluster: string, m: Rebalance["moves"][number]) => `${cluster}: ${m.service} ${m.from} -> ${m.to} ${m.status}`;

export const rebalance: CommandSpec = {
  summary: "move the cluster's services back to an even spread over its servers, one switchover at a time (--wait: follow it to its end, exit 1 if it fails)",
  usage: "rebalance CLUSTER [--reason TEXT] [--wait] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: { ...REASON_OPTION, wait: { type: "boolean" } },
  changes: true,
  async run(ctx) {
    const cluster = clusterArg(ctx);
    const body = checked(rebalanceRequestSchema, { reason: ctx.values.reason }, "request");
    const started = Date.now();
    const requested = await ctx.api.call("POST", `${clusterPath(cluster)}/rebalance`, rebalanceSchema, body);
    ctx.note(`${cluster}: rebalance requested (${requested.id})`);
    if (!ctx.values.wait || requested.status !== "RUNNING") return report(ctx, cluster, requested, started);
    // Ctrl-C stops the waiting, not the rebalance: say how to look it up.
    const interrupted = () => {
      ctx.note(`stopped waiting; the rebalance goes on (${requested.id}): GET ${clusterPath(cluster)}/rebalance`);
      process.exit(130);
    };
    process.once("SIGINT", interrupted);
    try {
      return report(ctx, cluster, await follow(ctx, cluster, requested), started);
    } finally {
      process.off("SIGINT", interrupted);
    }
  },
};

async function follow(ctx: CommandContext, cluster: string, requested: Rebalance): Promise<Rebalance> {
  let r = requested;
  let shown = new Set<string>();
  let seen = JSON.stringify(r);
  let changedAt = Date.now();
  const poll = patientPoll(ctx);
  const show = () => {
    for (const m of r.moves) {
      const line = moveLine(cluster, m);
      if (!shown.has(line)) ctx.note(line);
    }
    shown = new Set(r.moves.map((m) => moveLine(cluster, m)));
  };
  show();
  while (r.status === "RUNNING") {
    if (Date.now() - changedAt > STALL_MS) throw new CliError(EXIT.FAILED, `${cluster}: rebalance ${r.id} made no progress for ${STALL_MS / 60_000} minutes`);
    await sleep(POLL_MS);
    const next = await poll(() => ctx.api.call("GET", `${clusterPath(cluster)}/rebalance`, rebalanceSchema));
    if (!next) continue;
    r = next;
    if (r.id !== requested.id)
      throw new CliError(EXIT.FAILED, `${cluster}: rebalance ${requested.id} is no longer the latest (${r.id} is); look it up in the audit log`);
    if (JSON.stringify(r) !== seen) [seen, changedAt] = [JSON.stringify(r), Date.now()];
    show();
  }
  return r;
}

function report(ctx: CommandContext, cluster: string, r: Rebalance, started: number) {
  if (ctx.json) ctx.print(JSON.stringify(r, null, 2));
  if (r.status === "FAILED" || r.status === "CANCELLED") throw new CliError(EXIT.FAILED, `${cluster}: rebalance ${r.status}: ${r.error ?? "no reason given"}`);
  const moves = r.moves.length === 1 ? "1 move" : `${r.moves.length} moves`;
  const line =
    r.status === "RUNNING"
      ? `${cluster}: rebalance RUNNING (${r.id}), ${moves} so far; GET ${clusterPath(cluster)}/rebalance shows its progress`
      : r.moves.length
        ? `${cluster}: rebalance SUCCEEDED in ${duration(Date.now() - started)}: ${moves} (${r.moves.map((m) => `${m.service} ${m.from} -> ${m.to}`).join(", ")})`
        : `${cluster}: rebalance SUCCEEDED: already even, nothing to move`;
  if (ctx.json) ctx.note(line);
  else ctx.print(line);
  return EXIT.OK;
}
