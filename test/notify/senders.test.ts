import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredChannel } from "../../lib/notify/channel-config";
import { buildMessage, summarize } from "../../lib/notify/message";
import { postJson } from "../../lib/notify/http-post";
import { sendToChannel } from "../../lib/notify/send";
import { newSigningSecret, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from "../../lib/notify/signature";
import { closeServer, listen, startSmtpReceiver, startWebhookReceiver } from "./receivers";

// Each sender against a real receiver on a real socket: what arrives, and how a receiver that
// misbehaves (hangs, redirects, answers endlessly) is cut off.

const audit = {
  id: 42n,
  at: new Date("2026-12-02T08:00:00.000Z"),
  actor: "agent:prod/node-b",
  action: "failover.promoted",
  clusterName: "prod",
  nodeName: "node-b",
  fromRole: "STANDBY",
  toRole: "ACTIVE",
  epoch: 7n,
  reason: "automatic failover from node-a",
  details: { previousActive: "node-a", priority: 90 },
};
const message = buildMessage(5n, "ops", audit);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

describe("webhook", () => {
  it("posts the event as JSON, signed so that the right secret verifies it and a wrong one does not", async () => {
    const receiver = await startWebhookReceiver();
    cleanup.push(receiver.close);
    const secret = newSigningSecret();
    const channel: StoredChannel = { type: "WEBHOOK", name: "ops", config: { url: receiver.url }, secret: { signingSecret: secret } };
    const result = await sendToChannel(channel, message, { timeoutMs: 2000 });
    expect(result).toEqual({ ok: true, httpStatus: 200, error: null });
    const [req] = receiver.received;
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: "5",
      event: "failover.promoted",
      cluster: "prod",
      node: "node-b",
      previousNode: "node-a",
      epoch: "7",
      reason: "automatic failover from node-a",
      auditId: "42",
    });
    expect(req.headers["x-failover-event"]).toBe("failover.promoted");
    expect(req.headers["x-failover-delivery"]).toBe("5");
    const signed = { body: req.body, signature: req.headers[SIGNATURE_HEADER] as string, timestamp: req.headers[TIMESTAMP_HEADER] as string };
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret, ...signed })).toBe(true);
    expect(verifyWebhookSignature({ secret: newSigningSecret(), ...signed })).toBe(false);
    expect(verifyWebhookSignature({ secret, ...signed, body: req.body.replace("node-b", "node-x") })).toBe(false);
    // A replay long after the fact fails the timestamp check.
    expect(verifyWebhookSignature({ secret, ...signed, nowS: Number(signed.timestamp) + 3600 })).toBe(false);
  });

  it("cuts off a receiver that never answers at the timeout", async () => {
    const server = createServer(() => {}); // accepts, reads, never answers
    const port = await listen(server);
    cleanup.push(() => closeServer(server));
    const t0 = Date.now();
    const result = await postJson({ url: `http://127.0.0.1:${port}/`, body: "{}", timeoutMs: 400 });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(result).toEqual({ ok: false, httpStatus: null, error: "no answer within 400 ms" });
  });

  it("does not quote a password in a URL (saved before the API refused them) in its error", async () => {
    const receiver = await startWebhookReceiver();
    cleanup.push(receiver.close);
    const url = receiver.url.replace("http://", "http://ops:hunter2@");
    const result = await sendToChannel({ type: "WEBHOOK", name: "ops", config: { url }, secret: { signingSecret: "whsec_x" } }, message, { timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, httpStatus: null });
    expect(result.error).not.toContain("hunter2");
    expect(receiver.received).toHaveLength(0);
  });

  it("does not follow a redirect (the signed event stays where it was sent)", async () => {
    const target = await startWebhookReceiver();
    cleanup.push(target.close);
    const server = createServer((_req, res) => res.writeHead(307, { location: target.url }).end());
    const port = await listen(server);
    cleanup.push(() => closeServer(server));
    const result = await postJson({ url: `http://127.0.0.1:${port}/`, body: "{}", timeoutMs: 2000 });
    expect(result).toEqual({ ok: false, httpStatus: 307, error: `HTTP 307: redirect to ${target.url} not followed` });
    await new Promise((r) => setTimeout(r, 100));
    expect(target.received).toHaveLength(0);
  });

  it("reads no more than a few kilobytes of an endless answer", async () => {
    let written = 0;
    let closed = false;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(500, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(64 * 1024, "x");
      const pump = () => {
        while (!closed && res.write(chunk)) written += chunk.length;
        if (!closed) res.once("drain", pump);
      };
      res.on("close", () => (closed = true));
      pump();
    });
    const port = await listen(server);
    cleanup.push(() => closeServer(server));
    const t0 = Date.now();
    const result = await postJson({ url: `http://127.0.0.1:${port}/`, body: "{}", timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(result.ok).toBe(false);
    expect(result.httpStatus).toBe(500);
    expect(result.error).toBe(`HTTP 500: ${"x".repeat(200)}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(true); // the connection was dropped, not drained
    expect(written).toBeLessThan(16 * 1024 * 1024); // socket buffers, not the endless body
  });

  it("reports a refused connection and a non-2xx answer as failures with their cause", async () => {
    const receiver = await startWebhookReceiver();
    receiver.respond({ status: 503, body: "maintenance" });
    cleanup.push(receiver.close);
    expect(await postJson({ url: receiver.url, body: "{}", timeoutMs: 2000 })).toEqual({ ok: false, httpStatus: 503, error: "HTTP 503: maintenance" });
    const closed = await startWebhookReceiver();
    await closed.close();
    const refused = await postJson({ url: closed.url, body: "{}", timeoutMs: 2000 });
    expect(refused).toMatchObject({ ok: false, httpStatus: null });
    expect(refused.error).toMatch(/ECONNREFUSED/);
  });
});

describe("Slack-compatible incoming webhook", () => {
  it("posts one line of text naming cluster, event, node, epoch and the node before", async () => {
    const receiver = await startWebhookReceiver();
    cleanup.push(receiver.close);
    const result = await sendToChannel({ type: "SLACK", name: "chat", config: { host: "x" }, secret: { url: receiver.url } }, message, { timeoutMs: 2000 });
    expect(result.ok).toBe(true);
    expect(JSON.parse(receiver.received[0].body)).toEqual({
      text: "[prod] automatic failover: node-b (epoch 7), from node-a - automatic failover from node-a",
    });
  });
});

describe("e-mail over SMTP (nodemailer)", () => {
  it("sends through an SMTP server with login, to every recipient", async () => {
    const smtp = await startSmtpReceiver({ user: "notify", password: "s3cret" });
    cleanup.push(smtp.close);
    const channel: StoredChannel = {
      type: "EMAIL",
      name: "mail",
      config: { host: "127.0.0.1", port: smtp.port, secure: false, username: "notify", from: "console@example.com", to: ["a@example.com", "b@example.com"] },
      secret: { password: "s3cret" },
    };
    const result = await sendToChannel(channel, message, { timeoutMs: 3000 });
    expect(result).toEqual({ ok: true, httpStatus: null, error: null });
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail).toMatchObject({ from: "console@example.com", to: ["a@example.com", "b@example.com"], user: "notify" });
    expect(mail.raw).toMatch(/^Subject: \[prod\] automatic failover: node-b \(epoch 7\), from node-a/m);
    expect(mail.raw).toMatch(/^X-Failover-Delivery: 5$/m);
  });

  it("reports a wrong password as a failure, and a server that does not answer after the timeout", async () => {
    const smtp = await startSmtpReceiver({ user: "notify", password: "s3cret" });
    cleanup.push(smtp.close);
    const config = { host: "127.0.0.1", port: smtp.port, secure: false, username: "notify", from: "console@example.com", to: ["a@example.com"] };
    const wrong = await sendToChannel({ type: "EMAIL", name: "mail", config, secret: { password: "nope" } }, message, { timeoutMs: 3000 });
    expect(wrong.ok).toBe(false);
    expect(wrong.error).toMatch(/invalid username or password/i);
    expect(smtp.mails).toHaveLength(0);

    const silent = createServer(); // a TCP listener that never greets
    const port = await listen(silent);
    cleanup.push(() => closeServer(silent));
    const t0 = Date.now();
    const hung = await sendToChannel({ type: "EMAIL", name: "mail", config: { ...config, port }, secret: { password: "s3cret" } }, message, { timeoutMs: 500 });
    expect(hung.ok).toBe(false);
    expect(hung.error).toMatch(/greeting|timeout/i);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it("gives a slow server one deadline for the whole send (3 x the step timeout), then drops the connection", async () => {
    // Every answer comes within the 500 ms step timeout, but 20 recipients at 400 ms each would
    // make the send last 8 s and more: with production figures, minutes, past the dispatcher's claim.
    const smtp = await startSmtpReceiver({ slowMs: 400 });
    cleanup.push(smtp.close);
    const to = Array.from({ length: 20 }, (_, i) => `r${i}@example.com`);
    const config = { host: "127.0.0.1", port: smtp.port, secure: false, username: null, from: "console@example.com", to };
    const t0 = Date.now();
    const result = await sendToChannel({ type: "EMAIL", name: "mail", config, secret: { password: null } }, message, { timeoutMs: 500 });
    const took = Date.now() - t0;
    expect(result).toMatchObject({ ok: false, httpStatus: null });
    expect(result.error).toMatch(/not sent within 1500 ms/);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(2500);
    // The connection is gone (the server sees it close), and nothing is delivered later.
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.stats.closed).toBe(1);
    expect(smtp.mails).toHaveLength(0);
  });
});

describe("message of a service's event", () => {
  it("names the service beside the cluster, and says what a below-minimum event is", () => {
    const below = buildMessage(6n, "ops", {
      ...audit,
      action: "service.below_minimum",
      service: "api",
      nodeName: null,
      fromRole: null,
      toRole: null,
      reason: "only 1 node serves api; its minimum is 2",
      details: { serving: 1, minActive: 2 },
    });
    expect(below.service).toBe("api");
    expect(summarize(below)).toBe("[prod/api] fewer nodes serve than the minimum (epoch 7) - only 1 node serves api; its minimum is 2");
    expect(summarize(buildMessage(7n, "ops", { ...audit, service: "main" }))).toMatch(/^\[prod\] automatic failover: node-b/);
  });
});
