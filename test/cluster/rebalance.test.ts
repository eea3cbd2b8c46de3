// Rebalance against a real PostgreSQL without agents: node rows as agents leave them (slow timings
// keep them healthy), so every step is the console's alone. Races, refusals and the ways a run
// ends that the agent test (test/agent/rebalance.test.ts) cannot provoke on purpose.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cancelCommand } from "../../lib/cluster/cancel-command";
import { advanceRebalances, getRebalance, requestRebalance } from "../../lib/cluster/rebalance";
import { createPgPool, pgPoolSql } from "../../lib/db/sql";
import { AppError } from "../../lib/errors";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const OPERATOR = "user:ops@example.com";

describe("rebalance, console side", () => {
  let t: TestDatabase;
  let pool: ReturnType<typeof createPgPool>;
  beforeAll(async () => {
    t = await createTestDatabase();
    pool = createPgPool(t.url, 4);
  });
  afterAll(async () => {
    await pool?.end();
    await t?.drop();
  });
  beforeEach(async () => {
    await t.prisma.$executeRawUnsafe(`TRUNCATE "Rebalance", "Command", "Node", "Cluster" CASCADE`);
  });

  /** Cluster "ep": each service active on the server given, a healthy standby on each other server (priority 100 unless given). */
  async function seed(placement: Record<string, string>, servers = ["s1", "s2", "s3"], priority: Record<string, number> = {}) {
    for (const [service, active] of Object.entries(placement)) {
      const { id } = await t.prisma.cluster.create({ data: { name: "ep", service, heartbeatMs: 60_000, leaseMs: 180_000, epoch: 1n } });
      for (const server of servers) {
        const isActive = server === active;
        await t.prisma.$executeRaw`
          INSERT INTO "Node" (id, "clusterId", name, role, priority, "lastHeartbeatAt", "leaseExpiresAt", "activeEpoch")
          VALUES (gen_random_uuid(), ${id}::uuid, ${server}, ${isActive ? "ACTIVE" : "STANDBY"}::"NodeRole", ${priority[server] ?? 100}, now(),
            CASE WHEN ${isActive} THEN now() + interval '1 hour' END, CASE WHEN ${isActive} THEN 1 END)`;
      }
    }
  }
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => "accepted",
      (err: unknown) => (err instanceof AppError ? `${err.code} ${err.message}` : String(err)),
    );
  const request = (requestedBy = OPERATOR) => requestRebalance({ db: t.prisma, clusterName: "ep", requestedBy });

  it("two requests at once (two consoles): one runs, the other is refused", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" });
    const results = await Promise.all([request(), requestRebalance({ db: pgPoolSql(pool), clusterName: "ep", requestedBy: OPERATOR })].map(refusal));
    // The loser meets the check or, when both passed it at once, the one-running index.
    expect(results.filter((r) => r === "accepted")).toHaveLength(1);
    expect(results.find((r) => r !== "accepted")).toMatch(/^CONFLICT a rebalance of ep is already running/);
    expect(await t.prisma.rebalance.count()).toBe(1);
    expect(await t.prisma.auditEvent.count({ where: { action: "rebalance.requested" } })).toBe(1);
  });

  it("two consoles stepping at once request one switchover, not two", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" });
    const r = await request();
    const steps = (await Promise.all([advanceRebalances({ db: t.prisma }), advanceRebalances({ db: pgPoolSql(pool) })])).flat();
    expect(steps.map((s) => s.outcome)).toEqual(["moved"]);
    const commands = await t.prisma.command.findMany();
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ kind: "SWITCHOVER", status: "PENDING", requestedBy: OPERATOR, targetName: "s2" });
    expect(await getRebalance({ db: t.prisma, clusterName: "ep" })).toMatchObject({
      id: r.id,
      status: "RUNNING",
      currentCommandId: commands[0].id,
      moves: [{ service: "a", from: "s1", to: "s2", commandId: commands[0].id, status: "PENDING" }],
    });
    // While its switchover is open, a step waits.
    expect(await advanceRebalances({ db: t.prisma })).toEqual([{ id: r.id, outcome: "waiting" }]);
  });

  it("as even as priorities allow (a lower-priority DR server): it ends SUCCEEDED after the moves it could make, saying so", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" }, ["s1", "s2", "s3"], { s3: 50 });
    const r = await request();
    await advanceRebalances({ db: t.prisma });
    // The agents' part, done by hand: the switchover of a to s2 succeeded.
    const { currentCommandId } = await getRebalance({ db: t.prisma, clusterName: "ep" });
    const a = await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: "ep", service: "a" } } });
    await t.prisma
      .$executeRaw`UPDATE "Node" SET role = 'STANDBY', "leaseExpiresAt" = NULL, "activeEpoch" = NULL WHERE "clusterId" = ${a.id}::uuid AND name = 's1'`;
    await t.prisma
      .$executeRaw`UPDATE "Node" SET role = 'ACTIVE', "leaseExpiresAt" = now() + interval '1 hour', "activeEpoch" = 2 WHERE "clusterId" = ${a.id}::uuid AND name = 's2'`;
    await t.prisma.command.update({ where: { id: currentCommandId! }, data: { status: "SUCCEEDED", finishedAt: new Date() } });
    expect(await advanceRebalances({ db: t.prisma })).toEqual([{ id: r.id, outcome: "SUCCEEDED" }]);
    expect(await getRebalance({ db: t.prisma, clusterName: "ep" })).toMatchObject({ status: "SUCCEEDED", error: null, moves: [{ service: "a", to: "s2" }] });
    const finished = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "rebalance.finished" } });
    expect(finished.reason).toMatch(/^1 move; now .*; as even as priorities allow: s1 holds 2 services and s3 0/);
    expect(await t.prisma.auditEvent.count({ where: { action: "rebalance.failed" } })).toBe(0);
  });

  it("a switchover cancelled under it fails the rebalance with the command's error, audited", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" });
    const r = await request();
    await advanceRebalances({ db: t.prisma });
    const { currentCommandId } = await getRebalance({ db: t.prisma, clusterName: "ep" });
    await cancelCommand({ db: t.prisma, commandId: currentCommandId!, requestedBy: "user:other@example.com", reason: "not now" });
    expect(await advanceRebalances({ db: t.prisma })).toEqual([{ id: r.id, outcome: "FAILED" }]);
    const failed = await getRebalance({ db: t.prisma, clusterName: "ep" });
    expect(failed).toMatchObject({
      status: "FAILED",
      currentCommandId: null,
      error: "the move of a from s1 to s2 ended CANCELLED: cancelled by user:other@example.com: not now",
      moves: [{ service: "a", status: "CANCELLED" }],
    });
    expect(failed.finishedAt).not.toBeNull();
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "rebalance.failed" } });
    expect(audit).toMatchObject({ actor: OPERATOR, clusterName: "ep", commandId: currentCommandId, reason: failed.error });
    // Nothing runs any more: no step, and a new request is accepted.
    expect(await advanceRebalances({ db: t.prisma })).toEqual([]);
    expect(await refusal(request())).toBe("accepted");
  });

  it("refused while a command of any service is in flight, and when no move can even the spread (lower priority only); nothing recorded", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" }, ["s1", "s2"], { s2: 50 });
    const audited = () => t.prisma.auditEvent.count({ where: { action: { startsWith: "rebalance." } } });
    const auditBefore = await audited();
    expect(await refusal(request())).toBe(
      "PRECONDITION_FAILED cannot rebalance ep: s1 holds 3 services and s2 0, but no service can move to a server holding two fewer (none is eligible there with at least its current priority)",
    );
    await t.prisma.$executeRawUnsafe(`TRUNCATE "Rebalance", "Command", "Node", "Cluster" CASCADE`);
    await seed({ a: "s1", b: "s1", c: "s1" });
    const b = await t.prisma.cluster.findFirstOrThrow({ where: { name: "ep", service: "b" } });
    const target = await t.prisma.node.findFirstOrThrow({ where: { clusterId: b.id, name: "s3" } });
    await t.prisma.command.create({
      data: { clusterId: b.id, kind: "SWITCHOVER", targetNodeId: target.id, targetName: "s3", requestedBy: OPERATOR, deadline: new Date(Date.now() + 60_000) },
    });
    expect(await refusal(request())).toBe("CONFLICT a switchover of service b is in progress; rebalance once it ends");
    expect(await t.prisma.rebalance.count()).toBe(0);
    expect(await audited()).toBe(auditBefore); // the audit log outlives the TRUNCATEs between tests
  });

  it("a server that is down, in maintenance or held off does not count, nor receive a service", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" });
    await t.prisma.$executeRawUnsafe(`UPDATE "Node" SET "lastHeartbeatAt" = now() - interval '1 hour' WHERE name = 's2'`);
    await t.prisma.$executeRawUnsafe(`UPDATE "Node" SET maintenance = true WHERE name = 's3'`);
    expect(await request()).toMatchObject({ status: "SUCCEEDED", moves: [] }); // s1 is the only server there is
    await t.prisma.$executeRawUnsafe(`UPDATE "Node" SET maintenance = false, "holdUntil" = now() + interval '1 hour' WHERE name = 's3'`);
    expect(await request()).toMatchObject({ status: "SUCCEEDED", moves: [] });
    await t.prisma.$executeRawUnsafe(`UPDATE "Node" SET "holdUntil" = NULL WHERE name = 's3'`);
    const r = await request();
    await advanceRebalances({ db: t.prisma });
    expect((await getRebalance({ db: t.prisma, clusterName: "ep", id: r.id })).moves).toMatchObject([{ service: "a", from: "s1", to: "s3" }]);
  });

  it("gives up past services + 1 moves (the placement changing under it) rather than loop", async () => {
    await seed({ a: "s1", b: "s1", c: "s1" });
    const moves = Array.from({ length: 4 }, (_, i) => ({
      service: "a",
      from: "s1",
      to: "s2",
      commandId: `00000000-0000-4000-8000-00000000000${i}`,
      status: "SUCCEEDED",
    }));
    const [{ id }] = await t.prisma.$queryRaw<{ id: string }[]>`
      INSERT INTO "Rebalance" (id, "clusterName", "requestedBy", moves) VALUES (gen_random_uuid(), 'ep', ${OPERATOR}, ${JSON.stringify(moves)}::jsonb) RETURNING id`;
    expect(await advanceRebalances({ db: t.prisma })).toEqual([{ id, outcome: "FAILED" }]);
    expect((await getRebalance({ db: t.prisma, clusterName: "ep" })).error).toBe("gave up after 4 moves: the spread is still 3");
    expect(await t.prisma.command.count()).toBe(0);
  });

  it("the database keeps one RUNNING rebalance per cluster, and a finish time exactly on finished ones", async () => {
    const insert = (status: string, finished: boolean) =>
      refusal(
        t.prisma.$executeRawUnsafe(
          `INSERT INTO "Rebalance" (id, "clusterName", status, "requestedBy", "finishedAt") VALUES (gen_random_uuid(), 'ep', $1::"RebalanceStatus", 'x', ${finished ? "now()" : "NULL"})`,
          status,
        ),
      );
    expect(await insert("RUNNING", false)).toBe("accepted");
    expect(await insert("RUNNING", false)).toMatch(/Rebalance_one_running_per_cluster/);
    expect(await insert("SUCCEEDED", true)).toBe("accepted");
    expect(await insert("FAILED", false)).toMatch(/Rebalance_finished/);
    expect(await insert("RUNNING", true)).toMatch(/Rebalance_finished/);
  });
});
