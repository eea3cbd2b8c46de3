// `npm run reset-password -- EMAIL`: a new generated password for a user (e.g. the first admin's,
// lost), printed once and audited as done by "system". Works with the console running or stopped:
// it uses DATABASE_URL, else the embedded PostgreSQL (already running, or started for the moment).
// A new password also ends a sign-in lock on the account (lib/auth/update-user.ts).
import { readLauncherEnv } from "../lib/config/launcher-env";
import { checkDatabaseConnection } from "../lib/db/check-connection";
import { createPrismaClient } from "../lib/db/client";
import { embeddedUrl, readEmbeddedPassword } from "../lib/db/embedded-postgres";
import { EMBEDDED_DB_NAME, openDatabase } from "../lib/db/open-database";
import { updateUser } from "../lib/auth/update-user";
import { SYSTEM_ACTOR } from "../lib/cluster/audit-actions";

const email = process.argv[2]?.trim().toLowerCase();
if (!email || process.argv.length > 3) {
  console.error("usage: npm run reset-password -- EMAIL");
  process.exit(2);
}

try {
  const env = readLauncherEnv();
  // The console's embedded PostgreSQL, if it runs: its password is in the file beside the data folder.
  const password = env.DATABASE_URL ? null : await readEmbeddedPassword(env.PGDATA_DIR);
  const runningEmbedded = password === null ? null : embeddedUrl(password, env.EMBEDDED_PG_PORT, EMBEDDED_DB_NAME);
  const database = env.DATABASE_URL
    ? { url: env.DATABASE_URL, stop: async () => {} }
    : await (runningEmbedded ? checkDatabaseConnection(runningEmbedded, { timeoutMs: 2_000 }) : Promise.reject(new Error("never started"))).then(
        () => ({ url: runningEmbedded!, stop: async () => {} }), // the console's, in use
        () => openDatabase({ dataDir: env.PGDATA_DIR, port: env.EMBEDDED_PG_PORT }),
      );
  const prisma = createPrismaClient({ connectionString: database.url, maxConnections: 2 });
  try {
    const user = await prisma.user.findUnique({ where: { email } });
    if (!user) throw new Error(`no user with email ${email}`);
    const { generatedPassword } = await updateUser({ prisma, actor: SYSTEM_ACTOR, userId: user.id, changes: { resetPassword: true } });
    console.log(`new password for ${email}: ${generatedPassword}  (shown once; existing sessions ended)`);
    if (user.disabled) console.log(`note: ${email} is disabled; an admin can enable it on the Users page`);
  } finally {
    await prisma.$disconnect();
    await database.stop();
  }
} catch (err) {
  console.error(`error: ${(err as Error).message.split("\n")[0]}`);
  process.exit(1);
}
