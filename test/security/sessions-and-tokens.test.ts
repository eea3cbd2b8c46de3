// Session lifetime and API tokens, against the production build: a stolen cookie does not live for
// ever, and a leaked token cannot mint successors.
import { decode, encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/auth/create-api-token";
import { callApi, databaseState } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import { TEST_NEXTAUTH_SECRET } from "../support/next-server";

const HOUR = 3_600_000;
const LIFETIME_HOURS = 12;
describe("sessions and API tokens", () => {
  let bed: ConsoleTestbed;
  let admin: string;
  beforeAll(async () => {
    bed = await startConsoleTestbed({ env: { SESSION_LIFETIME_HOURS: String(LIFETIME_HOURS) } });
    admin = await bed.signInAs("admin@example.com");
  });
  afterAll(async () => bed?.stop());
  const api = (cookie: string | null, req: Parameters<typeof callApi>[2]) => callApi(bed.server.url, cookie, req);

  /** A session cookie as next-auth issues it (same secret), signed in `ageMs` ago and renewed just now. */
  async function sessionCookie(ageMs: number) {
    const user = await bed.t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    const jwt = await encode({
      secret: TEST_NEXTAUTH_SECRET,
      token: { uid: user.id, email: user.email, name: user.name, role: user.role, issuedAtMs: Date.now() - ageMs },
    });
    return `next-auth.session-token=${jwt}`;
  }

  it(`refuses a session signed in more than SESSION_LIFETIME_HOURS (${LIFETIME_HOURS}) ago, however recently renewed`, async () => {
    const fresh = await sessionCookie(LIFETIME_HOURS * HOUR - 60_000);
    expect((await api(fresh, { path: "/api/v1/clusters" })).status).toBe(200);
    const stale = await sessionCookie(LIFETIME_HOURS * HOUR + 60_000);
    expect((await api(stale, { path: "/api/v1/clusters" })).status).toBe(401);
    const page = await fetch(`${bed.server.url}/`, { headers: { cookie: stale }, redirect: "manual" });
    expect(page.headers.get("location") ?? "").toMatch(/\/signin/);
  });

  it("renewing a session keeps its original sign-in time", async () => {
    const cookie = await sessionCookie(HOUR);
    const issued = (await decode({ token: cookie.split("=")[1], secret: TEST_NEXTAUTH_SECRET }))!.issuedAtMs;
    const res = await fetch(`${bed.server.url}/api/auth/session`, { headers: { cookie } });
    const renewed = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="))!;
    const token = await decode({ token: renewed.split(";")[0].split("=")[1], secret: TEST_NEXTAUTH_SECRET });
    expect(token?.issuedAtMs).toBe(issued);
  });

  it("an API token cannot list, create or revoke tokens (token management needs a signed-in session)", async () => {
    const user = await bed.t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    const token = await createApiToken({ prisma: bed.t.prisma, user, name: "leaked", role: "ADMIN" });
    const bearer = { authorization: `Bearer ${token.secret}` };
    const before = await databaseState(bed.t.prisma);
    for (const req of [
      { path: "/api/v1/tokens" },
      { method: "POST" as const, path: "/api/v1/tokens", body: { name: "successor", role: "ADMIN" } },
      { method: "DELETE" as const, path: `/api/v1/tokens/${token.id}` },
    ]) {
      const res = await api(null, { ...req, headers: bearer });
      expect(res.status, `${req.method ?? "GET"} ${req.path}`).toBe(403);
      expect(res.body).toEqual({ error: { code: "FORBIDDEN", message: expect.stringMatching(/signed-in session/) } });
    }
    expect(await databaseState(bed.t.prisma)).toBe(before);
    expect((await api(null, { path: "/api/v1/clusters", headers: bearer })).status).toBe(200); // still a working token otherwise
  });

  it("an ADMIN API token cannot create users or set a user's password or role (it could sign in as them and mint tokens), but can read users", async () => {
    const adminUser = await bed.t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    const viewer = await bed.t.prisma.user.findUniqueOrThrow({ where: { email: "viewer@example.com" } });
    const token = await createApiToken({ prisma: bed.t.prisma, user: adminUser, name: "leaked admin", role: "ADMIN" });
    const bearer = { authorization: `Bearer ${token.secret}` };
    const before = await databaseState(bed.t.prisma);
    for (const req of [
      { method: "POST" as const, path: "/api/v1/users", body: { email: "successor@example.com", role: "ADMIN", password: "a chosen password 123" } },
      { method: "PATCH" as const, path: `/api/v1/users/${viewer.id}`, body: { password: "a chosen password 123" } },
      { method: "PATCH" as const, path: `/api/v1/users/${viewer.id}`, body: { resetPassword: true } },
      { method: "PATCH" as const, path: `/api/v1/users/${viewer.id}`, body: { role: "ADMIN" } },
      { method: "PATCH" as const, path: `/api/v1/users/${viewer.id}`, body: { disabled: true } },
    ]) {
      const res = await api(null, { ...req, headers: bearer });
      expect(res.status, `${req.method} ${req.path} ${JSON.stringify(req.body)}`).toBe(403);
      expect(res.body).toEqual({ error: { code: "FORBIDDEN", message: expect.stringMatching(/signed-in session/) } });
    }
    expect(await databaseState(bed.t.prisma)).toBe(before);
    expect(await bed.t.prisma.user.findUnique({ where: { email: "successor@example.com" } })).toBeNull();
    const list = await api(null, { path: "/api/v1/users", headers: bearer });
    expect(list.status).toBe(200); // reading users stays open to an ADMIN token
    expect((list.body as { users: { email: string }[] }).users.map((u) => u.email)).toContain("viewer@example.com");
    // The same changes from an ADMIN's signed-in session still work.
    const created = await api(admin, { method: "POST", path: "/api/v1/users", body: { email: "by-session@example.com", role: "VIEWER" } });
    expect(created.status).toBe(201);
    const renamed = await api(admin, { method: "PATCH", path: `/api/v1/users/${viewer.id}`, body: { name: "Renamed by a session" } });
    expect(renamed.status).toBe(200);
  });

  it("a token may expire: its expiry is returned, listed and audited, and past it the token is refused", async () => {
    const created = await api(admin, { method: "POST", path: "/api/v1/tokens", body: { name: "month", role: "VIEWER", expiresInDays: 30 } });
    expect(created.status).toBe(201);
    const { id, secret, expiresAt } = created.body as { id: string; secret: string; expiresAt: string };
    expect(Math.abs(new Date(expiresAt).getTime() - (Date.now() + 30 * 24 * HOUR))).toBeLessThan(60_000);
    const listed = (await api(admin, { path: "/api/v1/tokens" })).body as { tokens: { id: string; expiresAt: string | null }[] };
    expect(listed.tokens.find((t) => t.id === id)?.expiresAt).toBe(expiresAt);
    const audit = await bed.t.prisma.auditEvent.findFirstOrThrow({ where: { action: "token.created", reason: "month" } });
    expect(audit.details).toMatchObject({ tokenId: id, expiresAt });
    const bearer = { authorization: `Bearer ${secret}` };
    expect((await api(null, { path: "/api/v1/clusters", headers: bearer })).status).toBe(200);
    await bed.t.prisma.$executeRaw`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 second' WHERE id = ${id}::uuid`;
    expect((await api(null, { path: "/api/v1/clusters", headers: bearer })).status).toBe(401);
  });

  it("refuses a bad expiry with a clear error, changing nothing", async () => {
    const before = await databaseState(bed.t.prisma);
    for (const expiresInDays of [0, -1, 1.5, 3651, "30", null]) {
      const res = await api(admin, { method: "POST", path: "/api/v1/tokens", body: { name: "bad", role: "VIEWER", expiresInDays } });
      expect(res.status, JSON.stringify(expiresInDays)).toBe(422);
      expect((res.body as { error: { message: string } }).error.message).toMatch(/expiresInDays/);
    }
    expect(await databaseState(bed.t.prisma)).toBe(before);
  });
});
