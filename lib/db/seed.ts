import { generatePassword, hashPassword } from "../auth/password";
import type { PrismaClient } from "./client";

export type EnsureAdminUserOptions = { prisma: PrismaClient; email: string; password?: string };

/**
 * Creates the first ADMIN when the database has no user at all. Returns the password only when it
 * was generated here, so the caller can print it once; never stores or logs it otherwise.
 */
export async function ensureAdminUser({ prisma, email, password }: EnsureAdminUserOptions): Promise<{ created: boolean; generatedPassword?: string }> {
  if ((await prisma.user.count()) > 0) return { created: false };
  const actual = password ?? generatePassword();
  const created = await prisma.user.createMany({
    data: [{ email: email.toLowerCase(), name: "Administrator", role: "ADMIN", passwordHash: await hashPassword(actual) }],
    skipDuplicates: true,
  });
  if (created.count === 0) return { created: false };
  await prisma.auditEvent.create({ data: { actor: "system", action: "user.created", reason: `first administrator ${email}` } });
  return { created: true, generatedPassword: password ? undefined : actual };
}

export const DEMO_CLUSTER = "demo";

export async function ensureDemoCluster(prisma: PrismaClient, name = DEMO_CLUSTER) {
  return prisma.cluster.upsert({ where: { name_service: { name, service: "main" } }, update: {}, create: { name } });
}
