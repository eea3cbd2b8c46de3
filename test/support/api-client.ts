import type { PrismaClient } from "../../lib/db/client";

export type ApiRequest = {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  /** A value sent as JSON. */
  body?: unknown;
  /** Sent verbatim (for malformed JSON and wrong content types). */
  rawBody?: string;
  headers?: Record<string, string>;
};

export type ApiResponse = { status: number; body: unknown; text: string; headers: Headers };

export async function callApi(baseUrl: string, cookie: string | null, { method = "GET", path, body, rawBody, headers = {} }: ApiRequest): Promise<ApiResponse> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    redirect: "manual",
    headers: {
      // Browsers send Origin on every POST/PATCH/DELETE; the console refuses cookie mutations without its own.
      ...(cookie ? { cookie, origin: baseUrl } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: rawBody ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (CSV, metrics text)
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/**
 * Everything a request could change, as one comparable value: every row of the mutable tables
 * and the audit log's size and last id (the log is append-only). A token's last use is left out: a
 * refused call still records that the token was presented.
 */
export async function databaseState(prisma: PrismaClient) {
  const [clusters, nodes, commands, rebalances, users, tokens, audit] = await Promise.all([
    prisma.cluster.findMany({ orderBy: { id: "asc" } }),
    // What running agents write on their own beats (liveness, lease, metrics such as uptime) is not a change a request made.
    prisma.node.findMany({ orderBy: { id: "asc" }, omit: { lastHeartbeatAt: true, leaseExpiresAt: true, metrics: true } }),
    prisma.command.findMany({ orderBy: { id: "asc" } }),
    prisma.rebalance.findMany({ orderBy: { id: "asc" } }),
    prisma.user.findMany({ orderBy: { id: "asc" } }),
    prisma.apiToken.findMany({ orderBy: { id: "asc" }, omit: { lastUsedAt: true } }),
    prisma.auditEvent.aggregate({ _count: { _all: true }, _max: { id: true } }),
  ]);
  return JSON.stringify({ clusters, nodes, commands, rebalances, users, tokens, audit }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}
