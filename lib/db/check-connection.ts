import pg from "pg";

/** A one-line, human-readable reason a database URL cannot be used; thrown as Error.message. */
export class DatabaseUrlError extends Error {}

export function parseDatabaseUrl(url: string, variable = "DATABASE_URL"): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseUrlError(`${variable} is not a valid URL (expected postgresql://user:password@host:5432/database)`);
  }
  if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") {
    throw new DatabaseUrlError(`${variable} must start with postgresql:// (got ${parsed.protocol}//)`);
  }
  if (!parsed.hostname) throw new DatabaseUrlError(`${variable} has no host`);
  return parsed;
}

/** Connects once and runs `SELECT 1`, failing within timeoutMs with a message naming the problem. */
export async function checkDatabaseConnection(url: string, { timeoutMs = 5_000, variable = "DATABASE_URL" } = {}) {
  const parsed = parseDatabaseUrl(url, variable);
  const where = `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ num: number }>("SELECT current_setting('server_version_num')::int AS num");
    if (rows[0].num < 140000) throw new DatabaseUrlError(`PostgreSQL at ${where} is version ${rows[0].num}; 14 or newer is required`);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new DatabaseUrlError(`cannot use the database at ${where}: ${e.code ? `${e.code} ` : ""}${e.message.split("\n")[0]}`);
  } finally {
    await client.end().catch(() => {});
  }
}
