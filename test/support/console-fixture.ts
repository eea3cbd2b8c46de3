import { hashPassword } from "../../lib/auth/password";
import type { PrismaClient, UserRole } from "../../lib/db/client";
import { signIn, startNextServer, type NextServer } from "./next-server";
import { createTestDatabase, type TestDatabase } from "./test-database";

export const TEST_PASSWORD = "correct horse battery staple";

export const TEST_USERS: { email: string; role: UserRole }[] = [
  { email: "admin@example.com", role: "ADMIN" },
  { email: "operator@example.com", role: "OPERATOR" },
  { email: "viewer@example.com", role: "VIEWER" },
];

/** One user per role, all with TEST_PASSWORD (hashed once: bcrypt cost 12 is slow on purpose). */
export async function seedUsers(prisma: PrismaClient) {
  const passwordHash = await hashPassword(TEST_PASSWORD);
  await prisma.user.createMany({ data: TEST_USERS.map((u) => ({ ...u, passwordHash })), skipDuplicates: true });
}

export type SeedClusterOptions = {
  prisma: PrismaClient;
  name: string;
  nodes: { name: string; role?: "ACTIVE" | "STANDBY"; heartbeatAgoMs?: number | null; priority?: number }[];
};

/**
 * A cluster with node rows as agents would leave them, timestamps set on the database clock. For
 * API tests that need no live agents. Slow timings (heartbeat 60 s: healthy for 120 s) keep "healthy" true for the
 * whole test run; the role-changing paths are the agents' and tested there.
 */
export async function seedCluster({ prisma, name, nodes }: SeedClusterOptions) {
  const cluster = await prisma.cluster.create({ data: { name, heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n } });
  for (const n of nodes) {
    const ago = n.heartbeatAgoMs === undefined ? 0 : n.heartbeatAgoMs;
    await prisma.$executeRaw`
      INSERT INTO "Node" (id, "clusterId", name, host, "agentVersion", role, priority, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch", "startedAt")
      VALUES (gen_random_uuid(), ${cluster.id}::uuid, ${n.name}, ${`${n.name}.local`}, '0.1.0', ${n.role ?? "STANDBY"}::"NodeRole", ${n.priority ?? 100},
        CASE WHEN ${ago}::int IS NULL THEN NULL ELSE now() - make_interval(secs => ${ago ?? 0}::float8 / 1000) END,
        CASE WHEN ${n.role ?? "STANDBY"} = 'ACTIVE' THEN now() + interval '1 hour' END,
        CASE WHEN ${n.role ?? "STANDBY"} = 'ACTIVE' THEN 1 END, now())`;
  }
  return cluster;
}

export type ConsoleTestbed = { t: TestDatabase; server: NextServer; signInAs(email: string): Promise<string>; stop(): Promise<void> };

/**
 * A database of its own with one user per role and cluster "alpha" (node-a active, node-b
 * standby), served by the real production build (with `env` added to its environment).
 */
export async function startConsoleTestbed({ env }: { env?: Record<string, string> } = {}): Promise<ConsoleTestbed> {
  const t = await createTestDatabase();
  await seedUsers(t.prisma);
  await seedCluster({ prisma: t.prisma, name: "alpha", nodes: [{ name: "node-a", role: "ACTIVE" }, { name: "node-b" }] });
  const server = await startNextServer({ databaseUrl: t.url, env });
  return {
    t,
    server,
    signInAs: (email) => signIn(server.url, email, TEST_PASSWORD),
    async stop() {
      await server.stop();
      await t.drop();
    },
  };
}
