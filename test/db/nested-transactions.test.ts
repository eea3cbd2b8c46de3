// A domain function that opens a transaction inside its caller's joins it as a savepoint: when it
// throws and the caller goes on (elections catch RoleChangeAborted), its own writes are undone and
// the caller's stay. Both drivers: the agent's pg pool and the console's Prisma client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgPool, pgPoolSql, prismaSql, type Sql } from "../../lib/db/sql";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

describe("nested transactions", () => {
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

  const insert = (sql: Sql, name: string) => sql.execute(`INSERT INTO "Cluster" (id, name, "updatedAt") VALUES (gen_random_uuid(), $1, now())`, [name]);

  it.each([
    ["pg pool", () => pgPoolSql(pool)],
    ["Prisma", () => prismaSql(t.prisma)],
  ])("%s: an inner transaction that throws rolls back alone; one that returns commits with the outer", async (driver, sql) => {
    await sql().transaction(async (tx) => {
      await insert(tx, `${driver}-outer`);
      await tx
        .transaction(async (inner) => {
          await insert(inner, `${driver}-undone`);
          throw new Error("aborted");
        })
        .catch(() => undefined);
      await tx.transaction((inner) => insert(inner, `${driver}-kept`));
    });
    const names = (await t.prisma.cluster.findMany({ where: { name: { startsWith: driver } }, select: { name: true } })).map((c) => c.name).sort();
    expect(names).toEqual([`${driver}-kept`, `${driver}-outer`]);
  });
});
