import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";

export const TEMPLATE_DB = "migrated_template";

// One real PostgreSQL per test run, on a free port in a fresh folder, so parallel runs never
// collide; each test file clones the migrated template into a database of its own.
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), "fc-test-"));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = server.url.replace(/\/postgres$/, `/${TEMPLATE_DB}`);
  await applyMigrations({ connectionString: templateUrl });
  project.provide("pgServerUrl", server.url);
  project.provide("pgTestDir", dir);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTestDir: string;
  }
}
