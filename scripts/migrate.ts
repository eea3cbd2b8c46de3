// `npm run migrate`: apply pending migrations to DATABASE_URL (what `prisma migrate deploy` does).
import { checkDatabaseConnection } from "../lib/db/check-connection";
import { applyMigrations } from "../lib/db/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("error: DATABASE_URL is not set (the embedded database is migrated by npm start)");
  process.exit(2);
}
try {
  await checkDatabaseConnection(url);
  const applied = await applyMigrations({ connectionString: url });
  console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
} catch (err) {
  console.error(`error: ${(err as Error).message.split("\n")[0]}`);
  process.exit(1);
}
