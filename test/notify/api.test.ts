import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../lib/notify/signature";
import { waitFor } from "../support/agent-process";
import { callApi } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import { startSmtpReceiver, startWebhookReceiver, type WebhookReceiver } from "./receivers";

// /api/v1/notifications against the production build: ADMIN only, secrets shown once, bad input
// refused with the field named and nothing saved, test messages and redeliveries through the
// console's own dispatcher to real receivers.

type Channel = { id: string; name: string; type: string; config: Record<string, unknown>; events: string[]; clusters: string[] };
type Delivery = { id: string; event: string; status: string; attempts: number; httpStatus: number | null; lastError: string | null };

describe("notifications API", () => {
  let bed: ConsoleTestbed;
  let admin: string;
  let receiver: WebhookReceiver;
  const api = (method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown, cookie = admin) =>
    callApi(bed.server.url, cookie, { method, path: `/api/v1/notifications${path}`, body });
  const state = async () =>
    JSON.stringify({
      channels: await bed.t.prisma.notificationChannel.findMany({ orderBy: { id: "asc" } }),
      audit: await bed.t.prisma.auditEvent.count(),
    });

  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await bed.signInAs("admin@example.com");
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await bed?.stop();
  });

  it("is for ADMINs only", async () => {
    const operator = await bed.signInAs("operator@example.com");
    expect((await api("GET", "", undefined, operator)).status).toBe(403);
    expect((await api("POST", "", { type: "WEBHOOK", name: "x", url: receiver.url, events: ["node.down"] }, operator)).status).toBe(403);
    expect((await api("GET", "", undefined, "")).status).toBe(401);
  });

  it("shows a webhook's signing secret once, and no channel's secret ever after", async () => {
    const created = await api("POST", "", {
      type: "WEBHOOK",
      name: "ops-hook",
      url: receiver.url,
      events: ["failover.promoted", "node.down"],
      clusters: ["alpha"],
    });
    expect(created.status).toBe(201);
    const { channel, signingSecret } = created.body as { channel: Channel; signingSecret: string };
    expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(channel).toMatchObject({ name: "ops-hook", type: "WEBHOOK", config: { url: receiver.url }, clusters: ["alpha"] });
    const slackUrl = `${receiver.url}/services/T000/B000/XXXXSECRETXXXX`;
    const slack = await api("POST", "", { type: "SLACK", name: "chat", url: slackUrl, events: ["node.down"] });
    expect(slack.status).toBe(201);
    expect(slack.text).not.toContain("XXXXSECRETXXXX");
    const mail = await api("POST", "", {
      type: "EMAIL",
      name: "mail",
      host: "127.0.0.1",
      port: 2525,
      username: "u",
      password: "smtp-pass-123",
      from: "console@example.com",
      to: ["oncall@example.com"],
      events: ["node.down"],
    });
    expect(mail.status).toBe(201);
    expect(mail.text).not.toContain("smtp-pass-123");
    for (const res of [await api("GET", ""), await api("GET", `/${channel.id}`), await api("PATCH", `/${channel.id}`, { name: "ops-hook" })]) {
      expect(res.status).toBe(200);
      for (const secret of [signingSecret, "XXXXSECRETXXXX", "smtp-pass-123", "signingSecret", "password"]) expect(res.text).not.toContain(secret);
    }
    const list = (await api("GET", "")).body as { channels: Channel[] };
    expect(list.channels.map((c) => [c.name, c.config])).toEqual([
      ["chat", { host: new URL(receiver.url).host }],
      ["mail", { host: "127.0.0.1", port: 2525, secure: false, username: "u", from: "console@example.com", to: ["oncall@example.com"] }],
      ["ops-hook", { url: receiver.url }],
    ]);
    // Creation is audited without the secret.
    const audit = await bed.t.prisma.auditEvent.findMany({ where: { action: "notification.channel_created" } });
    expect(audit).toHaveLength(3);
    expect(JSON.stringify(audit, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(signingSecret);
  });

  it.each([
    ["a URL that is not http(s)", { type: "WEBHOOK", url: "ftp://example.com/hook" }, /^url: /],
    ["a javascript: URL", { type: "SLACK", url: "javascript:alert(1)" }, /^url: /],
    ["no URL at all", { type: "WEBHOOK" }, /^url: /],
    // fetch refuses such a URL (and its error, stored in the log, would have shown the password).
    [
      "a webhook URL with a user name and password",
      { type: "WEBHOOK", url: "https://ops:hunter2@example.com/hook" },
      /^url: must not contain a user name or password$/,
    ],
    ["a Slack URL with a user name", { type: "SLACK", url: "https://bot@hooks.example.com/services/T/B/X" }, /^url: must not contain a user name or password$/],
    ["a recipient that does not parse", { ...smtp(), to: ["oncall@"] }, /^to\.0: not an e-mail address/],
    ["a sender that does not parse", { ...smtp(), from: "console at example" }, /^from: not an e-mail address/],
    ["an SMTP host that is not a host name", { ...smtp(), host: "smtp example com" }, /^host: not a host name/],
    ["an SMTP port out of range", { ...smtp(), port: 70000 }, /^port: /],
    ["an unknown event", { type: "WEBHOOK", url: "https://example.com/h", events: ["node.exploded"] }, /^events\.0: /],
    ["no event", { type: "WEBHOOK", url: "https://example.com/h", events: [] }, /^events: choose at least one event/],
    ["an unknown cluster", { type: "WEBHOOK", url: "https://example.com/h", clusters: ["alpha", "ghost"] }, /^clusters: no cluster named "ghost"$/],
    ["an unknown type", { type: "PAGER", url: "https://example.com/h" }, /^type: /],
    ["an unknown field", { type: "WEBHOOK", url: "https://example.com/h", secret: "mine" }, /secret/],
  ])("refuses %s with 422 naming the field, and saves nothing", async (_what, body, message) => {
    const before = await state();
    const res = await api("POST", "", { name: "bad", events: ["node.down"], ...body });
    expect(res.status).toBe(422);
    expect((res.body as { error: { message: string } }).error.message).toMatch(message);
    expect(await state()).toBe(before);
  });

  it("refuses a change naming an unknown cluster or event, leaving the channel as it was", async () => {
    const { channels } = (await api("GET", "")).body as { channels: Channel[] };
    const hook = channels.find((c) => c.name === "ops-hook")!;
    const before = await state();
    const cluster = await api("PATCH", `/${hook.id}`, { clusters: ["ghost"] });
    expect(cluster.status).toBe(422);
    expect((cluster.body as { error: { message: string } }).error.message).toMatch(/^clusters: /);
    expect((await api("PATCH", `/${hook.id}`, { events: ["nope"] })).status).toBe(422);
    expect((await api("PATCH", `/${hook.id}`, {})).status).toBe(422);
    expect(await state()).toBe(before);
    expect((await api("GET", `/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it("sends a test message through the console's dispatcher, logs it, and redelivers it on request", async () => {
    const created = await api("POST", "", { type: "WEBHOOK", name: "tested", url: receiver.url, events: ["node.down"] });
    const { channel, signingSecret } = created.body as { channel: Channel; signingSecret: string };
    const before = receiver.received.length;
    expect((await api("POST", `/${channel.id}/test`)).status).toBe(202);
    const log = async () => ((await api("GET", `/${channel.id}/deliveries`)).body as { deliveries: Delivery[] }).deliveries;
    const [delivered] = await waitFor(async () => {
      const d = await log();
      return d[0]?.status === "DELIVERED" && d;
    });
    expect(delivered).toMatchObject({ event: "test", attempts: 1, httpStatus: 200, lastError: null });
    const sent = receiver.received.slice(before);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0].body)).toMatchObject({ id: delivered.id, event: "test", test: true });
    const headers = sent[0].headers;
    expect(
      verifyWebhookSignature({
        secret: signingSecret,
        body: sent[0].body,
        signature: headers["x-failover-signature"] as string,
        timestamp: headers["x-failover-timestamp"] as string,
      }),
    ).toBe(true);

    expect((await api("POST", `/${channel.id}/deliveries/${delivered.id}/redeliver`)).status).toBe(202);
    await waitFor(async () => receiver.received.length === before + 2);
    expect(JSON.parse(receiver.received[before + 1].body)).toMatchObject({ id: delivered.id, event: "test" });
    expect((await api("POST", `/${channel.id}/deliveries/999999/redeliver`)).status).toBe(404);
  });

  it("logs a failing e-mail channel's error, and delivers through a real SMTP server", async () => {
    const server = await startSmtpReceiver({ user: "notify", password: "right" });
    try {
      const base = {
        type: "EMAIL",
        host: "127.0.0.1",
        port: server.port,
        username: "notify",
        from: "console@example.com",
        to: ["oncall@example.com"],
        events: ["node.down"],
      };
      const wrong = ((await api("POST", "", { ...base, name: "mail-wrong", password: "wrong" })).body as { channel: Channel }).channel;
      const right = ((await api("POST", "", { ...base, name: "mail-right", password: "right" })).body as { channel: Channel }).channel;
      await api("POST", `/${wrong.id}/test`);
      await api("POST", `/${right.id}/test`);
      const first = async (id: string) => ((await api("GET", `/${id}/deliveries`)).body as { deliveries: Delivery[] }).deliveries[0];
      const failed = await waitFor(async () => {
        const d = await first(wrong.id);
        return d?.lastError ? d : null;
      });
      expect(failed).toMatchObject({ status: "PENDING", attempts: 1, httpStatus: null });
      expect(failed.lastError).toMatch(/invalid username or password/i);
      await waitFor(async () => (await first(right.id))?.status === "DELIVERED");
      expect(server.mails).toHaveLength(1);
      expect(server.mails[0]).toMatchObject({ to: ["oncall@example.com"], user: "notify" });
    } finally {
      await server.close();
    }
  });

  it("deletes a channel with its log, audited", async () => {
    const { channels } = (await api("GET", "")).body as { channels: Channel[] };
    const chat = channels.find((c) => c.name === "chat")!;
    expect((await api("DELETE", `/${chat.id}`)).status).toBe(200);
    expect((await api("GET", `/${chat.id}`)).status).toBe(404);
    expect(await bed.t.prisma.auditEvent.count({ where: { action: "notification.channel_deleted", reason: "chat" } })).toBe(1);
  });
});

function smtp() {
  return { type: "EMAIL", host: "smtp.example.com", port: 587, from: "console@example.com", to: ["oncall@example.com"] };
}
