import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { hashPassword } from "../../lib/auth/password";
import { createPrismaClient } from "../../lib/db/client";
import { freePort, startEmbeddedPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";
import { testDistDir } from "../../test/support/test-build";
import { E2E_ADMIN, E2E_NEXTAUTH_SECRET, E2E_VIEWER } from "./constants";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * One embedded PostgreSQL (migrated, with an admin and a viewer) and one `next start` for the whole
 * run; specs start their own agents. Returns the teardown.
 */
export default async function globalSetup() {
  const distDir = testDistDir();
  const dir = await mkdtemp(path.join(tmpdir(), "fc-e2e-"));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query("CREATE DATABASE e2e");
  await admin.end();
  const databaseUrl = server.url.replace(/\/postgres$/, "/e2e");
  await applyMigrations({ connectionString: databaseUrl });
  const prisma = createPrismaClient({ connectionString: databaseUrl, maxConnections: 2 });
  const passwordHash = await hashPassword(E2E_ADMIN.password);
  await prisma.user.createMany({
    data: [
      { email: E2E_ADMIN.email, name: "Night Admin", role: "ADMIN", passwordHash },
      { email: E2E_VIEWER.email, name: "Viewer", role: "VIEWER", passwordHash },
    ],
  });
  await prisma.$disconnect();

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const next = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      NEXTAUTH_SECRET: E2E_NEXTAUTH_SECRET,
      NEXTAUTH_URL: baseUrl,
      NEXT_TELEMETRY_DISABLED: "1",
      NEXT_DIST_DIR: distDir,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (next.exitCode !== null) throw new Error(`next start exited with ${next.exitCode}`);
    if (
      await fetch(`${baseUrl}/api/auth/csrf`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error("next start did not answer within 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  // Workers inherit the environment: this is how specs find the console and the database.
  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_DATABASE_URL = databaseUrl;
  process.env.E2E_PG_SERVER_URL = server.url;

  return async () => {
    next.kill("SIGTERM");
    await new Promise((r) => (next.exitCode !== null ? r(null) : next.once("exit", r)));
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
