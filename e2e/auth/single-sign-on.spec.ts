// Single sign-on end to end: a real OpenID Connect provider (oidc-provider, with its development
// login and consent pages) run by the test, the console's production build configured for it, and
// Chromium going through the whole redirect dance.
import type { Server } from "node:http";
import Provider from "oidc-provider";
import { freePort } from "../../lib/db/embedded-postgres";
import { startNextServer, type NextServer } from "../../test/support/next-server";
import { expect, test } from "../support/fixtures";

const CLIENT = { id: "failover-console", secret: "a client secret for the test only" };

/** The provider's users and the claims it vouches for. */
const ACCOUNTS: Record<string, { email: string; name: string; groups: string[] }> = {
  alice: { email: "alice@corp.example", name: "Alice Operator", groups: ["staff", "console-operators"] },
  mallory: { email: "mallory@corp.example", name: "Mallory", groups: ["contractors"] },
  impostor: { email: "viewer@example.com", name: "Not the viewer", groups: ["console-admins"] },
};

let issuer: string;
let idp: Server;
let consoleServer: NextServer;

test.beforeAll(async ({ databaseUrl }) => {
  const idpPort = await freePort();
  issuer = `http://127.0.0.1:${idpPort}`;
  consoleServer = await startNextServer({
    databaseUrl,
    env: {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT.id,
      OIDC_CLIENT_SECRET: CLIENT.secret,
      OIDC_NAME: "Corp SSO",
      OIDC_SCOPES: "openid email profile groups",
      OIDC_ADMIN_GROUPS: "console-admins",
      OIDC_OPERATOR_GROUPS: "console-operators",
      OIDC_VIEWER_GROUPS: "staff",
    },
  });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [`${consoleServer.url}/api/auth/callback/oidc`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    // The console reads the ID token's claims (as next-auth does with idToken: true).
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const account = ACCOUNTS[id];
      return account ? { accountId: id, claims: () => ({ sub: id, email_verified: true, ...account }) } : undefined;
    },
    cookies: { keys: ["a cookie key for the test only"] },
    ttl: { IdToken: 600, AccessToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  });
  idp = provider.listen(idpPort);
});

test.afterAll(async () => {
  await consoleServer?.stop();
  await new Promise((r) => idp?.close(r));
});

/** From the console's sign-in page through the provider's login and consent pages. */
async function signInThroughProvider(page: import("@playwright/test").Page, login: string) {
  // Leave the console first: a page left open polls, and its own redirect to /signin (its session
  // gone) would abort this navigation.
  await page.goto("about:blank");
  // The sign-in page can also send itself to /signin as it loads (seen once in CI): that
  // navigation ends where this one was going.
  await page.goto(`${consoleServer.url}/signin`).catch((err: Error) => {
    if (!/interrupted by another navigation to "[^"]*\/signin"/.test(err.message)) throw err;
  });
  await page.getByRole("button", { name: "Sign in with Corp SSO" }).click();
  await page.waitForURL(`${issuer}/**`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("a user of the identity provider signs in, is created with the role its groups give (again at every sign-in), and is audited by identity", async ({
  page,
  prisma,
}) => {
  await signInThroughProvider(page, "alice");
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText("alice@corp.example")).toBeVisible();

  const user = await prisma.user.findUniqueOrThrow({ where: { email: "alice@corp.example" } });
  expect(user).toMatchObject({ role: "OPERATOR", name: "Alice Operator", ssoIdentity: `${issuer} alice` });
  const created = await prisma.auditEvent.findFirstOrThrow({ where: { action: "user.created", reason: "alice@corp.example" } });
  expect(created.details).toMatchObject({ via: "oidc", issuer, subject: "alice", role: "OPERATOR" });
  const signedIn = await prisma.auditEvent.findFirstOrThrow({ where: { action: "user.signed_in", actor: "user:alice@corp.example" } });
  expect(signedIn.details).toMatchObject({ via: "oidc", issuer, subject: "alice" });
  // An OPERATOR's session: the API answers as the console's own user.
  const me = await page.request.get(`${consoleServer.url}/api/v1/me`);
  expect(await me.json()).toEqual({ email: "alice@corp.example", role: "OPERATOR" });

  // A second sign-in finds the same user.
  await page.context().clearCookies();
  await signInThroughProvider(page, "alice");
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible({ timeout: 15_000 });
  expect(await prisma.user.count({ where: { ssoIdentity: `${issuer} alice` } })).toBe(1);
  expect(await prisma.auditEvent.count({ where: { action: "user.created", reason: "alice@corp.example" } })).toBe(1);

  // Her groups change at the provider: her role follows at her next sign-in, audited.
  ACCOUNTS.alice.groups = ["staff"];
  await page.context().clearCookies();
  await signInThroughProvider(page, "alice");
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible({ timeout: 15_000 });
  expect(await (await page.request.get(`${consoleServer.url}/api/v1/me`)).json()).toEqual({ email: "alice@corp.example", role: "VIEWER" });
  const changed = await prisma.auditEvent.findFirstOrThrow({ where: { action: "user.updated", reason: "alice@corp.example: role" } });
  expect(changed.details).toMatchObject({ role: { from: "OPERATOR", to: "VIEWER" } });
});

test("an identity whose groups give no role, or whose e-mail is a local account's, is refused and audited", async ({ page, prisma }) => {
  for (const [login, reason] of [
    ["mallory", /no role/],
    ["impostor", /belongs to another account/],
  ] as const) {
    await page.context().clearCookies();
    await signInThroughProvider(page, login);
    await expect(page.getByRole("alert").filter({ hasText: "no access to the console" })).toBeVisible({ timeout: 15_000 });
    expect(page.url()).toContain(`${consoleServer.url}/signin`);
    const refused = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "user.sign_in_failed", actor: `user:${ACCOUNTS[login].email}` },
      orderBy: { id: "desc" },
    });
    expect(refused.reason).toMatch(reason);
    expect(refused.details).toMatchObject({ via: "oidc", issuer, subject: login });
  }
  expect(await prisma.user.findUnique({ where: { email: "mallory@corp.example" } })).toBeNull();
  expect(await prisma.user.findUniqueOrThrow({ where: { email: "viewer@example.com" } })).toMatchObject({ role: "VIEWER", ssoIdentity: null });
});
