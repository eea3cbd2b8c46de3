import { AppError } from "../errors";

/** The largest request body the API reads. */
export const MAX_BODY_BYTES = 16_384;

/**
 * A request body as text, read no further than `limit` bytes: a declared Content-Length past it is
 * refused before anything is read, and a body that grows past it (chunked, or lying about its
 * length) is refused as soon as it does, the rest never read.
 */
export async function readBodyText(req: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `request body over ${limit} bytes`);
  if (Number(req.headers.get("content-length") ?? 0) > limit) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON with BigInt values (epochs, audit ids) as strings, since JSON numbers lose precision past 2^53. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

export function jsonResponse(value: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return new Response(toJson(value), { ...init, headers });
}
