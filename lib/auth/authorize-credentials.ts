import { insertAudit } from "../cluster/audit";
import type { PrismaClient, UserRole } from "../db/client";
import { verifyPassword } from "./password";

export type AuthorizeCredentialsOptions = { prisma: PrismaClient; email: string; password: string };
export type AuthorizedUser = { id: string; email: string; name: string; role: UserRole };

// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH = "$2b$12$GkpIexr73qZOBAQVWVPcde8Tdp1yonCDS6eutK8Eal0kNyYjt3wr2";

/** Checks an email and password against the User table; audits both outcomes. */
export async function authorizeCredentials({ prisma, email, password }: AuthorizeCredentialsOptions): Promise<AuthorizedUser | null> {
  const normalized = email.trim().toLowerCase();
  const user = await prisma.user.findUnique({ where: { email: normalized } });
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok || user.disabled) {
    await insertAudit(prisma, { actor: `user:${normalized}`, action: "user.sign_in_failed", reason: user?.disabled ? "account disabled" : "wrong email or password" });
    return null;
  }
  await insertAudit(prisma, { actor: `user:${user.email}`, action: "user.signed_in" });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}
