import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// Webhook signatures as Stripe and GitHub make theirs: HMAC-SHA256 over "<timestamp>.<body>" with
// the channel's secret, the timestamp in its own header so a receiver can refuse old replays.

export const SIGNATURE_HEADER = "x-failover-signature";
export const TIMESTAMP_HEADER = "x-failover-timestamp";
export const SECRET_PREFIX = "whsec_";

export const newSigningSecret = () => SECRET_PREFIX + randomBytes(32).toString("base64url");

/** The header value: `sha256=<hex>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/**
 * What a receiver does (docs/notifications.md shows the same in a few lines): recompute, compare in
 * constant time, and refuse a timestamp older than toleranceS.
 */
export function verifyWebhookSignature({
  secret,
  body,
  signature,
  timestamp,
  toleranceS = 300,
  nowS = Math.floor(Date.now() / 1000),
}: {
  secret: string;
  body: string;
  signature: string | null | undefined;
  timestamp: string | null | undefined;
  toleranceS?: number;
  nowS?: number;
}): boolean {
  const ts = Number(timestamp);
  if (!signature || !Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
