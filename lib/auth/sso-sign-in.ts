import { insertAudit } from "../cluster/audit";
import { userActor } from "../cluster/audit-actions";
import type { PrismaClient, User } from "../db/client";
import { AppError } from "../errors";
import type { AuthEnv } from "./auth-env";
import type { AuthorizedUser } from "./authorize-credentials";
import { roleFromClaims, type OidcProfile } from "./oidc";
import { updateUser } from "./update-user";

/** Stored as the password hash of users created by single sign-on: no bcrypt hash, so no password sign-in. */
export const SSO_ONLY_PASSWORD_HASH = "!sso";

export type SsoSignInOptions = { prisma: PrismaClient; env: AuthEnv; profile: OidcProfile };

/**
 * An identity the provider vouched for (next-auth checked the ID token) to a console user: found by
 * issuer and subject, created on its first sign-in, its role set from its groups at every sign-in
 * (as an administrator's change would be, audited as user.updated).
 * Refused (null, audited) when the provider says its e-mail is not verified, without a role, when
 * disabled, or when its e-mail belongs to a local account (never linked silently: a provider that
 * lets users choose their e-mail could take it over). A known user whose groups no longer give a
 * role is deprovisioned: disabled (unless the last active ADMIN) and their API tokens revoked.
 */
export async function ssoSignIn({ prisma, env, profile }: SsoSignInOptions): Promise<AuthorizedUser | null> {
  const issuer = env.OIDC_ISSUER!;
  const identity = `${issuer} ${profile.sub}`;
  const email = (profile.email ?? "").trim().toLowerCase();
  const role = roleFromClaims(profile, env);
  const via = { via: "oidc", issuer, subject: profile.sub };
  // Some providers send the claim as a string.
  const unverified = profile.email_verified === false || (profile.email_verified as unknown) === "false";
  // lostRole: a known user the groups no longer give a role (deprovisioned after the transaction).
  type Outcome = { user: User | null; lostRole?: { id: string; email: string } };
  const outcome = await prisma.$transaction(async (tx): Promise<Outcome> => {
    const refuse = async (reason: string, lostRole?: { id: string; email: string }) => {
      await insertAudit(tx, { actor: userActor(email || identity), action: "user.sign_in_failed", reason, details: via });
      return { user: null, lostRole };
    };
    if (!email || email.length > 255) return refuse("single sign-on: the identity has no usable email claim (missing or over 255 characters)");
    if (unverified) return refuse("single sign-on: the identity's email is not verified (email_verified is false)");
    const user = await tx.user.findUnique({ where: { ssoIdentity: identity } });
    if (user?.disabled) return refuse("account disabled");
    if (!role) return refuse(`single sign-on: no role (the ${env.OIDC_ROLE_CLAIM} claim names none of the configured groups)`, user ?? undefined);
    if (user) return { user };
    if (await tx.user.findUnique({ where: { email }, select: { id: true } })) return refuse("single sign-on: the email belongs to another account");
    const created = await tx.user.create({
      data: { email, name: (profile.name ?? "").slice(0, 100), role, passwordHash: SSO_ONLY_PASSWORD_HASH, ssoIdentity: identity },
    });
    await insertAudit(tx, { actor: userActor(email), action: "user.created", reason: email, details: { userId: created.id, role, ...via } });
    return { user: created };
  });
  if (outcome.lostRole) await deprovision(prisma, outcome.lostRole, via);
  const found = outcome.user;
  if (!found || !role) return null;
  let current = found.role;
  if (current !== role) {
    // The groups changed: the same rule as an administrator's change (audited; the last active
    // ADMIN keeps the role until another user has it).
    const updated = await updateUser({ prisma, actor: userActor(found.email), userId: found.id, changes: { role } }).catch((err: unknown) => {
      if (err instanceof AppError && err.code === "CONFLICT") return null;
      throw err;
    });
    current = updated?.user.role ?? current;
  }
  await insertAudit(prisma, { actor: userActor(found.email), action: "user.signed_in", details: via });
  const [{ now }] = await prisma.$queryRaw<{ now: Date }[]>`SELECT now()`;
  return { id: found.id, email: found.email, name: found.name, role: current, issuedAtMs: now.getTime() };
}

/**
 * The provider's groups no longer give this user any role: access ends everywhere, not just for
 * this sign-in. Disabled as an administrator would (sessions end, audited as user.updated; the last
 * active ADMIN stays, by the usual rule, until another user is ADMIN), and every live API token
 * revoked (audited as token.revoked), since tokens would otherwise outlive the person's access.
 */
async function deprovision(prisma: PrismaClient, user: { id: string; email: string }, via: Record<string, string>): Promise<void> {
  const actor = userActor(user.email);
  await updateUser({ prisma, actor, userId: user.id, changes: { disabled: true } }).catch((err: unknown) => {
    if (err instanceof AppError && err.code === "CONFLICT") return null;
    throw err;
  });
  await prisma.$transaction(async (tx) => {
    const revoked = await tx.$queryRaw<{ id: string; name: string; prefix: string }[]>`
      UPDATE "ApiToken" SET "revokedAt" = now() WHERE "userId" = ${user.id}::uuid AND "revokedAt" IS NULL RETURNING id, name, prefix`;
    for (const token of revoked) {
      await insertAudit(tx, { actor, action: "token.revoked", reason: token.name, details: { tokenId: token.id, prefix: token.prefix, ...via } });
    }
  });
}
