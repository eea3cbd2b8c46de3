// How each channel type's settings are stored: `config` is shown by the API, `secret` never is.
import type { ChannelType } from "./events";

export type WebhookConfig = { url: string };
export type WebhookSecret = { signingSecret: string };
export type SlackConfig = { host: string };
export type SlackSecret = { url: string };
export type EmailConfig = { host: string; port: number; secure: boolean; username: string | null; from: string; to: string[] };
export type EmailSecret = { password: string | null };

export type StoredChannel =
  | { type: "WEBHOOK"; name: string; config: WebhookConfig; secret: WebhookSecret }
  | { type: "SLACK"; name: string; config: SlackConfig; secret: SlackSecret }
  | { type: "EMAIL"; name: string; config: EmailConfig; secret: EmailSecret };

/** The channel's config and secret columns, typed by its type (they were written by createChannel). */
export const storedChannel = (row: { type: ChannelType; name: string; config: unknown; secret: unknown }) => row as StoredChannel;
