// Calls to /api/v1 from the browser (apiFetch) and the CLI (readApiResponse): one place that turns
// answers into values and error bodies into exceptions.
import type { z } from "zod";

export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    /** The console's error code (NOT_FOUND, CONFLICT, ...), HTTP_<status> when it sent none, BAD_ANSWER for an answer that is not the API's. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiClientError";
  }
}

/** True when the request never got an answer from the console itself (network down, server stopped). */
export const isNetworkError = (err: unknown) => err instanceof TypeError;

/**
 * The body of an /api/v1 answer: its JSON, checked against `schema` when given; an ApiClientError
 * from an error answer's { error: { code, message } }, or BAD_ANSWER when the answer is not JSON
 * (or not the documented shape): a proxy's error page, another server on that address.
 */
export async function readApiResponse<S extends z.ZodType>(res: Response, schema?: S): Promise<z.output<S>> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    const type = res.headers.get("content-type")?.split(";")[0] ?? "no content type";
    throw new ApiClientError(res.status, "BAD_ANSWER", `the answer is not JSON (HTTP ${res.status}, ${type})`);
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof error?.code === "string" ? error.code : `HTTP_${res.status}`;
    throw new ApiClientError(res.status, code, typeof error?.message === "string" ? error.message : `request failed (HTTP ${res.status})`);
  }
  if (!schema) return body as z.output<S>;
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  // Fields a newer console added are no reason to refuse its answer (the response schemas are
  // strict so that the API tests catch undocumented fields; clients need not be).
  const issue = parsed.error.issues.find((i) => i.code !== "unrecognized_keys");
  if (!issue) return body as z.output<S>;
  throw new ApiClientError(res.status, "BAD_ANSWER", `the answer is not what the API documents (${issue.path.join(".") || "body"}: ${issue.message})`);
}

export async function apiFetch<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const res = await fetch(path, {
    ...rest,
    cache: "no-store",
    headers: { accept: "application/json", ...(json !== undefined ? { "content-type": "application/json" } : {}), ...rest.headers },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  if (res.status === 401 && typeof window !== "undefined") {
    window.location.assign("/signin");
  }
  return (await readApiResponse(res)) as T;
}
