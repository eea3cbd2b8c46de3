// The database goes back in time (a restore from a physical backup, as after a lost disk): the
// cluster's epoch counter falls below epochs already used. The agents remember the highest epoch
// they saw, so the next active's epoch is above every earlier one: a fencing token never repeats.
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";
import { startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";
import { requestCommand } from "../../lib/cluster/request-command";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, overlapsFromLogs } from "../support/cluster-fixture";

const TIMINGS = { heartbeatMs: 250, leaseMs: 2000 };

describe("a restore from an older backup", () => {
  let dir: string;
  let server: RunningPostgres;
  let prisma: PrismaClient;
  let clusterId: string;
  const agents: AgentProcess[] = [];
  const data = () => path.join(dir, "pg");
  const restartWith = async (change?: () => Promise<void>) => {
    await prisma.$disconnect();
    await server.stop();
    await change?.();
    server = await startEmbeddedPostgres({ dataDir: data(), port: server.port });
    prisma = createPrismaClient({ connectionString: server.url });
  };
  // cp -a: as root, the data folder belongs to the postgres user and must stay so.
  const copy = async (from: string, to: string) => void execFileSync("cp", ["-a", from, to]);
  const epochsUsed = () =>
    agents
      .flatMap((a) => a.lines())
      .filter((l) => l.msg === "became ACTIVE")
      .sort((x, y) => (BigInt(x.mono) < BigInt(y.mono) ? -1 : 1)) // one machine: one monotonic clock
      .map((l) => BigInt(String(l.epoch)));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fc-restore-"));
    await chmod(dir, 0o755);
    server = await startEmbeddedPostgres({ dataDir: data() });
    await applyMigrations({ connectionString: server.url });
    prisma = createPrismaClient({ connectionString: server.url });
    clusterId = (await prisma.cluster.create({ data: { name: "rst", ...TIMINGS } })).id;
    agents.push(
      spawnAgent({ url: server.url, cluster: "rst", node: "r1", priority: 100 }),
      spawnAgent({ url: server.url, cluster: "rst", node: "r2", priority: 90 }),
    );
    await waitFor(async () => (await activeNodes(prisma, clusterId)).length === 1 && (await prisma.node.count({ where: { clusterId } })) === 2, {
      what: "cluster up",
    });
  }, 120_000);
  afterAll(async () => {
    await stopAll(agents);
    await prisma.$disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("never hands out an epoch again after the database's counter went back", async () => {
    // A cold backup at the first epoch, read before the stop: once the server is back the agents
    // may already have elected again (a restart longer than the lease), past the backup's epoch.
    const backupEpoch = (await prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).epoch;
    await restartWith(() => copy(data(), path.join(dir, "backup")));

    // Life goes on: two switchovers move the counter on.
    for (let i = 0; i < 2; i++) {
      // Refused while the restart's failover settles (no active yet, or the target not yet healthy).
      const cmd = await waitFor(
        async () => {
          const [active] = await activeNodes(prisma, clusterId);
          const target = active && (await prisma.node.findFirstOrThrow({ where: { clusterId, NOT: { name: active.name } } }));
          return (
            target &&
            requestCommand({ db: prisma, clusterId, kind: "SWITCHOVER", targetNodeId: target.id, requestedBy: "user:ops@example.com" }).catch(() => null)
          );
        },
        { what: "a switchover accepted" },
      );
      await waitFor(async () => (await prisma.command.findUniqueOrThrow({ where: { id: cmd.id } })).status === "SUCCEEDED", { what: "switchover" });
    }
    const highest = (await prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).epoch;
    expect(highest).toBeGreaterThan(backupEpoch + 1n);

    // The disk is lost; the backup comes back. Its lease is long over, so the agents elect again.
    await restartWith(async () => {
      await rm(data(), { recursive: true, force: true });
      await copy(path.join(dir, "backup"), data());
    });
    expect((await prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } })).epoch).toBe(backupEpoch);
    const next = await waitFor(
      async () => {
        const c = await prisma.cluster.findUniqueOrThrow({ where: { id: clusterId } });
        return c.epoch > backupEpoch && (await activeNodes(prisma, clusterId)).length === 1 ? c.epoch : null;
      },
      { what: "a new active after the restore", timeoutMs: 20_000 },
    );

    expect(next).toBeGreaterThan(highest);
    const used = epochsUsed();
    expect(new Set(used).size).toBe(used.length); // no epoch twice
    expect(used).toEqual([...used].sort((a, b) => (a < b ? -1 : 1))); // in order
    expect(agents.flatMap((a) => a.lines()).some((l) => String(l.msg).startsWith("the database's epoch went back"))).toBe(true);
    expect(overlapsFromLogs(agents)).toEqual([]);
  }, 120_000);
});
