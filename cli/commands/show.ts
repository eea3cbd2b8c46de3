// `failoverctl show CLUSTER`: settings, nodes with their checks, recent commands.
import { clusterDetailSchema } from "../../lib/api/response-schemas";
import { clusterArg, clusterPath, serviceOption, SERVICE_OPTION, withService, type CommandSpec } from "../command";
import { duration, table, time, yesNo } from "../format";
import { clusterNotes, nodeTable } from "./list";

export const show: CommandSpec = {
  summary: "one cluster (of several services, one service): settings, nodes, each node's checks, recent commands",
  usage: "show CLUSTER [--service NAME] [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: SERVICE_OPTION,
  async run(ctx) {
    const d = await ctx.api.call("GET", withService(clusterPath(clusterArg(ctx)), serviceOption(ctx)), clusterDetailSchema);
    if (ctx.json) return ctx.print(JSON.stringify(d, null, 2));
    const c = d.cluster;
    // A cluster of one service reads as it did before services.
    const service = c.services.length > 1 ? `  service ${c.service} (${c.mode === "ALL" ? `mode ALL, minimum ${c.minActive}` : "mode ONE"})` : "";
    ctx.print(
      `cluster ${c.name}${service}  epoch ${c.epoch}  mode ${c.failoverMode}  paused ${yesNo(c.paused)}\n` +
        `heartbeat ${duration(c.heartbeatMs)}  lease ${duration(c.leaseMs)}  demote budget ${duration(c.demoteTimeoutMs)}  ` +
        `check hold-off ${duration(c.checkHoldOffMs)}  failover limit ${c.failoverLimit === 0 ? "none" : `${c.failoverLimit} per ${duration(c.failoverWindowMs)}`}`,
    );
    ctx.print("");
    ctx.print(nodeTable(d.nodes));
    const checks = d.nodes.flatMap((n) => n.checks.map((k) => [n.name, k.name, k.status, time(k.since), k.output.replace(/\s+/g, " ")]));
    if (checks.length) {
      ctx.print("");
      ctx.print(table(["NODE", "CHECK", "STATUS", "SINCE", "OUTPUT"], checks));
    }
    if (d.commands.length) {
      ctx.print("");
      const rows = d.commands.map((k) => [time(k.createdAt), k.kind, k.targetNode, k.status, k.requestedBy, k.error ?? k.reason]);
      ctx.print(table(["REQUESTED", "KIND", "TARGET", "STATUS", "BY", "ERROR / REASON"], rows));
    }
    const notes = clusterNotes(d);
    if (notes.length) ctx.print("\n" + notes.join("\n"));
  },
};
