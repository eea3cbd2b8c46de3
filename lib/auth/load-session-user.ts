import type { PrismaClient, UserRole } from "../db/client";

export type SessionUserRecord = { id: string; email: string; role: UserRole };
export type LoadSessionUserOptions = {
  prisma: PrismaClient;
  userId: string;
  /** The session's issue time (database clock, ms): sessions from before a sign-out, password reset or disabling are refused. */
  issuedAt?: number;
};

/**
 * The user behind a session as the database has it now: a disabled or deleted account loses access
 * at once and a changed role applies at once, without waiting for the JWT to expire.
 */
export async function loadSessionUser({ prisma, userId, issuedAt }: LoadSessionUserOptions): Promise<SessionUserRecord | null> {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) return null;
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true, role: true, disabled: true, sessionsValidAfter: true } });
  if (!user || user.disabled) return null;
  if (user.sessionsValidAfter && (issuedAt === undefined || issuedAt < user.sessionsValidAfter.getTime())) return null;
  return { id: user.id, email: user.email, role: user.role };
}
