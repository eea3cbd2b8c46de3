import { defineConfig } from "prisma/config";

// The Prisma CLI is used only for `prisma generate` (offline, see scripts/prisma-generate.mjs).
// Migrations run through lib/db/migrate.ts; `prisma migrate deploy` works too where the native
// engine can be downloaded, because the layout and the _prisma_migrations table are the same.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://unused@localhost/unused" },
});
