// `npm test` runs this first: builds the console (next build) only when .next is missing or older
// than any source file the build reads, so a second `npm test` starts at once.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BUILD_ID = path.join(ROOT, ".next/BUILD_ID");
const INPUTS = ["app", "components", "lib", "next.config.js", "postcss.config.mjs", "tsconfig.json", "tsconfig.build.json", "package-lock.json", "prisma/schema.prisma"];
const SKIP = new Set(["node_modules", ".next", "generated"]);

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const entry of readdirSync(p)) {
    if (SKIP.has(entry) || entry.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

const built = existsSync(BUILD_ID) ? statSync(BUILD_ID).mtimeMs : 0;
const sources = Math.max(...INPUTS.map((p) => newestMtime(path.join(ROOT, p))));
if (built > sources) {
  console.log("ensure-build: .next is up to date");
  process.exit(0);
}

// Two test runs at once (two engineers, one checkout) must not build into .next together.
const lock = path.join(ROOT, ".next-build.lock");
const started = Date.now();
for (;;) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    if (Date.now() - started > 180_000) {
      console.error(`ensure-build: ${lock} held for 3 minutes; remove it if no build is running`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
let status = 0;
try {
  if (!(existsSync(BUILD_ID) && statSync(BUILD_ID).mtimeMs > sources)) {
    // (else: another run built it while we waited for the lock)
    console.log("ensure-build: sources changed since the last build; running next build");
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    });
    status = r.status ?? 1;
    if (status === 0) console.log(`ensure-build: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  rmdirSync(lock);
}
process.exit(status);
