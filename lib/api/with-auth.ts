import { timingSafeEqual } from "node:crypto";
import { getToken } from "next-auth/jwt";
import type { NextRequest } from "next/server";
import { z } from "zod";
import type { UserRole } from "../db/client";
import { authenticateApiToken } from "../auth/authenticate-api-token";
import { loadSessionUser } from "../auth/load-session-user";
import { hasRole } from "../auth/roles";
import { db } from "../db/client";
import { userActor } from "../cluster/audit-actions";
import { AppError } from "../errors";
import { errorResponse, toAppError } from "./errors";
import { jsonResponse, readBodyText } from "./json";

export type ApiUser = { id: string; email: string; role: UserRole; actor: string; via: "session" | "token" | "metrics-token" };

/**
 * Who is calling: an API token (`Authorization: Bearer fct_...`) or the session cookie, with role
 * and status as the database has them now; or null. A bearer header that is not a valid token is
 * refused outright, never silently replaced by the cookie.
 */
export async function requestUser(req: NextRequest): Promise<ApiUser | null> {
  const bearer = req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer !== undefined) {
    const user = await authenticateApiToken({ prisma: db(), secret: bearer });
    return user ? { id: user.id, email: user.email, role: user.role, actor: userActor(user.email), via: "token" } : null;
  }
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (!token?.uid) return null;
  const user = await loadSessionUser({ prisma: db(), userId: token.uid, issuedAt: token.issuedAtMs });
  return user ? { ...user, actor: userActor(user.email), via: "session" } : null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: a cookie-authenticated mutation must come from the console's own origin. Browsers send
 * Origin on every cross-site POST/PATCH/DELETE; bearer tokens are not ambient, so need no check.
 */
function checkSameOrigin(req: NextRequest) {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  const allowed = new Set([req.nextUrl.origin]);
  if (process.env.NEXTAUTH_URL) allowed.add(new URL(process.env.NEXTAUTH_URL).origin);
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (host) allowed.add(`${req.headers.get("x-forwarded-proto") ?? req.nextUrl.protocol.replace(":", "")}://${host}`);
  if (!origin || !allowed.has(origin)) throw new AppError("FORBIDDEN", "cross-site request refused (missing or foreign Origin header)");
}

/** `Authorization: Bearer $METRICS_TOKEN`, compared in constant time; false when no token is configured. */
function hasMetricsToken(req: NextRequest): boolean {
  const expected = process.env.METRICS_TOKEN;
  const given = req.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
  if (!expected || !given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const METRICS_SCRAPER: ApiUser = { id: "", email: "metrics-scraper", role: "VIEWER", actor: "system", via: "metrics-token" };

export type RouteOptions = {
  role: UserRole;
  /** Also accept the METRICS_TOKEN bearer token (read-only scrapers such as Prometheus). */
  metricsToken?: boolean;
  /**
   * Only a signed-in session, never an API token (403): token management, and creating users or
   * changing them (a password or role set by a token would let it sign in and mint successors).
   */
  sessionOnly?: boolean;
  /** Route params (the folder names in brackets). */
  params?: z.ZodType;
  /** The query string, blank values dropped. */
  query?: z.ZodType;
  /** A JSON body; not read when absent. */
  body?: z.ZodType;
  /** The body may be left out; it is then parsed as `{}`. */
  optionalBody?: boolean;
};

/** What a schema gives the handler; undefined where the route declares none. */
type Parsed<O, K extends "params" | "query" | "body"> = O extends { [P in K]: infer S extends z.ZodType } ? z.output<S> : undefined;

export type HandlerContext<O extends RouteOptions> = {
  req: NextRequest;
  user: ApiUser;
  params: Parsed<O, "params">;
  query: Parsed<O, "query">;
  body: Parsed<O, "body">;
};

/**
 * The one guard around every API route: a session with at least `role`, then params, query and
 * body parsed with the route's schemas (422 on a mismatch, 400 for a body that is not JSON), then
 * the handler with the typed values; every error leaves through toAppError. A handler returns a
 * Response, or a value sent as JSON (200).
 */
export function withAuth<const O extends RouteOptions>(options: O, handler: (ctx: HandlerContext<O>) => Promise<unknown>) {
  return async (req: NextRequest, context: { params: Promise<unknown> }): Promise<Response> => {
    try {
      const t0 = performance.now();
      const user = options.metricsToken && hasMetricsToken(req) ? METRICS_SCRAPER : await requestUser(req);
      if (!user) throw new AppError("UNAUTHENTICATED", "sign in first (or send a valid API token)");
      if (user.via === "session") checkSameOrigin(req);
      else if (options.sessionOnly) throw new AppError("FORBIDDEN", "this needs a signed-in session, not an API token");
      if (!hasRole(user.role, options.role)) throw new AppError("FORBIDDEN", `requires the ${options.role} role`);
      const t1 = performance.now();
      const params: unknown = options.params?.parse(await context.params);
      const query: unknown = options.query?.parse(searchParamsObject(req.nextUrl.searchParams));
      const body: unknown = options.body && (await readJson(req, options.body, options.optionalBody ?? false));
      // The schemas above produced exactly these types; TypeScript cannot follow a generic that far.
      const result = await handler({ req, user, params, query, body } as HandlerContext<O>);
      const response = result instanceof Response ? result : jsonResponse(result);
      // Where the time went, for browser dev tools and the benchmarks: a slow answer with small
      // figures here was waiting for CPU or the network, not for the console's work.
      response.headers.set("Server-Timing", `auth;dur=${(t1 - t0).toFixed(1)}, handler;dur=${(performance.now() - t1).toFixed(1)}`);
      return response;
    } catch (err) {
      const error = toAppError(err);
      if (error.code === "INTERNAL") console.error(`${req.method} ${req.nextUrl.pathname} failed:`, err);
      return errorResponse(error);
    }
  };
}

/** Query string to a plain object, blank values dropped (an empty filter field means "any"). */
function searchParamsObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (v !== "") out[k] = v;
  return out;
}

/**
 * Parses a JSON body with a schema: 413 past MAX_BODY_BYTES (while it arrives), 400 when the body is
 * not JSON (or not sent as JSON, which also keeps cross-site form posts out), 422 when it does not match.
 */
async function readJson(req: NextRequest, schema: z.ZodType, optional: boolean): Promise<unknown> {
  const text = await readBodyText(req);
  // An optional body may be absent, whatever Content-Type the client's library sets by default.
  if (optional && text.trim() === "") return schema.parse({});
  if (!/^application\/json\b/i.test(req.headers.get("content-type") ?? "")) throw new AppError("BAD_REQUEST", "send the body as application/json");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "malformed JSON");
  }
  return schema.parse(body);
}
