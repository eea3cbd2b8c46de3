// The launcher behind `npm start` and `npm run demo`: resolves the database (DATABASE_URL, or an
// embedded PostgreSQL in PGDATA_DIR), migrates it, creates the first admin, then runs the console
// (and with --demo three local agents in the "demo" cluster) until Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { readLauncherEnv } from "../lib/config/launcher-env";
import { createPrismaClient } from "../lib/db/client";
import { embeddedPasswordFile } from "../lib/db/embedded-postgres";
import { openDatabase } from "../lib/db/open-database";
import { ensureAdminUser, ensureDemoCluster } from "../lib/db/seed";
import { DEMO_AGENTS, DEMO_SERVICE_PID_FILE, DEMO_SERVICES_CLUSTER, startDemoAgents } from "./demo-agents";

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

async function loadOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(32).toString("base64url");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

async function main() {
  const { values: flags } = parseArgs({
    options: { demo: { type: "boolean", default: false }, "check-only": { type: "boolean", default: false } },
  });
  const env = readLauncherEnv();
  const t0 = performance.now();
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.PGDATA_DIR, port: env.EMBEDDED_PG_PORT });
  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`stopping: ${children.length ? "console and agents, then " : ""}the database`);
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((r) => c.once("exit", r))));
    await database.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());

  const where = database.embedded
    ? `embedded PostgreSQL on 127.0.0.1:${database.embedded.port} (data in ${database.embedded.dataDir}, superuser password in ${embeddedPasswordFile(database.embedded.dataDir)})`
    : "DATABASE_URL";
  console.log(`database: ${where}; migrations applied now: ${database.appliedMigrations.length}`);
  const prisma = createPrismaClient({ connectionString: database.url, maxConnections: 2 });
  const admin = await ensureAdminUser({ prisma, email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD });
  if (admin.generatedPassword) {
    console.log(`first administrator created: ${env.ADMIN_EMAIL} / ${admin.generatedPassword}  (shown once; set ADMIN_PASSWORD to choose it)`);
  }
  if (flags.demo) await ensureDemoCluster(prisma);
  await prisma.$disconnect();
  if (flags["check-only"]) return stop();

  if (!existsSync(".next/BUILD_ID")) fail("the console is not built: run `npm run build` first (npm run demo does)");
  const secret = env.NEXTAUTH_SECRET ?? (await loadOrCreateSecret(path.join(path.dirname(path.resolve(env.PGDATA_DIR)), "nextauth-secret")));
  const url = env.NEXTAUTH_URL ?? `http://${env.HOSTNAME}:${env.PORT}`;
  const next = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(env.PORT), "-H", env.HOSTNAME], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DATABASE_URL: database.url, NEXTAUTH_SECRET: secret, NEXTAUTH_URL: url, NEXT_TELEMETRY_DISABLED: "1" },
  });
  children.push(next);
  next.on("exit", (code) => !stopping && (console.error(`error: the console exited (${code})`), void stop(1)));
  next.stdout.on("data", (chunk: Buffer) => {
    if (/Ready in/.test(chunk.toString())) {
      console.log(`console: ${url}  (ready ${Math.round(performance.now() - t0)} ms after launch; Ctrl-C stops everything)`);
    }
  });
  if (flags.demo) {
    children.push(...startDemoAgents({ databaseUrl: database.url }));
    console.log(
      `demo agents: ${DEMO_AGENTS.map((a) => `${a.node} (health http://127.0.0.1:${a.healthPort}/health, service http://127.0.0.1:${a.servicePort}/)`).join(", ")}`,
    );
    console.log(
      `each supervises a small HTTP service while active, checked on /health: kill -9 $(cat ${DEMO_SERVICE_PID_FILE}) fails over at once, kill -STOP $(cat ${DEMO_SERVICE_PID_FILE}) after 3 failed checks`,
    );
    console.log(`cluster ${DEMO_SERVICES_CLUSTER}: the same three servers share out services import, ocr and report, and all serve api (active-active)`);
  }
}

main().catch((err: Error) => fail(err.message.split("\n")[0]));
