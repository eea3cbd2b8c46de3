// User management, API tokens, sign-in lockout, CSRF and security headers, against the real
// production build: an administrator's sequence, step by step.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCKOUT } from "../../lib/auth/authorize-credentials";
import { callApi } from "../support/api-client";
import { startConsoleTestbed, TEST_PASSWORD, type ConsoleTestbed } from "../support/console-fixture";
import { signIn, type NextServer } from "../support/next-server";
import type { TestDatabase } from "../support/test-database";

describe("users, tokens and sign-in hardening", () => {
  let bed: ConsoleTestbed;
  let t: TestDatabase;
  let server: NextServer;
  let admin: string;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
    ({ t, server } = bed);
    admin = await bed.signInAs("admin@example.com");
  });
  afterAll(async () => bed?.stop());
  const api = (cookie: string | null, req: Parameters<typeof callApi>[2]) => callApi(server.url, cookie, req);

  it("an admin creates a user with a generated password, shown once and never listed", async () => {
    const res = await api(admin, { method: "POST", path: "/api/v1/users", body: { email: "New.Person@Example.com", role: "OPERATOR" } });
    expect(res.status).toBe(201);
    const { user, generatedPassword } = res.body as { user: { email: string; role: string }; generatedPassword: string };
    expect(user).toMatchObject({ email: "new.person@example.com", role: "OPERATOR" });
    expect(generatedPassword).toMatch(/^\S{20}$/);
    const list = await api(admin, { path: "/api/v1/users" });
    expect(list.text).not.toMatch(/passwordHash|\$2[aby]\$/);
    expect(list.text).not.toContain(generatedPassword);
    await signIn(server.url, "new.person@example.com", generatedPassword);
    expect((await api(admin, { method: "POST", path: "/api/v1/users", body: { email: "new.person@example.com", role: "VIEWER" } })).status).toBe(409);
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "user.created", reason: "new.person@example.com" } });
    expect(audit.actor).toBe("user:admin@example.com");
    expect(JSON.stringify(audit, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(generatedPassword);
  });

  it("disabling a user or resetting a password ends their existing sessions at once", async () => {
    const user = await t.prisma.user.findUniqueOrThrow({ where: { email: "operator@example.com" } });
    const session = await signIn(server.url, "operator@example.com", TEST_PASSWORD);
    expect((await api(session, { path: "/api/v1/clusters" })).status).toBe(200);
    const reset = await api(admin, { method: "PATCH", path: `/api/v1/users/${user.id}`, body: { resetPassword: true } });
    expect(reset.status).toBe(200);
    const newPassword = (reset.body as { generatedPassword: string }).generatedPassword;
    expect((await api(session, { path: "/api/v1/clusters" })).status).toBe(401);
    const fresh = await signIn(server.url, "operator@example.com", newPassword);
    expect((await api(fresh, { path: "/api/v1/clusters" })).status).toBe(200);
    expect((await api(admin, { method: "PATCH", path: `/api/v1/users/${user.id}`, body: { disabled: true } })).status).toBe(200);
    expect((await api(fresh, { path: "/api/v1/clusters" })).status).toBe(401);
    await expect(signIn(server.url, "operator@example.com", newPassword)).rejects.toThrow(/sign-in as operator@example.com failed/);
    await t.prisma.user.update({ where: { id: user.id }, data: { disabled: false, sessionsValidAfter: null } });
  });

  it("the last active ADMIN can be neither demoted nor disabled", async () => {
    const me = await t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    for (const body of [{ role: "OPERATOR" }, { disabled: true }]) {
      const res = await api(admin, { method: "PATCH", path: `/api/v1/users/${me.id}`, body });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: { code: "CONFLICT", message: expect.stringMatching(/last active administrator/) } });
    }
    expect(await t.prisma.user.findUniqueOrThrow({ where: { id: me.id } })).toMatchObject({ role: "ADMIN", disabled: false });
    const other = await t.prisma.user.findUniqueOrThrow({ where: { email: "viewer@example.com" } });
    expect((await api(admin, { method: "PATCH", path: `/api/v1/users/${other.id}`, body: { role: "ADMIN" } })).status).toBe(200);
    expect((await api(admin, { method: "PATCH", path: `/api/v1/users/${me.id}`, body: { role: "OPERATOR" } })).status).toBe(200); // now possible
    await t.prisma.user.update({ where: { id: me.id }, data: { role: "ADMIN" } });
    await t.prisma.user.update({ where: { id: other.id }, data: { role: "VIEWER" } });
  });

  it("API tokens: no higher than the creator's role, shown once, stored hashed, last use recorded, revocable", async () => {
    const viewer = await signIn(server.url, "viewer@example.com", TEST_PASSWORD);
    const tooHigh = await api(viewer, { method: "POST", path: "/api/v1/tokens", body: { name: "ci", role: "OPERATOR" } });
    expect(tooHigh.status).toBe(403);
    const created = await api(admin, { method: "POST", path: "/api/v1/tokens", body: { name: "switchover bot", role: "OPERATOR" } });
    expect(created.status).toBe(201);
    const { id, secret } = created.body as { id: string; secret: string };
    expect(secret).toMatch(/^fct_[A-Za-z0-9_-]{43}$/);
    const row = await t.prisma.apiToken.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(secret);
    const listed = await api(admin, { path: "/api/v1/tokens" });
    expect(listed.text).not.toContain(secret);
    expect(listed.text).not.toContain(row.tokenHash);

    const bearer = { authorization: `Bearer ${secret}` };
    // A token is not ambient: it needs no Origin, and can act as OPERATOR but not ADMIN. (The
    // seeded target must look alive however long the run took so far.)
    await t.prisma.$executeRaw`UPDATE "Node" SET "lastHeartbeatAt" = now()`;
    const cmd = await api(null, {
      method: "POST",
      path: "/api/v1/clusters/alpha/commands",
      body: { kind: "SWITCHOVER", targetNode: "node-b" },
      headers: bearer,
    });
    expect(cmd.status).toBe(201);
    expect((await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "command.requested" }, orderBy: { id: "desc" } })).actor).toBe(
      "user:admin@example.com",
    );
    expect((await api(null, { path: "/api/v1/users", headers: bearer })).status).toBe(403);
    expect((await t.prisma.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt).not.toBeNull();

    expect((await api(admin, { method: "DELETE", path: `/api/v1/tokens/${id}` })).status).toBe(200);
    expect((await api(null, { path: "/api/v1/clusters", headers: bearer })).status).toBe(401);
    expect(await t.prisma.auditEvent.count({ where: { action: { in: ["token.created", "token.revoked"] } } })).toBe(2);
  });

  it("refuses cookie-authenticated mutations from another origin or without one (CSRF), changing nothing", async () => {
    const before = await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "alpha", service: "main" } } });
    for (const origin of ["https://evil.example", undefined]) {
      const res = await fetch(`${server.url}/api/v1/clusters/alpha`, {
        method: "PATCH",
        headers: { cookie: admin, "content-type": "application/json", ...(origin && { origin }) },
        body: JSON.stringify({ paused: !before.paused }),
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: "FORBIDDEN", message: expect.stringMatching(/cross-site request refused/) } });
    }
    expect((await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "alpha", service: "main" } } })).paused).toBe(before.paused);
  });

  it(`locks an account for ${LOCKOUT.minutes} minutes after ${LOCKOUT.failures} failed sign-ins, even with the right password, and audits it`, async () => {
    for (let i = 0; i < LOCKOUT.failures; i++) await expect(signIn(server.url, "viewer@example.com", "wrong password")).rejects.toThrow();
    await expect(signIn(server.url, "viewer@example.com", TEST_PASSWORD)).rejects.toThrow();
    const actions = await t.prisma.auditEvent.findMany({
      where: { actor: "user:viewer@example.com", action: { startsWith: "user.sign_in" } },
      orderBy: { id: "asc" },
    });
    expect(actions.slice(-(LOCKOUT.failures + 1)).map((a) => a.action)).toEqual([
      ...Array(LOCKOUT.failures).fill("user.sign_in_failed"),
      "user.sign_in_locked",
    ]);
  });

  it("sign-out ends the session server-side: a copy of the cookie no longer works", async () => {
    const { passwordHash } = await t.prisma.user.findUniqueOrThrow({ where: { email: "admin@example.com" } });
    await t.prisma.user.create({ data: { email: "leaving@example.com", role: "OPERATOR", passwordHash } });
    const session = await signIn(server.url, "leaving@example.com", TEST_PASSWORD);
    expect((await api(session, { path: "/api/v1/clusters" })).status).toBe(200);
    const { csrfToken } = (await (await fetch(`${server.url}/api/auth/csrf`, { headers: { cookie: session } })).json()) as { csrfToken: string };
    const out = await fetch(`${server.url}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: session, "content-type": "application/x-www-form-urlencoded", origin: server.url },
      body: new URLSearchParams({ csrfToken, json: "true" }),
    });
    expect(out.status).toBeLessThan(400);
    expect((await api(session, { path: "/api/v1/clusters" })).status).toBe(401);
    expect(await t.prisma.auditEvent.count({ where: { actor: "user:leaving@example.com", action: "user.signed_out" } })).toBe(1);
    const again = await signIn(server.url, "leaving@example.com", TEST_PASSWORD); // at once, maybe in the same second
    expect((await api(again, { path: "/api/v1/clusters" })).status).toBe(200);
  });

  it("sends security headers on pages and API responses", async () => {
    for (const path of ["/signin", "/api/v1/clusters"]) {
      const res = await fetch(`${server.url}${path}`, { redirect: "manual" });
      expect(res.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("same-origin");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });
});
