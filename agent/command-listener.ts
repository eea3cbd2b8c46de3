import pg from "pg";
import { createClient } from "../lib/db/database-url";
import type { Logger } from "./log";

/**
 * LISTENs on "cluster_command" (notified on command inserts, status changes and role changes) and
 * calls onWake for the notifications of this agent's services (their Cluster row ids), so commands
 * start within milliseconds instead of at the next tick. Reconnects on its own; the tick loop's
 * polling covers any gap.
 */
export function listenForCommands({ url, clusterIds, onWake, log }: { url: string; clusterIds: string[]; onWake: () => void; log: Logger }) {
  const mine = new Set(clusterIds);
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    if (closed) return;
    // LISTEN on the primary: a replica never delivers the primary's NOTIFYs.
    const c = createClient(url, { connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 5_000 });
    const reconnect = () => {
      if (client !== c) return;
      client = null;
      c.end().catch(() => {});
      if (!closed) retry = setTimeout(() => void connect(), 1_000);
    };
    client = c;
    c.on("error", reconnect);
    c.on("end", reconnect);
    c.on("notification", (n) => n.payload !== undefined && mine.has(n.payload) && onWake());
    try {
      await c.connect();
      await c.query("LISTEN cluster_command");
      log.debug("listening for commands");
      onWake(); // anything notified while disconnected
    } catch (err) {
      log.debug("command listener could not connect", { error: (err as Error).message });
      reconnect();
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      if (!c) return;
      // A connection silenced by a partition (no FIN, no RST) never answers the goodbye: give it a
      // second, then drop the socket, so a SIGTERM is never stuck here.
      const ended = await Promise.race([
        c.end().then(
          () => true,
          () => true,
        ),
        new Promise<false>((r) => setTimeout(() => r(false), 1000)),
      ]);
      if (!ended) (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    },
  };
}
