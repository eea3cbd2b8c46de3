// Several hosts and target_session_attrs=read-write (libpq's syntax, which node-postgres lacks),
// against two real PostgreSQL servers, one of them read-only: the pool, the Prisma client and the
// connection check all land on the writable one, and follow it when the roles swap.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDatabaseConnection } from "../../lib/db/check-connection";
import { createPrismaClient } from "../../lib/db/client";
import { parseDatabaseTarget } from "../../lib/db/database-url";
import { startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres";
import { createPgPool } from "../../lib/db/sql";
import { waitFor } from "../support/agent-process";

describe("database URLs with several hosts", () => {
  it.each([
    [
      "postgresql://u:p@db1,db2:5433/app",
      {
        hosts: [
          { host: "db1", port: 5432 },
          { host: "db2", port: 5433 },
        ],
        readWrite: false,
      },
    ],
    [
      "postgres://u@[::1]:6432,10.0.0.2/app?target_session_attrs=read-write",
      {
        hosts: [
          { host: "::1", port: 6432 },
          { host: "10.0.0.2", port: 5432 },
        ],
        readWrite: true,
      },
    ],
    ["postgresql://localhost/app?target_session_attrs=primary", { hosts: [{ host: "localhost", port: 5432 }], readWrite: true }],
  ])("parses %s", (url, want) => {
    expect(parseDatabaseTarget(url)).toMatchObject(want);
  });

  it.each([
    ["mysql://u:p@db/app", "DATABASE_URL must start with postgresql:// (got mysql://)"],
    ["not a url", "DATABASE_URL is not a valid URL (expected postgresql://user:password@host:5432/database)"],
    ["postgresql://u:p@db1,/app", "DATABASE_URL has no host"],
    ["postgresql://u:p@db1:x,db2/app", 'DATABASE_URL has a bad host "db1:x" (expected host or host:port)'],
    ["postgresql://u:p@db1/app?target_session_attrs=standby", "DATABASE_URL: target_session_attrs must be any, read-write or primary (got standby)"],
  ])("refuses %s with one line", (url, message) => {
    expect(() => parseDatabaseTarget(url)).toThrow(message);
  });

  describe("against a read-only and a writable server", () => {
    let dir: string;
    const servers: RunningPostgres[] = [];
    let url: string;
    const admin = (s: RunningPostgres) => new pg.Client({ connectionString: s.url });
    const sql = async (s: RunningPostgres, text: string) => {
      const c = admin(s);
      await c.connect();
      try {
        await c.query(text);
      } finally {
        await c.end();
      }
    };
    // What a database failover looks like from outside: the old primary stops taking writes and
    // drops its sessions, the other starts taking them.
    const makeReadOnly = async (s: RunningPostgres, on: boolean) => {
      await sql(s, `ALTER SYSTEM SET default_transaction_read_only = ${on ? "on" : "off"}`);
      await sql(s, "SELECT pg_reload_conf()");
      if (on) await sql(s, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'");
    };

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "multi-host-"));
      const { chmod } = await import("node:fs/promises");
      await chmod(dir, 0o755);
      for (const name of ["a", "b"]) servers.push(await startEmbeddedPostgres({ dataDir: path.join(dir, name) }));
      // One login on both, as a replicated cluster has.
      for (const s of servers) await sql(s, "CREATE ROLE app LOGIN SUPERUSER PASSWORD 'app-pw'");
      await makeReadOnly(servers[0], true);
      url = `postgresql://app:app-pw@127.0.0.1:${servers[0].port},127.0.0.1:${servers[1].port}/postgres?target_session_attrs=read-write`;
    }, 120_000);
    afterAll(async () => {
      for (const s of servers) await s.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it("connects the agent's pool, the Prisma client and the check to the writable server, and follows it when they swap", async () => {
      const pool = createPgPool(url, 2);
      const prisma = createPrismaClient({ connectionString: url, maxConnections: 2 });
      const port = async () => Number((await pool.query<{ port: string }>("SHOW port")).rows[0].port);
      try {
        expect(await port()).toBe(servers[1].port);
        const [{ port: prismaPort }] = await prisma.$queryRawUnsafe<{ port: string }[]>("SHOW port");
        expect(Number(prismaPort)).toBe(servers[1].port);
        await checkDatabaseConnection(url);

        await makeReadOnly(servers[0], false);
        await makeReadOnly(servers[1], true);
        // A query on a dropped session fails once; the next connection finds the new writable server.
        await waitFor(async () => (await port().catch(() => 0)) === servers[0].port, { what: "the pool on the new primary", timeoutMs: 10_000 });
        await pool.query("CREATE TABLE IF NOT EXISTS written (x int)");
      } finally {
        await pool.end();
        await prisma.$disconnect();
      }
    });

    it("says which servers it tried when none takes writes", async () => {
      await makeReadOnly(servers[0], true);
      await makeReadOnly(servers[1], true);
      await expect(checkDatabaseConnection(url, { timeoutMs: 2_000 })).rejects.toThrow(
        `cannot use the database at 127.0.0.1:${servers[0].port},127.0.0.1:${servers[1].port}/postgres: no read-write server among`,
      );
    });
  });
});
