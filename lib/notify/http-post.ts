// One careful HTTP POST for webhooks and Slack: a receiver that hangs, redirects or answers with
// a huge body costs a dispatcher a bounded time and a few kilobytes, never more.

export type SendResult = { ok: boolean; httpStatus: number | null; error: string | null };

export type PostOptions = {
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** Connect, answer and body together. */
  timeoutMs: number;
  /** Bytes of the answer read (for the delivery log's error text); the rest is not downloaded. */
  maxBodyBytes?: number;
};

export async function postJson({ url, body, headers = {}, timeoutMs, maxBodyBytes = 2048 }: PostOptions): Promise<SendResult> {
  // Refused by the API since; one saved before would make fetch throw an error quoting the password.
  const target = URL.canParse(url) ? new URL(url) : null;
  if (target && (target.username || target.password)) return { ok: false, httpStatus: null, error: "the URL contains a user name or password: not sent" };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const res = await fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "user-agent": "failover-console-notifications", ...headers },
      // A redirect is the receiver's answer, not an invitation: following it would send the signed
      // event (or a Slack URL's payload) to wherever it points.
      redirect: "manual",
      signal: controller.signal,
    });
    const text = await readAtMost(res, maxBodyBytes);
    if (res.status >= 200 && res.status < 300) return { ok: true, httpStatus: res.status, error: null };
    const why = res.status >= 300 && res.status < 400 ? `redirect to ${res.headers.get("location") ?? "?"} not followed` : text.trim().slice(0, 200);
    return { ok: false, httpStatus: res.status, error: `HTTP ${res.status}${why ? `: ${why}` : ""}` };
  } catch (err) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
    return { ok: false, httpStatus: null, error: describeError(reason) };
  } finally {
    clearTimeout(timer);
  }
}

/** The start of the body as text; the connection is cancelled past the limit. */
async function readAtMost(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 500);
  // fetch wraps network errors: the cause says what happened (ECONNREFUSED, ENOTFOUND, ...).
  const cause = (err as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : "";
  return `${err.message}${detail}`.slice(0, 500);
}
