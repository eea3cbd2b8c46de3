import { insertAudit } from "../cluster/audit";
import type { PrismaClient, UserRole } from "../db/client";
import { verifyPassword } from "./password";

export type AuthorizeCredentialsOptions = { prisma: PrismaClient; email: string; password: string };
/** issuedAtMs: the database clock at sign-in, compared with sessionsValidAfter (same clock, to the millisecond). */
export type AuthorizedUser = { id: string; email: string; name: string; role: UserRole; issuedAtMs: number };

// Compared against when the email is unknown, so a miss costs the same time as a wrong password.
const DUMMY_HASH = "$2b$12$GkpIexr73qZOBAQVWVPcde8Tdp1yonCDS6eutK8Eal0kNyYjt3wr2";

export const LOCKOUT = { failures: 5, minutes: 15 };

/**
 * Temporary lockout, counted from the audit log so every console behind a load balancer agrees:
 * LOCKOUT.failures failures since the last success, within the last LOCKOUT.minutes.
 */
async function isLockedOut(prisma: PrismaClient, email: string): Promise<boolean> {
  const actor = `user:${email}`;
  const [{ failures }] = await prisma.$queryRaw<{ failures: number }[]>`
    SELECT count(*)::int AS failures FROM "AuditEvent"
    WHERE actor = ${actor} AND action = 'user.sign_in_failed' AND at > now() - make_interval(mins => ${LOCKOUT.minutes})
      AND at > COALESCE((SELECT max(at) FROM "AuditEvent" WHERE actor = ${actor} AND action = 'user.signed_in'), '-infinity')`;
  return failures >= LOCKOUT.failures;
}

/** Checks an email and password against the User table; audits both outcomes. */
export async function authorizeCredentials({ prisma, email, password }: AuthorizeCredentialsOptions): Promise<AuthorizedUser | null> {
  const normalized = email.trim().toLowerCase();
  if (await isLockedOut(prisma, normalized)) {
    await insertAudit(prisma, {
      actor: `user:${normalized}`,
      action: "user.sign_in_locked",
      reason: `${LOCKOUT.failures} failed sign-ins within ${LOCKOUT.minutes} minutes`,
    });
    return null;
  }
  const user = await prisma.user.findUnique({ where: { email: normalized } });
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok || user.disabled) {
    await insertAudit(prisma, {
      actor: `user:${normalized}`,
      action: "user.sign_in_failed",
      reason: user?.disabled ? "account disabled" : "wrong email or password",
    });
    return null;
  }
  await insertAudit(prisma, { actor: `user:${user.email}`, action: "user.signed_in" });
  const [{ now }] = await prisma.$queryRaw<{ now: Date }[]>`SELECT now()`;
  return { id: user.id, email: user.email, name: user.name, role: user.role, issuedAtMs: now.getTime() };
}
