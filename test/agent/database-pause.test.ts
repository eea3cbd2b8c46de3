// A database pause (SIGSTOP of every server process) shorter than the lease: the active fences
// and stops its service; it must not give the role up in the database before its demote hook has
// finished, even though the database answers again while the hook still runs.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";
import { startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";
import { setNodeMaintenance } from "../../lib/cluster/set-node-maintenance";
import { pausePostgres, resumePostgres } from "../../scripts/chaos/postgres-pause";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { hookArgs, serviceHooks, serviceIntervals, serviceOverlaps } from "../support/service-events";

// Pausing PostgreSQL would stall every other test file, so this one runs its own server.
const TIMINGS = { heartbeatMs: 250, leaseMs: 4000, demoteTimeoutMs: 2000 };

describe("a database pause shorter than the lease, with a demote hook that uses most of its budget", () => {
  let dir: string;
  let server: RunningPostgres;
  let prisma: PrismaClient;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fc-dbpause-"));
    await chmod(dir, 0o755);
    server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
    await applyMigrations({ connectionString: server.url });
    prisma = createPrismaClient({ connectionString: server.url });
  });
  afterAll(async () => {
    await stopAll(agents);
    await prisma.$disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("the fenced active releases the lease only after its demote hook: no two services at any instant", async () => {
    const clusterId = (await prisma.cluster.create({ data: { name: "paused", ...TIMINGS } })).id;
    const events = path.join(dir, "events");
    const hooks = hookArgs(serviceHooks(events, { demoteSleepS: 1.9 }));
    agents.push(spawnAgent({ url: server.url, cluster: "paused", node: "a", priority: 100, args: hooks }));
    await waitFor(async () => (await activeNodes(prisma, clusterId)).length === 1, { what: "a active" });
    agents.push(spawnAgent({ url: server.url, cluster: "paused", node: "b", priority: 50, args: hooks }));
    await agents[1].waitForLine((l) => l.msg === "registered");
    // a stays active in maintenance, so once it gives the role up the role goes to b (a re-elected
    // would start its next service behind its own demote hook and hide an early release).
    await setNodeMaintenance({ db: prisma, clusterName: "paused", nodeName: "a", maintenance: true, actor: "test" });
    // Pause right after a renewal, so the active fences while the database is away and the
    // database is back (2.3 s later) while its 1.9 s demote hook still runs.
    await agents[0].waitForLine((l) => l.event === "lease" && BigInt(l.mono) > process.hrtime.bigint() - 50_000_000n);
    const pids = pausePostgres(server.dataDir);
    await new Promise((r) => setTimeout(r, 2300));
    resumePostgres(pids);
    await agents[0].waitForLine((l) => l.msg === "self-fence recorded in the audit log", 15_000);
    await waitFor(async () => (await serviceIntervals(events)).some((i) => i.node === "b"), { what: "b's service", timeoutMs: 15_000 });
    const intervals = await serviceIntervals(events);
    expect(intervals.find((i) => i.node === "a")!.end).not.toBeNull();
    expect(serviceOverlaps(intervals)).toEqual([]);
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(prisma, clusterId, agents)).toEqual([]);
  });
});
