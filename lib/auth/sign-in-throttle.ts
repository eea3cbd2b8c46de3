import { isIP } from "node:net";
import { insertAudit } from "../cluster/audit";
import { userActor } from "../cluster/audit-actions";
import type { PrismaClient } from "../db/client";
import { authEnv } from "./auth-env";

/** Per account: this many attempts per window, then refused without checking the password. */
export const LOCKOUT = { failures: 5, minutes: 15 };
/** Per client address (only when TRUSTED_PROXY_HEADER names where to find it): across all accounts. */
export const ADDRESS_LOCKOUT = { failures: 20, minutes: 15 };

type Db = Pick<PrismaClient, "$queryRaw" | "$executeRaw">;

const accountKey = (email: string) => `account:${email}`;
const addressKey = (address: string) => `address:${address}`;

/**
 * The client's address from the configured proxy header: its last entry, the one the proxy itself
 * added (entries before it are whatever the client sent). Null when no header is configured: the
 * socket's address is not trustworthy either, since Next passes a client's X-Forwarded-For through.
 */
export function clientAddress(headers: Record<string, unknown> | Headers | undefined): string | null {
  const name = authEnv().TRUSTED_PROXY_HEADER;
  if (!name || !headers) return null;
  const raw = headers instanceof Headers ? headers.get(name) : headers[name];
  const last = String(Array.isArray(raw) ? raw.at(-1) : (raw ?? ""))
    .split(",")
    .at(-1)!
    .trim();
  return isIP(last) ? last : null;
}

/**
 * Counts one attempt against `key` before the password is checked, in one statement, so parallel
 * attempts cannot all pass a check made before any of them was recorded. A window starts with the
 * first attempt and lasts `minutes`. Returns the attempts in the window, this one included.
 */
async function countAttempt(db: Db, key: string, minutes: number): Promise<number> {
  if (Math.random() < 0.02) await db.$executeRaw`DELETE FROM "SignInThrottle" WHERE "windowStartedAt" < now() - interval '1 day'`;
  const [{ attempts }] = await db.$queryRaw<{ attempts: number }[]>`
    INSERT INTO "SignInThrottle" AS t (key, attempts) VALUES (${key}, 1)
    ON CONFLICT (key) DO UPDATE SET
      attempts = CASE WHEN t."windowStartedAt" > now() - make_interval(mins => ${minutes}) THEN LEAST(t.attempts + 1, 1000000) ELSE 1 END,
      "lockAuditedAt" = CASE WHEN t."windowStartedAt" > now() - make_interval(mins => ${minutes}) THEN t."lockAuditedAt" END,
      "windowStartedAt" = CASE WHEN t."windowStartedAt" > now() - make_interval(mins => ${minutes}) THEN t."windowStartedAt" ELSE now() END
    RETURNING attempts`;
  return attempts;
}

/** True for the first refused attempt of a window only: one audit row per lock, not one per try. */
async function claimLockAudit(db: Db, key: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`UPDATE "SignInThrottle" SET "lockAuditedAt" = now() WHERE key = ${key} AND "lockAuditedAt" IS NULL RETURNING key`;
  return rows.length > 0;
}

/**
 * Admits a sign-in attempt or refuses it (locked): the address first (so one address cannot lock
 * many accounts), then the account. Every admitted attempt has already been counted.
 */
export async function admitSignInAttempt(prisma: PrismaClient, { email, address }: { email: string; address: string | null }): Promise<boolean> {
  const limits: [string, typeof LOCKOUT, string][] = [
    ...(address ? [[addressKey(address), ADDRESS_LOCKOUT, `from ${address}`] as [string, typeof LOCKOUT, string]] : []),
    [accountKey(email), LOCKOUT, "on this account"],
  ];
  for (const [key, limit, where] of limits) {
    if ((await countAttempt(prisma, key, limit.minutes)) <= limit.failures) continue;
    if (await claimLockAudit(prisma, key))
      await insertAudit(prisma, {
        actor: userActor(email),
        action: "user.sign_in_locked",
        reason: `${limit.failures} sign-in attempts ${where} within ${limit.minutes} minutes: refused until the window ends`,
        ...(address && { details: { address } }),
      });
    return false;
  }
  return true;
}

/** A successful sign-in: the account's count starts again, and the attempt no longer counts against the address. */
export async function recordSignInSuccess(prisma: PrismaClient, { email, address }: { email: string; address: string | null }) {
  await prisma.$executeRaw`DELETE FROM "SignInThrottle" WHERE key = ${accountKey(email)}`;
  if (address) await prisma.$executeRaw`UPDATE "SignInThrottle" SET attempts = GREATEST(attempts - 1, 0) WHERE key = ${addressKey(address)}`;
}

/** Ends an account's lock (an administrator's password reset, `npm run reset-password`). */
export async function clearSignInLock(db: Db, email: string) {
  await db.$executeRaw`DELETE FROM "SignInThrottle" WHERE key = ${accountKey(email)}`;
}
