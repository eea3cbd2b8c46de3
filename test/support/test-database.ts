import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";

export type TestDatabase = { url: string; name: string; prisma: PrismaClient; drop(): Promise<void> };

/** A fresh, migrated database of its own on the run's PostgreSQL (cloned from the template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject("pgServerUrl");
  const name = `t_${randomUUID().replace(/-/g, "").slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // Cloning needs the template to itself: concurrent clones from other files wait their turn.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE migrated_template`);
      break;
    } catch (err) {
      if ((err as { code?: string }).code !== "55006" || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
  await admin.end();
  const url = serverUrl.replace(/\/postgres$/, `/${name}`);
  const prisma = createPrismaClient({ connectionString: url });
  return {
    url,
    name,
    prisma,
    async drop() {
      await prisma.$disconnect();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
