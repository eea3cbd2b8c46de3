// What /api/v1/notifications answers with (lib/notify/channel-view.ts, lib/notify/deliveries.ts),
// for the OpenAPI document and the API tests' checks of real answers; strict, as in response-schemas.ts.
import { z } from "zod";
import { CHANNEL_TYPES } from "../notify/events";

const isoTime = z.iso.datetime({ offset: true });
const deliveryId = z.string().regex(/^[0-9]+$/);

export const channelSchema = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(CHANNEL_TYPES),
    enabled: z.boolean(),
    events: z.array(z.string()).meta({ description: "audit actions it notifies about" }),
    clusters: z.array(z.string()).meta({ description: "empty: every cluster" }),
    config: z.record(z.string(), z.unknown()).meta({
      description: "the public half of its settings: WEBHOOK { url }, SLACK { host }, EMAIL { host, port, secure, username, from, to }; never a secret",
    }),
    createdBy: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime,
    deliveries: z.strictObject({ pending: z.int(), delivered: z.int(), failed: z.int() }),
  })
  .meta({ id: "NotificationChannel" });

export const channelListSchema = z.strictObject({ channels: z.array(channelSchema) });
export const createdChannelSchema = z.strictObject({
  channel: channelSchema,
  signingSecret: z.string().optional().meta({ description: "a webhook's HMAC-SHA256 key: in this answer only" }),
});
export const deletedChannelSchema = z.strictObject({ id: z.uuid(), name: z.string() });

export const deliverySchema = z
  .strictObject({
    id: deliveryId,
    event: z.string().meta({ description: "the audit action, or test" }),
    auditEventId: deliveryId.nullable(),
    cluster: z.string().nullable(),
    node: z.string().nullable(),
    status: z.enum(["PENDING", "DELIVERED", "FAILED"]),
    attempts: z.int(),
    createdAt: isoTime,
    lastAttemptAt: isoTime.nullable(),
    nextAttemptAt: isoTime.nullable(),
    deliveredAt: isoTime.nullable(),
    httpStatus: z.int().nullable(),
    lastError: z.string().nullable(),
  })
  .meta({ id: "NotificationDelivery" });

export const deliveryListSchema = z.strictObject({ deliveries: z.array(deliverySchema) });
export const queuedDeliverySchema = z.strictObject({ id: deliveryId });
