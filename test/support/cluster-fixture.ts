import type { PrismaClient } from "../../lib/db/client";
import { activeIntervals, overlappingIntervals } from "../../agent/role-log";
import type { AgentProcess } from "./agent-process";

export const FAST = { heartbeatMs: 250, leaseMs: 2000 };

export async function createCluster(
  prisma: PrismaClient,
  name: string,
  settings: Partial<{ heartbeatMs: number; leaseMs: number; demoteTimeoutMs: number; paused: boolean; failoverMode: "AUTOMATIC" | "MANUAL" }> = {},
) {
  return prisma.cluster.create({ data: { name, ...FAST, ...settings } });
}

export async function activeNodes(prisma: PrismaClient, clusterId: string) {
  return prisma.node.findMany({ where: { clusterId, role: "ACTIVE" }, select: { name: true, activeEpoch: true } });
}

/** Invariant 1 from the agents' own logs: no two nodes believed they were active at once. */
export function overlapsFromLogs(agents: AgentProcess[]) {
  const until = process.hrtime.bigint();
  return overlappingIntervals(agents.flatMap((a) => activeIntervals(a.lines(), until)));
}

/** Invariant 2's audit half: every role change in the agents' logs has its audit row (matched by epoch). */
export async function roleChangesWithoutAudit(prisma: PrismaClient, clusterId: string, agents: AgentProcess[]) {
  const promotions = agents.flatMap((a) =>
    a
      .lines()
      .filter((l) => l.event === "role" && l.role === "ACTIVE")
      .map((l) => ({ node: a.node, epoch: String(l.epoch) })),
  );
  const audited = await prisma.auditEvent.findMany({ where: { clusterId, toRole: "ACTIVE" }, select: { nodeName: true, epoch: true } });
  const keys = new Set(audited.map((r) => `${r.nodeName}@${r.epoch}`));
  return promotions.filter((p) => !keys.has(`${p.node}@${p.epoch}`));
}
