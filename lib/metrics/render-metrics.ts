import type { PrismaClient } from "../db/client";
import { queryNodeViews } from "../cluster/node-views";

export type RenderMetricsOptions = { prisma: PrismaClient };

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(",")}}`;

/** Prometheus text exposition (version 0.0.4) of the clusters' state, read on the database clock. */
export async function renderMetrics({ prisma }: RenderMetricsOptions): Promise<string> {
  // One Cluster row per service: every per-service and per-node series carries both labels.
  const clusters = await prisma.cluster.findMany({ orderBy: [{ name: "asc" }, { service: "asc" }] });
  const [nodes, commands, roleChanges] = await Promise.all([
    queryNodeViews(prisma, clusters),
    prisma.command.groupBy({ by: ["clusterId", "status"], _count: { _all: true } }),
    prisma.auditEvent.groupBy({
      by: ["clusterName", "service", "action"],
      where: { action: { in: ["failover.promoted", "command.promoted", "agent.self_fenced", "check.failing", "failover.limited"] } },
      _count: { _all: true },
    }),
  ]);
  const where = new Map(clusters.map((c) => [c.id, { cluster: c.name, service: c.service }]));
  const at = (clusterId: string) => where.get(clusterId) ?? { cluster: clusterId, service: "" };
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family("failover_nodes", "gauge", "Nodes by cluster, role and health (healthy, suspect, down).");
  for (const c of clusters) {
    for (const role of ["ACTIVE", "STANDBY"] as const) {
      for (const health of ["healthy", "suspect", "down"] as const) {
        const n = nodes.filter((x) => x.clusterId === c.id && x.role === role && x.health === health).length;
        out.push(`failover_nodes${labels({ cluster: c.name, service: c.service, role: role.toLowerCase(), health })} ${n}`);
      }
    }
  }
  family("failover_node_heartbeat_age_seconds", "gauge", "Seconds since the node's last heartbeat (database clock).");
  for (const n of nodes) {
    if (n.heartbeatAgeMs !== null) out.push(`failover_node_heartbeat_age_seconds${labels({ ...at(n.clusterId), node: n.name })} ${n.heartbeatAgeMs / 1000}`);
  }
  family("failover_node_active", "gauge", "1 for the node holding the ACTIVE role, else 0.");
  for (const n of nodes) out.push(`failover_node_active${labels({ ...at(n.clusterId), node: n.name })} ${n.role === "ACTIVE" ? 1 : 0}`);
  family("failover_node_check_status", "gauge", "The node's health checks: 1 for its current status (passing, failing, unknown), 0 for the others.");
  for (const n of nodes) {
    for (const status of ["PASSING", "FAILING", "UNKNOWN"] as const) {
      out.push(`failover_node_check_status${labels({ ...at(n.clusterId), node: n.name, status: status.toLowerCase() })} ${n.checkStatus === status ? 1 : 0}`);
    }
  }
  family("failover_node_isolated", "gauge", "1 while the node cannot reach its gateway (isolated: never promoted, an active steps down).");
  for (const n of nodes) out.push(`failover_node_isolated${labels({ ...at(n.clusterId), node: n.name })} ${n.isolated ? 1 : 0}`);
  family("failover_cluster_epoch", "gauge", "Fencing epoch: bumped by every change of the active node.");
  for (const c of clusters) out.push(`failover_cluster_epoch${labels({ cluster: c.name, service: c.service })} ${c.epoch}`);
  family("failover_cluster_paused", "gauge", "1 while automatic failover is paused.");
  for (const c of clusters) out.push(`failover_cluster_paused${labels({ cluster: c.name, service: c.service })} ${c.paused ? 1 : 0}`);
  family("failover_service_serving", "gauge", "Nodes of the service holding a valid lease (mode ONE: 0 or 1; mode ALL: every serving node).");
  for (const c of clusters) {
    const serving = nodes.filter((n) => n.clusterId === c.id && n.role === "ACTIVE" && (n.leaseRemainingMs ?? 0) > 0).length;
    out.push(`failover_service_serving${labels({ cluster: c.name, service: c.service, mode: c.mode.toLowerCase() })} ${serving}`);
  }
  family("failover_service_min_active", "gauge", "The fewest serving nodes the service should have (mode ALL audits going below it; mode ONE: 1).");
  for (const c of clusters)
    out.push(`failover_service_min_active${labels({ cluster: c.name, service: c.service, mode: c.mode.toLowerCase() })} ${c.minActive}`);
  family("failover_commands", "gauge", "Commands by cluster and status.");
  for (const row of commands) out.push(`failover_commands${labels({ ...at(row.clusterId), status: row.status.toLowerCase() })} ${row._count._all}`);
  const counter = (name: string, action: string, help: string) => {
    family(name, "counter", help);
    for (const c of clusters) {
      // Rows written before services name none: they were the cluster's main service.
      const n = roleChanges
        .filter((r) => r.clusterName === c.name && (r.service ?? "main") === c.service && r.action === action)
        .reduce((sum, r) => sum + r._count._all, 0);
      out.push(`${name}${labels({ cluster: c.name, service: c.service })} ${n}`);
    }
  };
  counter("failover_automatic_failovers_total", "failover.promoted", "Automatic failovers (a standby elected itself after the active's lease lapsed).");
  counter("failover_commanded_promotions_total", "command.promoted", "Role changes made by promote or switchover commands.");
  counter("failover_check_failures_total", "check.failing", "Health checks that turned FAILING (fall failures in a row), any node.");
  counter("failover_limited_total", "failover.limited", "Times flap damping paused the cluster (too many automatic failovers in the window).");
  counter("failover_self_fencings_total", "agent.self_fenced", "Active agents that demoted themselves because they could not renew in time.");
  return out.join("\n") + "\n";
}
