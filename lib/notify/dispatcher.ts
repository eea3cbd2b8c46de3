import type { PrismaClient } from "../db/client";
import { storedChannel } from "./channel-config";
import type { ChannelType } from "./events";
import { buildMessage, type AuditRow } from "./message";
import { sendDeadlineMs, sendToChannel } from "./send";

// The outbox's consumer, in every console process. A pass claims due deliveries with
// FOR UPDATE SKIP LOCKED (two consoles never claim one row), pushes each claim's due time past the
// send timeout (a console that dies mid-send leaves a claim that lapses, and another retries),
// commits, and only then sends: no transaction, lock or role change ever waits for a receiver.

export type DispatchOptions = {
  prisma: PrismaClient;
  /** Deliveries claimed per pass. */
  batch?: number;
  /** Per send: connect, answer and body (SMTP: each phase, and the whole send within sendDeadlineMs). */
  timeoutMs?: number;
  /** Attempts before a delivery is FAILED (the console's Redeliver sends it again). */
  maxAttempts?: number;
};

export const DISPATCH_DEFAULTS = { batch: 20, timeoutMs: 5_000, maxAttempts: 20 };

/** How much longer a claim lasts than the send it covers may take. */
const CLAIM_MARGIN_MS = 15_000;

/** Retry after 1, 2, 4, ... seconds, at most 5 minutes apart: 20 attempts span about an hour. */
const BACKOFF_SQL = `make_interval(secs => LEAST(power(2, attempts - 1), 300))`;

type Claimed = {
  id: bigint;
  claimId: string;
  attempts: number;
  channelName: string;
  type: ChannelType;
  config: unknown;
  secret: unknown;
  audit: (Omit<AuditRow, "at"> & { at: string }) | null;
};

/** One pass: claims what is due, sends it, records each result. Returns how many it claimed. */
export async function dispatchDue({ prisma, ...options }: DispatchOptions): Promise<number> {
  const batch = options.batch ?? DISPATCH_DEFAULTS.batch;
  const timeoutMs = options.timeoutMs ?? DISPATCH_DEFAULTS.timeoutMs;
  const maxAttempts = options.maxAttempts ?? DISPATCH_DEFAULTS.maxAttempts;
  // The claim outlasts the longest send, so that no other console sends a delivery while this one
  // still may: no send lasts past sendDeadlineMs (a webhook or Slack post is cut at timeoutMs, an
  // e-mail at 3 x timeoutMs whatever its per-step timeouts allow), plus CLAIM_MARGIN_MS for this
  // pass's database round trips and event-loop stalls. With the defaults: 5 s steps, a 15 s send
  // deadline, a 30 s claim.
  const claimMs = sendDeadlineMs(timeoutMs) + CLAIM_MARGIN_MS;
  const claimed = await prisma.$queryRawUnsafe<Claimed[]>(
    `WITH claimed AS (
       UPDATE "NotificationDelivery" d SET attempts = d.attempts + 1, "lastAttemptAt" = now(), "claimId" = gen_random_uuid(),
         "nextAttemptAt" = now() + make_interval(secs => $2::float8 / 1000)
       WHERE d.id IN (
         -- The join skips a delivery whose channel is gone (queued as it was being deleted; pruned hourly).
         SELECT q.id FROM "NotificationDelivery" q JOIN "NotificationChannel" ch ON ch.id = q."channelId"
         WHERE q.status = 'PENDING' AND q."nextAttemptAt" <= now()
           -- A disabled channel holds its events (sent once it is enabled again); test messages go out.
           AND (ch.enabled OR q."auditEventId" IS NULL)
         ORDER BY q."nextAttemptAt", q.id LIMIT $1 FOR UPDATE OF q SKIP LOCKED)
       RETURNING d.id, d."claimId", d.attempts, d."channelId", d."auditEventId"
     )
     SELECT cl.id, cl."claimId", cl.attempts, c.name AS "channelName", c.type::text AS type, c.config, c.secret,
       CASE WHEN a.id IS NOT NULL THEN jsonb_build_object('id', a.id, 'at', a.at, 'actor', a.actor, 'action', a.action,
         'clusterName', a."clusterName", 'service', a.service, 'nodeName', a."nodeName", 'fromRole', a."fromRole", 'toRole', a."toRole",
         'epoch', a.epoch, 'reason', a.reason, 'details', a.details) END AS audit
     FROM claimed cl JOIN "NotificationChannel" c ON c.id = cl."channelId" LEFT JOIN "AuditEvent" a ON a.id = cl."auditEventId"
     ORDER BY cl.id`,
    batch,
    claimMs,
  );
  await Promise.all(
    claimed.map(async (d) => {
      const audit = d.audit && { ...d.audit, id: BigInt(d.audit.id), epoch: d.audit.epoch === null ? null : BigInt(d.audit.epoch), at: new Date(d.audit.at) };
      const message = buildMessage(d.id, d.channelName, audit);
      const result = await sendToChannel(storedChannel({ type: d.type, name: d.channelName, config: d.config, secret: d.secret }), message, { timeoutMs });
      // Matched on the claim: if this console was frozen past it and another console took over, its result stands.
      await prisma.$executeRawUnsafe(
        result.ok
          ? `UPDATE "NotificationDelivery" SET status = 'DELIVERED', "deliveredAt" = now(), "httpStatus" = $3, "lastError" = NULL, "claimId" = NULL
             WHERE id = $1::bigint AND "claimId" = $2::uuid`
          : `UPDATE "NotificationDelivery" SET "httpStatus" = $3, "lastError" = $4, "claimId" = NULL,
               status = CASE WHEN attempts >= $5 THEN 'FAILED'::"NotificationDeliveryStatus" ELSE 'PENDING'::"NotificationDeliveryStatus" END,
               "nextAttemptAt" = now() + ${BACKOFF_SQL}
             WHERE id = $1::bigint AND "claimId" = $2::uuid`,
        d.id,
        d.claimId,
        result.httpStatus,
        ...(result.ok ? [] : [result.error?.slice(0, 500) ?? "failed", maxAttempts]),
      );
    }),
  );
  return claimed.length;
}

