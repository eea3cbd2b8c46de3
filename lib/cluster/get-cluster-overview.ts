import type { PrismaClient } from "../db/client";
import { nodeHealth, type NodeHealth } from "./timing";

export type ClusterOverview = {
  id: string;
  name: string;
  failoverMode: "AUTOMATIC" | "MANUAL";
  paused: boolean;
  epoch: bigint;
  heartbeatMs: number;
  leaseMs: number;
  /** The ACTIVE node, whatever its health (a dead active is exactly what an operator must see). */
  active: { name: string; health: NodeHealth; leaseRemainingMs: number | null } | null;
  nodeCount: number;
  standbyCount: number;
  /** Standbys that automatic failover could choose now. */
  eligibleStandbyCount: number;
  health: Record<NodeHealth, number>;
  openCommand: { id: string; kind: string; status: string; targetNode: string } | null;
  /** One word for the list: ok, degraded (something is down or late), or no-active. */
  status: "ok" | "degraded" | "no-active";
};

type SummaryRow = { clusterId: string; name: string; role: "ACTIVE" | "STANDBY"; priority: number; maintenance: boolean; heartbeatAgeMs: number | null; leaseRemainingMs: number | null };
type SummaryNode = Omit<SummaryRow, "heartbeatAgeMs"> & { health: NodeHealth };

export type GetClusterOverviewOptions = { prisma: PrismaClient };

export async function getClusterOverview({ prisma }: GetClusterOverviewOptions): Promise<ClusterOverview[]> {
  const clusters = await prisma.cluster.findMany({ orderBy: { name: "asc" } });
  const [rows, open] = await Promise.all([
    // Only what the summary needs (measured with 5,000 nodes: the full node views cost ~130 ms).
    prisma.$queryRaw<SummaryRow[]>`
      SELECT "clusterId", name, role::text AS role, priority, maintenance,
        (EXTRACT(EPOCH FROM clock_timestamp() - "lastHeartbeatAt") * 1000)::float8 AS "heartbeatAgeMs",
        (EXTRACT(EPOCH FROM "leaseExpiresAt" - clock_timestamp()) * 1000)::float8 AS "leaseRemainingMs"
      FROM "Node"`,
    prisma.command.findMany({ where: { status: { in: ["PENDING", "RUNNING"] } }, include: { target: { select: { name: true } } } }),
  ]);
  // Grouped once: filtering every node per cluster was O(clusters x nodes), 1.5 s at 800 x 5,000.
  const byCluster = new Map<string, SummaryNode[]>();
  const timings = new Map(clusters.map((c) => [c.id, c]));
  for (const r of rows) {
    const c = timings.get(r.clusterId);
    if (!c) continue; // a cluster created after the list was read
    const heartbeatAgeMs = r.heartbeatAgeMs === null ? null : Math.max(0, Math.round(r.heartbeatAgeMs));
    const node = { ...r, leaseRemainingMs: r.leaseRemainingMs === null ? null : Math.round(r.leaseRemainingMs), health: nodeHealth(heartbeatAgeMs, c) };
    const list = byCluster.get(r.clusterId);
    if (list) list.push(node);
    else byCluster.set(r.clusterId, [node]);
  }
  return clusters.map((c) => {
    const own = byCluster.get(c.id) ?? [];
    const active = own.find((n) => n.role === "ACTIVE");
    const health: Record<NodeHealth, number> = { healthy: 0, suspect: 0, down: 0 };
    for (const n of own) health[n.health]++;
    const standbys = own.filter((n) => n.role === "STANDBY");
    const command = open.find((o) => o.clusterId === c.id);
    const activeAlive = active && active.health !== "down" && (active.leaseRemainingMs ?? 0) > 0;
    return {
      id: c.id,
      name: c.name,
      failoverMode: c.failoverMode,
      paused: c.paused,
      epoch: c.epoch,
      heartbeatMs: c.heartbeatMs,
      leaseMs: c.leaseMs,
      active: active ? { name: active.name, health: active.health, leaseRemainingMs: active.leaseRemainingMs } : null,
      nodeCount: own.length,
      standbyCount: standbys.length,
      eligibleStandbyCount: standbys.filter((n) => n.health === "healthy" && !n.maintenance && n.priority > 0).length,
      health,
      openCommand: command ? { id: command.id, kind: command.kind, status: command.status, targetNode: command.target.name } : null,
      status: !activeAlive ? "no-active" : health.down + health.suspect > 0 ? "degraded" : "ok",
    };
  });
}
