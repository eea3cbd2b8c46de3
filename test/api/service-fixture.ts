import type { PrismaClient } from "../../lib/db/client";

export type SeedServiceOptions = {
  prisma: PrismaClient;
  cluster: string;
  service: string;
  mode?: "ONE" | "ALL";
  minActive?: number;
  nodes: { name: string; role?: "ACTIVE" | "STANDBY"; heartbeatAgoMs?: number; priority?: number }[];
};

/**
 * One service row of a cluster with node rows as its agents would leave them (as seedCluster does
 * for a cluster of one service): slow timings keep them healthy for the whole run; an ACTIVE row
 * holds a lease for an hour; an ALL-mode service's rows are not exclusive.
 */
export async function seedService({ prisma, cluster, service, mode = "ONE", minActive = 1, nodes }: SeedServiceOptions) {
  const row = await prisma.cluster.create({ data: { name: cluster, service, mode, minActive, heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n } });
  for (const n of nodes) {
    const role = n.role ?? "STANDBY";
    await prisma.$executeRaw`
      INSERT INTO "Node" (id, "clusterId", name, host, "agentVersion", role, priority, exclusive, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch", "startedAt")
      VALUES (gen_random_uuid(), ${row.id}::uuid, ${n.name}, ${`${n.name}.local`}, '0.1.0', ${role}::"NodeRole", ${n.priority ?? 100}, ${mode === "ONE"},
        now() - make_interval(secs => ${n.heartbeatAgoMs ?? 0}::float8 / 1000),
        CASE WHEN ${role} = 'ACTIVE' THEN now() + interval '1 hour' END, CASE WHEN ${role} = 'ACTIVE' THEN 1 END, now())`;
  }
  return row;
}

/**
 * Cluster "ep" as an Ephesoft install runs it: import on s1, ocr on s2 (mode ONE each), reporting
 * active-active on both with a minimum of 3 (so it serves below its minimum), and a server s3 gone
 * for ten minutes that still has rows in import and ocr.
 */
export async function seedEphesoft(prisma: PrismaClient) {
  const gone = { name: "s3", heartbeatAgoMs: 600_000 };
  await seedService({ prisma, cluster: "ep", service: "import", nodes: [{ name: "s1", role: "ACTIVE" }, { name: "s2" }, gone] });
  await seedService({ prisma, cluster: "ep", service: "ocr", nodes: [{ name: "s1" }, { name: "s2", role: "ACTIVE" }, gone] });
  await seedService({
    prisma,
    cluster: "ep",
    service: "reporting",
    mode: "ALL",
    minActive: 3,
    nodes: [
      { name: "s1", role: "ACTIVE" },
      { name: "s2", role: "ACTIVE" },
    ],
  });
}
