// The database's clock steps forward (NTP correcting it by seconds) under running agents: every
// lease looks lapsed to the database at once, while the active still trusts its own deadline. A
// standby takes over only after it has seen the active's lease stand still for a whole lease on
// its own monotonic clock (agent/lease.ts observeLease), so no two nodes act at once. PostgreSQL
// runs under libfaketime (Debian's faketime), whose offset the test moves.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../lib/db/client";
import { startEmbeddedPostgres, type RunningPostgres } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrate";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { activeNodes, overlapsFromLogs, roleChangesWithoutAudit } from "../support/cluster-fixture";
import { debianPackageProblem } from "../support/debian-packages";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const TIMINGS = { heartbeatMs: 250, leaseMs: 2000, demoteTimeoutMs: 200 };
const problem = debianPackageProblem(["faketime"], [LIBFAKETIME]);
if (problem) console.warn(`skipping the database clock step test: ${problem}`);

describe.skipIf(problem !== null)("a database clock step", () => {
  let dir: string;
  let server: RunningPostgres;
  let prisma: PrismaClient;
  let clusterId: string;
  const agents: AgentProcess[] = [];
  const offsetFile = () => path.join(dir, "faketime");

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fc-clockstep-"));
    await chmod(dir, 0o755);
    await writeFile(offsetFile(), "+0s\n");
    await chmod(offsetFile(), 0o644);
    // Only PostgreSQL's processes get the fake clock: set for its start, then taken away again.
    const fake = { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offsetFile(), FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
    Object.assign(process.env, fake);
    try {
      server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg") });
    } finally {
      for (const k of Object.keys(fake)) delete process.env[k];
    }
    await applyMigrations({ connectionString: server.url });
    prisma = createPrismaClient({ connectionString: server.url });
    clusterId = (await prisma.cluster.create({ data: { name: "step", ...TIMINGS } })).id;
    // a starts first and takes the role; b is preferred, so it is the one that would take over.
    agents.push(spawnAgent({ url: server.url, cluster: "step", node: "a", priority: 50 }));
    await waitFor(async () => (await activeNodes(prisma, clusterId)).length === 1, { what: "a active" });
    agents.push(spawnAgent({ url: server.url, cluster: "step", node: "b", priority: 100 }));
    await waitFor(async () => (await prisma.node.count({ where: { clusterId, lastHeartbeatAt: { not: null } } })) === 2, { what: "b beating" });
  }, 120_000);
  afterAll(async () => {
    await stopAll(agents);
    await prisma?.$disconnect();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("no standby takes over before the active's lease stood still for a lease on its own clock; never two actives", async () => {
    const [before] = await activeNodes(prisma, clusterId);
    expect(before.name).toBe("a");
    // In maintenance a keeps its role (maintenance never demotes) but, once it has lost it, cannot be
    // elected again: right after the step every heartbeat looks 20 s old, and a (beating first) would
    // otherwise often re-elect itself, which is safe but leaves nothing to measure.
    await prisma.node.updateMany({ where: { clusterId, name: "a" }, data: { maintenance: true } });
    const [{ t: dbBefore }] = await prisma.$queryRawUnsafe<{ t: Date }[]>("SELECT now() AS t");
    const stepped = process.hrtime.bigint();
    await writeFile(offsetFile(), "+20s\n"); // ten leases at once
    const b = agents[1];
    const took = await waitFor(async () => b.lines().find((l) => l.msg === "became ACTIVE"), { what: "b takes over", timeoutMs: 15_000 });
    const [{ t: dbAfter }] = await prisma.$queryRawUnsafe<{ t: Date }[]>("SELECT now() AS t");
    expect(dbAfter.getTime() - dbBefore.getTime()).toBeGreaterThan(20_000); // the database's clock did jump

    const afterStepMs = Number((BigInt(String(took.mono)) - stepped) / 1_000_000n);
    // The last lease a wrote before the step had to stand still a whole lease on b's clock; b may
    // have first seen it up to a heartbeat before the step.
    expect(afterStepMs).toBeGreaterThanOrEqual(TIMINGS.leaseMs - TIMINGS.heartbeatMs - 50);
    // And b started only after a's own deadline: a acted until its last validUntil, and its demote
    // budget ran out D later (one machine, one monotonic clock).
    const aUntil = agents[0]
      .lines()
      .filter((l) => l.validUntil !== undefined)
      .reduce((max, l) => (BigInt(String(l.validUntil)) > max ? BigInt(String(l.validUntil)) : max), 0n);
    expect(aUntil).toBeGreaterThan(0n);
    expect(BigInt(String(took.mono))).toBeGreaterThanOrEqual(aUntil + BigInt(TIMINGS.demoteTimeoutMs) * 1_000_000n);
    expect(overlapsFromLogs(agents)).toEqual([]);
    expect(await roleChangesWithoutAudit(prisma, clusterId, agents)).toEqual([]);
    console.log(`clock step +20 s: b took over ${afterStepMs} ms after it (lease ${TIMINGS.leaseMs} ms)`);
  }, 60_000);
});
