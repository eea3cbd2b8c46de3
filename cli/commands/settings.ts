// Changes that move no role: pause/resume automatic failover, a node's maintenance flag and
// priority, removing a node that is gone. Each is checked with the route's own request schema
// before it is sent, and takes --reason for the audit log.
import { clusterDetailSchema, nodeSchema, removedNodeSchema } from "../../lib/api/response-schemas";
import { removeNodeSchema, updateClusterSchema, updateNodeSchema } from "../../lib/api/schemas";
import { checked, clusterArg, clusterPath, nodeArg, nodePath, REASON_OPTION, type CommandContext, type CommandSpec } from "../command";
import { usageError } from "../exit-codes";

const reason = (ctx: CommandContext) => (typeof ctx.values.reason === "string" ? ctx.values.reason : undefined);

function setPaused(paused: boolean): CommandSpec["run"] {
  return async (ctx) => {
    const cluster = clusterArg(ctx);
    const body = checked(updateClusterSchema, { paused, reason: reason(ctx) }, "request");
    const detail = await ctx.api.call("PATCH", clusterPath(cluster), clusterDetailSchema, body);
    ctx.print(ctx.json ? JSON.stringify(detail, null, 2) : `${cluster}: automatic failover ${detail.cluster.paused ? "paused" : "resumed"}`);
  };
}

export const pause: CommandSpec = {
  summary: "pause automatic failover (commands still work)",
  usage: "pause CLUSTER [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: REASON_OPTION,
  changes: true,
  run: setPaused(true),
};

export const resume: CommandSpec = {
  summary: "resume automatic failover (also after flap damping paused it)",
  usage: "resume CLUSTER [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: REASON_OPTION,
  changes: true,
  run: setPaused(false),
};

async function patchNode(ctx: CommandContext, change: { maintenance?: boolean; priority?: number }) {
  const cluster = clusterArg(ctx);
  const node = nodeArg(ctx);
  const body = checked(updateNodeSchema, { ...change, reason: reason(ctx) }, "request");
  const view = await ctx.api.call("PATCH", nodePath(cluster, node), nodeSchema, body);
  ctx.print(ctx.json ? JSON.stringify(view, null, 2) : `${cluster}/${node}: maintenance ${view.maintenance ? "on" : "off"}, priority ${view.priority}`);
}

export const maintenance: CommandSpec = {
  summary: "a node in maintenance is never elected nor the target of a command",
  usage: "maintenance CLUSTER NODE on|off [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }, { name: "on|off" }],
  options: REASON_OPTION,
  changes: true,
  run(ctx) {
    const onOff = ctx.args[2];
    if (onOff !== "on" && onOff !== "off") throw usageError(`maintenance: expected on or off, got ${JSON.stringify(onOff)}`);
    return patchNode(ctx, { maintenance: onOff === "on" });
  },
};

export const priority: CommandSpec = {
  summary: "election priority: higher wins, 0 = never promoted automatically",
  usage: "priority CLUSTER NODE N [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }, { name: "N" }],
  options: REASON_OPTION,
  changes: true,
  run(ctx) {
    const raw = ctx.args[2];
    if (!/^\d+$/.test(raw)) throw usageError(`priority: N must be a whole number, got ${JSON.stringify(raw)}`);
    return patchNode(ctx, { priority: Number(raw) });
  },
};

export const remove: CommandSpec = {
  summary: "remove a node that is gone for good (a standby silent for longer than a lease)",
  usage: "remove CLUSTER NODE [--reason TEXT] [--json]",
  positionals: [{ name: "CLUSTER" }, { name: "NODE" }],
  options: REASON_OPTION,
  changes: true,
  async run(ctx) {
    const cluster = clusterArg(ctx);
    const node = nodeArg(ctx);
    const body = checked(removeNodeSchema, { reason: reason(ctx) }, "request");
    const result = await ctx.api.call("DELETE", nodePath(cluster, node), removedNodeSchema, body);
    ctx.print(ctx.json ? JSON.stringify(result, null, 2) : `${cluster}/${node}: removed`);
  },
};
