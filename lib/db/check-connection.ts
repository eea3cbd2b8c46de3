import { createClient, DatabaseUrlError, parseDatabaseTarget } from "./database-url";

export { DatabaseUrlError };

/** Connects once and checks the server's version, failing within timeoutMs with a message naming the problem. */
export async function checkDatabaseConnection(url: string, { timeoutMs = 5_000, variable = "DATABASE_URL" } = {}) {
  const { where } = parseDatabaseTarget(url, variable);
  const client = createClient(url, { connectionTimeoutMillis: timeoutMs });
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
