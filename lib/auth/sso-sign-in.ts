import { insertAudit } from "../cluster/audit";
import { userActor } from "../cluster/audit-actions";
import type { PrismaClient } from "../db/client";
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
 * Refused (null, audited) without a role, when disabled, or when its e-mail belongs to a local
 * account (never linked silently: a provider that lets users choose their e-mail could take it over).
 */
export async function ssoSignIn({ prisma, env, profile }: SsoSignInOptions): Promise<AuthorizedUser | null> {
  const issuer = env.OIDC_ISSUER!;
  const identity = `${issuer} ${profile.sub}`;
  const email = (profile.email ?? "").trim().toLowerCase();
  const role = roleFromClaims(profile, env);
  const via = { via: "oidc", issuer, subject: profile.sub };
  const found = await prisma.$transaction(async (tx) => {
    const refuse = async (reason: string) => {
      await insertAudit(tx, { actor: userActor(email || identity), action: "user.sign_in_failed", reason, details: via });
      return null;
    };
    if (!email || email.length > 255) return refuse("single sign-on: the identity has no usable email claim (missing or over 255 characters)");
    if (!role) return refuse(`single sign-on: no role (the ${env.OIDC_ROLE_CLAIM} claim names none of the configured groups)`);
    const user = await tx.user.findUnique({ where: { ssoIdentity: identity } });
    if (user?.disabled) return refuse("account disabled");
    if (user) return user;
    if (await tx.user.findUnique({ where: { email }, select: { id: true } })) return refuse("single sign-on: the email belongs to another account");
    const created = await tx.user.create({
      data: { email, name: (profile.name ?? "").slice(0, 100), role, passwordHash: SSO_ONLY_PASSWORD_HASH, ssoIdentity: identity },
    });
    await insertAudit(tx, { actor: userActor(email), action: "user.created", reason: email, details: { userId: created.id, role, ...via } });
    return created;
  });
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
