import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "../../lib/cluster/audit-actions";
import { insertAudit } from "../../lib/cluster/audit";
import { createPrismaClient } from "../../lib/db/client";
import { dispatchDue, startDispatcher } from "../../lib/notify/dispatcher";
import { deleteChannel } from "../../lib/notify/update-channel";
import { NOTIFY_EVENTS } from "../../lib/notify/events";
import { newSigningSecret, verifyWebhookSignature } from "../../lib/notify/signature";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { startSmtpReceiver, startWebhookReceiver, type Received } from "./receivers";

// The outbox in the database and its dispatchers, without a console: the trigger queues exactly
// the deliveries the filters say, and concurrent dispatchers (as two consoles run them) send each
// one once, retrying through a receiver outage.

describe("notification outbox", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await t.prisma.cluster.createMany({ data: [{ name: "east" }, { name: "west" }] });
  });
  afterAll(async () => t?.drop());

  const channel = (name: string, data: { url?: string; events?: string[]; clusters?: string[]; enabled?: boolean; secret?: string }) =>
    t.prisma.notificationChannel.create({
      data: {
        name,
        type: "WEBHOOK",
        events: data.events ?? [...NOTIFY_EVENTS],
        clusters: data.clusters ?? [],
        enabled: data.enabled ?? true,
        config: { url: data.url ?? "http://127.0.0.1:9/" },
        secret: { signingSecret: data.secret ?? "whsec_test" },
        createdBy: "test",
      },
    });

  it("queues a delivery for exactly the actions NOTIFY_EVENTS lists (the trigger's list and the code's agree)", async () => {
    // Subscribed to every audit action there is: only the notifiable ones may reach the outbox.
    const all = await channel("everything", { events: [...AUDIT_ACTIONS] });
    for (const action of AUDIT_ACTIONS) await insertAudit(t.prisma, { actor: "test", action, clusterName: "east", reason: "x" });
    const queued = await t.prisma.notificationDelivery.findMany({ where: { channelId: all.id }, select: { auditEventId: true } });
    const actions = await t.prisma.auditEvent.findMany({ where: { id: { in: queued.map((q) => q.auditEventId!) } }, select: { action: true } });
    expect(actions.map((a) => a.action).sort()).toEqual([...NOTIFY_EVENTS].sort());
    await t.prisma.notificationChannel.delete({ where: { id: all.id } });
  });

  it("applies each channel's filters: events, clusters, enabled", async () => {
    const downEast = await channel("down-east", { events: ["node.down"], clusters: ["east"] });
    const anyCluster = await channel("failover-anywhere", { events: ["failover.promoted", "node.down"] });
    const off = await channel("disabled", { enabled: false });
    const rows = [
      { action: "node.down", clusterName: "east" },
      { action: "node.down", clusterName: "west" },
      { action: "failover.promoted", clusterName: "east" },
      { action: "check.failing", clusterName: "east" },
    ] as const;
    for (const r of rows) await insertAudit(t.prisma, { actor: "test", ...r });
    const count = async (channelId: string) => t.prisma.notificationDelivery.count({ where: { channelId } });
    expect(await count(downEast.id)).toBe(1);
    expect(await count(anyCluster.id)).toBe(3);
    expect(await count(off.id)).toBe(0);
    await t.prisma.notificationChannel.deleteMany({});
  });

  it("two dispatchers at once send each event once; a receiver down for a while gets every event afterwards, once", async () => {
    const received: Received[] = [];
    let receiver = await startWebhookReceiver(0, received);
    const port = receiver.port;
    const secret = newSigningSecret();
    const ch = await channel("hook", { url: receiver.url, events: ["node.down"], secret });
    // Two consoles: two clients with pools of their own, dispatching concurrently.
    const consoles = [createPrismaClient({ connectionString: t.url }), createPrismaClient({ connectionString: t.url })];
    let stop = false;
    const loops = consoles.map(async (prisma) => {
      while (!stop) if ((await dispatchDue({ prisma, batch: 5, timeoutMs: 1000 })) === 0) await new Promise((r) => setTimeout(r, 20));
    });
    try {
      for (let i = 0; i < 30; i++) await insertAudit(t.prisma, { actor: "test", action: "node.down", clusterName: "east", nodeName: `n${i}` });
      const pending = () => t.prisma.notificationDelivery.count({ where: { channelId: ch.id, status: { not: "DELIVERED" } } });
      await waitUntil(async () => (await pending()) === 0, 15_000);
      // The receiver goes away; events keep happening; it comes back on its port.
      await receiver.close();
      for (let i = 30; i < 40; i++) await insertAudit(t.prisma, { actor: "test", action: "node.down", clusterName: "east", nodeName: `n${i}` });
      await waitUntil(async () => (await t.prisma.notificationDelivery.count({ where: { channelId: ch.id, attempts: { gte: 2 } } })) === 10, 15_000);
      const failing = await t.prisma.notificationDelivery.findFirst({ where: { channelId: ch.id, attempts: { gte: 2 } } });
      expect(failing).toMatchObject({ status: "PENDING", httpStatus: null });
      expect(failing?.lastError).toMatch(/ECONNREFUSED/);
      receiver = await startWebhookReceiver(port, received);
      await waitUntil(async () => (await pending()) === 0, 20_000);
    } finally {
      stop = true;
      await Promise.all(loops);
      await receiver.close();
      await Promise.all(consoles.map((c) => c.$disconnect()));
    }
    const nodes = received.map((r) => (JSON.parse(r.body) as { node: string }).node);
    expect(nodes).toHaveLength(40);
    expect(new Set(nodes).size).toBe(40);
    for (const r of received) {
      const ok = verifyWebhookSignature({
        secret,
        body: r.body,
        signature: r.headers["x-failover-signature"] as string,
        timestamp: r.headers["x-failover-timestamp"] as string,
      });
      expect(ok).toBe(true);
    }
  });

  it("holds a disabled channel's events until it is enabled again, but sends its test messages", async () => {
    const receiver = await startWebhookReceiver();
    const ch = await channel("paused", { url: receiver.url, events: ["agent.self_fenced"] });
    try {
      await insertAudit(t.prisma, { actor: "test", action: "agent.self_fenced", clusterName: "east" });
      await t.prisma.notificationChannel.update({ where: { id: ch.id }, data: { enabled: false } });
      await t.prisma.notificationDelivery.create({ data: { channelId: ch.id } }); // a test message
      expect(await dispatchDue({ prisma: t.prisma, timeoutMs: 1000 })).toBe(1);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual(["test"]);
      await t.prisma.notificationChannel.update({ where: { id: ch.id }, data: { enabled: true } });
      expect(await dispatchDue({ prisma: t.prisma, timeoutMs: 1000 })).toBe(1);
      expect(receiver.received.map((r) => (JSON.parse(r.body) as { event: string }).event)).toEqual(["test", "agent.self_fenced"]);
    } finally {
      await receiver.close();
      await t.prisma.notificationChannel.delete({ where: { id: ch.id } });
    }
  });

  it("gives up after the last attempt (FAILED, with the error), and a redeliver sends it again", async () => {
    const receiver = await startWebhookReceiver();
    receiver.respond({ status: 500, body: "boom" });
    const ch = await channel("flaky", { url: receiver.url, events: ["hook.failed"] });
    await insertAudit(t.prisma, { actor: "test", action: "hook.failed", clusterName: "east" });
    try {
      expect(await dispatchDue({ prisma: t.prisma, maxAttempts: 1, timeoutMs: 1000 })).toBe(1);
      const failed = await t.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
      expect(failed).toMatchObject({ status: "FAILED", attempts: 1, httpStatus: 500, lastError: "HTTP 500: boom", claimId: null });
      expect(await dispatchDue({ prisma: t.prisma, maxAttempts: 1 })).toBe(0); // FAILED is never picked up again by itself
      const { redeliver } = await import("../../lib/notify/deliveries");
      receiver.respond({ status: 204 });
      await redeliver({ prisma: t.prisma, channelId: ch.id, deliveryId: failed.id.toString() });
      expect(await dispatchDue({ prisma: t.prisma, maxAttempts: 1 })).toBe(1);
      expect(await t.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } })).toMatchObject({
        status: "DELIVERED",
        attempts: 1,
        httpStatus: 204,
        lastError: null,
      });
      expect(receiver.received).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });
});

