import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

// Real receivers for the notification tests: an HTTP server that records what it is sent, and an
// SMTP server (the smtp-server package) that records the mails it accepts.

export type Received = { at: number; path: string; headers: IncomingHttpHeaders; body: string };

export type WebhookReceiver = {
  url: string;
  port: number;
  received: Received[];
  /** What the next requests are answered with (default 200 "ok"). */
  respond: (res: { status: number; body?: string }) => void;
  close: () => Promise<void>;
};

/** Listens on `port` (0: a free one); every request is recorded, then answered. */
export async function startWebhookReceiver(port = 0, received: Received[] = []): Promise<WebhookReceiver> {
  let answer = { status: 200, body: "ok" };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      received.push({ at: Date.now(), path: req.url ?? "", headers: req.headers, body });
      res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body ?? "");
    });
  });
  const actual = await listen(server, port);
  return {
    url: `http://127.0.0.1:${actual}/hook`,
    port: actual,
    received,
    respond: (a) => (answer = { body: "", ...a }),
    close: () => closeServer(server),
  };
}

export function listen(server: Server | SMTPServer, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = (server instanceof SMTPServer ? (server as unknown as { server: Server }).server : server).address() as AddressInfo;
      resolve(address.port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export type Mail = { from: string; to: string[]; raw: string; user: string | undefined };

/**
 * An SMTP server without TLS that accepts `user`/`password` (or anyone, when no user is given).
 * `slowMs`: answers MAIL FROM, each RCPT TO and the end of DATA that late (a slow server whose
 * every step stays within a client's per-step timeout). `closed` counts connections ended.
 */
export async function startSmtpReceiver({ user, password, slowMs = 0 }: { user?: string; password?: string; slowMs?: number } = {}) {
  const mails: Mail[] = [];
  const stats = { closed: 0 };
  const later = (callback: () => void) => (slowMs ? void setTimeout(callback, slowMs) : callback());
  const server = new SMTPServer({
    onMailFrom(_address, _session, callback) {
      later(() => callback());
    },
    onRcptTo(_address, _session, callback) {
      later(() => callback());
    },
    onClose() {
      stats.closed++;
    },
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: !user,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user: auth.username });
      else callback(new Error("invalid username or password"));
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (b: Buffer) => (raw += b.toString()));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: session.user as string | undefined,
        });
        later(() => callback());
      });
    },
  });
  const port = await listen(server);
  return { port, mails, stats, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
