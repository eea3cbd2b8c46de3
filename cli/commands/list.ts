// `failoverctl list [CLUSTER...]`: every node of every cluster in one table, like `patronictl list`.
import type { ClusterDetailJson, NodeJson } from "../../lib/api/api-types";
import { clusterDetailSchema, clusterListSchema, clusterServicesSchema } from "../../lib/api/response-schemas";
import type { ApiClient } from "../api-client";
import { checked, clusterPath, withService, type CommandSpec } from "../command";
import { duration, table, yesNo } from "../format";
import { nameSchema } from "../../lib/api/schemas";

const NODE_HEADERS = ["NODE", "ROLE", "HEALTH", "CHECKS", "HEARTBEAT", "LEASE LEFT", "EPOCH", "PRIORITY", "MAINTENANCE"];

export function nodeCells(n: NodeJson): string[] {
  const checks = n.isolated ? "ISOLATED" : n.checkStatus;
  return [
    n.name,
    n.role,
    n.health,
    checks,
    duration(n.heartbeatAgeMs),
    duration(n.leaseRemainingMs),
    n.activeEpoch ?? "-",
    String(n.priority),
    yesNo(n.maintenance),
  ];
}

export const nodeTable = (nodes: NodeJson[]) => table(NODE_HEADERS, nodes.map(nodeCells));

/** What an operator must notice about a cluster beyond its nodes: a pause, an open command. */
export function clusterNotes(d: ClusterDetailJson): string[] {
  const notes: string[] = [];
  const name = d.cluster.services.length > 1 ? `${d.cluster.name} (${d.cluster.service})` : d.cluster.name;
  if (d.cluster.paused) notes.push(`${name}: automatic failover paused${d.cluster.pausedReason ? ` (${d.cluster.pausedReason})` : ""}`);
  if (d.cluster.failoverMode === "MANUAL") notes.push(`${name}: failover mode MANUAL (no automatic failover)`);
  if (!d.nodes.some((n) => n.role === "ACTIVE")) notes.push(`${name}: no active node`);
  for (const c of d.commands.filter((c) => c.status === "PENDING" || c.status === "RUNNING"))
    notes.push(`${name}: ${c.kind} of ${c.targetNode} ${c.status} (requested by ${c.requestedBy}, command ${c.id})`);
  return notes;
}

/** Each service's detail of the clusters named (or of every cluster); a cluster of one service is read as before. */
export async function clusterDetails(api: ApiClient, names: string[]): Promise<ClusterDetailJson[]> {
  const wanted: { name: string; services: string[] }[] = names.length
    ? await Promise.all(
        names.map(async (name) => ({
          name,
          services: (await api.call("GET", `${clusterPath(name)}/services`, clusterServicesSchema)).services.map((s) => s.name),
        })),
      )
    : (await api.call("GET", "/api/v1/clusters", clusterListSchema.pick({ clusters: true }))).clusters.map((c) => ({
        name: c.name,
        services: c.services.map((s) => s.name),
      }));
  const reads = wanted.flatMap(({ name, services }) => (services.length > 1 ? services.map((s) => withService(clusterPath(name), s)) : [clusterPath(name)]));
  return Promise.all(reads.map((path) => api.call("GET", path, clusterDetailSchema)));
}

export const list: CommandSpec = {
  summary: "every node of every cluster (or of the clusters named), per service: role, health, checks, heartbeat age, lease left, epoch, priority, maintenance",
  usage: "list [CLUSTER...] [--json]",
  positionals: [],
  morePositionals: true,
  options: {},
  async run(ctx) {
    const names = ctx.args.map((a) => checked(nameSchema, a, `CLUSTER ${JSON.stringify(a)}`));
    const details = await clusterDetails(ctx.api, names);
    if (ctx.json) return ctx.print(JSON.stringify({ clusters: details }, null, 2));
    if (details.length === 0) return ctx.note("no clusters yet: an agent creates its cluster when it first starts");
    // A SERVICE column only where a cluster has several: clusters of one service read as before.
    const several = details.some((d) => d.cluster.services.length > 1);
    const rows = details.flatMap((d) => d.nodes.map((n) => [d.cluster.name, ...(several ? [d.cluster.service] : []), ...nodeCells(n)]));
    ctx.print(table(["CLUSTER", ...(several ? ["SERVICE"] : []), ...NODE_HEADERS], rows));
    for (const note of details.flatMap(clusterNotes)) ctx.print(note);
  },
};
