import pg from "pg";
import { checkDatabaseConnection } from "./check-connection";
import { startEmbeddedPostgres, type RunningPostgres } from "./embedded-postgres";
import { applyMigrations } from "./migrate";

export type OpenDatabaseOptions = {
  /** Use this PostgreSQL; without it an embedded one is started. */
  databaseUrl?: string;
  /** Embedded only: data folder and port. */
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
};

export type OpenDatabase = {
  url: string;
  embedded: RunningPostgres | null;
  appliedMigrations: string[];
  stop(): Promise<void>;
};

export const EMBEDDED_DB_NAME = "failover_console";

async function ensureDatabaseExists(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount)
      await client.query(`CREATE DATABASE "${name}"`).catch((err) => {
        if ((err as { code?: string }).code !== "42P04") throw err; // created meanwhile by a concurrent start
      });
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Resolves the database (given or embedded), checks it, and brings its schema up to date. */
export async function openDatabase({ databaseUrl, dataDir, port, onLog }: OpenDatabaseOptions): Promise<OpenDatabase> {
  let embedded: RunningPostgres | null = null;
  let url: string;
  if (databaseUrl) {
    await checkDatabaseConnection(databaseUrl);
    url = databaseUrl;
  } else {
    embedded = await startEmbeddedPostgres({ dataDir, port, onLog });
    url = await ensureDatabaseExists(embedded.url, EMBEDDED_DB_NAME);
  }
  try {
    const appliedMigrations = await applyMigrations({ connectionString: url });
    return { url, embedded, appliedMigrations, stop: async () => embedded?.stop() };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
