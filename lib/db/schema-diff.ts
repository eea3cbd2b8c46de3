import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR } from "./migrate";
import { noSchemaFilter, openSchemaEngine } from "./schema-engine";

// The datamodel the migrations produce so far is kept beside them, so the next migration is the
// diff from it to the current schema: no shadow database and no introspection (which the
// WebAssembly engine cannot do through adapter-pg).
export const SNAPSHOT = path.join(MIGRATIONS_DIR, "schema.snapshot.prisma");
export const SCHEMA = path.resolve(process.cwd(), "prisma/schema.prisma");

/** SQL that turns the snapshot's datamodel into the schema's; "" when they agree. */
export async function pendingSchemaSql(connectionString: string): Promise<string> {
  const engine = await openSchemaEngine({ connectionString });
  try {
    const to = { tag: "schemaDatamodel" as const, files: [{ path: SCHEMA, content: await readFile(SCHEMA, "utf8") }] };
    const from = existsSync(SNAPSHOT)
      ? { tag: "schemaDatamodel" as const, files: [{ path: SNAPSHOT, content: await readFile(SNAPSHOT, "utf8") }] }
      : { tag: "empty" as const };
    const result = await engine.diff({ from, to, script: true, exitCode: null, filters: noSchemaFilter });
    const sql = result.stdout ?? "";
    return /empty migration/i.test(sql) || sql.trim() === "" ? "" : sql;
  } finally {
    await engine.close();
  }
}
