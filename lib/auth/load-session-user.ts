import type { Prisma, PrismaClient, UserRole } from "../db/client";
import { authEnv } from "./auth-env";

export type SessionUserRecord = { id: string; email: string; role: UserRole };
export type LoadSessionUserOptions = {
  prisma: PrismaClient | Prisma.TransactionClient;
  userId: string;
  /** The session's issue time (database clock, ms): sessions from before a sign-out, password reset or disabling are refused. */
  issuedAt?: number;
};

/**
 * The user behind a session as the database has it now: a disabled or deleted account loses access
 * at once and a changed role applies at once, without waiting for the JWT to expire. A session
 * signed in more than SESSION_LIFETIME_HOURS ago is refused however often next-auth renewed it (a
 * stolen cookie does not live for ever); its issue time is the database's clock, compared with this
 * console's, which is close enough for a lifetime counted in hours.
 */
export async function loadSessionUser({ prisma, userId, issuedAt }: LoadSessionUserOptions): Promise<SessionUserRecord | null> {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) return null;
  if (issuedAt === undefined || Date.now() - issuedAt > authEnv().SESSION_LIFETIME_HOURS * 3_600_000) return null;
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true, disabled: true, sessionsValidAfter: true } });
  if (!user || user.disabled) return null;
  if (user.sessionsValidAfter && issuedAt < user.sessionsValidAfter.getTime()) return null;
  return { id: user.id, email: user.email, role: user.role };
}
