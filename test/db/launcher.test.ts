import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres";
import { openDatabase } from "../../lib/db/open-database";
import { readLauncherEnv } from "../../lib/config/launcher-env";

function launcher(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/serve.ts", "--check-only"], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env } as unknown as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

describe("launcher configuration", () => {
  it.each([
    ["not a url", /^error: DATABASE_URL is not a valid URL/],
    ["mysql://u@h/db", /^error: DATABASE_URL must start with postgresql:\/\//],
    ["postgresql://u:p@127.0.0.1:1/app", /^error: cannot use the database at 127\.0\.0\.1:1\/app: ECONNREFUSED/],
  ])("DATABASE_URL=%s fails fast with one line", (url, message) => {
    const started = Date.now();
    const r = launcher({ DATABASE_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.split("\n")).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it.each([
    [{ PORT: "abc" }, /PORT Invalid input/],
    [{ ADMIN_EMAIL: "nope" }, /ADMIN_EMAIL/],
    [{ ADMIN_PASSWORD: "elevenchars" }, /ADMIN_PASSWORD must be at least 12 characters/],
    [{ EMBEDDED_PG_PORT: "70000" }, /EMBEDDED_PG_PORT/],
  ])("rejects %o naming the variable", (env, message) => {
    expect(() => readLauncherEnv(env as unknown as NodeJS.ProcessEnv)).toThrow(message);
  });
});

describe("embedded default and DATABASE_URL", () => {
  let dir: string;
  let other: RunningPostgres;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fc-launcher-"));
    await chmod(dir, 0o755);
    other = await startEmbeddedPostgres({ dataDir: path.join(dir, "other") });
  });
  afterAll(async () => {
    await other.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("with no DATABASE_URL: starts PostgreSQL in PGDATA_DIR, migrates, creates the first admin once, and stops cleanly", async () => {
    const env = { PGDATA_DIR: path.join(dir, "embedded"), EMBEDDED_PG_PORT: String(await freePort()) };
    const first = launcher(env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/embedded PostgreSQL on 127\.0\.0\.1:\d+ .*migrations applied now: ([2-9]|[1-9]\d+)/);
    expect(first.stdout).toMatch(/first administrator created: admin@example\.com \/ \S{20}/);
    expect(existsSync(path.join(env.PGDATA_DIR, "postmaster.pid"))).toBe(false); // shut down
    const second = launcher(env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/migrations applied now: 0/);
    expect(second.stdout).not.toMatch(/first administrator/);
  });

  it("with DATABASE_URL: uses that PostgreSQL instead (a second instance addressed by URL)", async () => {
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    await c.query("CREATE DATABASE by_url");
    await c.end();
    const url = other.url.replace(/\/postgres$/, "/by_url");
    const opened = await openDatabase({ databaseUrl: url, dataDir: path.join(dir, "unused"), port: 1 });
    expect(opened.embedded).toBeNull();
    expect(opened.appliedMigrations.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(dir, "unused"))).toBe(false);
    const r = launcher({ DATABASE_URL: url, ADMIN_EMAIL: "root@example.org", ADMIN_PASSWORD: "correct horse battery" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/database: DATABASE_URL; migrations applied now: 0/);
    expect(r.stdout).not.toMatch(/correct horse/); // a chosen password is never printed
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const { rows } = await check.query(`SELECT email, role FROM "User"`);
    await check.end();
    expect(rows).toEqual([{ email: "root@example.org", role: "ADMIN" }]);
  });
});
