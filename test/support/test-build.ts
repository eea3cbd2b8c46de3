import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The production build tests run against (made by test/support/ensure-build.mjs), as NEXT_DIST_DIR;
 * TEST_DIST_DIR picks another (e.g. a copy of an older build, to see a new test fail on old code).
 */
export function testDistDir(): string {
  if (process.env.TEST_DIST_DIR) return process.env.TEST_DIST_DIR;
  const pointer = path.join(ROOT, ".next-test-current");
  const dir = existsSync(pointer) ? readFileSync(pointer, "utf8").trim() : "";
  if (!dir || !existsSync(path.join(ROOT, dir, "BUILD_ID")))
    throw new Error("no test build: run `node test/support/ensure-build.mjs` (npm test and npm run e2e do)");
  return dir;
}
