// `failoverctl services CLUSTER`: the server x service matrix, one row per service, one column per
// server: who serves what, and how each server's row in each service is doing.
import type { ClusterServicesJson } from "../../lib/api/api-types";
import { clusterServicesSchema } from "../../lib/api/response-schemas";
import { clusterArg, clusterPath, type CommandSpec } from "../command";
import { table, yesNo } from "../format";

type Member = ClusterServicesJson["services"][number]["members"][number];

/** "ACTIVE", "standby", then what is wrong with it: "standby down maintenance". */
function cell(m: Member | undefined): string {
  if (!m) return "-";
  const parts = [m.role === "ACTIVE" ? "ACTIVE" : "standby"];
  if (m.health !== "healthy") parts.push(m.health);
  if (m.checkStatus === "FAILING") parts.push("failing");
  if (m.maintenance) parts.push("maintenance");
  return parts.join(" ");
}

/** What an operator must notice: a service with nobody serving, or fewer than its minimum; a pause. */
export function serviceNotes(m: ClusterServicesJson): string[] {
  const notes: string[] = [];
  for (const s of m.services) {
    if (s.serving === 0) notes.push(`${m.cluster}: ${s.name}: no node serves`);
    else if (s.belowMinimum) notes.push(`${m.cluster}: ${s.name}: ${s.serving} of at least ${s.minActive} nodes serve`);
    if (s.paused) notes.push(`${m.cluster}: ${s.name}: automatic failover paused`);
  }
  return notes;
}

export const services: CommandSpec = {
  summary: "the server x service matrix of a cluster: each service's mode, serving count and each server's role and health in it",
  usage: "services CLUSTER [--json]",
  positionals: [{ name: "CLUSTER" }],
  options: {},
  async run(ctx) {
    const m = await ctx.api.call("GET", `${clusterPath(clusterArg(ctx))}/services`, clusterServicesSchema);
    if (ctx.json) return ctx.print(JSON.stringify(m, null, 2));
    const rows = m.services.map((s) => [
      s.name,
      s.mode,
      `${s.serving}/${s.minActive}`,
      s.epoch,
      yesNo(s.paused),
      ...m.servers.map((server) => cell(s.members.find((x) => x.node === server))),
    ]);
    ctx.print(table(["SERVICE", "MODE", "SERVING", "EPOCH", "PAUSED", ...m.servers], rows));
    for (const note of serviceNotes(m)) ctx.print(note);
  },
};
