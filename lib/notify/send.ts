import { connect, type Socket } from "node:net";
import nodemailer from "nodemailer";
import type { StoredChannel } from "./channel-config";
import { describeError, postJson, type SendResult } from "./http-post";
import { summarize, type NotificationMessage } from "./message";
import { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./signature";

export type SendOptions = { timeoutMs: number };

/**
 * No send lasts longer than this (the dispatcher's claim is derived from it). A webhook or Slack
 * post is cut at timeoutMs (connect, answer and body together); an e-mail's steps each get
 * timeoutMs (connect, greeting, every command), which a slow server answering each just in time
 * could stretch to minutes, so the whole e-mail gets this deadline and its connection is dropped.
 */
export function sendDeadlineMs(timeoutMs: number): number {
  return 3 * timeoutMs;
}

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
  const deadlineMs = sendDeadlineMs(timeoutMs);
  // nodemailer's close() does not end a send in progress: the transport connects through a socket
  // of ours, which the deadline destroys (TLS, from the start or by STARTTLS, runs over it).
  const sockets = new Set<Socket>();
  const transport = nodemailer.createTransport({
    host,
    port,
    secure,
    auth: username ? { user: username, pass: channel.secret.password ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    getSocket(_options: unknown, callback: (err: Error | null, socketOptions: { connection: Socket } | null) => void) {
      const socket = connect({ host, port });
      sockets.add(socket);
      const onError = (err: Error) => callback(err, null);
      socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`Connection timeout: no connection within ${timeoutMs} ms`)));
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.setTimeout(0);
        socket.off("error", onError);
        callback(null, { connection: socket });
      });
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const subject = summarize(message).slice(0, 200);
    const text = `${summarize(message)}\n\n${JSON.stringify(message, null, 2)}\n`;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not sent within ${deadlineMs} ms (the server answers too slowly)`)), deadlineMs);
    });
    await Promise.race([
      transport.sendMail({ from, to, subject, text, headers: { "X-Failover-Delivery": message.id, "X-Failover-Event": message.event } }),
      deadline,
    ]);
    return { ok: true, httpStatus: null, error: null };
  } finally {
    clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
    transport.close();
  }
}
