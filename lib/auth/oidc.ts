import type { OAuthConfig } from "next-auth/providers/oauth";
import type { UserRole } from "../db/client";
import type { AuthEnv } from "./auth-env";

/** What the console reads from the identity provider's ID token. */
export type OidcProfile = { sub: string; email?: string; email_verified?: boolean; name?: string; [claim: string]: unknown };

export const OIDC_PROVIDER_ID = "oidc";

/**
 * next-auth's generic OpenID Connect provider (discovery, authorization code with PKCE and state,
 * ID token validation) for OIDC_ISSUER; null when single sign-on is not configured.
 */
export function oidcProvider(env: AuthEnv): OAuthConfig<OidcProfile> | null {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET) return null;
  return {
    id: OIDC_PROVIDER_ID,
    name: env.OIDC_NAME,
    type: "oauth",
    wellKnown: `${env.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    authorization: { params: { scope: env.OIDC_SCOPES } },
    checks: ["pkce", "state"],
    idToken: true,
    // The console's own user (id, role) replaces this in the signIn callback (lib/auth/sso-sign-in.ts).
    profile: (profile) => ({ id: profile.sub, email: profile.email ?? "", name: profile.name ?? "", role: "VIEWER", issuedAtMs: 0 }),
  };
}

/**
 * The role an identity's groups give: the highest whose OIDC_*_GROUPS list names one of them;
 * null when none does (no access). The claim may be a list or a single string.
 */
export function roleFromClaims(profile: OidcProfile, env: AuthEnv): UserRole | null {
  const raw = profile[env.OIDC_ROLE_CLAIM];
  const groups = new Set((Array.isArray(raw) ? raw : [raw]).filter((g): g is string => typeof g === "string"));
  const rules: [UserRole, string[]][] = [
    ["ADMIN", env.OIDC_ADMIN_GROUPS],
    ["OPERATOR", env.OIDC_OPERATOR_GROUPS],
    ["VIEWER", env.OIDC_VIEWER_GROUPS],
  ];
  return rules.find(([, names]) => names.some((n) => groups.has(n)))?.[0] ?? null;
}
