import type { PrismaClient } from "../db/client";
import { agentActor, insertAudit } from "./audit";
import { ClusterError } from "./errors";

export type RegisterNodeOptions = {
  prisma: PrismaClient;
  clusterName: string;
  nodeName: string;
  host: string;
  agentVersion: string;
  /** Random per process: tells this agent's heartbeats from a stale or duplicate one's. */
  instanceId: string;
  /** Set the node's priority; omit to keep what the console configured. */
  priority?: number;
};

export type RegisteredNode = {
  clusterId: string;
  nodeId: string;
  heartbeatMs: number;
  leaseMs: number;
};

type Row = { id: string; role: "ACTIVE" | "STANDBY"; agentInstance: string | null; host: string; alive: boolean; ageMs: number | null };

/**
 * Creates (or re-attaches to) this agent's Node row, creating the cluster on first use. Refuses
 * when another live agent heartbeats under the same name. A row left ACTIVE by a dead previous
 * process is turned STANDBY: its lease has lapsed, and the role is only regained by election.
 */
export async function registerNode({ prisma, clusterName, nodeName, host, agentVersion, instanceId, priority }: RegisterNodeOptions): Promise<RegisteredNode> {
  const actor = agentActor(clusterName, nodeName);
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`INSERT INTO "Cluster" (id, name, "updatedAt") VALUES (gen_random_uuid(), ${clusterName}, now()) ON CONFLICT (name) DO NOTHING`;
    const [cluster] = await tx.$queryRaw<{ id: string; heartbeatMs: number; leaseMs: number }[]>`
      SELECT id, "heartbeatMs", "leaseMs" FROM "Cluster" WHERE name = ${clusterName} FOR UPDATE`;
    const [existing] = await tx.$queryRaw<Row[]>`
      SELECT id, role::text AS role, "agentInstance", host,
             COALESCE("lastHeartbeatAt" > now() - make_interval(secs => ${cluster.leaseMs / 1000}), false) AS alive,
             (EXTRACT(EPOCH FROM now() - "lastHeartbeatAt") * 1000)::int AS "ageMs"
      FROM "Node" WHERE "clusterId" = ${cluster.id}::uuid AND name = ${nodeName} FOR UPDATE`;
    if (existing?.alive && existing.agentInstance && existing.agentInstance !== instanceId) {
      throw new ClusterError(
        "CONFLICT",
        `another agent is running as ${clusterName}/${nodeName} (host ${existing.host || "unknown"}, last heartbeat ${existing.ageMs} ms ago); stop it or choose another --node name`,
      );
    }
    const common = { host, agentVersion, agentInstance: instanceId, ...(priority !== undefined && { priority }) };
    let nodeId: string;
    if (!existing) {
      const created = await tx.node.create({ data: { clusterId: cluster.id, name: nodeName, ...common } });
      nodeId = created.id;
    } else {
      nodeId = existing.id;
      await tx.node.update({
        where: { id: nodeId },
        data: { ...common, ...(existing.role === "ACTIVE" && { role: "STANDBY", leaseExpiresAt: null, activeEpoch: null }) },
      });
    }
    await tx.$executeRaw`UPDATE "Node" SET "startedAt" = now(), "lastHeartbeatAt" = now() WHERE id = ${nodeId}::uuid`;
    await insertAudit(tx, {
      actor,
      action: "node.registered",
      clusterId: cluster.id,
      clusterName,
      nodeId,
      nodeName,
      ...(existing?.role === "ACTIVE" && { fromRole: "ACTIVE" as const, toRole: "STANDBY" as const }),
      reason: existing?.role === "ACTIVE" ? "agent restarted; the previous process's lease had lapsed" : existing ? "agent restarted" : "new node",
      details: { host, agentVersion },
    });
    return { clusterId: cluster.id, nodeId, heartbeatMs: cluster.heartbeatMs, leaseMs: cluster.leaseMs };
  });
}
