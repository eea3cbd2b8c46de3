// Changes that move no role: pause/resume automatic failover, a node's maintenance flag and
// priority, removing a node that is gone. Each is checked with the route's own request schema
// before it is sent, and takes --reason for the audit log.
import { z } from "zod";
import { clusterDetailSchema, clusterServicesSchema, nodeSchema, removedNodeSchema, serverNodesSchema } from "../../lib/api/response-schemas";
import { removeNodeSchema, updateClusterSchema, updateNodeSchema } from "../../lib/api/schemas";
import {
  checked,
  clusterArg,
  clusterPath,
  nodeArg,
  nodePath,
  REASON_OPTION,
  SERVICE_OPTION,
  serviceLabel,
  serviceOption,
  withService,
  type CommandContext,
  type CommandSpec,
} from "../command";
import { usageError } from "../exit-codes";

const reason = (ctx: CommandContext) => (typeof ctx.values.reason === "string" ? ctx.values.reason : undefined);
const OPTIONS = { ...REASON_OPTION, ...SERVICE_OPTION };

// Without --service on a cluster of several services, a pause and a node change apply to every
// service (of the server), and the console answers with all of them.
const pausedSchema = z.union([clusterDetailSchema, clusterServicesSchema]);
const nodeChangeSchema = z.union([nodeSchema, serverNodesSchema]);

function setPaused(paused: boolean): CommandSpec["run"] {
  return async (ctx) => {
    const cluster = clusterArg(ctx);
    const service = serviceOption(ctx);
    const body = checked(updateClusterSchema, { paused, reason: reason(ctx) }, "request");
    const result = await ctx.api.call("PATCH", withService(clusterPath(cluster), service), pausedSchema, body);
    if (ctx.json) return ctx.print(JSON.stringify(result, null, 2));
    if ("dbTime" in result) return ctx.print(`${serviceLabel(cluster, service)}: automatic failover ${result.cluster.paused ? "paused" : "resumed"}`);
    const names = result.services.map((s) => s.name).join(", ");
    ctx.print(`${cluster}: automatic failover ${paused ? "paused" : "resumed"} in every service (${names})`);
  };
}

export const pause: CommandSpec = {
  summary: "pause automatic failover (commands still work); without --service, of every service",
  usage: "pause CLUSTER [--service NAME] [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: OPTIONS,
  changes: true,
  run: setPaused(true),
};

export const resume: CommandSpec = {
  summary: "resume automatic failover (also after flap damping paused it); without --service, of every service",
  usage: "resume CLUSTER [--service NAME] [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: OPTIONS,
  changes: true,
  run: setPaused(false),
};

async function patchNode(ctx: CommandContext, change: { maintenance?: boolean; priority?: number }) {
  const cluster = clusterArg(ctx);
  const node = nodeArg(ctx);
  const service = serviceOption(ctx);
  const body = checked(updateNodeSchema, { ...change, reason: reason(ctx) }, "request");
  const result = await ctx.api.call("PATCH", withService(nodePath(cluster, node), service), nodeChangeSchema, body);
  if (ctx.json) return ctx.print(JSON.stringify(result, null, 2));
  const views = "nodes" in result ? result.nodes : [result];
  for (const view of views) {
    const where = "nodes" in result || service !== undefined ? `${cluster}/${node} (${view.service})` : `${cluster}/${node}`;
    ctx.print(`${where}: maintenance ${view.maintenance ? "on" : "off"}, priority ${view.priority}`);
  }
}

export const maintenance: CommandSpec = {
  summary: "a node in maintenance is never elected nor the target of a command; without --service, the server in every service",
  usage: "maintenance CLUSTER NODE on|off [--service NAME] [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }, { name: "on|off" }],
  options: OPTIONS,
  changes: true,
  run(ctx) {
    const onOff = ctx.args[2];
    if (onOff !== "on" && onOff !== "off") throw usageError(`maintenance: expected on or off, got ${JSON.stringify(onOff)}`);
    return patchNode(ctx, { maintenance: onOff === "on" });
  },
};

export const priority: CommandSpec = {
  summary: "election priority: higher wins, 0 = never promoted automatically; without --service, the server in every service",
  usage: "priority CLUSTER NODE N [--service NAME] [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }, { name: "N" }],
  options: OPTIONS,
  changes: true,
  run(ctx) {
    const raw = ctx.args[2];
    if (!/^\d+$/.test(raw)) throw usageError(`priority: N must be a whole number, got ${JSON.stringify(raw)}`);
    return patchNode(ctx, { priority: Number(raw) });
  },
};

export const remove: CommandSpec = {
  summary: "remove a node that is gone for good (a standby silent for longer than a lease); without --service, from every service",
  usage: "remove CLUSTER NODE [--service NAME] [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }],
  options: OPTIONS,
  changes: true,
  async run(ctx) {
    const cluster = clusterArg(ctx);
    const node = nodeArg(ctx);
    const service = serviceOption(ctx);
    const body = checked(removeNodeSchema, { reason: reason(ctx) }, "request");
    const result = await ctx.api.call("DELETE", withService(nodePath(cluster, node), service), removedNodeSchema, body);
    const from = result.removed.services.length > 1 || service !== undefined ? ` from ${result.removed.services.join(", ")}` : "";
    ctx.print(ctx.json ? JSON.stringify(result, null, 2) : `${cluster}/${node}: removed${from}`);
  },
};
