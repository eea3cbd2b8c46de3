import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const asRoot = process.getuid?.() === 0;

// The rest of the suite runs as whoever runs it (root on CI: the server then runs as "postgres");
// this covers the other case.
describe.runIf(asRoot)("embedded PostgreSQL as a normal user", () => {
  it("initialises, starts and stops in a folder the user owns, running the server as that user", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "fc-nobody-"));
    const uid = Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim());
    await chown(dir, uid, uid);
    try {
      const r = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, "--import", "tsx", "test/support/embedded-smoke.ts", path.join(dir, "data")], {
        encoding: "utf8",
        timeout: 60_000,
        env: { PATH: process.env.PATH, HOME: dir, TMPDIR: dir } as unknown as NodeJS.ProcessEnv,
      });
      expect(r.stderr.split("\n").filter((l) => /error/i.test(l))).toEqual([]);
      expect(JSON.parse(r.stdout.trim().split("\n").pop()!)).toEqual({ ok: 1, uid });
      expect(statSync(path.join(dir, "data")).uid).toBe(uid);
      expect(existsSync(path.join(dir, "data", "postmaster.pid"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
