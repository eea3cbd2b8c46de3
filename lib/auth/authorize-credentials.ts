import { insertAudit } from "../cluster/audit";
import type { PrismaClient, UserRole } from "../db/client";
import { verifyPassword } from "./password";
import { withSignInSlot } from "./sign-in-gate";
import { admitSignInAttempt, recordSignInSuccess } from "./sign-in-throttle";

export { LOCKOUT } from "./sign-in-throttle";

export type AuthorizeCredentialsOptions = {
  prisma: PrismaClient;
  email: string;
  password: string;
  /** The client's address when a trusted proxy header gives it (lib/auth/sign-in-throttle.ts clientAddress). */
  clientAddress?: string | null;
};
/** issuedAtMs: the database clock at sign-in, compared with sessionsValidAfter (same clock, to the millisecond). */
export type AuthorizedUser = { id: string; email: string; name: string; role: UserRole; issuedAtMs: number };

// Compared against when the email is unknown (or the account signs in only through single sign-on),
// so a miss costs the same time as a wrong password.
const DUMMY_HASH = "$2b$12$GkpIexr73qZOBAQVWVPcde8Tdp1yonCDS6eutK8Eal0kNyYjt3wr2";

/**
 * Checks an email and password against the User table; audits both outcomes. The attempt is counted
 * (per account, and per client address when known) before the password is checked, and refused
 * unchecked past the limits; see lib/auth/sign-in-throttle.ts. At most SIGN_IN_CONCURRENCY run at once
 * (lib/auth/sign-in-gate.ts); past its queue the attempt fails with the error SIGN_IN_BUSY.
 */
export async function authorizeCredentials({ prisma, email, password, clientAddress = null }: AuthorizeCredentialsOptions): Promise<AuthorizedUser | null> {
  return withSignInSlot(async () => {
    const normalized = email.trim().toLowerCase();
    const attempt = { email: normalized, address: clientAddress };
    if (!(await admitSignInAttempt(prisma, attempt))) return null;
    const user = await prisma.user.findUnique({ where: { email: normalized } });
    const hash = user?.passwordHash.startsWith("$2") ? user.passwordHash : DUMMY_HASH;
    const ok = (await verifyPassword(password, hash)) && hash !== DUMMY_HASH;
    if (!user || !ok || user.disabled) {
      await insertAudit(prisma, {
        actor: `user:${normalized}`,
        action: "user.sign_in_failed",
        reason: user?.disabled ? "account disabled" : "wrong email or password",
        ...(clientAddress && { details: { address: clientAddress } }),
      });
      return null;
    }
    await recordSignInSuccess(prisma, attempt);
    await insertAudit(prisma, { actor: `user:${user.email}`, action: "user.signed_in", ...(clientAddress && { details: { address: clientAddress } }) });
    const [{ now }] = await prisma.$queryRaw<{ now: Date }[]>`SELECT now()`;
    return { id: user.id, email: user.email, name: user.name, role: user.role, issuedAtMs: now.getTime() };
  });
}
