import type { Prisma } from "../db/client";
import { nodeHealth, type NodeHealth } from "./timing";

/** A node as the console shows it; every age is measured on the database clock. */
export type NodeView = {
  id: string;
  clusterId: string;
  name: string;
  host: string;
  agentVersion: string;
  role: "ACTIVE" | "STANDBY";
  priority: number;
  maintenance: boolean;
  health: NodeHealth;
  /** now() - lastHeartbeatAt in ms; null when it never heartbeated. */
  heartbeatAgeMs: number | null;
  /** leaseExpiresAt - now() in ms (negative once lapsed); null without a lease. */
  leaseRemainingMs: number | null;
  activeEpoch: bigint | null;
  startedAt: Date | null;
  /** Remaining hold-off after an operator demotion, ms; null when not held. */
  holdRemainingMs: number | null;
  metrics: Prisma.JsonValue | null;
};

type NodeRow = Omit<NodeView, "health">;

/**
 * Nodes of the given clusters with ages computed by PostgreSQL in the same statement, so the web
 * server's clock never enters a health decision.
 */
export async function queryNodeViews(
  client: Pick<Prisma.TransactionClient, "$queryRaw">,
  clusters: { id: string; heartbeatMs: number; leaseMs: number }[],
): Promise<NodeView[]> {
  if (clusters.length === 0) return [];
  const ids = clusters.map((c) => c.id);
  const rows = await client.$queryRaw<NodeRow[]>`
    SELECT id, "clusterId", name, host, "agentVersion", role::text AS role, priority, maintenance,
      (EXTRACT(EPOCH FROM clock_timestamp() - "lastHeartbeatAt") * 1000)::float8 AS "heartbeatAgeMs",
      (EXTRACT(EPOCH FROM "leaseExpiresAt" - clock_timestamp()) * 1000)::float8 AS "leaseRemainingMs",
      "activeEpoch", "startedAt",
      CASE WHEN "holdUntil" > clock_timestamp() THEN (EXTRACT(EPOCH FROM "holdUntil" - clock_timestamp()) * 1000)::float8 END AS "holdRemainingMs",
      metrics
    FROM "Node" WHERE "clusterId" = ANY(${ids}::uuid[])
    ORDER BY name`;
  const byId = new Map(clusters.map((c) => [c.id, c]));
  return rows.map((r) => {
    const heartbeatAgeMs = r.heartbeatAgeMs === null ? null : Math.max(0, Math.round(r.heartbeatAgeMs));
    return {
      ...r,
      heartbeatAgeMs,
      leaseRemainingMs: r.leaseRemainingMs === null ? null : Math.round(r.leaseRemainingMs),
      holdRemainingMs: r.holdRemainingMs === null ? null : Math.round(r.holdRemainingMs),
      health: nodeHealth(heartbeatAgeMs, byId.get(r.clusterId)!),
    };
  });
}
