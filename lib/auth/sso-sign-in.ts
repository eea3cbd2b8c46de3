import { insertAudit } from "../cluster/audit";
import { userActor } from "../cluster/audit-actions";
import type { PrismaClient } from "../db/client";
import type { AuthEnv } from "./auth-env";
import type { AuthorizedUser } from "./authorize-credentials";
import { roleFromClaims, type OidcProfile } from "./oidc";

/** Stored as the password hash of users created by single sign-on: no bcrypt hash, so no password sign-in. */
export const SSO_ONLY_PASSWORD_HASH = "!sso";

export type SsoSignInOptions = { prisma: PrismaClient; env: AuthEnv; profile: OidcProfile };

/**
 * An identity the provider vouched for (next-auth checked the ID token) to a console user: found by
 * issuer and subject, created on its first sign-in, its role set from its groups at every sign-in.
 * Refused (null, audited) without a role, when disabled, or when its e-mail belongs to a local
 * account (never linked silently: a provider that lets users choose their e-mail could take it over).
 */
export async function ssoSignIn({ prisma, env, profile }: SsoSignInOptions): Promise<AuthorizedUser | null> {
  const issuer = env.OIDC_ISSUER!;
  const identity = `${issuer} ${profile.sub}`;
  const email = (profile.email ?? "").trim().toLowerCase();
  const role = roleFromClaims(profile, env);
  const who = { issuer, subject: profile.sub };
  return prisma.$transaction(async (tx) => {
    const refuse = async (reason: string) => {
      await insertAudit(tx, { actor: userActor(email || identity), action: "user.sign_in_failed", reason, details: { via: "oidc", ...who } });
      return null;
    };
    if (!email) return refuse("single sign-on: the identity has no email claim");
    if (!role) return refuse(`single sign-on: no role (the ${env.OIDC_ROLE_CLAIM} claim names none of the configured groups)`);
    let user = await tx.user.findUnique({ where: { ssoIdentity: identity } });
    if (!user) {
      if (await tx.user.findUnique({ where: { email }, select: { id: true } })) return refuse("single sign-on: the email belongs to another account");
      user = await tx.user.create({
        data: { email, name: (profile.name ?? "").slice(0, 100), role, passwordHash: SSO_ONLY_PASSWORD_HASH, ssoIdentity: identity },
      });
      await insertAudit(tx, { actor: userActor(email), action: "user.created", reason: email, details: { userId: user.id, role, via: "oidc", ...who } });
    } else if (user.disabled) {
      return refuse("account disabled");
    } else if (user.role !== role) {
      await tx.user.update({ where: { id: user.id }, data: { role } });
      await insertAudit(tx, {
        actor: userActor(user.email),
        action: "user.updated",
        reason: `${user.email}: role (single sign-on groups)`,
        details: { userId: user.id, role: { from: user.role, to: role }, via: "oidc", ...who },
      });
    }
    await insertAudit(tx, { actor: userActor(user.email), action: "user.signed_in", details: { via: "oidc", ...who } });
    const [{ now }] = await tx.$queryRaw<{ now: Date }[]>`SELECT now()`;
    return { id: user.id, email: user.email, name: user.name, role, issuedAtMs: now.getTime() };
  });
}
