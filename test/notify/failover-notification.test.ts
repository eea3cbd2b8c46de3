import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_EVENTS } from "../../lib/notify/events";
import type { NotificationMessage } from "../../lib/notify/message";
import { newSigningSecret, verifyWebhookSignature } from "../../lib/notify/signature";
import { spawnAgent, stopAll, waitFor, type AgentProcess } from "../support/agent-process";
import { callApi } from "../support/api-client";
import { activeNodes, createCluster, FAST } from "../support/cluster-fixture";
import { seedUsers, TEST_PASSWORD } from "../support/console-fixture";
import { signIn, startNextServer, type NextServer } from "../support/next-server";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { startWebhookReceiver, type Received, type WebhookReceiver } from "./receivers";

// The whole path with real parts: agent processes write the audit (and, through the trigger, the
// outbox) in their own transactions; two consoles under `next start` dispatch; a webhook receiver
// in this test verifies what arrives. kill -9 of the active must be announced within
// heartbeat + lease + 1 s; a receiver down for 30 s gets everything afterwards; nothing twice.

const CLUSTER = "notif";

describe("failover notifications end to end (agents, two consoles, a webhook receiver)", () => {
  let t: TestDatabase;
  let consoles: NextServer[] = [];
  let cookie: string;
  let receiver: WebhookReceiver;
  const received: Received[] = [];
  let secret: string;
  let channelId: string;
  const agents: AgentProcess[] = [];
  const messages = () => received.map((r) => JSON.parse(r.body) as NotificationMessage);
  const agent = (node: string, priority: number) => {
    const a = spawnAgent({ url: t.url, cluster: CLUSTER, node, priority });
    agents.push(a);
    return a;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await seedUsers(t.prisma);
    await createCluster(t.prisma, CLUSTER);
    consoles = await Promise.all([startNextServer({ databaseUrl: t.url }), startNextServer({ databaseUrl: t.url })]);
    cookie = await signIn(consoles[0].url, "admin@example.com", TEST_PASSWORD);
    receiver = await startWebhookReceiver(0, received);
    const res = await callApi(consoles[0].url, cookie, {
      method: "POST",
      path: "/api/v1/notifications",
      body: { type: "WEBHOOK", name: "ops", url: receiver.url, events: NOTIFY_EVENTS, clusters: [CLUSTER] },
    });
    expect(res.status).toBe(201);
    ({
      signingSecret: secret,
      channel: { id: channelId },
    } = res.body as { signingSecret: string; channel: { id: string } });
  });
  afterAll(async () => {
    await stopAll(agents);
    await receiver?.close();
    await Promise.all(consoles.map((c) => c.stop()));
    await t?.drop();
  });

  it("kill -9 of the active: the webhook gets the failover (cluster, nodes, epoch, reason) within heartbeat + lease + 1 s, signed", async () => {
    const a = agent("a", 100);
    await a.waitForLine((l) => l.event === "role" && l.role === "ACTIVE");
    agent("b", 90);
    agent("c", 80);
    await waitFor(async () => messages().some((m) => m.event === "failover.promoted" && m.node === "a"), { what: "a's election announced" });
    // Every agent beats before the kill, so the successor is decided by priority alone.
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs));
    const killedAt = Date.now();
    a.signal("SIGKILL");
    const failover = await waitFor(
      async () => received.find((r) => r.at >= killedAt && (JSON.parse(r.body) as NotificationMessage).event === "failover.promoted"),
      {
        what: "failover webhook",
        timeoutMs: 15_000,
      },
    );
    const latencyMs = failover.at - killedAt;
    console.log(`failover announced ${latencyMs} ms after kill -9 (budget ${FAST.heartbeatMs + FAST.leaseMs + 1000} ms)`);
    expect(latencyMs).toBeLessThanOrEqual(FAST.heartbeatMs + FAST.leaseMs + 1000);
    const [active] = await activeNodes(
      t.prisma,
      (await t.prisma.cluster.findUniqueOrThrow({ where: { name_service: { name: CLUSTER, service: "main" } } })).id,
    );
    expect(JSON.parse(failover.body)).toMatchObject({
      event: "failover.promoted",
      cluster: CLUSTER,
      node: "b",
      previousNode: "a",
      fromRole: "STANDBY",
      toRole: "ACTIVE",
      epoch: String(active.activeEpoch),
      reason: "automatic failover from a",
    });
    const signed = {
      body: failover.body,
      signature: failover.headers["x-failover-signature"] as string,
      timestamp: failover.headers["x-failover-timestamp"] as string,
    };
    expect(verifyWebhookSignature({ secret, ...signed })).toBe(true);
    expect(verifyWebhookSignature({ secret: newSigningSecret(), ...signed })).toBe(false);
    // The dead node is reported down too, once, by the agents.
    await waitFor(async () => messages().some((m) => m.event === "node.down" && m.node === "a"), { what: "node.down a", timeoutMs: 10_000 });
  });

  it("a receiver down for 30 s gets every event afterwards, and no event twice with two consoles dispatching", async () => {
    await receiver.close();
    const downAt = Date.now();
    // Events while it is down: a comes back (node.recovered), a switchover hands the role back to a.
    const a = agent("a", 100);
    await waitFor(async () => (await t.prisma.auditEvent.count({ where: { clusterName: CLUSTER, action: "node.recovered", nodeName: "a" } })) === 1, {
      what: "a recovered",
    });
    await a.waitForLine((l) => l.msg === "registered");
    await new Promise((r) => setTimeout(r, 3 * FAST.heartbeatMs));
    const switchover = await callApi(consoles[1].url, await signIn(consoles[1].url, "admin@example.com", TEST_PASSWORD), {
      method: "POST",
      path: `/api/v1/clusters/${CLUSTER}/commands`,
      body: { kind: "SWITCHOVER", targetNode: "a" },
    });
    expect(switchover.status).toBe(201);
    await a.waitForLine((l) => l.event === "role" && l.role === "ACTIVE");
    await waitFor(async () => (await t.prisma.notificationDelivery.count({ where: { channelId, attempts: { gte: 2 }, status: "PENDING" } })) > 0, {
      what: "retries failing",
    });
    await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - downAt))));
    receiver = await startWebhookReceiver(receiver.port, received);
    await waitFor(async () => (await t.prisma.notificationDelivery.count({ where: { channelId, status: { not: "DELIVERED" } } })) === 0, {
      what: "every delivery delivered",
      timeoutMs: 45_000,
      intervalMs: 250,
    });
    const audit = await t.prisma.auditEvent.findMany({ where: { clusterName: CLUSTER, action: { in: NOTIFY_EVENTS } }, orderBy: { id: "asc" } });
    const got = messages();
    // Each event once: two consoles claimed from one outbox, and retries never resent a delivered one.
    expect(got.map((m) => m.auditId).sort()).toEqual(audit.map((e) => e.id.toString()).sort());
    expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
    expect(got.map((m) => m.event)).toEqual(expect.arrayContaining(["node.recovered", "command.demoted", "command.promoted"]));
    // The agents recorded a's death and return once each, however many of them watched.
    const health = audit.filter((e) => e.nodeName === "a" && e.action.startsWith("node."));
    expect(health.map((e) => e.action)).toEqual(["node.down", "node.recovered"]);
    const late = got.filter((m) => ["node.recovered", "command.promoted"].includes(m.event));
    for (const m of late) expect(received.find((r) => (JSON.parse(r.body) as NotificationMessage).id === m.id)!.at).toBeGreaterThanOrEqual(downAt + 30_000);
  }, 150_000);
});
