// The JSON of /api/v1/notifications as the browser receives it (dates as strings).
import type { Jsonify } from "@/lib/api/api-types";
import type { ChannelView } from "@/lib/notify/channel-view";
import type { DeliveryView } from "@/lib/notify/deliveries";

export type ChannelJson = Jsonify<ChannelView>;
export type DeliveryJson = Jsonify<DeliveryView>;
export type CreatedChannelJson = { channel: ChannelJson; signingSecret?: string };

export const errorText = (e: unknown) => (e instanceof Error ? e.message : "request failed");
export const field = "rounded border border-slate-400 bg-white px-2 py-1.5";
export const button = "rounded px-3 py-1.5 text-sm font-semibold focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-50";
