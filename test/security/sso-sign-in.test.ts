// Single sign-on's mapping of a verified identity to a console user (lib/auth/sso-sign-in.ts),
// against a real database: an unverified e-mail is refused, and an identity whose groups no
// longer give a role loses its account and its API tokens, not just this sign-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAuthEnv } from "../../lib/auth/auth-env";
import { createApiToken } from "../../lib/auth/create-api-token";
import type { OidcProfile } from "../../lib/auth/oidc";
import { ssoSignIn } from "../../lib/auth/sso-sign-in";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const ISSUER = "https://id.example.com/realms/x";
const env = parseAuthEnv({
  OIDC_ISSUER: ISSUER,
  OIDC_CLIENT_ID: "console",
  OIDC_CLIENT_SECRET: "s3cret",
  OIDC_ADMIN_GROUPS: "sre",
  OIDC_OPERATOR_GROUPS: "ops",
});

describe("single sign-on: from identity to console user", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());
  const signIn = (profile: OidcProfile) => ssoSignIn({ prisma: t.prisma, env, profile });
  const lastAudit = () => t.prisma.auditEvent.findFirstOrThrow({ orderBy: { id: "desc" } });

  it.each([false, "false"])("refuses an identity whose email_verified claim is %o, audited, creating no user", async (verified) => {
    const sub = `unverified-${String(verified)}`;
    const profile = { sub, email: `${sub}@example.com`, email_verified: verified, groups: ["ops"] } as OidcProfile;
    expect(await signIn(profile)).toBeNull();
    expect(await t.prisma.user.findUnique({ where: { email: `${sub}@example.com` } })).toBeNull();
    expect(await lastAudit()).toMatchObject({
      action: "user.sign_in_failed",
      actor: `user:${sub}@example.com`,
      reason: expect.stringMatching(/email is not verified/),
      details: { via: "oidc", issuer: ISSUER, subject: sub },
    });
  });

  it("refuses an existing user's identity once the provider says its e-mail is not verified", async () => {
    const profile: OidcProfile = { sub: "became-unverified", email: "became-unverified@example.com", email_verified: true, groups: ["ops"] };
    expect(await signIn(profile)).toMatchObject({ email: "became-unverified@example.com", role: "OPERATOR" });
    expect(await signIn({ ...profile, email_verified: false })).toBeNull();
    expect(await lastAudit()).toMatchObject({ action: "user.sign_in_failed", reason: expect.stringMatching(/email is not verified/) });
  });

  it("accepts an identity without the claim or with it true", async () => {
    expect(await signIn({ sub: "no-claim", email: "no-claim@example.com", groups: ["ops"] })).toMatchObject({ role: "OPERATOR" });
    expect(await signIn({ sub: "verified", email: "verified@example.com", email_verified: true, groups: "sre" })).toMatchObject({ role: "ADMIN" });
  });

  it("a user whose groups no longer give any role is disabled and their API tokens revoked, audited", async () => {
    const profile: OidcProfile = { sub: "leaver", email: "leaver@example.com", groups: ["ops"] };
    const signedIn = (await signIn(profile))!;
    const user = await t.prisma.user.findUniqueOrThrow({ where: { id: signedIn.id } });
    const tokens = await Promise.all(["bot", "ci"].map((name) => createApiToken({ prisma: t.prisma, user, name, role: "OPERATOR" })));

    expect(await signIn({ ...profile, groups: ["former-staff"] })).toBeNull();
    expect(await t.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ disabled: true, sessionsValidAfter: expect.any(Date) });
    const rows = await t.prisma.apiToken.findMany({ where: { id: { in: tokens.map((k) => k.id) } } });
    expect(rows.map((r) => r.revokedAt)).toEqual([expect.any(Date), expect.any(Date)]);
    const audits = await t.prisma.auditEvent.findMany({ where: { reason: { contains: "leaver@example.com" } }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toContain("user.updated");
    expect(await t.prisma.auditEvent.count({ where: { action: "token.revoked", reason: { in: ["bot", "ci"] } } })).toBe(2);
    expect(
      await t.prisma.auditEvent.count({ where: { action: "user.sign_in_failed", actor: "user:leaver@example.com", reason: { contains: "no role" } } }),
    ).toBe(1);

    // Back in a group: still disabled (an administrator re-enables the account), tokens stay revoked.
    expect(await signIn(profile)).toBeNull();
    expect(await lastAudit()).toMatchObject({ action: "user.sign_in_failed", reason: "account disabled" });
  });

  it("the last active ADMIN losing their groups keeps the account (the usual rule) but loses their tokens", async () => {
    const t2 = await createTestDatabase();
    try {
      const profile: OidcProfile = { sub: "only-admin", email: "only-admin@example.com", groups: ["sre"] };
      const signedIn = (await ssoSignIn({ prisma: t2.prisma, env, profile }))!;
      const user = await t2.prisma.user.findUniqueOrThrow({ where: { id: signedIn.id } });
      const token = await createApiToken({ prisma: t2.prisma, user, name: "admin bot", role: "ADMIN" });
      expect(await ssoSignIn({ prisma: t2.prisma, env, profile: { ...profile, groups: [] } })).toBeNull();
      expect(await t2.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ disabled: false, role: "ADMIN" });
      expect((await t2.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).revokedAt).toEqual(expect.any(Date));
    } finally {
      await t2.drop();
    }
  });
});
