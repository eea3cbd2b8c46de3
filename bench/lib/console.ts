// The real console (`next start` on the production build) with an ADMIN signed in through
// next-auth's credentials endpoints, as the REST API tests do. The build is snapshotted into the
// run's temp folder first, so another engineer rebuilding .next mid-run cannot pull it away.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, cp, mkdir, symlink } from "node:fs/promises";
import path from "node:path";
import { hashPassword } from "../../lib/auth/password";
import type { PrismaClient } from "../../lib/db/client";
import { freePort } from "../../lib/db/embedded-postgres";
import { signIn } from "../../test/support/next-server";
import { testDistDir } from "../../test/support/test-build";
import { sleep } from "./stats";

export const BENCH_USER = { email: "bench.admin@example.com", password: "bench password, long enough" };
const SECRET = "bench-secret-bench-secret-bench-secret-0123456789";
const ROOT = path.resolve(import.meta.dirname, "../..");

/** ms: as the client saw it; serverMs: the console's own work (its Server-Timing header), when sent. */
type Reply = { status: number; ms: number; serverMs: number | null; authMs: number | null; body: unknown };
export type Console = {
  url: string;
  pid: number;
  cookie: string;
  stop(): Promise<void>;
  get(path: string): Promise<Reply>;
  post(path: string, body: unknown): Promise<Reply>;
};

/**
 * Copies the console build of the current sources (the one `npm test` uses, made by
 * test/support/ensure-build.mjs) into dir/console/.next, with node_modules linked.
 */
export async function snapshotBuild(dir: string): Promise<string> {
  const app = path.join(dir, "console");
  const source = path.join(ROOT, testDistDir());
  await mkdir(app, { recursive: true });
  await cp(source, path.join(app, ".next"), { recursive: true, filter: (src) => !src.includes(`${path.sep}cache${path.sep}`) });
  if (!existsSync(path.join(app, ".next/BUILD_ID"))) throw new Error(`${source} changed while it was copied; run again`);
  for (const f of ["package.json", "next.config.js"]) await copyFile(path.join(ROOT, f), path.join(app, f));
  await symlink(path.join(ROOT, "node_modules"), path.join(app, "node_modules"));
  return app;
}

export async function startConsole(appDir: string, databaseUrl: string, prisma: PrismaClient): Promise<Console> {
  await prisma.user.upsert({
    where: { email: BENCH_USER.email },
    update: {},
    create: { email: BENCH_USER.email, name: "bench", role: "ADMIN", passwordHash: await hashPassword(BENCH_USER.password) },
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CONSOLE_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      path.join(ROOT, "node_modules/next/dist/bin/next"),
      "start",
      appDir,
      "-p",
      String(port),
      "-H",
      "127.0.0.1",
    ],
    {
      cwd: appDir,
      env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, NEXTAUTH_SECRET: SECRET, NEXTAUTH_URL: url, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-5000)));
  child.stderr.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-5000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}): ${output}`);
    const ok = await fetch(`${url}/api/auth/csrf`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`next start did not answer within 30 s: ${output}`);
    await sleep(100);
  }
  const cookie = await signIn(url, BENCH_USER.email, BENCH_USER.password);
  return {
    url,
    pid: child.pid!,
    cookie,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    get: (p) => consoleRequest(url, cookie, "GET", p),
    post: (p, b) => consoleRequest(url, cookie, "POST", p, b),
  };
}

/** One request as the signed-in admin, timed as the client sees it, with the console's Server-Timing. */
export async function consoleRequest(url: string, cookie: string, method: string, p: string, body?: unknown): Promise<Reply> {
  const t0 = performance.now();
  const res = await fetch(url + p, {
    method,
    headers: { cookie, ...(body !== undefined ? { "content-type": "application/json", origin: url } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  const timing = res.headers.get("server-timing");
  const serverMs = timing ? [...timing.matchAll(/dur=([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0) : null;
  const authMs = timing ? Number(/auth;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN) : null;
  return { status: res.status, ms, serverMs, authMs, body: parsed };
}

/**
 * A client polling `path` back to back, at most `perSecond` requests a second, for `seconds`:
 * latency as the client saw it and the console's own time (Server-Timing), plus the answer's size
 * and the load average while it ran.
 */
export async function apiLoad(console: Console, path: string, seconds: number, perSecond: number) {
  const ms: number[] = [];
  const serverMs: number[] = [];
  let errors = 0;
  let bytes = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    const started = Date.now();
    const r = await console.get(path);
    if (r.status === 200) {
      ms.push(r.ms);
      if (r.serverMs !== null) serverMs.push(r.serverMs);
      bytes = JSON.stringify(r.body).length;
    } else errors++;
    await sleep(Math.max(0, 1000 / perSecond - (Date.now() - started)));
  }
  const { summarize } = await import("./stats");
  return { ms: summarize(ms), serverMs: summarize(serverMs), errors, bytes, loadAverage: (await import("node:os")).loadavg()[0] };
}
