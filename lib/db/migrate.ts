import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { createClient } from "./database-url";
import { noSchemaFilter, openSchemaEngine } from "./schema-engine";

export const MIGRATIONS_DIR = path.resolve(process.cwd(), "prisma/migrations");

// Taken for the whole run so that two consoles (or a console and an agent) starting at once
// apply each migration exactly once; the second waits, then finds nothing to do.
const MIGRATION_LOCK_KEY = 7_160_420_001;

export type MigrationList = Awaited<ReturnType<typeof readMigrations>>;

export async function readMigrations(baseDir = MIGRATIONS_DIR) {
  const entries = await readdir(baseDir, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const lockPath = path.join(baseDir, "migration_lock.toml");
  return {
    baseDir,
    lockfile: { path: lockPath, content: await readFile(lockPath, "utf8").catch(() => null) },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: "migration.sql",
          content: await readFile(path.join(baseDir, dir, "migration.sql"), "utf8")
            .then((value) => ({ tag: "ok" as const, value }))
            .catch((err: Error) => ({ tag: "error" as const, value: err.message })),
        },
      })),
    ),
  };
}

export type ApplyMigrationsOptions = { connectionString: string; migrationsDir?: string };

/** Applies every migration not yet recorded in _prisma_migrations; returns the names applied. */
export async function applyMigrations({ connectionString, migrationsDir }: ApplyMigrationsOptions): Promise<string[]> {
  const lock = createClient(connectionString);
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const engine = await openSchemaEngine({ connectionString });
    try {
      const result = await engine.applyMigrations({
        migrationsList: await readMigrations(migrationsDir),
        filters: noSchemaFilter,
      });
      return result.appliedMigrationNames;
    } finally {
      await engine.close();
    }
  } finally {
    await lock.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await lock.end();
  }
}
