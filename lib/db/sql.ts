import { createHash } from "node:crypto";
import pg from "pg";
import type { Prisma, PrismaClient } from "./client";
import { pgConfig } from "./database-url";

/**
 * The few operations the role-changing transactions need, over either driver. The console uses
 * Prisma; the agent uses pg directly because Prisma's client (its WebAssembly query compiler)
 * costs ~120 MB of RSS per process, measured, against an agent budget of 60 MB.
 */
export interface Sql {
  query<T>(text: string, values?: unknown[]): Promise<T[]>;
  /** Returns the number of rows affected. */
  execute(text: string, values?: unknown[]): Promise<number>;
  /**
   * READ COMMITTED transaction; the callback's Sql runs inside it. Called inside a transaction, it
   * joins it as a savepoint: domain functions that open their own compose into one (the console's
   * PATCH handlers), and one that throws rolls back its own writes even if its caller goes on.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

// int8 as BigInt (epochs, audit ids), as Prisma returns them; numeric stays a string.
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === 20 ? (v: string) => BigInt(v) : (pg.types.getTypeParser(oid, format ?? "text") as (v: string) => unknown),
};
const toParam = (v: unknown) => (typeof v === "bigint" ? v.toString() : v);

type Queryable = { query(text: string, values?: unknown[]): Promise<pg.QueryResult> };

// Named (prepared) statements: PostgreSQL parses and plans each of the agent's few statements
// once per connection instead of on every call. Measured on the heartbeat statement: ~1.3 ms of
// server CPU per call unnamed, ~0.35 ms prepared (bench/, docs/benchmarks.md).
const statementNames = new Map<string, string>();
// The agent's SQL is a few dozen constant texts, the console's (Prisma's and its own) under a
// hundred; should dynamic text ever appear, stop preparing new ones rather than grow without bound
// (per process here, per connection on the server).
const MAX_PREPARED = 200;
// A statement that selects or returns a table's * is left unprepared: once a migration adds a
// column, PostgreSQL refuses to run it prepared ("cached plan must not change result type").
const STAR = /\bselect\s+\*|\breturning\s+\*|\.\*/i;
export function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_PREPARED && !STAR.test(text)) {
    name = `s_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

async function savepoint<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  await sql.execute("SAVEPOINT nested");
  try {
    const result = await fn(sql);
    await sql.execute("RELEASE SAVEPOINT nested");
    return result;
  } catch (err) {
    await sql.execute("ROLLBACK TO SAVEPOINT nested").catch(() => {}); // a dead connection fails the outer transaction anyway
    throw err;
  }
}

function pgExecutor(client: Queryable, pool: pg.Pool | null): Sql {
  const run = (text: string, values: unknown[] = []) => client.query({ name: statementName(text), text, values: values.map(toParam), types } as never);
  const sql: Sql = {
    query: async <T>(text: string, values?: unknown[]) => (await run(text, values)).rows as T[],
    execute: async (text, values) => (await run(text, values)).rowCount ?? 0,
    async transaction(fn) {
      if (!pool) return savepoint(sql, fn);
      const conn = await pool.connect();
      try {
        await conn.query("BEGIN");
        const result = await fn(pgExecutor(conn, null));
        await conn.query("COMMIT");
        conn.release();
        return result;
      } catch (err) {
        // A ROLLBACK that succeeds proves the connection healthy (an ordinary abort): keep it and
        // its prepared statements. One that fails (timed-out, dead socket) is discarded.
        const healthy = await conn.query("ROLLBACK").then(
          () => true,
          () => false,
        );
        conn.release(healthy ? undefined : err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
  };
  return sql;
}

export function pgPoolSql(pool: pg.Pool): Sql {
  return pgExecutor(pool, pool);
}

/**
 * One connection's single statements, in order, with the same prepared statements and types as a
 * pool's; no transactions (on a pipelined connection they would interleave with other callers'
 * statements). The scale bench pipelines heartbeats over such connections (bench/scale-worker.ts).
 */
export function pgClientSql(client: pg.Client): Sql {
  return {
    ...pgExecutor(client, null),
    transaction: () => Promise.reject(new Error("pgClientSql: one connection's single statements only, no transactions")),
  };
}

export function createPgPool(connectionString: string, max = 3): pg.Pool {
  // A silently dropped network must not hang the agent's loop for the kernel's keepalive time
  // (hours): queries give up after 10 s, and a timed-out connection is discarded.
  const pool = new pg.Pool(
    pgConfig(connectionString, {
      max,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
    }),
  );
  pool.on("error", () => {}); // idle client lost (database restart): the next query reconnects
  // A client checked out for a transaction has no pool listener: a restart between two of its
  // statements would emit an unhandled "error" and end the agent (its hook-started service left
  // running). The transaction's next statement fails instead, and the client is discarded.
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}

type PrismaLike = PrismaClient | Prisma.TransactionClient;

export function prismaSql(prisma: PrismaLike): Sql {
  const sql: Sql = {
    query: <T>(text: string, values: unknown[] = []) => prisma.$queryRawUnsafe<T[]>(text, ...values),
    execute: (text, values = []) => prisma.$executeRawUnsafe(text, ...values),
    transaction: (fn) => ("$transaction" in prisma ? (prisma as PrismaClient).$transaction((tx) => fn(prismaSql(tx))) : savepoint(sql, fn)),
  };
  return sql;
}

/** `a."x", a."y"`: columns named, not `a.*` (a statement with a star is not prepared, see statementName). */
export const qualifiedColumns = (alias: string, names: readonly string[]) => names.map((n) => `${alias}."${n}"`).join(", ");

/** Anything the domain functions accept: an Sql executor, a Prisma client or a Prisma transaction. */
export type DbHandle = Sql | PrismaLike;

export function toSql(db: DbHandle): Sql {
  return "$queryRawUnsafe" in db ? prismaSql(db) : db;
}
