// Starts and stops an embedded PostgreSQL in the folder given, printing who the server runs as.
// Run by test/db/embedded-users.test.ts as an unprivileged user.
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/db/embedded-postgres";

const server = await startEmbeddedPostgres({ dataDir: process.argv[2] });
const client = new pg.Client({ connectionString: server.url });
await client.connect();
const { rows } = await client.query("SELECT 1 AS ok");
await client.end();
await server.stop();
console.log(JSON.stringify({ ok: rows[0].ok, uid: process.getuid!() }));
