// `failoverctl audit`: the audit log, filtered, oldest first like a log file; --follow tails it.
// `failoverctl history CLUSTER`: which node was active when.
import type { AuditEventJson } from "../../lib/api/api-types";
import { activeTimelineSchema, auditPageSchema } from "../../lib/api/response-schemas";
import { auditQuerySchema, timelineQuerySchema } from "../../lib/api/schemas";
import { checked, clusterArg, clusterPath, serviceLabel, serviceOption, SERVICE_OPTION, type CommandContext, type CommandSpec } from "../command";
import { usageError } from "../exit-codes";
import { duration, table, time } from "../format";

const FOLLOW_POLL_MS = 1000;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** --since/--until: an ISO time, or an age such as 30s, 10m, 2h, 7d (that long ago). */
export function timeOption(ctx: CommandContext, flag: "since" | "until"): string | undefined {
  const raw = ctx.values[flag];
  if (typeof raw !== "string") return undefined;
  const age = /^(\d+)([smhd])$/.exec(raw.trim());
  if (age) return new Date(Date.now() - Number(age[1]) * UNITS[age[2]]).toISOString();
  if (!Number.isNaN(Date.parse(raw)) && /^\d{4}-\d\d-\d\dT/.test(raw)) return new Date(raw).toISOString();
  throw usageError(`--${flag} ${raw}: an ISO time (2026-01-31T09:00:00Z) or an age (30s, 10m, 2h, 7d)`);
}

const str = (v: string | boolean | undefined) => (typeof v === "string" ? v : undefined);

function eventCells(e: AuditEventJson): string[] {
  const roles = e.fromRole || e.toRole ? `${e.fromRole ?? "-"}>${e.toRole ?? "-"}` : "";
  // A service other than main is named after the node, so one-service clusters read as before.
  const where = [e.clusterName, e.nodeName].filter(Boolean).join("/") + (e.service && e.service !== "main" ? ` (${e.service})` : "");
  return [e.id, time(e.at), e.actor, e.action, where, roles, e.epoch ?? "", e.reason];
}
const AUDIT_HEADERS = ["ID", "AT", "ACTOR", "ACTION", "CLUSTER/NODE", "ROLE", "EPOCH", "REASON"];

export const audit: CommandSpec = {
  summary: "the audit log, oldest first; --follow keeps printing new events",
  usage: "audit [--cluster NAME] [--service NAME] [--node NAME] [--actor TEXT] [--action ACTION] [--since TIME] [--until TIME] [--limit N] [--follow] [--json]",
  positionals: [],
  options: {
    cluster: { type: "string" },
    service: { type: "string" },
    node: { type: "string" },
    actor: { type: "string" },
    action: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    limit: { type: "string" },
    follow: { type: "boolean" },
  },
  async run(ctx) {
    const v = ctx.values;
    if (v.follow && v.until !== undefined) throw usageError("--follow and --until do not go together");
    const filters = {
      cluster: str(v.cluster),
      service: str(v.service),
      node: str(v.node),
      actor: str(v.actor),
      action: str(v.action),
      from: timeOption(ctx, "since"),
    };
    const query = { ...filters, to: timeOption(ctx, "until"), limit: str(v.limit) ?? "50" };
    checked(auditQuerySchema, query, "filters");
    const qs = (extra: Record<string, string>) =>
      new URLSearchParams(Object.entries({ ...query, ...extra }).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    const page = await ctx.api.call("GET", `/api/v1/audit?${qs({})}`, auditPageSchema);
    const events = [...page.events].reverse();
    const show = (list: AuditEventJson[], header: boolean) => {
      if (ctx.json) for (const e of list) ctx.print(JSON.stringify(e));
      else if (list.length)
        ctx.print(
          table(AUDIT_HEADERS, list.map(eventCells))
            .split("\n")
            .slice(header ? 0 : 1)
            .join("\n"),
        );
    };
    if (!v.follow) {
      if (ctx.json) return ctx.print(JSON.stringify(page, null, 2));
      if (events.length === 0) return ctx.note("no audit events match");
      show(events, true);
      if (page.nextBefore) ctx.note(`older events: --limit more, or --until ${events[0].at}`);
      return;
    }
    show(events, true);
    let last = BigInt(page.events[0]?.id ?? "0");
    for (;;) {
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      // Newest first: read pages back until the last event already shown.
      const fresh: AuditEventJson[] = [];
      let before: string | null = null;
      do {
        const older: Record<string, string> = before ? { before, limit: "500" } : { limit: "500" };
        const next = await ctx.api.call("GET", `/api/v1/audit?${qs(older)}`, auditPageSchema);
        const newer = next.events.filter((e) => BigInt(e.id) > last);
        fresh.push(...newer);
        before = newer.length === next.events.length ? next.nextBefore : null;
      } while (before);
      if (fresh.length === 0) continue;
      last = BigInt(fresh[0].id);
      show(fresh.reverse(), false);
    }
  },
};

export const history: CommandSpec = {
  summary: "which node was active when (from the audit log; default the last hour), in one service",
  usage: "history CLUSTER [--service NAME] [--since TIME] [--until TIME] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: { ...SERVICE_OPTION, since: { type: "string" }, until: { type: "string" } },
  async run(ctx) {
    const cluster = clusterArg(ctx);
    const service = serviceOption(ctx);
    const query = Object.fromEntries(
      Object.entries({ service, from: timeOption(ctx, "since"), to: timeOption(ctx, "until") }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    checked(timelineQuerySchema, query, "filters");
    const qs = new URLSearchParams(query).toString();
    const timeline = await ctx.api.call("GET", `${clusterPath(cluster)}/timeline${qs ? `?${qs}` : ""}`, activeTimelineSchema);
    if (ctx.json) return ctx.print(JSON.stringify(timeline, null, 2));
    ctx.print(`${serviceLabel(cluster, service)}: active nodes from ${time(timeline.from)} to ${time(timeline.to)}`);
    if (timeline.intervals.length === 0) return ctx.print("no node was active");
    const rows = timeline.intervals.map((i) => [
      time(i.from),
      i.ongoing ? "now" : time(i.to),
      duration(new Date(i.to).getTime() - new Date(i.from).getTime()),
      i.node,
      i.epoch ?? "-",
    ]);
    ctx.print(table(["FROM", "TO", "FOR", "NODE", "EPOCH"], rows));
  },
};
