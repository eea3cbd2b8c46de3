// A highly available PostgreSQL for tests: etcd and two Patroni members running Debian's
// PostgreSQL 15 with synchronous replication, on loopback ports, data under a temp folder. Needs
// root (Patroni runs as the postgres user through setpriv) and Debian's patroni, etcd-server and
// postgresql-15 packages; `haDatabaseProblem()` says what is missing, installing it where it can.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../lib/db/embedded-postgres";
import { debianPackageProblem } from "./debian-packages";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PACKAGES = ["patroni", "etcd-server", "postgresql-15"];
const PASSWORD = "ha-test-password";

/** Null when a Patroni cluster can run here (installing Debian's packages as root if needed); else why not. */
export function haDatabaseProblem(): string | null {
  if (process.getuid?.() !== 0) return "the HA database test runs Patroni as the postgres user and needs root";
  return debianPackageProblem(PACKAGES, ["/usr/bin/patroni", "/usr/bin/etcd", `${PG_BIN}/postgres`]);
}

export type PatroniMember = { name: string; pgPort: number; apiPort: number; process: ChildProcess };

export type PatroniCluster = {
  /** Every member, target_session_attrs=read-write: what console and agents are given. */
  url: string;
  members: PatroniMember[];
  /** The member whose REST API says it is the primary (polls until one does). */
  primary(timeoutMs?: number): Promise<PatroniMember>;
  /** A machine crash: kill -9 of the member's Patroni and every PostgreSQL process it started. */
  crash(member: PatroniMember): void;
  /** Waits until the primary has a synchronous standby (replication caught up). */
  synchronous(timeoutMs?: number): Promise<void>;
  /** The crashed machine comes back: Patroni starts again and rejoins as a replica (pg_rewind). */
  restart(member: PatroniMember): void;
  stop(): Promise<void>;
};

const uid = () => Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
const gid = () => Number(execFileSync("id", ["-g", "postgres"]).toString().trim());

async function isPrimary(m: PatroniMember): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${m.apiPort}/primary`, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false;
  }
}

/** Patroni's settings for one member: ttl 10 s / loop 2 s (a failover in ~10 s), synchronous replication. */
function memberConfig(o: { dir: string; name: string; pgPort: number; apiPort: number; etcdPort: number }) {
  return `scope: failover-ha
name: ${o.name}
restapi:
  listen: 127.0.0.1:${o.apiPort}
  connect_address: 127.0.0.1:${o.apiPort}
etcd3:
  hosts: 127.0.0.1:${o.etcdPort}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 10
        max_replication_slots: 10
  initdb:
    - encoding: UTF8
    - auth: md5
  pg_hba:
    - host replication replicator 127.0.0.1/32 md5
    - host all all 127.0.0.1/32 md5
postgresql:
  listen: 127.0.0.1:${o.pgPort}
  connect_address: 127.0.0.1:${o.pgPort}
  data_dir: ${o.dir}/${o.name}
  bin_dir: ${PG_BIN}
  pgpass: ${o.dir}/${o.name}.pgpass
  authentication:
    superuser:
      username: postgres
      password: ${PASSWORD}
    replication:
      username: replicator
      password: ${PASSWORD}
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
`;
}

function pidsOfTree(root: number): number[] {
  const out = execFileSync("ps", ["-e", "-o", "pid=,ppid="]).toString();
  const children = new Map<number, number[]>();
  for (const line of out.trim().split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return all;
}

export async function startPatroniCluster({ members: count = 2, log }: { members?: number; log?: (line: string) => void } = {}): Promise<PatroniCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "fc-patroni-"));
  await chmod(dir, 0o755);
  await chown(dir, uid(), gid());
  const etcdPort = await freePort();
  const etcdPeer = await freePort();
  const processes: ChildProcess[] = [];
  const pipe = (name: string, p: ChildProcess) => {
    processes.push(p);
    for (const s of [p.stdout, p.stderr]) s?.on("data", (d: Buffer) => log?.(`${name}: ${d.toString().trimEnd()}`));
  };
  const asPostgres = (cmd: string, args: string[]) =>
    spawn("setpriv", [`--reuid=${uid()}`, `--regid=${gid()}`, "--init-groups", cmd, ...args], { cwd: dir, env: { ...process.env, HOME: dir } });

  await mkdir(path.join(dir, "etcd"), { mode: 0o700 });
  await chown(path.join(dir, "etcd"), uid(), gid());
  pipe(
    "etcd",
    asPostgres("etcd", [
      "--name=ha",
      `--data-dir=${dir}/etcd`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=ha=http://127.0.0.1:${etcdPeer}`,
    ]),
  );

  const members: PatroniMember[] = [];
  const configs = new Map<PatroniMember, string>();
  for (let i = 1; i <= count; i++) {
    const name = `pg${i}`;
    const pgPort = await freePort();
    const apiPort = await freePort();
    const file = path.join(dir, `${name}.yml`);
    await writeFile(file, memberConfig({ dir, name, pgPort, apiPort, etcdPort }));
    await chown(file, uid(), gid());
    const member: PatroniMember = { name, pgPort, apiPort, process: asPostgres("patroni", [file]) };
    configs.set(member, file);
    pipe(name, member.process);
    members.push(member);
    // The first bootstraps the cluster; the others clone from it once it leads.
    if (i === 1) await waitUntil(() => isPrimary(member), 90_000, "the first Patroni member to lead");
  }

  const cluster: PatroniCluster = {
    url: `postgresql://postgres:${PASSWORD}@${members.map((m) => `127.0.0.1:${m.pgPort}`).join(",")}/postgres?target_session_attrs=read-write`,
    members,
    async primary(timeoutMs = 60_000) {
      let found: PatroniMember | undefined;
      await waitUntil(
        async () => {
          for (const m of members) if (m.process.exitCode === null && m.process.signalCode === null && (await isPrimary(m))) found = m;
          return found !== undefined;
        },
        timeoutMs,
        "a Patroni primary",
      );
      return found!;
    },
    crash(member) {
      for (const pid of pidsOfTree(member.process.pid!).reverse()) killQuietly(pid);
    },
    async synchronous(timeoutMs = 120_000) {
      await waitUntil(async () => syncStandbyReady(await cluster.primary()), timeoutMs, "a synchronous standby");
    },
    restart(member) {
      member.process = asPostgres("patroni", [configs.get(member)!]);
      pipe(member.name, member.process);
    },
    async stop() {
      for (const p of processes.reverse()) if (p.pid) for (const pid of pidsOfTree(p.pid)) killQuietly(pid);
      // A PostgreSQL that Patroni started as the list was taken is no child of a listed process: find it by its data directory.
      for (const pid of pidsMentioning(dir)) killQuietly(pid);
      await new Promise((r) => setTimeout(r, 500));
      // A dying server's last WAL write can land while the directory is removed (ENOTEMPTY, seen in CI): retried.
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
  // Synchronous replication needs the replica streaming before writes can commit.
  if (count > 1) await cluster.synchronous();
  return cluster;
}

function pidsMentioning(text: string): number[] {
  try {
    return execFileSync("pgrep", ["-f", text]).toString().trim().split("\n").map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function killQuietly(pid: number) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function syncStandbyReady(m: PatroniMember): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${m.apiPort}/cluster`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { members?: { role: string; state: string }[] };
    return body.members?.some((x) => x.role === "sync_standby" && (x.state === "streaming" || x.state === "running")) ?? false;
  } catch {
    return false;
  }
}

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
