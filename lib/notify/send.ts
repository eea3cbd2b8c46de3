import nodemailer from "nodemailer";
import type { StoredChannel } from "./channel-config";
import { describeError, postJson, type SendResult } from "./http-post";
import { summarize, type NotificationMessage } from "./message";
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./signature";

export type SendOptions = { timeoutMs: number };

/** Sends one message on one channel; never throws (a failure is a result, for the delivery log). */
export async function sendToChannel(channel: StoredChannel, message: NotificationMessage, { timeoutMs }: SendOptions): Promise<SendResult> {
  try {
    switch (channel.type) {
      case "WEBHOOK": {
        const body = JSON.stringify(message);
        const timestamp = Math.floor(Date.now() / 1000);
        return await postJson({
          url: channel.config.url,
          body,
          timeoutMs,
          headers: {
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(channel.secret.signingSecret, timestamp, body),
            "x-failover-event": message.event,
            "x-failover-delivery": message.id,
          },
        });
      }
      case "SLACK":
        // Slack's incoming webhooks (and Mattermost's, Rocket.Chat's) take { text }.
        return await postJson({ url: channel.secret.url, body: JSON.stringify({ text: summarize(message) }), timeoutMs });
      case "EMAIL":
        return await sendEmail(channel, message, timeoutMs);
    }
  } catch (err) {
    return { ok: false, httpStatus: null, error: describeError(err) };
  }
}

async function sendEmail(channel: Extract<StoredChannel, { type: "EMAIL" }>, message: NotificationMessage, timeoutMs: number): Promise<SendResult> {
  const { host, port, secure, username, from, to } = channel.config;
  const transport = nodemailer.createTransport({
    host,
    port,
    secure,
    auth: username ? { user: username, pass: channel.secret.password ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    const subject = summarize(message).slice(0, 200);
    const text = `${summarize(message)}\n\n${JSON.stringify(message, null, 2)}\n`;
    await transport.sendMail({ from, to, subject, text, headers: { "X-Failover-Delivery": message.id, "X-Failover-Event": message.event } });
    return { ok: true, httpStatus: null, error: null };
  } finally {
    transport.close();
  }
}
