import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { applyMigrations, readMigrations } from "../../lib/db/migrate";
import { pendingSchemaSql } from "../../lib/db/schema-diff";

async function emptyDatabase(name: string): Promise<string> {
  const serverUrl = inject("pgServerUrl");
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return serverUrl.replace(/\/postgres$/, `/${name}`);
}

async function recorded(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`);
  await c.end();
  return rows.map((r) => r.migration_name);
}

describe("migrations", () => {
  const suffix = Date.now().toString(36);
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: inject("pgServerUrl") });
    await admin.connect();
    for (const n of ["m_once", "m_race"]) await admin.query(`DROP DATABASE IF EXISTS ${n}_${suffix} WITH (FORCE)`);
    await admin.end();
  });

  it("apply every migration to an empty database, and a second run is a no-op", async () => {
    const url = await emptyDatabase(`m_once_${suffix}`);
    const all = (await readMigrations()).migrationDirectories.map((d) => d.path);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(await applyMigrations({ connectionString: url })).toEqual(all);
    expect(await applyMigrations({ connectionString: url })).toEqual([]);
    expect(await recorded(url)).toEqual(all);
  });

  it("apply each migration exactly once when two processes start at the same moment", async () => {
    const url = await emptyDatabase(`m_race_${suffix}`);
    const [a, b] = await Promise.all([applyMigrations({ connectionString: url }), applyMigrations({ connectionString: url })]);
    const all = (await readMigrations()).migrationDirectories.map((d) => d.path);
    expect([...a, ...b].sort()).toEqual(all);
    expect(await recorded(url)).toEqual(all);
  });

  it("cover the whole schema: prisma/schema.prisma has no change without a migration", async () => {
    expect(await pendingSchemaSql(inject("pgServerUrl"))).toBe("");
  });
});
