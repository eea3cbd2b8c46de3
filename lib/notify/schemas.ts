// Request schemas of /api/v1/notifications (zod): browser-safe, the console's forms use the types.
import { z } from "zod";
import { CHANNEL_TYPES, NOTIFY_EVENTS } from "./events";

const clusterName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' or '-'");

// Only http(s): no file:, data: or other schemes a fetch might follow.
// (z.httpUrl would also refuse IP addresses and single-label hosts, which internal receivers use.)
// No user:pass@: fetch refuses to send to such a URL (the channel could never work), and the
// password would sit in the channel's settings and its delivery log.
const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2000)
  .refine(
    (u) => {
      try {
        const parsed = new URL(u);
        return parsed.username === "" && parsed.password === "";
      } catch {
        return true; // z.url has said what is wrong with it
      }
    },
    { error: "must not contain a user name or password" },
  );

const filters = {
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().optional(),
  /** Audit actions to notify about (lib/notify/events.ts). */
  events: z.array(z.enum(NOTIFY_EVENTS)).min(1, "choose at least one event").max(NOTIFY_EVENTS.length),
  /** Cluster names; empty or absent: every cluster. */
  clusters: z.array(clusterName).max(100).optional(),
};

const email = z.email({ error: "not an e-mail address" }).max(255);

export const createChannelSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("WEBHOOK"), ...filters, url: httpUrl }),
  /** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): the URL is its secret. */
  z.strictObject({ type: z.literal("SLACK"), ...filters, url: httpUrl }),
  z.strictObject({
    type: z.literal("EMAIL"),
    ...filters,
    host: z.hostname({ error: "not a host name" }).max(255),
    port: z.number().int().min(1).max(65535),
    /** Implicit TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().optional(),
    username: z.string().max(255).optional(),
    password: z.string().max(255).optional(),
    from: email,
    to: z.array(email).min(1, "at least one recipient").max(20),
  }),
]);
export type CreateChannelBody = z.infer<typeof createChannelSchema>;

export const updateChannelSchema = z
  .strictObject({
    name: filters.name.optional(),
    enabled: z.boolean().optional(),
    events: filters.events.optional(),
    clusters: filters.clusters,
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "nothing to change: send name, enabled, events or clusters" });
export type UpdateChannelBody = z.infer<typeof updateChannelSchema>;

export const channelParamsSchema = z.object({ id: z.uuid() });
export const deliveryParamsSchema = z.object({ id: z.uuid(), deliveryId: z.string().regex(/^\d{1,18}$/, "a delivery id") });

export const channelTypeSchema = z.enum(CHANNEL_TYPES);
export const deliveriesQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });
