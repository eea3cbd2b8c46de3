// A database restart or crash closes the connection under a transaction the agent holds open. The
// pool's client then emits "error"; with no listener, Node.js ends the process (found by chaos:
// 8 agents crashed within 50 ms of a database restart, their hook-started services left running).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgPool, pgPoolSql } from "../../lib/db/sql";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("a connection lost in the middle of a transaction", () => {
  let t: TestDatabase;
  let pool: ReturnType<typeof createPgPool>;
  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 2);
  });
  afterAll(async () => {
    await pool.end();
    await t.drop();
  });

  it("fails that transaction and nothing else: the process lives, the pool serves the next one", async () => {
    const crashes: unknown[] = [];
    const onCrash = (err: unknown) => crashes.push(err);
    process.on("uncaughtException", onCrash);
    try {
      const sql = pgPoolSql(pool);
      const outcome = await sql
        .transaction(async (tx) => {
          const [{ pid }] = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          // Terminated from outside while no query of ours runs, as a restart does between two statements.
          await t.prisma.$queryRawUnsafe(`SELECT pg_terminate_backend(${pid})`);
          await new Promise((r) => setTimeout(r, 200));
          await tx.query("SELECT 1");
        })
        .then(
          () => "committed",
          (err: Error) => err.message,
        );
      expect(outcome).toMatch(/terminat|Connection/i);
      expect(crashes).toEqual([]);
      expect(await sql.query<{ one: number }>("SELECT 1 AS one")).toEqual([{ one: 1 }]);
    } finally {
      process.off("uncaughtException", onCrash);
    }
  });
});