async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a channel being renamed or deleted never holds up a role change", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  // A rename (its name is unique: the row is locked FOR UPDATE) or a delete holds the channel's row
  // for as long as its transaction is open; an election's audit row queues a delivery for that
  // channel at that moment. A foreign key from the delivery to the channel would make the election
  // wait for the row lock (it did: the full 3 s); there is none, so it does not.
  it.each([
    ["renamed", `UPDATE "NotificationChannel" SET name = 'renamed-' || name WHERE id = $1`, 1],
    ["deleted", `DELETE FROM "NotificationChannel" WHERE id = $1`, 0],
  ] as const)("an audit row is written at once while the channel is being %s in a transaction open for 3 s", async (what, sql, sent) => {
    const receiver = await startWebhookReceiver();
    const ch = await t.prisma.notificationChannel.create({
      data: {
        name: `ch-${what}`,
        type: "WEBHOOK",
        events: ["failover.promoted"],
        config: { url: receiver.url },
        secret: { signingSecret: "whsec_x" },
        createdBy: "test",
      },
    });
    const pg = await import("pg");
    const [holder, writer] = [new pg.default.Client({ connectionString: t.url }), new pg.default.Client({ connectionString: t.url })];
    await Promise.all([holder.connect(), writer.connect()]);
    try {
      await holder.query("BEGIN");
      await holder.query(sql, [ch.id]);
      const held = new Promise((r) => setTimeout(r, 3000)).then(() => holder.query("COMMIT"));
      const t0 = Date.now();
      const { rows } = await writer.query<{ id: string }>(
        `INSERT INTO "AuditEvent" (actor, action, "clusterName", reason) VALUES ('agent:east/b', 'failover.promoted', 'east', 'x') RETURNING id`,
      );
      const took = Date.now() - t0;
      await held;
      expect(took).toBeLessThan(200);
      // Queued for the renamed channel, and sent; for the deleted one, skipped without a trace.
      expect(await t.prisma.notificationDelivery.count({ where: { auditEventId: BigInt(rows[0].id) } })).toBe(1);
      expect(await dispatchDue({ prisma: t.prisma, timeoutMs: 1000 })).toBe(sent);
      expect(receiver.received).toHaveLength(sent);
      if (sent === 0) {
        const d = startDispatcher({ prisma: t.prisma, intervalMs: 50 });
        await waitUntil(async () => (await t.prisma.notificationDelivery.count({ where: { auditEventId: BigInt(rows[0].id) } })) === 0, 5_000);
        await d.stop();
      }
    } finally {
      await Promise.all([holder.end(), writer.end()]);
      await receiver.close();
      await t.prisma.notificationChannel.deleteMany({});
      await t.prisma.notificationDelivery.deleteMany({});
    }
  });

  it("deleteChannel deletes the channel's deliveries with it", async () => {
    const ch = await t.prisma.notificationChannel.create({
      data: { name: "gone", type: "WEBHOOK", events: ["node.down"], config: { url: "http://127.0.0.1:9/" }, secret: {}, createdBy: "test" },
    });
    const other = await t.prisma.notificationChannel.create({
      data: { name: "stays", type: "WEBHOOK", events: ["node.down"], config: { url: "http://127.0.0.1:9/" }, secret: {}, createdBy: "test" },
    });
    await insertAudit(t.prisma, { actor: "test", action: "node.down", clusterName: "east" });
    expect(await t.prisma.notificationDelivery.count()).toBe(2);
    await deleteChannel({ prisma: t.prisma, actor: "test", id: ch.id });
    expect(await t.prisma.notificationDelivery.findMany({ select: { channelId: true } })).toEqual([{ channelId: other.id }]);
  });
});

