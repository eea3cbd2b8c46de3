// Rebalance with real agent processes, each hosting six services from a --service-config file.
// The consoles' timer is played by two loops calling advanceRebalances (one through Prisma, one
// through pg), as two consoles would: SKIP LOCKED keeps them from stepping one rebalance twice.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceRebalances, getRebalance, requestRebalance, type RebalanceView } from "../../lib/cluster/rebalance";
import { createPgPool, pgPoolSql } from "../../lib/db/sql";
import { AppError } from "../../lib/errors";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { FAST } from "../support/cluster-fixture";
import { serviceHooks, serviceIntervals, serviceOverlaps } from "../support/service-events";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const SERVICES = ["classify", "export", "import", "index", "ocr", "report"];
const OPERATOR = "user:ops@example.com";
/** Each demote hook takes this long: a switchover is in flight long enough to kill its target meanwhile. */
const DEMOTE_SLEEP_S = 1;

describe("rebalance: services moved back to an even spread, one switchover at a time", () => {
  let t: TestDatabase;
  let dir: string;
  let pool: ReturnType<typeof createPgPool>;
  const agents: AgentProcess[] = [];
  let driving = true;
  const drivers: Promise<void>[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), "rebalance-"));
    pool = createPgPool(t.url, 4);
    const drive = async (db: Parameters<typeof advanceRebalances>[0]["db"]) => {
      while (driving) {
        await advanceRebalances({ db }).catch((err: unknown) => console.warn("advanceRebalances:", err));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    drivers.push(drive(t.prisma), drive(pgPoolSql(pool)));
  });
  afterAll(async () => {
    driving = false;
    await Promise.all(drivers);
    await stopAll(agents);
    await pool?.end();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startServer(node: string) {
    const file = path.join(dir, `${node}.json`);
    const services = SERVICES.map((service) => {
      const hooks = serviceHooks(path.join(dir, `${service}.events`), { demoteSleepS: DEMOTE_SLEEP_S });
      return { service, "on-promote": hooks.promote, "on-demote": hooks.demote, "heartbeat-ms": FAST.heartbeatMs, "lease-ms": FAST.leaseMs };
    });
    await writeFile(file, JSON.stringify({ services }));
    const agent = spawnAgent({ url: t.url, cluster: "ep", node, args: ["--service-config", file] });
    agents.push(agent);
    return agent;
  }

  /** Active services per server, every server listed. */
  async function counts(): Promise<Record<string, number>> {
    const rows = await t.prisma.node.findMany({
      where: { role: "ACTIVE", leaseExpiresAt: { gt: new Date() }, cluster: { name: "ep" } },
      select: { name: true },
    });
    const out: Record<string, number> = { s1: 0, s2: 0, s3: 0 };
    for (const r of rows) out[r.name]++;
    return out;
  }
  /** Every service of `node` has heartbeated since `since`. */
  const beating = async (node: string, since: Date) =>
    (await t.prisma.node.count({ where: { cluster: { name: "ep" }, name: node, lastHeartbeatAt: { gt: since } } })) === SERVICES.length;
  const ended = (id: string) =>
    waitFor(
      async () => {
        const r = await getRebalance({ db: t.prisma, clusterName: "ep" });
        return r.id === id && r.status !== "RUNNING" && r;
      },
      { what: `rebalance ${id} ends`, timeoutMs: 40_000, intervalMs: 100 },
    );
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => "accepted",
      (err: unknown) => (err instanceof AppError ? `${err.status} ${err.message}` : String(err)),
    );

  it("refuses an unknown cluster (404) and records nothing", async () => {
    expect(await refusal(requestRebalance({ db: t.prisma, clusterName: "nope", requestedBy: OPERATOR }))).toBe("404 cluster nope not found");
    expect(await refusal(getRebalance({ db: t.prisma, clusterName: "nope" }))).toBe("404 cluster nope not found");
    expect(await t.prisma.rebalance.count()).toBe(0);
    expect(await t.prisma.auditEvent.count({ where: { action: { startsWith: "rebalance." } } })).toBe(0);
  });

  let first: RebalanceView;

  it("six services piled on one server end 2/2/2: four SWITCHOVER commands, SUCCEEDED, one after the other, each audited", async () => {
    await startServer("s1");
    await waitFor(async () => (await counts()).s1 === SERVICES.length, { what: "s1 active for all six" });
    const joined = new Date();
    await startServer("s2");
    await startServer("s3");
    await waitFor(async () => (await beating("s2", joined)) && beating("s3", joined), { what: "s2 and s3 up" });
    expect(await counts()).toEqual({ s1: 6, s2: 0, s3: 0 }); // servers that join take nothing: an uneven spread

    const started = Date.now();
    const requested = await requestRebalance({ db: t.prisma, clusterName: "ep", requestedBy: OPERATOR, reason: "s2 and s3 back" });
    expect(requested).toMatchObject({ status: "RUNNING", moves: [], finishedAt: null });
    first = await ended(requested.id);
    console.log(`rebalance of 6 services from 6/0/0: ${first.moves.length} moves in ${Date.now() - started} ms (demote hooks ${DEMOTE_SLEEP_S} s each)`);

    expect(first).toMatchObject({ status: "SUCCEEDED", error: null, currentCommandId: null });
    expect(await counts()).toEqual({ s1: 2, s2: 2, s3: 2 });
    expect(first.moves).toHaveLength(4);
    expect(first.moves.every((m) => m.from === "s1" && m.status === "SUCCEEDED")).toBe(true);
    expect(new Set(first.moves.map((m) => m.service)).size).toBe(4);

    const commands = await t.prisma.command.findMany({ where: { id: { in: first.moves.map((m) => m.commandId) } }, orderBy: { createdAt: "asc" } });
    expect(commands.map((c) => [c.kind, c.status, c.requestedBy])).toEqual(first.moves.map(() => ["SWITCHOVER", "SUCCEEDED", OPERATOR]));
    expect(commands.map((c) => c.id)).toEqual(first.moves.map((m) => m.commandId));
    // One at a time: each switchover was requested after the one before it had finished.
    for (let i = 1; i < commands.length; i++) expect(commands[i].createdAt.getTime()).toBeGreaterThanOrEqual(commands[i - 1].finishedAt!.getTime());
    for (const c of commands)
      expect(c.reason).toBe(`rebalance ${first.id}: ${first.moves.find((m) => m.commandId === c.id)!.service} from s1 to ${c.targetName} (s2 and s3 back)`);

    const audit = await t.prisma.auditEvent.findMany({ where: { clusterName: "ep", actor: OPERATOR }, orderBy: { id: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["rebalance.requested", ...commands.map(() => "command.requested"), "rebalance.finished"]);
    expect(audit[0].details).toMatchObject({ rebalanceId: first.id, spread: 6, counts: { s1: 6, s2: 0, s3: 0 } });
    expect(audit.at(-1)!.details).toMatchObject({ rebalanceId: first.id, spread: 0, counts: { s1: 2, s2: 2, s3: 2 } });
    expect(audit.at(-1)!.reason).toBe("4 moves; now s1 2, s2 2, s3 2");
    for (const c of commands) expect(await t.prisma.auditEvent.count({ where: { commandId: c.id } })).toBe(4); // requested, started, demoted, promoted
  });

  it("a rebalance with nothing to do finishes at once", async () => {
    const r = await requestRebalance({ db: t.prisma, clusterName: "ep", requestedBy: OPERATOR });
    expect(r).toMatchObject({ status: "SUCCEEDED", moves: [], error: null });
    expect(r.finishedAt).not.toBeNull();
    const audit = await t.prisma.auditEvent.findMany({ where: { clusterName: "ep", action: { startsWith: "rebalance." } }, orderBy: { id: "desc" }, take: 2 });
    expect(audit.map((a) => a.action)).toEqual(["rebalance.finished", "rebalance.requested"]);
    expect(await getRebalance({ db: t.prisma, clusterName: "ep" })).toMatchObject({ id: r.id });
  });

  it("a second request while one runs is refused (409); a move whose target dies fails the rebalance with the reason", async () => {
    // s3 stops (its two services move to s1 and s2), then comes back: 3/3/0.
    const s3 = agents.find((a) => a.node === "s3")!;
    s3.signal("SIGTERM");
    await s3.exited();
    await waitFor(async () => JSON.stringify(await counts()) === JSON.stringify({ s1: 3, s2: 3, s3: 0 }), { what: "3/3/0", timeoutMs: 20_000 });
    const back = new Date();
    const s3again = await startServer("s3");
    await waitFor(() => beating("s3", back), { what: "s3 back" });

    const r = await requestRebalance({ db: t.prisma, clusterName: "ep", requestedBy: OPERATOR });
    expect(r.status).toBe("RUNNING");
    const before = await t.prisma.rebalance.count();
    expect(await refusal(requestRebalance({ db: t.prisma, clusterName: "ep", requestedBy: "user:other@example.com" }))).toBe(
      `409 a rebalance of ep is already running (${r.id}, requested by ${OPERATOR})`,
    );
    expect(await t.prisma.rebalance.count()).toBe(before);

    // The first move's switchover runs (the active's demote hook takes a second): kill its target.
    const running = await waitFor(
      async () => {
        const { currentCommandId } = await getRebalance({ db: t.prisma, clusterName: "ep" });
        const c = currentCommandId ? await t.prisma.command.findUnique({ where: { id: currentCommandId } }) : null;
        return c?.status === "RUNNING" && c;
      },
      { what: "first move running" },
    );
    expect(running.targetName).toBe("s3");
    s3again.signal("SIGKILL");
    const failed = await ended(r.id);
    expect(failed.status).toBe("FAILED");
    expect(failed.moves).toHaveLength(1);
    expect(failed.moves[0]).toMatchObject({ commandId: running.id, to: "s3", status: "FAILED" });
    expect(failed.error).toMatch(
      new RegExp(`^the move of ${failed.moves[0].service} from s[12] to s3 ended FAILED: superseded by automatic failover: target s3 is not healthy`),
    );
    const audit = await t.prisma.auditEvent.findFirstOrThrow({ where: { action: "rebalance.failed" } });
    expect(audit).toMatchObject({ actor: OPERATOR, clusterName: "ep", commandId: running.id, reason: failed.error });
    // Its service found a home anyway, by election.
    await waitFor(async () => Object.values(await counts()).reduce((a, b) => a + b) === SERVICES.length, { what: "every service active" });
  });

  it("after the failure, with s3 back: a new rebalance takes the services piled on two servers to 2/2/2", async () => {
    const pile = await waitFor(
      async () => {
        const c = await counts();
        return c.s1 + c.s2 === SERVICES.length && c.s3 === 0 && c;
      },
      { what: "all six on s1 and s2" },
    );
    const back = new Date();
    await startServer("s3");
    await waitFor(() => beating("s3", back), { what: "s3 back" });
    const r = await requestRebalance({ db: t.prisma, clusterName: "ep", requestedBy: OPERATOR, reason: "after the failed one" });
    const done = await ended(r.id);
    console.log(`rebalance from ${JSON.stringify(pile)}: ${done.moves.map((m) => `${m.service} ${m.from}->${m.to}`).join(", ")}`);
    expect(done).toMatchObject({ status: "SUCCEEDED", error: null });
    expect(done.moves.every((m) => m.to === "s3" && m.status === "SUCCEEDED")).toBe(true);
    expect(await counts()).toEqual({ s1: 2, s2: 2, s3: 2 });
  });

  it("never two actives of one service by the hooks' intervals, through every move", async () => {
    for (const service of SERVICES) {
      const intervals = await serviceIntervals(path.join(dir, `${service}.events`));
      expect(serviceOverlaps(intervals), service).toEqual([]);
    }
  });
});
