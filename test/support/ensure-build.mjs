// `npm test` runs this first. Test runs use a production build of their own, in a folder named
// after the sources it was built from (.next-test-<key>): built only when no build of the current
// sources exists, never rebuilt in place, so a build for newer sources (another run, another
// engineer on this checkout) cannot pull files from under a console a test is driving.
// The folder's name goes to .next-test-current, which the test harnesses read.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const INPUTS = [
  "app",
  "components",
  "instrumentation.ts",
  "lib",
  "next.config.js",
  "postcss.config.mjs",
  "tsconfig.json",
  "tsconfig.build.json",
  "package-lock.json",
  "prisma/schema.prisma",
];
const SKIP = new Set(["node_modules", "generated"]);
const KEEP_MS = 15 * 60_000;

/** @param {string} p @param {string[]} out */
function collect(p, out) {
  if (!existsSync(p)) return;
  const s = statSync(p);
  if (!s.isDirectory()) return void out.push(`${path.relative(ROOT, p)}:${s.size}:${s.mtimeMs}`);
  for (const entry of readdirSync(p).sort()) if (!SKIP.has(entry) && !entry.endsWith(".test.ts")) collect(path.join(p, entry), out);
}

/** @type {string[]} */
const files = [];
for (const p of INPUTS) collect(path.join(ROOT, p), files);
const key = createHash("sha256").update(files.join("\n")).digest("hex").slice(0, 12);
const distDir = `.next-test-${key}`;
const built = () => existsSync(path.join(ROOT, distDir, "BUILD_ID"));

let status = 0;
if (built()) {
  console.log(`ensure-build: ${distDir} is up to date`);
} else {
  // Two runs needing the same build wait for one another instead of building twice.
  const lock = path.join(ROOT, `${distDir}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 300_000) {
        console.error(`ensure-build: ${lock} held for 5 minutes; remove it if no build is running`);
        process.exit(1);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!built()) {
      console.log(`ensure-build: building the console into ${distDir}`);
      const t0 = Date.now();
      rmSync(path.join(ROOT, distDir), { recursive: true, force: true });
      const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NEXT_DIST_DIR: distDir },
      });
      status = r.status ?? 1;
      if (status === 0) console.log(`ensure-build: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmdirSync(lock);
  }
}
if (status === 0) {
  writeFileSync(path.join(ROOT, ".next-test-current"), distDir);
  // Old builds go once nobody can still be using them.
  for (const entry of readdirSync(ROOT)) {
    if (!/^\.next-test-[0-9a-f]{12}$/.test(entry) || entry === distDir) continue;
    const full = path.join(ROOT, entry);
    if (Date.now() - statSync(full).mtimeMs > KEEP_MS && !existsSync(`${full}.lock`)) rmSync(full, { recursive: true, force: true });
  }
}
process.exit(status);
