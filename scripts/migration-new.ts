// Creates the next migration from the change to prisma/schema.prisma:
//   npm run migration:new -- add_node_zone          (SQL generated from the schema diff)
//   npm run migration:new -- add_trigger --empty    (an empty migration.sql to write by hand)
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { startEmbeddedPostgres } from "../lib/db/embedded-postgres";
import { MIGRATIONS_DIR } from "../lib/db/migrate";
import { pendingSchemaSql, SCHEMA, SNAPSHOT } from "../lib/db/schema-diff";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";

async function main() {
  const { values, positionals } = parseArgs({ options: { empty: { type: "boolean", default: false } }, allowPositionals: true });
  const name = positionals[0];
  if (!name || !/^[a-z0-9_]{1,60}$/.test(name)) {
    console.error("usage: npm run migration:new -- <name_in_snake_case> [--empty]");
    process.exit(2);
  }
  // The engine needs a live connection even to diff two datamodels: borrow a throwaway database.
  const dir = await mkdtemp(path.join(tmpdir(), "migration-new-"));
  await chmod(dir, 0o755); // reachable by the postgres user when run as root
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
  try {
    const sql = values.empty ? "-- Write this migration by hand.\n" : await pendingSchemaSql(pg.url);
    if (!sql) {
      console.error("prisma/schema.prisma matches the migrations: nothing to do (use --empty for a hand-written migration)");
      process.exit(1);
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const target = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, "migration.sql"), sql);
    if (!values.empty) await writeFile(SNAPSHOT, await readFile(SCHEMA, "utf8"));
    console.log(`created ${path.relative(process.cwd(), target)}/migration.sql`);
  } finally {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
