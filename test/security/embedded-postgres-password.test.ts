// The embedded PostgreSQL's superuser has a random password, kept in a file only its owner can
// read, instead of the well-known "postgres"; a data folder made before that is migrated.
import { existsSync, statSync } from "node:fs";
import { chmod, chown, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEmbeddedPostgres, readEmbeddedPassword, startEmbeddedPostgres } from "../../lib/db/embedded-postgres";

const connects = async (port: number, password: string) => {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", password, database: "postgres" });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
};

describe("the embedded PostgreSQL's password", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fc-pgpass-"));
    await chmod(dir, 0o755);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("is random, kept beside the data folder with mode 0600, and the well-known one is refused", async () => {
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "fresh") });
    try {
      const file = path.join(dir, "fresh-password");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = (await readFile(file, "utf8")).trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(decodeURIComponent(new URL(server.url).password)).toBe(password);
      expect(await connects(server.port, password)).toBe(true);
      expect(await connects(server.port, "postgres")).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('migrates a data folder initialised with the old fixed password "postgres" at its next start', async () => {
    const dataDir = path.join(dir, "old");
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const old = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: "postgres",
      password: "postgres",
      port: 0,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
    });
    await old.initialise();
    const server = await startEmbeddedPostgres({ dataDir });
    try {
      const password = (await readFile(path.join(dir, "old-password"), "utf8")).trim();
      expect(password).not.toBe("postgres");
      expect(await connects(server.port, password)).toBe(true);
      expect(await connects(server.port, "postgres")).toBe(false);
    } finally {
      await server.stop();
    }
    // And the next start uses the stored password.
    const again = await startEmbeddedPostgres({ dataDir });
    await again.stop();
  });

  // With the documented root setup (PGDATA_DIR=/var/tmp/failover-console) the file sits in
  // world-writable /var/tmp: another local user could plant it before the first start.
  describe("a password file planted by someone else is refused, not trusted or written through", () => {
    const refusal = (file: string) => new RegExp(`^refusing the embedded PostgreSQL's password file ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `);

    it("a symbolic link to a file with a known password", async () => {
      const known = path.join(dir, "attacker-known");
      await writeFile(known, "known-to-the-attacker\n", { mode: 0o600 });
      const file = path.join(dir, "linked-password");
      await symlink(known, file);
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "linked") })).rejects.toThrow(refusal(file));
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "linked") })).rejects.toThrow(/symbolic link/);
      await expect(readEmbeddedPassword(path.join(dir, "linked"))).rejects.toThrow(/symbolic link/);
      expect(existsSync(path.join(dir, "linked", "PG_VERSION"))).toBe(false);
    });

    it("a dangling symbolic link (the console would have written its password through it)", async () => {
      const target = path.join(dir, "written-through");
      const file = path.join(dir, "dangling-password");
      await symlink(target, file);
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "dangling") })).rejects.toThrow(/symbolic link/);
      expect(existsSync(target)).toBe(false);
    });

    it("a file others may read or write (0644)", async () => {
      const file = path.join(dir, "open-password");
      await writeFile(file, "known-to-the-attacker\n");
      await chmod(file, 0o644);
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "open") })).rejects.toThrow(refusal(file));
      await expect(readEmbeddedPassword(path.join(dir, "open"))).rejects.toThrow(/0644.*chmod 600/);
    });

    it.skipIf(process.getuid?.() !== 0)("a file owned by another user", async () => {
      const file = path.join(dir, "foreign-password");
      await writeFile(file, "known-to-the-attacker\n", { mode: 0o600 });
      await chown(file, 65534, 65534); // nobody
      await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "foreign") })).rejects.toThrow(/owned by uid 65534/);
    });
  });
});