describe("a slow SMTP server", () => {
  it("is cut off at the send deadline, before the dispatcher's claim lapses, and the delivery retried later", async () => {
    const t = await createTestDatabase();
    const smtp = await startSmtpReceiver({ slowMs: 250 });
    try {
      const to = Array.from({ length: 20 }, (_, i) => `r${i}@example.com`);
      const ch = await t.prisma.notificationChannel.create({
        data: {
          name: "mail",
          type: "EMAIL",
          events: ["node.down"],
          config: { host: "127.0.0.1", port: smtp.port, secure: false, from: "console@example.com", to },
          secret: {},
          createdBy: "test",
        },
      });
      await insertAudit(t.prisma, { actor: "test", action: "node.down", clusterName: "east" });
      const t0 = Date.now();
      const pass = dispatchDue({ prisma: t.prisma, timeoutMs: 300 });
      await waitUntil(async () => (await t.prisma.notificationDelivery.count({ where: { channelId: ch.id, attempts: 1 } })) === 1, 5_000);
      const claimed = await t.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
      const claimMs = claimed.nextAttemptAt.getTime() - claimed.lastAttemptAt!.getTime();
      expect(await pass).toBe(1);
      const took = Date.now() - t0;
      // 300 ms per step: the whole send within 900 ms, the claim longer than that.
      expect(took).toBeLessThan(claimMs);
      expect(took).toBeLessThan(2000);
      expect(await t.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } })).toMatchObject({
        status: "PENDING",
        attempts: 1,
        claimId: null,
        lastError: expect.stringMatching(/not sent within 900 ms/) as unknown,
      });
      expect(smtp.mails).toHaveLength(0);
    } finally {
      await smtp.close();
      await t.drop();
    }
  });
});
