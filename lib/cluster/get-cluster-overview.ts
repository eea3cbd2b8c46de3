import type { PrismaClient } from "../db/client";
import { queryNodeViews } from "./node-views";
import type { NodeHealth } from "./timing";

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

export type GetClusterOverviewOptions = { prisma: PrismaClient };

export async function getClusterOverview({ prisma }: GetClusterOverviewOptions): Promise<ClusterOverview[]> {
  const clusters = await prisma.cluster.findMany({ orderBy: { name: "asc" } });
  const [nodes, open] = await Promise.all([
    queryNodeViews(prisma, clusters),
    prisma.command.findMany({ where: { status: { in: ["PENDING", "RUNNING"] } }, include: { target: { select: { name: true } } } }),
  ]);
  return clusters.map((c) => {
    const own = nodes.filter((n) => n.clusterId === c.id);
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
