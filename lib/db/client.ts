import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { pgConfig } from "./database-url";
import { statementName } from "./sql";
import { PrismaClient } from "./generated/client";

export { PrismaClient };
export type * from "./generated/client";

export type CreatePrismaClientOptions = {
  connectionString: string;
  /** Pool size; an agent needs few connections, the console more. */
  maxConnections?: number;
  /** Connections kept open however long idle (see warmConnections); the rest close after 30 s idle. */
  minConnections?: number;
  /** What pg_stat_activity calls these connections (an application_name in the URL wins, then this, then PGAPPNAME). */
  applicationName?: string;
  /** A statement with no answer for this long fails, and its connection is dropped (see below). */
  queryTimeoutMs?: number;
  /**
   * The pool fell below minConnections: a kept connection was lost (the database ended it in a
   * restart or failover, a network dropped it while idle, or a statement on it timed out).
   */
  onKeptConnectionLost?: () => void;
};

export function createPrismaClient({
  connectionString,
  maxConnections = 10,
  minConnections = 0,
  applicationName,
  queryTimeoutMs = 60_000,
  onKeptConnectionLost,
}: CreatePrismaClientOptions): PrismaClient {
  const pool = new pg.Pool(
    pgConfig(connectionString, {
      max: maxConnections,
      min: minConnections,
      application_name: applicationName,
      connectionTimeoutMillis: 5_000,
      // Idle connections kept 30 s, not pg's 10 s: a new one costs ~15 ms to connect and its
      // first statement ~2.5x (an empty catalog cache, nothing prepared), measured 40 vs 17 ms
      // for the cluster list; under load those were the console's slowest answers. Keepalive
      // finds an idle one a network dropped silently; idle ones do not keep a script alive.
      idleTimeoutMillis: 30_000,
      // A kept connection (minConnections) is never closed for being idle, so after a silent
      // network drop a request could be handed a dead one and wait for keepalive to notice
      // (~11 min with Linux's defaults): it fails after this instead, and the pool drops it.
      query_timeout: queryTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      allowExitOnIdle: true,
    }),
  );
  // pg-pool does not reopen its minimum by itself; whoever kept the connections warm does.
  pool.on("remove", () => {
    if (!pool.ending && pool.totalCount < minConnections) onKeptConnectionLost?.();
  });
  return new PrismaClient({
    adapter: new PrismaPg(pool, {
      disposeExternalPool: true,
      // Prepared per connection: PostgreSQL plans each statement once instead of on every call
      // (the cluster list's page 13.8 -> 11.0 ms, a 5-node detail 4.4 -> 1.7 ms, measured). Past
      // statementName's bound, undefined: unnamed, as pg takes it (the adapter's type says string).
      statementNameGenerator: ({ sql }) => statementName(sql) ?? (undefined as unknown as string),
    }),
  });
}

/**
 * The console's connections kept open and warmed at start (instrumentation.ts). A cluster's detail
 * reads on three at once; with 10, no window of the bench's scale steps opened another (0 in 21
 * windows, against 4 in 3 before; docs/benchmarks.md).
 */
export const WARM_CONNECTIONS = 10;

let consoleConnectionLost: (() => void) | undefined;
/** What the console does when one of its kept connections is lost (instrumentation.ts warms their replacements). */
export function onConsoleConnectionLost(listener: () => void) {
  consoleConnectionLost = listener;
}

// One client per server process (Next.js reloads modules in development, globalThis survives).
const cache = globalThis as unknown as { __prisma?: PrismaClient };

/** The console's shared client, from DATABASE_URL (set by the launcher when it started the embedded database). */
export function db(): PrismaClient {
  if (!cache.__prisma) {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start the console with `npm start` or `npm run demo`");
    cache.__prisma = createPrismaClient({
      connectionString: url,
      maxConnections: 20,
      minConnections: WARM_CONNECTIONS,
      applicationName: "failover-console",
      onKeptConnectionLost: () => consoleConnectionLost?.(),
    });
  }
  return cache.__prisma;
}
