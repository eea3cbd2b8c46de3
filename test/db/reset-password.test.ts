import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeCredentials } from "../../lib/auth/authorize-credentials";
import { freePort } from "../../lib/db/embedded-postgres";
import { seedUsers } from "../support/console-fixture";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

function run(script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}
const newPassword = (stdout: string) => stdout.match(/new password for \S+: (\S+)/)?.[1];

describe("npm run reset-password", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await seedUsers(t.prisma);
  });
  afterAll(async () => t.drop());

  it("gives a user a new generated password, shown once, audited as system (DATABASE_URL)", async () => {
    const r = run("scripts/reset-password.ts", ["Admin@Example.com"], { DATABASE_URL: t.url });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const password = newPassword(r.stdout)!;
    expect(password).toMatch(/^\S{20}$/);
    expect(await authorizeCredentials({ prisma: t.prisma, email: "admin@example.com", password })).toMatchObject({ email: "admin@example.com", role: "ADMIN" });
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "user.updated" }, orderBy: { id: "desc" } });
    expect([audit.actor, audit.reason]).toEqual(["system", "admin@example.com: password"]);
  });

  it("refuses an unknown email with one line, changing nothing", async () => {
    const before = await t.prisma.user.findMany({ orderBy: { email: "asc" } });
    const r = run("scripts/reset-password.ts", ["nobody@example.com"], { DATABASE_URL: t.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error: no user with email nobody@example.com");
    expect(await t.prisma.user.findMany({ orderBy: { email: "asc" } })).toEqual(before);
  });

  it("works on the embedded database while the console is stopped, and stops it again", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "fc-reset-"));
    await chmod(dir, 0o755);
    try {
      const env = { PGDATA_DIR: path.join(dir, "pg"), EMBEDDED_PG_PORT: String(await freePort()) };
      expect(run("scripts/serve.ts", ["--check-only"], env).code).toBe(0); // first start: admin created, password "lost"
      const r = run("scripts/reset-password.ts", ["admin@example.com"], env);
      expect(r.code).toBe(0);
      expect(newPassword(r.stdout)).toMatch(/^\S{20}$/);
      expect(existsSync(path.join(env.PGDATA_DIR, "postmaster.pid"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