/** Finished deliveries are kept this long in the log. */
const KEEP_DAYS = 30;

export type Dispatcher = { wake(): void; stop(): Promise<void> };

/**
 * Runs dispatchDue every intervalMs (at once again after a full batch, or when woken), and prunes
 * old log rows hourly. Errors (database down) are reported once until a pass succeeds again.
 */
export function startDispatcher({
  intervalMs = 500,
  log = console,
  ...options
}: DispatchOptions & { intervalMs?: number; log?: Pick<Console, "warn"> }): Dispatcher {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  let failing = false;
  let again = false;
  let lastPrune = 0;
  const batch = options.batch ?? DISPATCH_DEFAULTS.batch;
  const pass = async () => {
    timer = undefined;
    let delay = intervalMs;
    try {
      const n = await dispatchDue(options);
      if (n >= batch) delay = 0;
      if (Date.now() - lastPrune > 3_600_000) {
        lastPrune = Date.now();
        await options.prisma.$executeRawUnsafe(
          `DELETE FROM "NotificationDelivery" WHERE status <> 'PENDING' AND "createdAt" < now() - make_interval(days => ${KEEP_DAYS})`,
        );
        // Deliveries whose channel is gone: queued by a transaction that still saw a channel being deleted.
        await options.prisma.$executeRawUnsafe(
          `DELETE FROM "NotificationDelivery" d WHERE NOT EXISTS (SELECT 1 FROM "NotificationChannel" c WHERE c.id = d."channelId")`,
        );
      }
      failing = false;
    } catch (err) {
      if (!failing) log.warn(`notification dispatch failed, retrying every ${intervalMs} ms:`, err instanceof Error ? err.message : err);
      failing = true;
    }
    if (again) delay = 0;
    again = false;
    if (!stopped) timer = setTimeout(run, delay).unref();
  };
  const run = () => {
    running = pass().finally(() => (running = null));
  };
  timer = setTimeout(run, 0).unref();
  return {
    wake() {
      if (stopped) return;
      if (running) again = true;
      else if (timer) {
        clearTimeout(timer);
        timer = setTimeout(run, 0).unref();
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

// Next.js may load instrumentation.ts and the route handlers as separate module instances in one
// process: the running dispatcher is found through globalThis.
const slot = globalThis as unknown as { __notificationDispatcher?: Dispatcher };

export function setProcessDispatcher(d: Dispatcher) {
  slot.__notificationDispatcher = d;
}

/** Sends what was just queued (a test message) now rather than at the next pass; a no-op without a dispatcher. */
export function wakeProcessDispatcher() {
  slot.__notificationDispatcher?.wake();
}
